"""Evidence photos: checked by their content, stored outside the web root under a random name.

The type and dimensions come from the image's own header, read by the logo checker in
:mod:`portal.core.images` (PNG, JPEG, WebP; never SVG). The limits here are larger than a
logo's because phone cameras take 12-megapixel pictures of several megabytes.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from portal.core import images
from portal.core.images import ImageInfo, ImageRejected
from portal.settings import Settings

__all__ = ["FOLDER", "MAX_BYTES", "MAX_SIDE", "ImageRejected", "inspect", "store"]

MAX_BYTES = 8 * 1024 * 1024
MAX_SIDE = 6000
#: Where photos live, relative to ``settings.var_dir`` (ReturnItem.photo_path keeps this form).
FOLDER = Path("uploads") / "returns"


def inspect(data: bytes) -> ImageInfo:
    """The photo's type and size, or :class:`ImageRejected` with a code (``too_big``,
    ``empty``, ``type``, ``svg``, ``corrupt``, ``dimensions``)."""
    return images.inspect(data, max_bytes=MAX_BYTES, max_side=MAX_SIDE)


def store(settings: Settings, data: bytes) -> str:
    """Check and save ``data``; the path relative to ``settings.var_dir`` to record."""
    info = inspect(data)
    folder = Path(settings.var_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_urlsafe(18)}{info.extension}"
    (folder / name).write_bytes(data)
    return str(FOLDER / name)
