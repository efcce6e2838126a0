"""Logo checks: the type comes from magic bytes, and size and dimensions are bounded."""

from __future__ import annotations

import pytest

from portal.core import images
from tests.admin import images_data


@pytest.mark.parametrize(
    ("data", "kind", "size"),
    [
        (images_data.png(4, 3), "png", (4, 3)),
        (images_data.jpeg(5, 6), "jpeg", (5, 6)),
        (images_data.webp(7, 8), "webp", (7, 8)),
    ],
)
def test_it_reads_the_type_and_dimensions(data: bytes, kind: str, size: tuple[int, int]) -> None:
    info = images.inspect(data)
    assert (info.kind, (info.width, info.height)) == (kind, size)


def test_svg_is_refused() -> None:
    with pytest.raises(images.ImageRejected) as caught:
        images.inspect(images_data.SVG)
    assert caught.value.code == "svg"


def test_a_renamed_text_file_is_refused() -> None:
    with pytest.raises(images.ImageRejected) as caught:
        images.inspect(b"GIF89a not really")
    assert caught.value.code == "type"


def test_a_file_over_one_megabyte_is_refused() -> None:
    with pytest.raises(images.ImageRejected) as caught:
        images.inspect(images_data.png() + b"\x00" * images.MAX_BYTES)
    assert caught.value.code == "too_big"


def test_an_image_wider_than_2000_pixels_is_refused() -> None:
    with pytest.raises(images.ImageRejected) as caught:
        images.inspect(images_data.png(2001, 10))
    assert caught.value.code == "dimensions"


def test_a_truncated_png_is_refused() -> None:
    with pytest.raises(images.ImageRejected) as caught:
        images.inspect(images_data.png()[:14])
    assert caught.value.code == "corrupt"
