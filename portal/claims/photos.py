"""A claim's photos: checked by their content (:mod:`portal.core.images`, PNG, JPEG or WebP,
never SVG), stored outside the web root under a random name, served to staff only."""

from __future__ import annotations

import secrets
from pathlib import Path

from portal.core import images
from portal.settings import Settings

MAX_BYTES = 8 * 1024 * 1024
MAX_SIDE = 6000
MAX_PHOTOS = 5
FOLDER = Path("uploads") / "claims"


def store(settings: Settings, data: bytes) -> str:
    """Check and save ``data`` (:class:`images.ImageRejected` when it is not a photo);
    the path relative to ``settings.var_dir``."""
    info = images.inspect(data, max_bytes=MAX_BYTES, max_side=MAX_SIDE)
    folder = Path(settings.var_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_urlsafe(18)}{info.extension}"
    (folder / name).write_bytes(data)
    return str(FOLDER / name)
