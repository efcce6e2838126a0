"""Carrier detection: every format with a valid and a one-digit-off number, ambiguity,
normalisation, and properties over arbitrary text.

Valid numbers are built here with check-digit functions written out plainly from
CARRIERS.md (independent of carriers/checkdigits.py), or are documented test numbers.

The formats are the built-in adapters' own declarations (``number_formats``), so these
tests pin the registry to exactly the four built-ins that declare formats: a plugin or a
newer adapter with an overlapping format changes what ``detect()`` proposes, which
tests/carriers/test_detection_adapters.py covers.
"""

from __future__ import annotations

import string
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carriers import registry
from carriers.detection import detect, is_plausible, normalise
from carriers.dhl import DHLAdapter
from carriers.fedex import FedExAdapter
from carriers.ups import UPSAdapter
from carriers.usps import USPSAdapter

KNOWN = {"ups", "fedex", "usps", "dhl"}


@pytest.fixture(autouse=True, scope="module")
def _built_in_formats_only() -> Iterator[None]:
    """Module-scoped so that hypothesis tests may use it too."""
    registry.replace([UPSAdapter, USPSAdapter, FedExAdapter, DHLAdapter])
    yield
    registry.reload()


# --- independent check digits, written the long way ---


def ups_digit(body: str) -> str:
    """15 chars after 1Z; letters (ord - 3) mod 10; 0-based odd positions doubled."""
    values = []
    for ch in body:
        values.append(int(ch) if ch in string.digits else (ord(ch) - 3) % 10)
    odd = sum(values[1::2]) * 2
    even = sum(values[0::2])
    return str((10 - (odd + even) % 10) % 10)


def fedex12_digit(payload: str) -> str:
    weights = [3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1]
    return str(sum(int(d) * w for d, w in zip(payload, weights, strict=True)) % 11 % 10)


def mod10_right(payload: str) -> str:
    """Weight 3 on the rightmost payload digit, then 1, 3, 1, ..."""
    total = 0
    weight = 3
    for d in reversed(payload):
        total += int(d) * weight
        weight = 1 if weight == 3 else 3
    return str((10 - total % 10) % 10)


def mod10_left(payload: str) -> str:
    """Weight 3 on the leftmost payload digit, then 1, 3, 1, ..."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(payload))
    return str((10 - total % 10) % 10)


def s10_digit(serial: str) -> str:
    r = sum(int(d) * w for d, w in zip(serial, [8, 6, 4, 2, 3, 5, 9, 7], strict=True)) % 11
    if r == 0:
        return "5"
    if r == 1:
        return "0"
    return str(11 - r)


def dhl_digit(payload: str) -> str:
    return str(int(payload) % 7)


def carriers(number: str) -> list[str]:
    return [carrier for carrier, _ in detect(number)]


# --- the formats, each as (label, valid number, expected carriers in order) ---

UPS_BODY = "999AA1012345678"
FEDEX12 = "12345678901"
FEDEX15 = "04144176022896"
FEDEX96 = "961102098765431234567"  # 21 digits; check covers the last 14 of them
IMPB = "940011120108080548301"  # 21 digits
USPS20 = "0307179000052348374"  # 19 digits
S10 = "12345678"

VALID: list[tuple[str, str, list[str]]] = [
    ("ups documented 1", "1ZCIETST0111111114", ["ups"]),
    ("ups documented 2", "1ZCIETST0422222228", ["ups"]),
    ("ups computed", "1Z" + UPS_BODY + ups_digit(UPS_BODY), ["ups"]),
    ("fedex 12", FEDEX12 + fedex12_digit(FEDEX12), ["fedex"]),
    ("fedex 12 documented", "986578788855", ["fedex"]),
    ("fedex ground 15", FEDEX15 + mod10_right(FEDEX15), ["fedex"]),
    ("fedex ground 96", FEDEX96 + mod10_right(FEDEX96[7:]), ["fedex"]),
    ("usps 20", USPS20 + mod10_left(USPS20), ["usps"]),
    ("smartpost 20 (92)", "61299998820821171811", ["fedex", "usps"]),
    ("usps 20 (91)", "71969010756003077385", ["usps", "fedex"]),
    ("impb 94", IMPB + mod10_right(IMPB), ["usps"]),
    ("impb 93", "9361289878700317633795", ["usps"]),
    ("impb 95", "9505511069605048600624", ["usps"]),
    ("impb 92 (shared with fedex)", "9261292700768711948021", ["usps", "fedex"]),
    ("impb 91", "9101123456789000000013", ["usps"]),
    ("impb with 420+zip5", "42022153" + IMPB + mod10_right(IMPB), ["usps"]),
    ("impb with 420+zip9", "420102820000" + IMPB + mod10_right(IMPB), ["usps"]),
    ("s10 us", "EA" + S10 + s10_digit(S10) + "US", ["usps"]),
    ("s10 documented", "EA123456785US", ["usps"]),
    # Only the issuing post: USPS used to be proposed too (0.2), as it was for every
    # foreign S10 number (see test_a_foreign_s10_number_without_its_post_has_no_candidate).
    ("s10 de", "RR" + S10 + s10_digit(S10) + "DE", ["dhl"]),
    ("dhl 10", "123456789" + dhl_digit("123456789"), ["dhl"]),
    ("dhl 11", "3456789012" + dhl_digit("3456789012"), ["dhl"]),
]

SINGLE_RULE = [case for case in VALID if not case[0].startswith(("smartpost", "usps 20"))]


@pytest.mark.parametrize(("label", "number", "expected"), VALID, ids=[v[0] for v in VALID])
def test_it_detects_every_valid_format(label: str, number: str, expected: list[str]) -> None:
    assert carriers(number) == expected


@pytest.mark.parametrize(
    ("label", "number", "expected"), SINGLE_RULE, ids=[v[0] for v in SINGLE_RULE]
)
def test_it_rejects_every_wrong_check_digit(label: str, number: str, expected: list[str]) -> None:
    """Formats with one rule: each of the nine other check digits is one digit off."""
    check_at = len(number) - 3 if number[-2:].isalpha() else len(number) - 1
    for digit in string.digits:
        if digit == number[check_at]:
            continue
        wrong = number[:check_at] + digit + number[check_at + 1 :]
        assert detect(wrong) == [], wrong


@pytest.mark.parametrize(
    "wrong",
    [
        "1ZCIETST0111111124",  # UPS, body digit changed
        "986578788845",  # FedEx 12, body digit changed
        "0414417602289" + "74",  # FedEx 15, body digit changed
        "9611020987654312345682",  # FedEx 96, body digit changed
        "9400111201080805483116",  # IMpb, body digit changed
        "EA123456795US",  # S10, serial digit changed
        "1234567881",  # DHL, body digit changed (by 1, never a multiple of 7)
    ],
)
def test_it_rejects_a_body_digit_typo(wrong: str) -> None:
    assert detect(wrong) == []


def test_twenty_digits_accept_exactly_three_check_digits() -> None:
    """USPS plain, SmartPost (92) and old (91) rules each accept one digit; the rest fail."""
    payload = USPS20
    found = {d: carriers(payload + d) for d in string.digits}
    assert found[mod10_left(payload)] == ["usps"]
    assert found[mod10_right("92" + payload)] == ["fedex", "usps"]
    assert found[mod10_right("91" + payload)] == ["usps", "fedex"]
    assert sum(1 for result in found.values() if result) == 3


def test_ambiguous_numbers_return_several_candidates_most_likely_first() -> None:
    impb_92 = detect("9261292700768711948021")
    assert [c for c, _ in impb_92] == ["usps", "fedex"]
    assert impb_92[0][1] > impb_92[1][1]
    smartpost = detect("61299998820821171811")
    assert smartpost[0][0] == "fedex"
    assert smartpost[0][1] > smartpost[1][1]


def test_confidence_says_how_strong_the_evidence_is() -> None:
    ups = dict(detect("1ZCIETST0111111114"))["ups"]
    dhl = dict(detect("123456789" + dhl_digit("123456789")))["dhl"]
    assert ups > 0.9
    assert dhl < ups


def test_a_foreign_s10_number_without_its_post_has_no_candidate() -> None:
    """Changed on purpose (issue #14): a French S10 number used to be proposed to USPS at
    0.3, because USPS tracks inbound international mail. That was a guess across the
    world which polled the wrong carrier for every parcel sent from anywhere else; an
    S10 number names its issuing post, so only an adapter for that post may claim it,
    and without one the portal asks for the carrier."""
    assert detect("LX" + S10 + s10_digit(S10) + "FR") == []
    assert detect("RR" + S10 + s10_digit(S10) + "PL") == []


@pytest.mark.parametrize(
    "raw",
    [
        "1z ciet st01 1111 1114",
        "1Z-CIETST-0111111114",
        "1z.ciets.t0111111114",
        "\t1ZCIETST0111111114\n",
        "1Z\u2013CIETST\u20140111111114",  # en and em dashes pasted from an e-mail
        "1Z\u00a0CIETST0111111114",  # non-breaking space
    ],
)
def test_it_normalises_spaces_dashes_dots_and_case(raw: str) -> None:
    assert normalise(raw) == "1ZCIETST0111111114"
    assert carriers(raw) == ["ups"]


def test_lower_case_s10_is_detected() -> None:
    assert carriers("ea 123 456 785 us") == ["usps"]


@pytest.mark.parametrize(
    ("raw", "plausible"),
    [
        ("1234567", True),
        ("123456", False),
        ("A" * 40, True),
        ("A" * 41, False),
        ("1Z 999 AA1", True),
        ("12345/678", False),
        ("", False),
        ("١٢٣٤٥٦٧٨", False),  # Arabic-Indic digits are not tracking numbers
        ("ÄÖÜ1234567", False),
    ],
)
def test_is_plausible_rejects_malformed_input(raw: str, plausible: bool) -> None:
    assert is_plausible(raw) is plausible


def test_unknown_but_plausible_numbers_give_no_candidates() -> None:
    assert detect("ABCDEFGHIJ") == []
    assert detect("1234567") == []


@given(st.text())
def test_detect_never_raises_on_arbitrary_text(text: str) -> None:
    result = detect(text)
    assert isinstance(result, list)
    confidences = [conf for _, conf in result]
    assert confidences == sorted(confidences, reverse=True)
    assert all(0.0 < conf <= 1.0 for conf in confidences)
    assert {c for c, _ in result} <= KNOWN
    assert len({c for c, _ in result}) == len(result)


@given(st.text(alphabet=string.digits + string.ascii_letters + " -.", max_size=45))
def test_detect_never_raises_on_number_like_text(text: str) -> None:
    assert {c for c, _ in detect(text)} <= KNOWN


@given(st.text(alphabet=string.digits + string.ascii_uppercase, min_size=15, max_size=15))
def test_every_valid_ups_number_is_detected(body: str) -> None:
    assert carriers("1Z" + body + ups_digit(body)) == ["ups"]


@given(st.text(alphabet=string.digits, min_size=11, max_size=11))
def test_every_valid_fedex_express_number_is_detected(payload: str) -> None:
    assert carriers(payload + fedex12_digit(payload)) == ["fedex"]


@given(st.text(alphabet=string.digits, min_size=9, max_size=10))
def test_every_valid_dhl_express_number_is_detected(payload: str) -> None:
    assert carriers(payload + dhl_digit(payload)) == ["dhl"]


@given(
    st.sampled_from(["93", "94", "95"]),
    st.text(alphabet=string.digits, min_size=19, max_size=19),
)
def test_every_valid_impb_number_is_detected(prefix: str, rest: str) -> None:
    payload = prefix + rest
    assert carriers(payload + mod10_right(payload)) == ["usps"]


@given(st.text(alphabet=string.digits, min_size=8, max_size=8))
def test_every_valid_us_s10_number_is_detected(serial: str) -> None:
    assert carriers("CP" + serial + s10_digit(serial) + "US") == ["usps"]
