"""Drop-off QR codes carry a signed token; the hand-made PDF label is well formed and
prints names and addresses in their own script."""

from __future__ import annotations

import io
import re
import threading
import time
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from portal.returns import label_font, labels
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


def _label(**changes: Any) -> labels.LabelText:
    fields: dict[str, Any] = {
        "number": "R-ABC234",
        "from_lines": ["Zoë (Customer)", "1 Main St\\Apt 2"],
        "to_lines": ["Shop Returns", "9 Dock Rd"],
        "drop_off_by": datetime(2026, 12, 7, tzinfo=UTC),
        **changes,
    }
    return labels.LabelText(**fields)


def _read(pdf: bytes) -> str:
    """The label's text as a PDF reader extracts it (copy, search, screen readers)."""
    return PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def _embedded_font(pdf: bytes) -> TTFont:
    """The font program the label carries (its FontFile2 stream, inflated)."""
    head = re.search(rb"/Length (\d+) /Length1 (\d+) /Filter /FlateDecode >>\nstream\n", pdf)
    assert head, "no embedded TrueType font"
    packed = pdf[head.end() : head.end() + int(head.group(1))]
    program = zlib.decompress(packed)
    assert len(program) == int(head.group(2))
    return TTFont(io.BytesIO(program))


def test_the_pdf_label_is_a_valid_one_page_pdf() -> None:
    pdf = labels.label_pdf(_label(), "https://shop.example/r")
    assert pdf.startswith(b"%PDF-1.4") and pdf.endswith(b"%%EOF\n")
    xref_at = int(re.search(rb"startxref\n(\d+)", pdf).group(1))  # type: ignore[union-attr]
    assert pdf[xref_at:].startswith(b"xref\n0 12\n")
    offsets = re.findall(rb"(\d{10}) 00000 n", pdf[xref_at:])
    for number, offset in enumerate(offsets, 1):
        assert pdf[int(offset) :].startswith(b"%d 0 obj" % number)
    for found in re.finditer(rb"/Length (\d+)[^>]*>>\nstream\n", pdf):
        assert pdf[found.end() + int(found.group(1)) :].startswith(b"\nendstream")
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1


def test_the_number_headings_and_date_stay_in_helvetica_and_the_qr_is_drawn() -> None:
    """What the label printed before is printed as before: the RMA number and the date in
    the built-in font, as plain text in the page, and the QR code as vector squares."""
    pdf = labels.label_pdf(_label(title="RETURN (1\\2)"), "https://shop.example/r")
    assert b"BT /F2 18 Tf 18.00 366.00 Td (R-ABC234) Tj ET" in pdf
    assert b"(RETURN \\(1\\\\2\\)) Tj" in pdf  # escaped parentheses and backslash
    assert b"(Drop off by: 2026-12-07) Tj" in pdf
    assert pdf.count(b" re\n") > 100  # the QR modules
    assert _read(pdf).splitlines() == [
        "RETURN (1\\2)", "R-ABC234", "FROM", "Zoë (Customer)", "1 Main St\\Apt 2",
        "TO", "Shop Returns", "9 Dock Rd", "Drop off by: 2026-12-07",
    ]  # fmt: skip


SOFIA = ["Магазин Мария - Връщания", "гр. София, ул. Граф Игнатиев 15", "1000 София", "BG"]
THESSALONIKI = ["Γιώργος Παπαδόπουλος", "Μοναστηρίου 150", "546 27 Θεσσαλονίκη", "GR"]
LODZ = ["Grzegorz Brzęczyszczykiewicz", "ul. Żółkiewskiego 7", "90-001 Łódź", "PL"]


def test_names_and_addresses_print_in_their_own_script() -> None:
    """Bulgarian, Greek and Polish as written: a Bulgarian post office reads Cyrillic,
    where the label printed "gr. Sofiya, ul. Graf Ignatiev 15" before."""
    for sender, shop in ((THESSALONIKI, SOFIA), (LODZ, SOFIA), (SOFIA, THESSALONIKI)):
        read = _read(labels.label_pdf(_label(from_lines=sender, to_lines=shop), "x"))
        assert read.splitlines()[3:12] == [*sender, "TO", *shop], read


def test_romanian_ukrainian_and_russian_letters_print_as_written() -> None:
    lines = ["Ștefan Țăranu, Str. Mărășești 3, Iași", "м. Київ, вул. Хрещатик 22, Ґанок",
             "г. Москва, ул. Тверская 7, подъезд 2, Ёлка"]  # fmt: skip
    assert _read(labels.label_pdf(_label(from_lines=lines), "x")).splitlines()[3:6] == lines


def test_the_font_is_embedded_as_a_subset_of_the_labels_letters() -> None:
    pdf = labels.label_pdf(_label(from_lines=THESSALONIKI, to_lines=SOFIA), "x")
    assert re.search(rb"/BaseFont /[A-Z]{6}\+NotoSans-Regular /Encoding /Identity-H", pdf)
    assert b"/ToUnicode " in pdf
    font = _embedded_font(pdf)
    printed = set("".join(THESSALONIKI + SOFIA)) | {" "}
    assert {chr(c) for c in font.getBestCmap()} == printed
    # .notdef, the letters and the parts accented Greek letters are composed of; of 3,000
    assert len(printed) < font["maxp"].numGlyphs < len(printed) + 10
    assert "gvar" not in font and "GSUB" not in font  # no variations, no layout tables


def test_the_same_label_is_the_same_bytes_whenever_it_is_made() -> None:
    """The embedded font keeps Noto Sans's own modification date rather than the moment the
    label was made: two downloads of one label a second apart were different files."""
    import fontpkg

    pdf = labels.label_pdf(_label(from_lines=THESSALONIKI, to_lines=SOFIA), "x")
    noto = TTFont(io.BytesIO(fontpkg.path("Noto Sans").read_bytes()), lazy=True)
    assert _embedded_font(pdf)["head"].modified == noto["head"].modified


def test_a_label_asked_for_while_the_font_is_being_made_waits_for_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The start-up thread and a first label asking at once make the whole font once (it
    is about 0.7 s of CPU): the second waits for the first's result."""
    monkeypatch.setattr(label_font, "_whole", None)  # as in a process that has made no label
    reads: list[str] = []
    read = label_font._file
    both_asking = threading.Barrier(2)

    def reading() -> bytes:
        reads.append(threading.current_thread().name)
        time.sleep(0.2)  # the other has asked by now
        return read()

    def ask() -> None:
        both_asking.wait()
        made.append(label_font._whole_font())

    monkeypatch.setattr(label_font, "_file", reading)
    made: list[bytes] = []
    askers = [threading.Thread(target=ask) for _ in range(2)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join(timeout=60)

    assert len(reads) == 1
    assert len(made) == 2 and made[0] is made[1]


def test_a_label_stays_small() -> None:
    """The QR code's squares are most of a label: this one was 39.4 kB in Helvetica and is
    49.3 kB with three scripts' glyphs, their widths and Unicode map (the font program,
    compressed, under 10 kB)."""
    three = ["Łódź, ul. Żółkiewskiego 7", *THESSALONIKI, "Ștefan Țăranu"]
    url = "https://returns.shop.example/returns/drop-off/R-ABC234/" + "t" * 70
    pdf = labels.label_pdf(_label(from_lines=three, to_lines=SOFIA), url)
    packed = re.search(rb"/Length (\d+) /Length1", pdf)
    assert packed and int(packed.group(1)) < 10_000, packed
    assert len(pdf) < 55_000, len(pdf)


def test_letters_the_font_lacks_are_transliterated_not_lost() -> None:
    """Noto Sans has no Georgian or Armenian: those letters fall back to Latin; the rest of
    the line keeps its own script."""
    lines = ["თბილისი, რუსთაველის 12", "Երևան, Θεσσαλονίκη", "Tab\tand\u00a0space"]
    read = _read(labels.label_pdf(_label(from_lines=lines), "x"))
    assert read.splitlines()[3:6] == ["tbilisi, rustavelis 12", "Erevan, Θεσσαλονίκη",
                                      "Tab and space"], read  # fmt: skip


def test_a_heading_in_another_script_is_printed_not_transliterated() -> None:
    label = _label(title="ΕΠΙΣΤΡΟΦΗ", to_heading="ДО")
    read = _read(labels.label_pdf(label, "x")).splitlines()
    assert (read[0], read[5]) == ("ΕΠΙΣΤΡΟΦΗ", "ДО")
    assert b"(R-ABC234) Tj" in labels.label_pdf(label, "x")  # the number is unchanged
