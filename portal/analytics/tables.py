"""A table of figures as both the page and the CSV export show it.

Cells keep raw values; :meth:`Table.display` formats them for the reader's language with
Babel, :meth:`Table.export` as plain decimal strings and codes for spreadsheets. A text cell
may be a :class:`Text` carrying a stable code (exported) and a translated label (shown).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from babel import Locale
from babel.numbers import format_decimal, format_percent
from markupsafe import Markup

from portal.i18n import _, current_locale


class Kind(StrEnum):
    TEXT = "text"
    COUNT = "count"
    #: 0–100.
    PERCENT = "percent"
    #: A score in percent (CSAT, CES) or points (NPS), possibly negative.
    SCORE = "score"
    DAYS = "days"
    FLAG = "flag"


@dataclass(frozen=True, slots=True)
class Text:
    code: str
    label: str


@dataclass(frozen=True, slots=True)
class Column:
    #: The CSV header.
    key: str
    #: The page's header (translated).
    label: str
    kind: Kind = Kind.TEXT


@dataclass(slots=True)
class Table:
    #: The export's name: ``/admin/analytics/<key>.csv``.
    key: str
    title: str
    columns: Sequence[Column]
    rows: list[list[Any]]
    hint: str = ""
    chart: Markup | None = None
    #: The page shows this many rows at most (the export has them all).
    shown: int | None = None

    def display(self) -> list[list[str]]:
        rows = self.rows if self.shown is None else self.rows[: self.shown]
        return [
            [display_cell(c.kind, v) for c, v in zip(self.columns, row, strict=True)]
            for row in rows
        ]

    def export(self) -> list[list[str]]:
        header = [c.key for c in self.columns]
        return [header] + [
            [export_cell(c.kind, v) for c, v in zip(self.columns, row, strict=True)]
            for row in self.rows
        ]

    @property
    def truncated(self) -> bool:
        return self.shown is not None and len(self.rows) > self.shown


@functools.cache
def _percent_pattern(locale: str) -> str:
    """The language's own percent pattern (``#,##0 %`` in Russian) with one decimal."""
    head, _zero, tail = Locale.parse(locale).percent_formats[None].pattern.rpartition("0")
    return f"{head}0.0{tail}"


def display_cell(kind: Kind, value: Any) -> str:
    if value is None:
        return "—"
    locale = current_locale()
    if kind == Kind.TEXT:
        return value.label if isinstance(value, Text) else str(value)
    if kind == Kind.COUNT:
        return str(format_decimal(value, format="#,##0", locale=locale))
    if kind == Kind.PERCENT:
        return str(format_percent(value / 100, format=_percent_pattern(locale), locale=locale))
    if kind in (Kind.SCORE, Kind.DAYS):
        return str(format_decimal(value, format="#,##0.0", locale=locale))
    if kind == Kind.FLAG:
        return _("small sample") if value else ""
    raise ValueError(f"unknown column kind {kind!r}")


def export_cell(kind: Kind, value: Any) -> str:
    """Codes and plain decimal strings (two places), never locale-formatted."""
    if value is None:
        return ""
    if kind == Kind.TEXT:
        return value.code if isinstance(value, Text) else str(value)
    if kind == Kind.COUNT:
        return str(int(value))
    if kind in (Kind.PERCENT, Kind.SCORE, Kind.DAYS):
        return f"{value:.2f}"
    if kind == Kind.FLAG:
        return "true" if value else "false"
    raise ValueError(f"unknown column kind {kind!r}")
