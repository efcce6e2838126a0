"""Shared parsing helpers (:mod:`carriers.parsing`): typed accessors that raise BadResponse
naming the carrier, and nothing else."""

from __future__ import annotations

from datetime import UTC, timedelta, timezone

import pytest

from carriers.base import BadResponse, Status, TrackingEvent
from carriers.parsing import JsonReader, decode_json, dump, latest_status, short_repr, squash
from carriers.timestamps import parse_iso
from tests.carriers.helpers import utc

READ = JsonReader("acme:", short_repr)


def test_text_reads_strings_and_numbers_and_blanks_as_none():
    assert [READ.text(v) for v in (" 1Z ", 20212, 1.5, "  ", None)] == [
        "1Z",
        "20212",
        "1.5",
        None,
        None,
    ]


@pytest.mark.parametrize(
    "value", [True, [], {}, 10**5000], ids=["bool", "list", "object", "huge-int"]
)
def test_anything_else_is_a_bad_response_naming_the_carrier(value):
    with pytest.raises(BadResponse, match=r"^acme: "):
        READ.text(value)
    with pytest.raises(BadResponse, match=r"^acme: zip is not text"):
        READ.field_text({"zip": value}, "zip")


def test_the_offending_value_is_kept_as_the_body():
    with pytest.raises(BadResponse) as caught:
        READ.obj([1, 2], "shipment")
    assert str(caught.value) == "acme: shipment is not an object"
    assert caught.value.body == "[1, 2]"
    with pytest.raises(BadResponse) as caught:
        JsonReader("Acme").obj([1, 2], "shipment")
    assert (str(caught.value), caught.value.body) == ("Acme shipment is not an object", None)


def test_optional_containers_default_to_empty():
    assert READ.optional_obj({"a": None}, "a") == {}
    assert READ.optional_list({}, "events") == []
    assert READ.list(None) == []
    with pytest.raises(BadResponse, match="events is not a list"):
        READ.optional_list({"events": {}}, "events")


def test_strings_are_kept_as_sent_and_required_ones_must_be_there():
    assert READ.string({"city": " Lyon "}, "city") == " Lyon "
    assert READ.required_string({"code": "1Z"}, "code", "tracker") == "1Z"
    with pytest.raises(BadResponse, match="tracker without code"):
        READ.required_string({"code": ""}, "code", "tracker")


def test_times_and_stated_dates():
    assert READ.iso_time("2026-11-20T10:00:00+01:00", None) == utc(2026, 11, 20, 9)
    assert str(READ.stated_date("2026-11-21T23:00:00-08:00")) == "2026-11-21"
    with pytest.raises(BadResponse, match="bad datetime"):
        READ.iso_time("yesterday", None, what="datetime")
    with pytest.raises(BadResponse, match="bad estimated delivery"):
        READ.stated_date("soon")


def test_tokens_need_a_value_and_a_positive_finite_lifetime():
    assert READ.token({"access_token": "t", "expires_in": "3599"}) == ("t", 3599.0)
    for bad in (
        {"access_token": "t"},
        {"expires_in": 60},
        {"access_token": "t", "expires_in": "nan"},
    ):
        with pytest.raises(BadResponse):
            READ.token(bad)


def test_decode_json_refuses_anything_that_is_not_json():
    assert decode_json(b'{"a": 1}', "nope") == {"a": 1}
    for body in (b"\xff", b"{", b"[" * 100_000):
        with pytest.raises(BadResponse, match="nope") as caught:
            decode_json(body, "nope")
        assert caught.value.body is not None


def test_small_helpers():
    assert squash(" 1z 999 aa1 ") == "1Z999AA1"
    assert dump({"a": object()}).startswith("{'a': <object")
    assert latest_status([]) == (Status.PENDING, None)
    event = TrackingEvent(occurred_at=utc(2026, 1, 1), status=Status.DELIVERED)
    assert latest_status([event]) == (Status.DELIVERED, None)


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("2026-11-19T14:15:00+02:00", None),
        ("2026-11-19T12:15:00Z", None),
        ("2026-11-19T12:15:00z", None),
        ("  2026-11-19T12:15:00+00:00 ", None),
        ("2026-11-19T14:15:00", "RO"),  # no offset: the country's zone (EET in November)
        ("2026-11-19T14:15:00", "UA"),  # Kyiv's by law, though tz also lists Simferopol
    ],
)
def test_iso_timestamps_in_every_accepted_spelling_are_the_same_utc_moment(text, country):
    moment = parse_iso(text, country=country)
    assert moment == utc(2026, 11, 19, 12, 15)
    assert moment.tzinfo is UTC


@pytest.mark.parametrize("text", ["", "19.11.2026 12:15", "2026-13-01T00:00:00Z"])
def test_anything_else_is_not_a_timestamp(text):
    with pytest.raises(ValueError):
        parse_iso(text)


def test_a_scans_dedupe_key_is_its_code_utc_second_and_place():
    local = timezone(timedelta(hours=2))
    event = TrackingEvent(
        occurred_at=utc(2026, 1, 2, 3, 4, 5).astimezone(local),
        status=Status.IN_TRANSIT,
        carrier_code="AR",
        city="Cluj",
        country="RO",
    )
    assert event.dedupe_key == "AR|20260102T030405|cluj|||ro"
