"""Drop-off QR codes carry a signed token; the hand-made PDF label is well formed."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from portal.returns import labels
from tests.conftest import make_settings


def test_a_drop_off_token_round_trips_and_names_the_rma(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    url = labels.drop_off_url(settings, 7, "R-ABC234")
    assert url.startswith(f"{settings.public_base_url}/returns/drop-off/R-ABC234/")
    token = url.rsplit("/", 1)[1]
    assert labels.read_drop_off_token(settings, token) == (7, "R-ABC234")


def test_a_forged_or_foreign_token_is_refused(tmp_path: Path) -> None:
    ours = make_settings(tmp_path)
    theirs = make_settings(tmp_path, secret_key="x" * 40)
    token = labels.drop_off_token(theirs, 7, "R-ABC234")
    assert labels.read_drop_off_token(ours, token) is None
    assert labels.read_drop_off_token(ours, token[:-2] + "xx") is None
    assert labels.read_drop_off_token(ours, "garbage") is None


def test_a_token_signed_with_a_rotated_key_still_verifies(tmp_path: Path) -> None:
    old = make_settings(tmp_path, secret_key="o" * 40)
    new = make_settings(tmp_path, secret_key="n" * 40, old_secret_keys="o" * 40)
    token = labels.drop_off_token(old, 3, "R-ZZZ999")
    assert labels.read_drop_off_token(new, token) == (3, "R-ZZZ999")


def test_the_qr_code_renders_as_svg_and_png() -> None:
    svg = labels.qr_svg("https://shop.example/returns/drop-off/R-ABC234/tok")
    png = labels.qr_png("https://shop.example/returns/drop-off/R-ABC234/tok")
    assert svg.startswith(b"<svg") and b"Return QR code" in svg
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


def _label() -> labels.LabelText:
    return labels.LabelText(
        number="R-ABC234",
        from_lines=["Zoë (Customer)", "1 Main St\\Apt 2"],
        to_lines=["Shop Returns", "9 Dock Rd"],
        drop_off_by=datetime(2026, 12, 7, tzinfo=UTC),
    )


def test_the_pdf_label_is_a_valid_one_page_pdf() -> None:
    pdf = labels.label_pdf(_label(), "https://shop.example/r")
    assert pdf.startswith(b"%PDF-1.4") and pdf.endswith(b"%%EOF\n")
    xref_at = int(re.search(rb"startxref\n(\d+)", pdf).group(1))  # type: ignore[union-attr]
    assert pdf[xref_at:].startswith(b"xref\n0 7\n")
    offsets = re.findall(rb"(\d{10}) 00000 n", pdf[xref_at:])
    for number, offset in enumerate(offsets, 1):
        assert pdf[int(offset) :].startswith(b"%d 0 obj" % number)
    length = int(re.search(rb"/Length (\d+)", pdf).group(1))  # type: ignore[union-attr]
    stream = pdf.split(b"stream\n", 1)[1]
    assert stream[length:].startswith(b"\nendstream")


def test_the_pdf_label_prints_the_text_escaped_and_draws_the_qr() -> None:
    pdf = labels.label_pdf(_label(), "https://shop.example/r")
    assert b"(R-ABC234) Tj" in pdf
    assert b"(Zo\xeb \\(Customer\\)) Tj" in pdf  # WinAnsi ë, escaped parentheses
    assert b"(1 Main St\\\\Apt 2) Tj" in pdf
    assert b"2026-12-07" in pdf
    assert pdf.count(b" re\n") > 100  # the QR modules


def test_letters_the_label_font_lacks_are_transliterated_not_lost() -> None:
    assert labels.latin_text("Łódź, ul. Żółta 5") == "Lódz, ul. Zólta 5"
    assert labels.latin_text("Θεσσαλονίκη") == "Thessaloniki"
    assert labels.latin_text("Москва") == "Moskva"
    assert labels.latin_text("Müller Straße") == "Müller Straße"


def test_greek_addresses_are_romanised_by_elot_743_letter_pairs() -> None:
    """ELOT 743 (the Greek standard, as Hellenic Post and Greek couriers romanise): a
    letter at a time, "Μοναστηρίου" was "Monastirioy"."""
    assert labels.latin_text("Μοναστηρίου 150, Θεσσαλονίκη") == "Monastiriou 150, Thessaloniki"
    assert labels.latin_text("ΑΓΙΟΥ ΔΗΜΗΤΡΙΟΥ 12") == "AGIOU DIMITRIOU 12"
    assert labels.latin_text("Ευζώνων") == "Evzonon"  # before a voiced consonant
    assert labels.latin_text("Ευκλείδου") == "Efkleidou"  # before a voiceless one
    assert labels.latin_text("Παύλου Μελά") == "Pavlou Mela"
    assert labels.latin_text("Μπότσαρη, Λαμπράκη") == "Botsari, Lampraki"  # b opens a word
    assert labels.latin_text("Αγγελάκη") == "Angelaki"
    assert labels.latin_text("Προϋπόθεση") == "Proypothesi"  # a diaeresis keeps them apart
    assert labels.latin_text("Łódź · Θεσσαλονίκη") == "Lódz · Thessaloniki"
