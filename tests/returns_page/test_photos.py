"""Evidence photos are judged by their bytes, not their names."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from portal.returns_page import photos
from tests.returns_page.helpers import png


def test_a_png_is_measured_from_its_header() -> None:
    info = photos.inspect(png(640, 480))
    assert (info.kind, info.width, info.height) == ("png", 640, 480)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"GIF89a" + b"\0" * 40, "type"),
        (b"<?xml version='1.0'?><svg/>", "svg"),
        (png(6001, 10), "dimensions"),
        (png(10, 0), "dimensions"),
        (png() + b"\0" * photos.MAX_BYTES, "too_big"),
        (b"\xff\xd8\xff\xe0garbage-without-a-frame", "corrupt"),
    ],
)
def test_bad_photos_are_refused_with_a_reason(data: bytes, code: str) -> None:
    with pytest.raises(photos.ImageRejected) as refused:
        photos.inspect(data)
    assert refused.value.code == code


def test_a_stored_photo_gets_a_random_name_under_var(tmp_path: Path) -> None:
    settings = SimpleNamespace(var_dir=tmp_path)
    first, second = photos.store(settings, png()), photos.store(settings, png())
    assert first != second
    assert Path(first).parent == photos.FOLDER and first.endswith(".png")
    assert (tmp_path / first).read_bytes() == png()
