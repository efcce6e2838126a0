"""Drop-off codes and printable labels for a return.

The QR code holds a link naming the RMA and a token signed with ``PORTAL_SECRET_KEY``
(older keys verify during a rotation), so a drop-off point or the store can trust what it
scans without a login. No PDF library is installed, so :func:`label_pdf` writes a small
PDF 1.4 by hand: names and addresses in an embedded Unicode font subset to the label's
letters (:mod:`portal.returns.label_font`: Polish, Romanian, Greek and Cyrillic as
written), headings, the RMA number and the date in built-in Helvetica, and the QR code
drawn as filled squares (vector, no image embedding).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import segno
from itsdangerous import BadSignature, URLSafeSerializer

from portal.core.signing import id_pair, serializer
from portal.returns import label_font
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


_HELVETICA, _HELVETICA_BOLD, _UNICODE = "F1", "F2", "F3"


@dataclass(frozen=True, slots=True)
class _Line:
    """One line of a label's text, where it goes and in which font."""

    x: float
    y: float
    size: int
    text: str
    bold: bool = False
    #: a name or address: printed in the embedded font, as the customer and shop wrote it
    address: bool = False

    @property
    def in_helvetica(self) -> bool:
        """Headings, the RMA number and the date stay in the built-in Helvetica (no bytes
        embedded for them) unless they hold a letter beyond Windows-1252."""
        if self.address:
            return False
        try:
            self.text.encode("cp1252")
        except UnicodeEncodeError:
            return False
        return True


def _escaped(text: str) -> str:
    raw = text.encode("cp1252").decode("latin-1")
    return raw.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _show(line: _Line, font: label_font.EmbeddedFont) -> str:
    at = f"{line.size} Tf {line.x:.2f} {line.y:.2f} Td"
    if line.in_helvetica:
        name = _HELVETICA_BOLD if line.bold else _HELVETICA
        return f"BT /{name} {at} ({_escaped(line.text)}) Tj ET\n"
    text = f"BT /{_UNICODE} {at} {font.show(label_font.printable(line.text))} Tj ET\n"
    if not line.bold:
        return text
    # The embedded font is the regular weight: a bold line is also stroked, a little.
    return f"q 2 Tr {line.size * 0.04:.2f} w\n{text}Q\n"


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


def _lines(label: LabelText) -> list[_Line]:
    y = PAGE_HEIGHT - MARGIN - 22
    out = [_Line(MARGIN, y, 22, label.title, bold=True),
           _Line(MARGIN, y - 26, 18, label.number, bold=True)]  # fmt: skip
    y -= 56
    blocks = ((label.from_heading, label.from_lines), (label.to_heading, label.to_lines))
    for heading, lines in blocks:
        out.append(_Line(MARGIN, y, 9, heading, bold=True))
        y -= 13
        for text in lines:
            out.append(_Line(MARGIN, y, 11, text, address=True))
            y -= 13
        y -= 8
    if label.drop_off_by is not None:
        out.append(_Line(MARGIN, y, 10, f"{label.by_heading}: {label.drop_off_by:%Y-%m-%d}"))
    return out


def label_pdf(label: LabelText, qr_data: str) -> bytes:
    """A one-page 4×6 in PDF: headings, addresses, RMA number and the QR code."""
    lines = _lines(label)
    font = label_font.embed(
        label_font.printable(line.text) for line in lines if not line.in_helvetica
    )
    qr_size = 144.0
    content = "".join(_show(line, font) for line in lines) + _qr_squares(
        qr_data, (PAGE_WIDTH - qr_size) / 2, MARGIN, qr_size
    )
    stream = content.encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] "
            f"/Resources << /Font << /{_HELVETICA} 4 0 R /{_HELVETICA_BOLD} 5 0 R "
            f"/{_UNICODE} 7 0 R >> >> /Contents 6 0 R >>"
        ).encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        *font.objects(7),
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
