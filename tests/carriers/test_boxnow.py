"""BOX NOW adapter: faked at the HTTP layer with respx, payloads from tests/fixtures/boxnow/.

Rate limits, 5xx and timeouts, unusable bodies, unknown parcels and refused credentials
are rows of ``test_contract.py``; this file keeps what only BOX NOW does: its token
endpoint, the locker every parcel goes to, its states and events, and its webhooks, which
carry their signature inside the body.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx
import pytest
import respx
from hypothesis import given, settings
from hypothesis import strategies as st

from carriers.base import AuthError, BadResponse, PickupKind, Reason, Status
from carriers.boxnow import BoxNowAdapter, codes, parse
from carriers.detection import detect
from tests.carriers.helpers import JSON, load_fixture, utc

BASE = "https://api-production.boxnow.gr"
TOKEN_URL = f"{BASE}/api/v1/auth-sessions"
PARCELS = f"{BASE}/api/v1/parcels"
CREDENTIALS = {"client_id": "boxnow-client", "client_secret": "boxnow-s3cret"}
NUMBER = "6423451087"
SECRET = "whsec-boxnow"


def fixture(name: str) -> Any:
    return load_fixture("boxnow", name)


@pytest.fixture
def token(respx_mock: respx.MockRouter) -> respx.Route:
    return respx_mock.post(TOKEN_URL).respond(200, json=fixture("token.json"))


@pytest.fixture
def adapter(client: httpx.AsyncClient, token: respx.Route) -> BoxNowAdapter:
    return BoxNowAdapter(CREDENTIALS, client=client)


async def track(adapter: BoxNowAdapter, respx_mock, name: str) -> Any:
    route = respx_mock.get(url__startswith=PARCELS).respond(200, json=fixture(name))
    [result] = await adapter.track([NUMBER])
    return result, route


# --- the documented journey ---


async def test_a_parcel_in_its_locker_is_available_for_pickup_there(adapter, respx_mock):
    result, route = await track(adapter, respx_mock, "journey.json")

    assert result.status is Status.AVAILABLE_FOR_PICKUP and result.number == NUMBER
    assert [e.carrier_code for e in result.events] == ["new", "in-depot", "final-destination"]
    # BOX NOW sends codes, no words: customers are not shown "final-destination" as the
    # carrier's own.
    assert all(e.description == "" for e in result.events)
    assert [e.status for e in result.events] == [
        Status.INFO_RECEIVED,
        Status.IN_TRANSIT,
        Status.AVAILABLE_FOR_PICKUP,
    ]
    assert result.events[-1].occurred_at == utc(2026, 11, 24, 8, 41, 55, 4000)
    assert result.events[1].postal_code == "104 37"
    point = result.pickup_point
    assert point is not None and point.kind is PickupKind.LOCKER
    assert point.point_id == "4"
    assert point.name == "Κηφισίας 1 - AB Βασιλόπουλος"
    assert point.street == "Λεωφόρος Κηφισίας 1"
    assert (point.postal_code, point.country) == ("17671", "GR")
    assert point.pickup_code is None, "the PIN comes only with webhooks"
    assert result.carrier_url == f"https://t.boxnow.gr/?track={NUMBER}"
    assert route.calls.last.request.url.params["parcelId"] == NUMBER
    assert route.calls.last.request.headers["Authorization"] == "Bearer eyJz93a.boxnow.k4laUWw"


async def test_a_delivered_parcel_says_when(adapter, respx_mock):
    result, _ = await track(adapter, respx_mock, "parcel_delivered.json")

    assert result.status is Status.DELIVERED
    assert result.delivered_at == utc(2026, 11, 24, 18, 3, 27)
    assert result.pickup_point is not None and result.pickup_point.point_id == "4"


async def test_a_parcel_not_collected_in_time_comes_back_and_leaves_its_locker(adapter, respx_mock):
    result, _ = await track(adapter, respx_mock, "parcel_expired_returned.json")

    assert (result.status, result.reason) == (Status.RETURNED_TO_SENDER, Reason.NOT_COLLECTED)
    assert result.pickup_point is None
    assert result.events[3].reason is Reason.NOT_COLLECTED


async def test_a_home_delivery_has_no_locker(adapter, respx_mock):
    doc = fixture("journey.json")
    destination = doc["data"][0]["deliveryRequest"]["destination"]
    del destination["locationId"]
    doc["data"][0]["state"] = "in-transit"
    respx_mock.get(url__startswith=PARCELS).respond(200, json=doc)

    [result] = await adapter.track([NUMBER])

    assert result.status is Status.IN_TRANSIT and result.pickup_point is None


@pytest.mark.parametrize(("name", "outcome"), list(codes.STATES.items()))
async def test_every_documented_state_maps(adapter, respx_mock, name, outcome):
    doc = fixture("journey.json")
    doc["data"][0]["state"] = name
    respx_mock.get(url__startswith=PARCELS).respond(200, json=doc)

    [result] = await adapter.track([NUMBER])

    assert (result.status, result.reason) == outcome


@pytest.mark.parametrize(("name", "outcome"), list(codes.EVENTS.items()))
def test_every_documented_event_maps(name, outcome):
    event = parse.parse_event({"type": name, "createTime": "2026-11-24T08:41:55.004Z"})
    assert (event.status, event.reason) == outcome and event.carrier_code == name


def test_the_code_tables_hold_every_documented_value():
    assert set(codes.STATES) == {
        "new", "in-transit", "expired-return", "returned", "in-final-destination",
        "delivered", "lost", "canceled", "missing",
    }  # fmt: skip
    assert set(codes.EVENTS) == {
        "new", "delivered", "expired", "returned", "in-depot", "final-destination",
        "canceled", "accepted-for-return", "missing", "accepted-to-locker", "lost",
    }  # fmt: skip


def test_an_undocumented_state_or_event_reads_as_movement():
    assert codes.state("teleported") == codes.event("teleported") == (Status.IN_TRANSIT, None)


# --- auth ---


async def test_the_token_is_asked_with_the_documented_json_grant(adapter, respx_mock, token):
    await track(adapter, respx_mock, "journey.json")

    assert json.loads(token.calls.last.request.content) == {
        "grant_type": "client_credentials",
        "client_id": "boxnow-client",
        "client_secret": "boxnow-s3cret",
    }


async def test_the_token_is_reused_and_fetched_again_once_after_a_401(adapter, respx_mock, token):
    route = respx_mock.get(url__startswith=PARCELS).mock(
        side_effect=[
            httpx.Response(200, json=fixture("journey.json")),
            httpx.Response(401),
            httpx.Response(200, json=fixture("parcel_delivered.json")),
        ]
    )

    [first] = await adapter.track([NUMBER])
    [second] = await adapter.track([NUMBER])

    assert first.status is Status.AVAILABLE_FOR_PICKUP and second.status is Status.DELIVERED
    assert token.call_count == 2 and route.call_count == 3


async def test_a_refused_token_request_is_an_auth_error(client, respx_mock):
    respx_mock.post(TOKEN_URL).respond(401)
    route = respx_mock.get(url__startswith=PARCELS)

    with pytest.raises(AuthError):
        await BoxNowAdapter(CREDENTIALS, client=client).track([NUMBER])
    assert not route.called


async def test_missing_credentials_fail_before_any_call(client, respx_mock):
    token = respx_mock.post(TOKEN_URL)

    with pytest.raises(AuthError):
        await BoxNowAdapter({"client_id": "x"}, client=client).track([NUMBER])
    assert not token.called


async def test_a_partner_id_is_sent_when_the_account_has_one(client, respx_mock, token):
    route = respx_mock.get(url__startswith=PARCELS).respond(200, json=fixture("parcels_empty.json"))

    await BoxNowAdapter(CREDENTIALS | {"partner_id": "9191"}, client=client).track([NUMBER])

    assert route.calls.last.request.headers["X-PartnerID"] == "9191"


async def test_several_parcels_are_asked_one_by_one_in_order(adapter, respx_mock):
    def respond(request: httpx.Request) -> httpx.Response:
        if request.url.params["parcelId"] == NUMBER:
            return httpx.Response(200, json=fixture("parcel_delivered.json"))
        return httpx.Response(200, json=fixture("parcels_empty.json"))

    respx_mock.get(url__startswith=PARCELS).mock(side_effect=respond)

    unknown, known = await adapter.track(["1111111111", NUMBER])

    assert unknown.not_found and unknown.number == "1111111111"
    assert known.status is Status.DELIVERED


# --- webhooks ---


def signed_body(data: dict[str, Any] | None = None, secret: str = SECRET) -> bytes:
    """A message as BOX NOW sends one: ``datasignature`` over the ``data`` text as sent."""
    message = fixture("webhook_final_destination.json")
    data_text = json.dumps(data or message.pop("data"), ensure_ascii=False, separators=(",", ":"))
    message.pop("data", None)
    message["datasignature"] = hmac.new(
        secret.encode(), data_text.encode(), hashlib.sha256
    ).hexdigest()
    head = json.dumps(message, ensure_ascii=False)[:-1]
    return f'{head}, "data": {data_text}}}'.encode()


def pusher(client: httpx.AsyncClient, secret: str | None = SECRET) -> BoxNowAdapter:
    return BoxNowAdapter(
        CREDENTIALS | ({"webhook_secret": secret} if secret else {}), client=client
    )


def test_boxnow_offers_push():
    assert BoxNowAdapter.supports_push


def test_a_correctly_signed_message_verifies(client):
    assert pusher(client).verify_webhook({}, signed_body()) is True


def test_the_signature_may_come_in_upper_case_hex(client):
    body = signed_body()
    message = json.loads(body)
    upper = body.replace(
        message["datasignature"].encode(), message["datasignature"].upper().encode()
    )
    assert pusher(client).verify_webhook({}, upper) is True


@pytest.mark.parametrize(
    "forge",
    [
        lambda body: signed_body(secret="guess"),  # another secret
        lambda body: body.replace(b"482913", b"000000"),  # data changed after signing
        lambda body: body.replace(b'"data": {', b'"data": { ', 1),  # not the bytes signed
        lambda body: body[:-1] + b', "data": {"parcelId": "1"}}',  # a second data member
        lambda body: body.replace(b'"datasignature"', b'"signature"'),  # no signature
        lambda body: b"not json",
        lambda body: b"[]",
    ],
    ids=["other-secret", "changed", "re-spaced", "duplicate-data", "unsigned", "garbage", "list"],
)
def test_forged_or_altered_messages_are_refused(client, forge):
    assert pusher(client).verify_webhook({}, forge(signed_body())) is False


@settings(max_examples=100, deadline=None)
@given(body=st.binary() | JSON.map(lambda v: json.dumps(v).encode()))
def test_arbitrary_bodies_never_verify_and_never_raise(body: bytes):
    verifier = BoxNowAdapter({"webhook_secret": SECRET}, client=httpx.AsyncClient())
    assert verifier.verify_webhook({}, body) is False


def test_raw_member_keeps_the_member_as_written():
    text = '{"a": 1, "data" : {"x": [1, 2],  "y": "}"} , "b": null}'
    assert parse.raw_member(text, "data") == '{"x": [1, 2],  "y": "}"}'
    assert parse.raw_member(text, "c") is None
    assert parse.raw_member('{"data": 1} trailing', "data") is None


def test_without_a_webhook_secret_nothing_verifies(client):
    assert pusher(client, secret=None).verify_webhook({}, signed_body()) is False
    assert pusher(client, secret=None).verify_webhook({}, signed_body(secret="")) is False


def test_a_pushed_event_gives_the_locker_and_its_pin(client):
    [result] = pusher(client).parse_webhook(signed_body())

    assert result.number == NUMBER and result.status is Status.AVAILABLE_FOR_PICKUP
    [event] = result.events
    assert event.carrier_code == "final-destination" and event.description == ""
    assert event.occurred_at == utc(2026, 11, 24, 8, 41, 55, 4000)
    point = result.pickup_point
    assert point is not None and point.kind is PickupKind.LOCKER
    assert point.name == "Κηφισίας 1 - AB Βασιλόπουλος" and point.postal_code == "17671"
    assert point.pickup_code == "482913"
    assert result.carrier_url == f"https://t.boxnow.gr/?track={NUMBER}"


def test_a_pushed_delivery_has_no_pin(client):
    data = fixture("webhook_final_destination.json")["data"] | {
        "event": "delivered",
        "parcelState": "delivered",
    }
    [result] = pusher(client).parse_webhook(signed_body(data))

    assert result.status is Status.DELIVERED and result.pickup_point is None
    assert result.delivered_at == utc(2026, 11, 24, 8, 41, 55, 4000)


def test_other_message_types_carry_no_parcel(client):
    body = json.dumps({"specversion": "1.0", "type": "gr.boxnow.other", "data": {}}).encode()
    assert pusher(client).parse_webhook(body) == []


@pytest.mark.parametrize(
    "body",
    [
        b"{}",
        json.dumps({"type": parse.WEBHOOK_TYPE, "data": {"parcelId": NUMBER}}).encode(),
        json.dumps({"type": parse.WEBHOOK_TYPE, "data": []}).encode(),
    ],
)
def test_an_incomplete_message_is_a_bad_response(client, body):
    with pytest.raises(BadResponse):
        pusher(client).parse_webhook(body)


# --- detection ---


def test_a_ten_digit_parcel_id_is_proposed_for_boxnow():
    assert dict(detect(NUMBER))["boxnow"] == 0.25
