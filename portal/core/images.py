"""Image upload checks with the standard library only: type from magic bytes, size, dimensions.

Used for merchants' logos (the admin) and customers' return photos (the returns pages), so
it lives on the neutral floor. SVG is refused on purpose: it can carry script. Only PNG,
JPEG and WebP are accepted, and their headers are read here rather than trusting the file
name or the browser's type.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

MAX_BYTES = 1024 * 1024
MAX_SIDE = 2000
EXTENSIONS = {"png": ".png", "jpeg": ".jpg", "webp": ".webp"}
MEDIA_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".webp": "image/webp"}


class ImageRejected(ValueError):
    """Why an upload is not an acceptable logo; ``code`` picks the message shown."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class ImageInfo:
    kind: str
    width: int
    height: int

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.kind]


def _png(data: bytes) -> tuple[int, int]:
    if len(data) < 24 or data[12:16] != b"IHDR":
        raise ImageRejected("corrupt")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _jpeg(data: bytes) -> tuple[int, int]:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            raise ImageRejected("corrupt")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return int(width), int(height)
        i += 2 + length
    raise ImageRejected("corrupt")


def _webp(data: bytes) -> tuple[int, int]:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    raise ImageRejected("corrupt")


def inspect(data: bytes, *, max_bytes: int = MAX_BYTES, max_side: int = MAX_SIDE) -> ImageInfo:
    """The image's type and size, or :class:`ImageRejected` (empty, too big, SVG, unknown,
    corrupt, dimensions). The limits default to a logo's; callers with other uses (a
    customer's photo) pass their own."""
    if not data:
        raise ImageRejected("empty")
    if len(data) > max_bytes:
        raise ImageRejected("too_big")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        kind, (width, height) = "png", _png(data)
    elif data.startswith(b"\xff\xd8\xff"):
        kind, (width, height) = "jpeg", _jpeg(data)
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        kind, (width, height) = "webp", _webp(data)
    else:
        head = data[:512].lstrip().lower()
        if b"<svg" in head or head.startswith(b"<?xml"):
            raise ImageRejected("svg")
        raise ImageRejected("type")
    if not (0 < width <= max_side and 0 < height <= max_side):
        raise ImageRejected("dimensions")
    return ImageInfo(kind=kind, width=width, height=height)
