"""Reading Romanian carrier wording (FAN Courier, Sameday, Cargus) without diacritics.

Romanian carriers write the same word with and without diacritics (``returnat``,
``înapoiat``; ``ş`` and ``ș`` both occur), and several of them publish no complete list of
their status codes, so their adapters read the wording. :func:`plain` folds a text to
lower case ASCII-ish words; :func:`first_match` applies an ordered list of phrase rules.
"""

from __future__ import annotations

from typing import TypeVar

Outcome = TypeVar("Outcome")

#: (phrases, outcome) pairs, in priority order; phrases are written already plain.
Rules = list[tuple[tuple[str, ...], Outcome]]

_FOLD = str.maketrans({"ă": "a", "â": "a", "î": "i", "ș": "s", "ş": "s", "ț": "t", "ţ": "t"})


def plain(text: str) -> str:
    """Lower case, Romanian diacritics folded, blanks collapsed."""
    return " ".join(text.lower().translate(_FOLD).split())


def first_match(text: str, rules: Rules[Outcome]) -> Outcome | None:
    """The outcome of the first rule with a phrase found in ``plain(text)``, else None."""
    words = plain(text)
    for phrases, outcome in rules:
        if any(phrase in words for phrase in phrases):
            return outcome
    return None
