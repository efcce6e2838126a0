"""Drop-off codes and printable labels for a return.

The QR code holds a link naming the RMA and a token signed with ``PORTAL_SECRET_KEY``
(older keys verify during a rotation), so a drop-off point or the store can trust what it
scans without a login. No PDF library is installed, so :func:`label_pdf` writes a small
PDF 1.4 by hand: built-in Helvetica text and the QR code drawn as filled squares (vector,
no image embedding). Text outside Windows-1252 prints as ``?`` in the PDF; the QR (SVG
or PNG from segno) carries the same data whatever the script.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import segno
from anyascii import anyascii
from itsdangerous import BadSignature, URLSafeSerializer

from portal.core.signing import id_pair, serializer
from portal.settings import Settings

DROP_OFF_SALT = "return-drop-off"
#: The page the QR opens (served by the returns UI): ``/returns/drop-off/<rma>/<token>``.
DROP_OFF_PATH = "/returns/drop-off"

PAGE_WIDTH, PAGE_HEIGHT = 288, 432  # 4 × 6 in, the common thermal label size
MARGIN = 18


#: What a return label needs to reach the shop: a street, a town and a country.
ADDRESS_NEEDED = ("line1", "city", "country")


def has_return_address(address: dict[str, str] | None) -> bool:
    """Whether ``address`` (a policy's return address) can be printed as a destination.

    Without one a label would send the parcel nowhere: it is not issued, the customer is
    asked to wait, and the shop's workspace says what to fill in.
    """
    found = address or {}
    return all(str(found.get(key) or "").strip() for key in ADDRESS_NEEDED)


def _serializer(settings: Settings) -> URLSafeSerializer:
    return serializer(settings, DROP_OFF_SALT)


def drop_off_token(settings: Settings, merchant_id: int, number: str) -> str:
    return str(_serializer(settings).dumps([merchant_id, number]))


def read_drop_off_token(settings: Settings, token: str) -> tuple[int, str] | None:
    """(merchant id, RMA number) from a scanned token, or None when forged or malformed."""
    try:
        value = _serializer(settings).loads(token)
    except BadSignature:
        return None
    pair = id_pair(value)
    return (pair[0], pair[1]) if pair is not None and isinstance(pair[1], str) else None


def drop_off_url(settings: Settings, merchant_id: int, number: str) -> str:
    token = drop_off_token(settings, merchant_id, number)
    return f"{settings.public_base_url}{DROP_OFF_PATH}/{number}/{token}"


def _qr(data: str) -> segno.QRCode:
    return segno.make(data, error="m", micro=False)


def qr_svg(data: str, scale: int = 4) -> bytes:
    out = io.BytesIO()
    _qr(data).save(out, kind="svg", scale=scale, border=4, xmldecl=False, title="Return QR code")
    return out.getvalue()


def qr_png(data: str, scale: int = 6) -> bytes:
    out = io.BytesIO()
    _qr(data).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class LabelText:
    """What a label prints besides the QR code (already localised by the caller)."""

    number: str
    from_lines: Sequence[str]
    to_lines: Sequence[str]
    #: the last day to hand the parcel in (the day the return's page names)
    drop_off_by: date | None = None
    title: str = "RETURN"
    from_heading: str = "FROM"
    to_heading: str = "TO"
    by_heading: str = "Drop off by"


#: Greek letter pairs read as one sound (ELOT 743, the Greek standard carriers and the
#: Hellenic Post romanise addresses by): ``ου`` is "ou", ``αυ``/``ευ``/``ηυ`` are "av",
#: "ev", "iv" (``f`` before a voiceless consonant or at the end of a word), ``γγ`` is
#: "ng" and ``μπ`` opens a word as "b". A letter at a time, ``Μοναστηρίου`` would be
#: "Monastirioy" and ``Ευζώνων`` "Eyzonon".
_GREEK_PAIRS = re.compile(r"(?i)(ου|[αεη]υ|γγ|\bμπ)(\w?)")
_VOICELESS = frozenset("θκξπσςτφχψ")
_PAIR_LATIN = {"ου": "ou", "γγ": "ng", "μπ": "b"}


def _plain_greek(text: str) -> str:
    """Accents dropped from Greek letters (the tonos only: a diaeresis, ``ϋ``, keeps two
    letters apart and stays; other scripts keep theirs)."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", re.sub("([\u0370-\u03ff])\u0301", r"\1", decomposed))


def _greek_pair(found: re.Match[str]) -> str:
    pair, after = found.group(1), found.group(2)
    low = pair.lower()
    if low in _PAIR_LATIN:
        latin = _PAIR_LATIN[low]
    else:
        vowel = {"α": "a", "ε": "e", "η": "i"}[low[0]]
        latin = vowel + ("f" if not after or after.lower() in _VOICELESS else "v")
    if pair.isupper() and (len(pair) > 1 and (not after or after.isupper())):
        latin = latin.upper()
    elif pair[0].isupper():
        latin = latin[0].upper() + latin[1:]
    return latin + after


def romanise_greek(text: str) -> str:
    """ELOT 743's letter pairs in ``text`` as Latin letters; other letters as they are."""
    if not any("\u0370" <= char <= "\u03ff" for char in text):
        return text
    return _GREEK_PAIRS.sub(_greek_pair, _plain_greek(text))


def latin_text(text: str) -> str:
    """``text`` in the label font's Windows-1252 letters: those it has stay as they are,
    the rest are transliterated (``Łódź`` -> ``Lódz``, ``Θεσσαλονίκη`` -> ``Thessaloniki``,
    ``Μοναστηρίου`` -> ``Monastiriou``), as carriers print addresses, rather than turning
    into question marks."""
    out = []
    for char in romanise_greek(text):
        try:
            char.encode("cp1252")
            out.append(char)
        except UnicodeEncodeError:
            out.append(anyascii(char) or "?")
    return "".join(out)


def _pdf_text(text: str) -> str:
    raw = latin_text(text).encode("cp1252", errors="replace").decode("latin-1")
    return raw.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _text(x: float, y: float, size: int, text: str, font: str = "F1") -> str:
    return f"BT /{font} {size} Tf {x:.2f} {y:.2f} Td ({_pdf_text(text)}) Tj ET\n"


def _qr_squares(data: str, x: float, y: float, size: float) -> str:
    """The QR code as filled rectangles, ``size`` points wide, bottom-left at (x, y)."""
    rows = list(_qr(data).matrix_iter(scale=1, border=0))
    module = size / len(rows)
    parts = ["0 0 0 rg\n"]
    for r, row in enumerate(rows):
        top = y + size - (r + 1) * module
        for c, dark in enumerate(row):
            if dark:
                parts.append(f"{x + c * module:.3f} {top:.3f} {module:.3f} {module:.3f} re\n")
    parts.append("f\n")
    return "".join(parts)


def _content(label: LabelText, qr_data: str) -> str:
    y = PAGE_HEIGHT - MARGIN - 22
    out = [_text(MARGIN, y, 22, label.title, "F2"), _text(MARGIN, y - 26, 18, label.number, "F2")]
    y -= 56
    blocks = ((label.from_heading, label.from_lines), (label.to_heading, label.to_lines))
    for heading, lines in blocks:
        out.append(_text(MARGIN, y, 9, heading, "F2"))
        y -= 13
        for line in lines:
            out.append(_text(MARGIN, y, 11, line))
            y -= 13
        y -= 8
    if label.drop_off_by is not None:
        out.append(_text(MARGIN, y, 10, f"{label.by_heading}: {label.drop_off_by:%Y-%m-%d}"))
    qr_size = 144.0
    out.append(_qr_squares(qr_data, (PAGE_WIDTH - qr_size) / 2, MARGIN, qr_size))
    return "".join(out)


def label_pdf(label: LabelText, qr_data: str) -> bytes:
    """A one-page 4×6 in PDF: headings, addresses, RMA number and the QR code."""
    stream = _content(label, qr_data).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] "
            "/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>"
        ).encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
