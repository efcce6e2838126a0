"""Where one sentence of a text message ends and the next begins.

The SMS fitting rule (:func:`portal.notifications.sms.fit_sms_body`) drops whole trailing
sentences, so a full stop taken for a sentence end where it only ends an abbreviation
cuts the text inside its sentence: Polish "dostawa ok. 28 października" (delivery about
28 October) sent as "dostawa ok." reads "delivery OK". A full stop therefore ends a
sentence only when the next word could begin one (it does not start with a lower-case
letter or a digit) and the word it ends is not one of the text's language's
:data:`ABBREVIATIONS`. "!", "?", ";" and "…" (a clipped value's ellipsis takes its
sentence's full stop) always end one.

Each language's list applies to its own texts only: Polish "ok." (about) does not end a
sentence, English "ok." does ("Your return arrived ok. Thank you!"). A pickup point's
address in another language than the text's does not need its language's list: the
fitter never splits inside such a value (an elastic value of
:func:`portal.notifications.sms.fit_sms_body`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

#: Abbreviations each of our texts' languages writes with a full stop: the words of our
#: templates and of the values put in them (addresses, dates), which may be followed by a
#: capitalised name ("ul. Podgórska", "г. Москва").
ABBREVIATIONS: dict[str, frozenset[str]] = {
    "en": frozenset({"approx.", "apt.", "no.", "st.", "tel."}),
    "pl": frozenset({"al.", "gr.", "m.in.", "np.", "nr.", "ok.", "os.", "tel.", "ul."}),
    "ro": frozenset({"ap.", "bd.", "bl.", "cca.", "jud.", "nr.", "str.", "tel."}),
    "ru": frozenset({"г.", "д.", "кв.", "ок.", "пр.", "тел.", "ул."}),
    "el": frozenset({"λεωφ.", "οδ.", "περ.", "τηλ."}),
    "uk": frozenset({"буд.", "вул.", "кв.", "м.", "пр.", "просп.", "тел."}),
    "bg": frozenset({"бл.", "бул.", "г.", "гр.", "ж.к.", "тел.", "ул."}),
}
#: A gap after a mark that may end a sentence.
_GAP = re.compile(r"(?<=[.!?;…])\s+")
#: What may come before an abbreviation within its word: "(ok." is "ok.".
_OPENING = "([{«„\"'“‘"


def abbreviations(locale: str) -> frozenset[str]:
    """The abbreviations of ``locale``'s language ("pl", "pl-PL" or "pl_PL"); none for a
    language without a list."""
    return ABBREVIATIONS.get(re.split(r"[-_]", locale, maxsplit=1)[0].lower(), frozenset())


def is_abbreviation(word: str, locale: str) -> bool:
    """Whether ``word`` (with its full stop) is one of ``locale``'s abbreviations, in any
    case."""
    return word.lstrip(_OPENING).lower() in abbreviations(locale)


def _ends_sentence(before: str, after: str, known: frozenset[str]) -> bool:
    """Whether the mark at the end of ``before`` ends its sentence, ``after`` following."""
    if not before.endswith("."):
        return True
    if after and (after[0].islower() or after[0].isdigit()):
        return False
    return before.rsplit(None, 1)[-1].lstrip(_OPENING).lower() not in known


def sentence_gaps(text: str, locale: str) -> Iterator[re.Match[str]]:
    """The whitespace between each sentence of ``text`` (in ``locale``) and the next."""
    known = abbreviations(locale)
    for gap in _GAP.finditer(text):
        if _ends_sentence(text[: gap.start()], text[gap.end() :], known):
            yield gap


def split_sentences(text: str, locale: str) -> list[str]:
    """``text`` (in ``locale``) split into its sentences, each with its final mark."""
    sentences, start = [], 0
    for gap in sentence_gaps(text, locale):
        sentences.append(text[start : gap.start()])
        start = gap.end()
    sentences.append(text[start:])
    return sentences
