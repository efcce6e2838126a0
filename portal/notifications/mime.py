"""A notification e-mail written straight to bytes, without the e-mail header registry.

Building an ``EmailMessage`` through the header registry and flattening it cost about
2.4 ms of CPU per message, two thirds of dispatching one (benchmarks/README.md). The
messages the outbox sends all have one shape — a few known headers and a text part with
an optional HTML alternative — so they are written here directly:

- headers with only ASCII are written as they are; a non-ASCII subject or display name
  becomes an RFC 2047 encoded word (``email.header`` / ``email.utils.formataddr``), and
  CR/LF inside a value is turned into a space, so nothing from the database can add a
  header;
- bodies are quoted-printable UTF-8 (``binascii.b2a_qp``, C code), so the result is
  7-bit clean, lines stay under 76 characters whatever the HTML looks like, and it is
  valid whether or not the server offers 8BITMIME;
- the multipart boundary starts with ``=_``, which quoted-printable never lets appear in
  a body (``=`` is always encoded), so it cannot collide with the content.

Only a recipient address that is not ASCII (an SMTPUTF8 mailbox) is written as UTF-8.
"""

from __future__ import annotations

import binascii
import uuid
from collections.abc import Sequence
from email.header import Header
from email.utils import formataddr

_CRLF = "\r\n"


def _clean(value: str) -> str:
    """One line: CR and LF inside a header value become spaces."""
    if "\r" in value or "\n" in value:
        return " ".join(value.splitlines()).strip()
    return value


def encode_text(name: str, value: str) -> str:
    """``name: value``, the value as an encoded word when it is not plain short ASCII."""
    value = _clean(value)
    if value.isascii() and len(name) + len(value) < 900:
        return f"{name}: {value}"
    return f"{name}: {Header(value, 'utf-8', header_name=name).encode(linesep=_CRLF)}"


def encode_address(name: str, display_name: str, addr_spec: str) -> str:
    """``name: Display <addr>``; a non-ASCII display name is encoded, a non-ASCII address
    (which only an SMTPUTF8 server takes) is written alone."""
    display_name, addr_spec = _clean(display_name), _clean(addr_spec).strip()
    if not addr_spec.isascii():
        return f"{name}: {addr_spec}"
    return f"{name}: {formataddr((display_name, addr_spec), 'utf-8')}"


def _body(subtype: str, text: str) -> str:
    encoded = binascii.b2a_qp(text.encode("utf-8"), istext=True).decode("ascii")
    # The line break before a boundary belongs to the boundary: a body's own last line
    # break needs one more.
    tail = _CRLF if encoded.endswith("\n") else ""
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"{_CRLF}'
        f"Content-Transfer-Encoding: quoted-printable{_CRLF}{_CRLF}"
        + _CRLF.join(encoded.splitlines())
        + tail
        + _CRLF
    )


def render(headers: Sequence[str], text: str, html: str | None = None) -> bytes:
    """The whole message: ``headers`` (each one ``Name: value``, already encoded or
    pre-folded with CRLF), then the text body, with ``html`` as its alternative."""
    head = _CRLF.join(headers) + _CRLF + "MIME-Version: 1.0" + _CRLF
    if not html:
        return (head + _body("plain", text)).encode("utf-8")
    boundary = f"=_{uuid.uuid4().hex}"
    return (
        head
        + f'Content-Type: multipart/alternative; boundary="{boundary}"{_CRLF}{_CRLF}'
        + f"--{boundary}{_CRLF}"
        + _body("plain", text)
        + f"--{boundary}{_CRLF}"
        + _body("html", html)
        + f"--{boundary}--{_CRLF}"
    ).encode("utf-8")
