"""Where one sentence of a text message ends and the next begins.

The SMS fitting rule (:func:`portal.notifications.sms.fit_sms_body`) drops whole trailing
sentences, so a full stop taken for a sentence end where it only ends an abbreviation
cuts the text inside its sentence: Polish "dostawa ok. 28 października" (delivery about
28 October) sent as "dostawa ok." reads "delivery OK". A full stop therefore ends a
sentence only when the next word could begin one (it does not start with a lower-case
letter or a digit) and the word it ends is not one of :data:`ABBREVIATIONS`. "!", "?",
";" and "…" (a clipped value's ellipsis takes its sentence's full stop) always end one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

#: Abbreviations our texts' languages write with a full stop, in one place: the words of
#: our templates and of the values put in them (pickup points' addresses, dates), which
#: may be followed by a capitalised name ("ul. Podgórska", "г. Москва"). The fitter does
#: not know a text's language, and none of these ends a sentence in another of them.
ABBREVIATIONS: dict[str, frozenset[str]] = {
    "en": frozenset({"approx.", "apt.", "no.", "st.", "tel."}),
    "pl": frozenset({"al.", "gr.", "m.in.", "np.", "nr.", "ok.", "os.", "tel.", "ul."}),
    "ro": frozenset({"ap.", "bd.", "bl.", "cca.", "jud.", "nr.", "str.", "tel."}),
    "ru": frozenset({"г.", "д.", "кв.", "ок.", "пр.", "тел.", "ул."}),
    "el": frozenset({"λεωφ.", "οδ.", "περ.", "τηλ."}),
    "uk": frozenset({"буд.", "вул.", "кв.", "м.", "пр.", "просп.", "тел."}),
    "bg": frozenset({"бл.", "бул.", "г.", "гр.", "ж.к.", "тел.", "ул."}),
}
_ALL_ABBREVIATIONS = frozenset().union(*ABBREVIATIONS.values())
#: A gap after a mark that may end a sentence.
_GAP = re.compile(r"(?<=[.!?;…])\s+")
#: What may come before an abbreviation within its word: "(ok." is "ok.".
_OPENING = "([{«„\"'“‘"


def is_abbreviation(word: str) -> bool:
    """Whether ``word`` (with its full stop) is one of :data:`ABBREVIATIONS`, in any case."""
    return word.lstrip(_OPENING).lower() in _ALL_ABBREVIATIONS


def _ends_sentence(before: str, after: str) -> bool:
    """Whether the mark at the end of ``before`` ends its sentence, ``after`` following."""
    if not before.endswith("."):
        return True
    if after and (after[0].islower() or after[0].isdigit()):
        return False
    return not is_abbreviation(before.rsplit(None, 1)[-1])


def sentence_gaps(text: str) -> Iterator[re.Match[str]]:
    """The whitespace between each sentence of ``text`` and the next."""
    for gap in _GAP.finditer(text):
        if _ends_sentence(text[: gap.start()], text[gap.end() :]):
            yield gap


def split_sentences(text: str) -> list[str]:
    """``text`` split into its sentences, each with its final mark."""
    sentences, start = [], 0
    for gap in sentence_gaps(text):
        sentences.append(text[start : gap.start()])
        start = gap.end()
    sentences.append(text[start:])
    return sentences
