"""Renders each built-in adapter's code table as Markdown for docs/carriers.md.

``python -m carriers.mapping_docs`` fills the ``TABLE:<key>`` placeholders; a test checks
that every table in the docs still matches its ``codes.py``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping
from pathlib import Path

from carriers.base import Reason, Status

BUILT_IN = (
    "ups", "fedex", "usps", "dhl", "sandbox", "easypost", "aftership", "inpost", "poczta_polska",
    "fan_courier", "sameday", "cargus", "gls", "dpd_pl",
    "acs", "boxnow",
    "elta", "geniki", "russian_post",
    "speedy", "econt", "dpd_ro",
    "nova_poshta", "cdek", "ukrposhta",
)  # fmt: skip
DOC = Path(__file__).resolve().parents[1] / "docs" / "carriers.md"


def code_table(key: str) -> Mapping[str, tuple[Status, Reason | None]]:
    """The adapter's carrier code → (status, reason) table."""
    codes = importlib.import_module(f"carriers.{key}.codes")
    table = getattr(codes, "CODES", None) or codes.STATUS_CODES
    return dict(table)


def mapping_table(key: str) -> str:
    rows = ["| Carrier code | Status | Reason |", "| --- | --- | --- |"]
    for code, (status, reason) in code_table(key).items():
        rows.append(f"| `{code}` | `{status.value}` | {f'`{reason.value}`' if reason else '—'} |")
    return "\n".join(rows)


def fill(text: str) -> str:
    for key in BUILT_IN:
        text = text.replace(f"TABLE:{key}", mapping_table(key))
    return text


if __name__ == "__main__":
    DOC.write_text(fill(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    sys.exit(0)
