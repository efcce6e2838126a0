"""The hand-written MIME message parses back to what was put in, and nothing from the
database can add a header."""

from __future__ import annotations

from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

from portal.notifications import mime


def _parse(raw: bytes) -> EmailMessage:
    """As a mail server stores it: lines end in LF once off the wire."""
    parsed = message_from_bytes(raw.replace(b"\r\n", b"\n"), policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_text_and_html_parts_come_back_unchanged() -> None:
    html = "<p>" + "Zażółć gęślą jaźń = 100% " * 200 + "</p>"  # one line far over 998
    raw = mime.render(
        [mime.encode_text("Subject", "Przesyłka doręczona"), "Message-ID: <n.1@shop.test>"],
        "Dzień dobry,\n\nprzesyłka dotarła.\n",
        html,
    )
    assert raw.isascii() and max(len(line) for line in raw.split(b"\r\n")) <= 100
    email = _parse(raw)
    assert email["Subject"] == "Przesyłka doręczona"
    plain, rich = email.get_body(("plain",)), email.get_body(("html",))
    assert plain is not None and plain.get_content() == "Dzień dobry,\n\nprzesyłka dotarła.\n"
    assert rich is not None and rich.get_content().strip() == html


def test_a_text_only_message_is_a_single_part() -> None:
    email = _parse(mime.render(["Subject: Hi"], "Just text."))
    assert not email.is_multipart() and email.get_content().strip() == "Just text."


def test_line_breaks_in_a_value_cannot_add_headers() -> None:
    raw = mime.render(
        [
            mime.encode_text("Subject", "Hi\r\nBcc: victim@example.test"),
            mime.encode_address("To", "Eve\nBcc: x@example.test", "eve@example.test"),
        ],
        "body",
    )
    email = _parse(raw)
    assert email["Bcc"] is None
    assert email["Subject"] == "Hi Bcc: victim@example.test"


def test_display_names_with_specials_and_accents_survive() -> None:
    email = _parse(mime.render([mime.encode_address("From", "Łąka & Co, Ltd.", "a@b.test")], "x"))
    assert email["From"].addresses[0].display_name == "Łąka & Co, Ltd."
    assert email["From"].addresses[0].addr_spec == "a@b.test"
