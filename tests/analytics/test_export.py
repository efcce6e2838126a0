"""Tables as the page shows them (translated, locale-formatted) and as CSV exports them
(codes, decimal strings, RFC 4180, no formulas)."""

from __future__ import annotations

import csv
import io

import pytest

from portal import i18n
from portal.analytics.csv_export import safe_cell, to_csv
from portal.analytics.tables import Column, Kind, Table, Text


def sample() -> Table:
    return Table(
        "sample",
        "Sample",
        [
            Column("reason", "Reason"),
            Column("returned", "Returned", Kind.COUNT),
            Column("rate", "Rate", Kind.PERCENT),
            Column("days", "Days", Kind.DAYS),
            Column("nps", "NPS", Kind.SCORE),
            Column("small_sample", "Note", Kind.FLAG),
        ],
        [
            [Text("too_small", "Too small"), 1234, 66.66666, 2.26, -12.5, True],
            [Text("", "No reason given"), 0, None, None, None, False],
        ],
    )


def test_the_export_has_a_header_codes_and_plain_decimals() -> None:
    assert sample().export() == [
        ["reason", "returned", "rate", "days", "nps", "small_sample"],
        ["too_small", "1234", "66.67", "2.26", "-12.50", "true"],
        ["", "0", "", "", "", "false"],
    ]


def test_the_page_shows_labels_formatted_for_the_readers_language() -> None:
    token = i18n.set_locale("pl")
    try:
        first, second = sample().display()
    finally:
        i18n.reset_locale(token)
    assert first[0] == "Too small"
    assert first[1].replace("\xa0", " ") == "1 234"
    assert first[2] == "66,7%"
    assert first[3:5] == ["2,3", "-12,5"]
    assert first[5] != "" and second[5] == ""
    assert second[2:5] == ["—", "—", "—"]


def test_percentages_follow_each_languages_pattern_with_one_decimal() -> None:
    table = Table("t", "T", [Column("rate", "Rate", Kind.PERCENT)], [[12.345]])
    shown = {}
    for locale in ("en", "ru", "el"):
        token = i18n.set_locale(locale)
        try:
            shown[locale] = table.display()[0][0].replace("\xa0", " ")
        finally:
            i18n.reset_locale(token)
    assert shown == {"en": "12.3%", "ru": "12,3 %", "el": "12,3%"}


def test_the_page_can_show_fewer_rows_than_the_export() -> None:
    table = sample()
    table.shown = 1
    assert len(table.display()) == 1 and table.truncated
    assert len(table.export()) == 3


def test_csv_is_rfc_4180() -> None:
    text = to_csv([["a", "b"], ['say "hi"', "x,y"], ["two\nlines", "plain"]])
    assert text == 'a,b\r\n"say ""hi""","x,y"\r\n"two\nlines",plain\r\n'
    assert list(csv.reader(io.StringIO(text))) == [
        ["a", "b"],
        ['say "hi"', "x,y"],
        ["two\nlines", "plain"],
    ]


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("-12.50", "-12.50"),
        ("-3", "-3"),
        ("tee=shirt", "tee=shirt"),
        ("", ""),
    ],
)
def test_cells_that_could_run_as_formulas_are_defused(cell: str, safe: str) -> None:
    assert safe_cell(cell) == safe


def test_a_formula_in_a_product_name_is_exported_as_text() -> None:
    text = to_csv([["product"], ["=cmd|' /C calc'!A0"]])
    assert list(csv.reader(io.StringIO(text)))[1] == ["'=cmd|' /C calc'!A0"]
