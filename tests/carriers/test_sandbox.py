"""Sandbox carrier: the simulated HTTP API, the adapter and push (journeys are in
test_sandbox_journey.py).

The adapter is tested against the real sandbox app through ``httpx.ASGITransport`` (it is a
real HTTP server in-process); respx covers only what the app cannot produce on demand
(timeouts, hand-built payloads).
"""

from __future__ import annotations

import contextlib
import copy
import json
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from carriers.base import (
    AuthError,
    BadResponse,
    CarrierUnavailable,
    DeliveryWindow,
    RateLimited,
    Reason,
    Status,
    TrackingResult,
)
from carriers.sandbox import SCENARIO_EXAMPLES, SandboxAdapter, make_numbers, sign
from carriers.sandbox.__main__ import build_parser
from carriers.sandbox.journey import DEFAULT_EPOCH, plan
from carriers.sandbox.parse import parse_track_response
from carriers.sandbox.server import create_app, push_updates, track_payload
from tests.carriers.helpers import SANDBOX_END_STATES as END_STATES
from tests.carriers.helpers import json_paths, load_fixture

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
#: Every example was labelled on 2026-01-05; all their journeys are over by this time.
AFTER_EXAMPLES = datetime(2026, 2, 1, tzinfo=UTC)
BASE = "http://sandbox.test"
EX = SCENARIO_EXAMPLES


def sandbox_client(app: Any = None, **headers: str) -> httpx.AsyncClient:
    app = app if app is not None else create_app(clock=lambda: AFTER_EXAMPLES)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), headers=headers)


def adapter(client: httpx.AsyncClient, **credentials: str) -> SandboxAdapter:
    return SandboxAdapter(credentials or {"api_key": "demo"}, client=client, base_url=BASE)


# --- the adapter against the real sandbox app -----------------------------------------------


async def test_it_tracks_a_batch_in_order_with_unknown_and_malformed_numbers() -> None:
    numbers = [EX["delivered"], "SBX1234", EX["not_found"], " sbx10527040017 ", EX["label_only"]]
    async with sandbox_client() as client:
        results = await adapter(client).track(numbers)
    assert [r.number for r in results] == numbers
    assert [r.not_found for r in results] == [False, True, True, False, False]
    assert results[0].status is Status.DELIVERED and results[3].status is Status.DELIVERED
    assert results[0] is not results[3] and results[0].events == results[3].events
    assert results[4].status is Status.INFO_RECEIVED
    assert results[1].status is Status.PENDING and results[1].events == []
    assert results[0].carrier_url == f"{BASE}/track/{EX['delivered']}"


async def test_it_splits_more_than_100_numbers_and_keeps_the_order() -> None:
    sent: list[httpx.Request] = []

    async def record(request: httpx.Request) -> None:
        sent.append(request)

    numbers = make_numbers(250, seed=10, now=NOW)
    app = create_app(clock=lambda: NOW)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), event_hooks={"request": [record]}
    ) as client:
        results = await adapter(client, api_key="k-1").track(numbers)
    assert [r.number for r in results] == numbers
    assert sorted(len(json.loads(r.content)["numbers"]) for r in sent) == [50, 100, 100]
    for request in sent:
        assert request.method == "POST"
        assert str(request.url) == f"{BASE}/v1/track"
        assert request.headers["Authorization"] == "Bearer k-1"
        assert request.headers["Content-Type"] == "application/json"
    assert await adapter(client).track([]) == []


async def test_a_multi_event_journey_is_parsed_oldest_first_with_places() -> None:
    async with sandbox_client() as client:
        (result,) = await adapter(client).track([EX["delivered"]])
    expected = plan(EX["delivered"]).events  # type: ignore[union-attr]
    assert [e.carrier_code for e in result.events] == [e.code for e in expected]
    assert [e.occurred_at for e in result.events] == [e.at for e in expected]  # UTC, exact
    assert result.events[0].status is Status.INFO_RECEIVED
    assert result.events[-2].status is Status.OUT_FOR_DELIVERY
    assert all(e.occurred_at.utcoffset() == timedelta(0) for e in result.events)
    assert all(e.city and e.region and e.postal_code and e.country for e in result.events)
    assert result.events[0].description == "Shipment information received"


async def test_a_delivered_parcel_has_its_signer_and_delivery_time() -> None:
    async with sandbox_client() as client:
        (result,) = await adapter(client).track([EX["delivered"]])
    last = plan(EX["delivered"]).events[-1]  # type: ignore[union-attr]
    assert result.status is Status.DELIVERED
    assert result.signed_by == last.signed_by
    assert result.delivered_at == last.at
    assert result.estimated_delivery is None


@pytest.mark.parametrize("name", sorted(END_STATES))
async def test_each_scenario_reads_as_its_status_through_the_api(name: str) -> None:
    async with sandbox_client() as client:
        (result,) = await adapter(client).track([EX[name]])
    assert (result.status, result.reason) == END_STATES[name]
    if name.startswith(("failed_attempt", "pickup_point_after", "returned_unclaimed")):
        assert any(e.status is Status.FAILED_ATTEMPT for e in result.events)


async def test_a_parcel_in_flight_has_a_window_estimate() -> None:
    number = EX["delivered"]
    label = plan(number).label_time  # type: ignore[union-attr]
    async with sandbox_client(create_app(clock=lambda: label + timedelta(hours=12))) as client:
        (result,) = await adapter(client).track([number])
    assert result.status is Status.IN_TRANSIT
    assert isinstance(result.estimated_delivery, DeliveryWindow)
    async with sandbox_client(create_app(clock=lambda: label)) as client:
        (result,) = await adapter(client).track([number])
    assert result.status is Status.INFO_RECEIVED
    assert result.estimated_delivery == date(2026, 1, 6)


async def test_it_works_mounted_under_the_portal_prefix() -> None:
    portal = Starlette(routes=[Mount("/_sandbox/carrier", app=create_app(clock=lambda: NOW))])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=portal)) as client:
        sandbox = SandboxAdapter(
            {"api_key": "x"}, client=client, base_url="http://portal/_sandbox/carrier/"
        )
        (result,) = await sandbox.track([EX["returned_refused"]])
        page = await client.get(result.carrier_url or "")
    assert result.status is Status.RETURNED_TO_SENDER
    assert page.status_code == 200 and page.json()["number"] == EX["returned_refused"]


async def test_the_public_page_and_health_need_no_key() -> None:
    async with sandbox_client() as client:
        page = await client.get(f"{BASE}/track/{EX['exception_lost']}")
        health = await client.get(f"{BASE}/health")
    assert page.json()["status"]["code"] == "XLS"
    assert health.json()["ok"] is True


@pytest.mark.parametrize("credentials", [{"api_key": "bad-key"}, {"api_key": "  "}, {}])
async def test_a_rejected_or_missing_key_raises_auth_error(credentials: dict[str, str]) -> None:
    async with sandbox_client() as client:
        sandbox = SandboxAdapter(credentials, client=client, base_url=BASE)
        with pytest.raises(AuthError):
            await sandbox.track([EX["delivered"]])


async def test_the_server_rejects_calls_without_a_bearer_key() -> None:
    async with sandbox_client() as client:
        for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer bad-key"}):
            response = await client.post(f"{BASE}/v1/track", json={"numbers": []}, headers=headers)
            assert response.status_code == 401
            assert response.json()["error"]["code"] == "UNAUTHORIZED"


@pytest.mark.parametrize(
    ("fault", "retry_after_header", "retry_after"),
    [("429", "7", 7.0), ("429", "none", None), ("503", "30", 30.0)],
    ids=["429-with-retry-after", "429-without-retry-after", "503-with-retry-after"],
)
async def test_an_injected_rate_limit_raises_rate_limited(
    fault: str, retry_after_header: str, retry_after: float | None
) -> None:
    headers = {"X-Sandbox-Fault": fault, "X-Sandbox-Retry-After": retry_after_header}
    async with sandbox_client(**headers) as client:
        with pytest.raises(RateLimited) as caught:
            await adapter(client).track([EX["delivered"]])
    assert caught.value.retry_after == retry_after


@pytest.mark.parametrize("fault", ["503", "500", "502", "504"])
async def test_an_injected_5xx_raises_carrier_unavailable(fault: str) -> None:
    async with sandbox_client(**{"X-Sandbox-Fault": fault}) as client:
        with pytest.raises(CarrierUnavailable):
            await adapter(client).track([EX["delivered"]])


async def test_an_injected_garbage_body_raises_bad_response() -> None:
    async with sandbox_client(**{"X-Sandbox-Fault": "garbage"}) as client:
        with pytest.raises(BadResponse) as caught:
            await adapter(client).track([EX["delivered"]])
    assert "Bad Gateway" in (caught.value.body or "")


async def test_faults_can_come_from_the_query_the_key_or_the_server() -> None:
    async with sandbox_client() as client:
        response = await client.post(
            f"{BASE}/v1/track?fault=429&retry_after=5",
            json={"numbers": []},
            headers={"Authorization": "Bearer k"},
        )
        assert response.status_code == 429 and response.headers["Retry-After"] == "5"
        with pytest.raises(RateLimited):
            await adapter(client, api_key="fault-429").track([EX["delivered"]])
    async with sandbox_client(create_app(fault_rate=1.0)) as client:
        with pytest.raises(CarrierUnavailable):
            await adapter(client).track([EX["delivered"]])
    async with sandbox_client(create_app(fault_rate=1.0, fault_status=429)) as client:
        with pytest.raises(RateLimited):
            await adapter(client).track([EX["delivered"]])


async def test_an_injected_delay_slows_the_answer() -> None:
    async with sandbox_client(**{"X-Sandbox-Delay": "0.05"}) as client:
        started = time.perf_counter()
        await adapter(client).track([EX["delivered"]])
    assert time.perf_counter() - started >= 0.05


async def test_the_server_rejects_malformed_and_oversized_requests() -> None:
    auth = {"Authorization": "Bearer k"}
    async with sandbox_client() as client:
        cases = [
            (b"not json", "INVALID_JSON"),
            (b'{"numbers": "SBX1"}', "INVALID_REQUEST"),
            (b'{"numbers": [1, 2]}', "INVALID_REQUEST"),
            (json.dumps({"numbers": ["SBX1"] * 101}).encode(), "TOO_MANY_NUMBERS"),
        ]
        for body, code in cases:
            response = await client.post(f"{BASE}/v1/track", content=body, headers=auth)
            assert (response.status_code, response.json()["error"]["code"]) == (400, code)
        bad_fault = await client.post(f"{BASE}/v1/track?fault=418", json={}, headers=auth)
        assert bad_fault.status_code == 400


# --- respx: what the app does not produce on demand ------------------------------------------


def _route(respx_mock: respx.MockRouter) -> respx.Route:
    return respx_mock.post(f"{BASE}/v1/track")


async def test_an_unexpected_status_raises_bad_response(
    client: httpx.AsyncClient, respx_mock: respx.MockRouter
) -> None:
    _route(respx_mock).respond(400, json={"error": {"code": "INVALID_REQUEST"}})
    with pytest.raises(BadResponse):
        await adapter(client).track([EX["delivered"]])


async def test_a_documented_payload_parses(
    client: httpx.AsyncClient, respx_mock: respx.MockRouter
) -> None:
    payload = load_fixture("sandbox", "track_response.json")
    numbers = [p["number"] for p in payload["parcels"]]
    _route(respx_mock).respond(200, json=payload)
    delivered, customs, van, label, unknown, malformed = await adapter(client).track(numbers)
    assert delivered.status is Status.DELIVERED and delivered.signed_by == "R. Patel"
    assert delivered.delivered_at == datetime(2026, 1, 6, 22, 24, tzinfo=UTC)
    assert [e.carrier_code for e in delivered.events][:2] == ["LBL", "PKP"]
    assert (customs.status, customs.reason) == (Status.EXCEPTION, Reason.CUSTOMS_HOLD)
    assert van.status is Status.OUT_FOR_DELIVERY
    assert van.events[0].status is Status.FAILED_ATTEMPT
    assert van.events[0].reason is Reason.RECIPIENT_UNAVAILABLE
    assert van.estimated_delivery == DeliveryWindow(
        datetime(2026, 1, 8, 11, tzinfo=UTC), datetime(2026, 1, 8, 14, tzinfo=UTC)
    )
    assert label.estimated_delivery == date(2026, 1, 7)
    assert unknown.not_found and malformed.not_found


async def test_time_zones_are_converted_to_utc(
    client: httpx.AsyncClient, respx_mock: respx.MockRouter
) -> None:
    payload = load_fixture("sandbox", "track_response.json")
    _route(respx_mock).respond(200, json=payload)
    delivered, customs, *_ = await adapter(client).track(["SBX10527040017", "SBX30527040023"])
    assert delivered.events[0].occurred_at == datetime(2026, 1, 5, 0, 43, tzinfo=UTC)  # -06:00
    assert customs.events[0].occurred_at == datetime(2026, 1, 5, 12, 12, tzinfo=UTC)  # +01:00


async def test_missing_and_extra_fields_out_of_order_and_empty_events(
    client: httpx.AsyncClient, respx_mock: respx.MockRouter
) -> None:
    payload = load_fixture("sandbox", "edge_cases.json")
    numbers = [p["number"] for p in payload["parcels"]]
    _route(respx_mock).respond(200, json=payload)
    mixed, empty, status_only, delivered = await adapter(client).track(numbers)
    # Out of order in the payload, oldest first in the result; an unknown X code is an exception.
    assert [e.carrier_code for e in mixed.events] == ["PKP", "ARR", "XZZ"]
    assert (mixed.status, mixed.reason) == (Status.EXCEPTION, Reason.UNKNOWN)
    assert mixed.events[2].description == "Something new went wrong"
    # A wall time without offset is read in the scan country's zone (PL: CET in March).
    assert mixed.events[1].occurred_at == datetime(2026, 3, 2, 8, 15, tzinfo=UTC)
    assert mixed.events[1].description == "" and mixed.events[1].region is None
    assert (empty.status, empty.events, empty.not_found) == (Status.PENDING, [], False)
    assert status_only.status is Status.OUT_FOR_DELIVERY
    assert delivered.status is Status.DELIVERED and delivered.signed_by is None
    assert delivered.delivered_at == datetime(2026, 3, 3, 20, tzinfo=UTC)
    assert delivered.events[0].status is Status.IN_TRANSIT  # unknown code QQQ


async def test_a_number_missing_from_the_answer_is_not_found(
    client: httpx.AsyncClient, respx_mock: respx.MockRouter
) -> None:
    _route(respx_mock).respond(200, json={"parcels": []})
    (result,) = await adapter(client).track([EX["delivered"]])
    assert result == TrackingResult(
        number=EX["delivered"], not_found=True, carrier_url=f"{BASE}/track/{EX['delivered']}"
    )


# --- push -----------------------------------------------------------------------------------


def _receiver(seen: list[tuple[dict[str, str], bytes]]) -> Starlette:
    async def hook(request: Request) -> Response:
        seen.append((dict(request.headers), await request.body()))
        return Response(status_code=204)

    return Starlette(routes=[Route("/hooks/sandbox", hook, methods=["POST"])])


async def test_pushed_updates_are_signed_and_accepted() -> None:
    seen: list[tuple[dict[str, str], bytes]] = []
    numbers = [EX["delivered"], EX["exception_damaged"], EX["not_found"]]
    async with sandbox_client(_receiver(seen)) as client:
        responses = await push_updates(
            client, "http://portal/hooks/sandbox", numbers, "s3cret", AFTER_EXAMPLES
        )
    assert [r.status_code for r in responses] == [204]
    (headers, body) = seen[0]
    assert headers["x-sandbox-signature"] == sign("s3cret", body)
    assert json.loads(body) == track_payload(numbers, AFTER_EXAMPLES)
    sandbox = SandboxAdapter({"api_key": "k", "webhook_secret": "s3cret"}, client=client)
    assert sandbox.verify_webhook(headers, body)
    results = sandbox.parse_webhook(body)
    assert [r.number for r in results] == numbers
    assert [r.status for r in results][:2] == [Status.DELIVERED, Status.EXCEPTION]
    assert results[2].not_found


async def test_pushes_go_out_100_parcels_at_a_time() -> None:
    seen: list[tuple[dict[str, str], bytes]] = []
    async with sandbox_client(_receiver(seen)) as client:
        await push_updates(
            client, "http://portal/hooks/sandbox", make_numbers(150, now=NOW), "s", NOW
        )
    assert [len(json.loads(body)["parcels"]) for _, body in seen] == [100, 50]


def test_the_webhook_secret_defaults_to_the_api_key(client: httpx.AsyncClient) -> None:
    body = b'{"parcels": []}'
    sandbox = SandboxAdapter({"api_key": "k"}, client=client)
    assert sandbox.supports_push
    assert sandbox.verify_webhook({"X-Sandbox-Signature": sign("k", body)}, body)
    assert sandbox.parse_webhook(body) == []


# --- the parser never raises anything but BadResponse ---------------------------------------

KEYS = [
    "parcels",
    "number",
    "found",
    "events",
    "code",
    "time",
    "location",
    "country",
    "eta",
    "date",
    "from",
    "to",
    "delivery",
    "delivered_at",
    "signed_by",
    "status",
]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(["2026-01-05T10:00:00+01:00", "2026-01-05", "DLV", "XCU", "SBX1"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=25,
)


def _parse_or_bad_response(data: Any) -> None:
    try:
        results = parse_track_response(data)
    except BadResponse:
        return
    assert all(isinstance(r, TrackingResult) for r in results)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_arbitrary_json_only_ever_raises_bad_response(data: Any) -> None:
    _parse_or_bad_response(data)
    _parse_or_bad_response({"parcels": [data]})
    _parse_or_bad_response({"parcels": [{"number": "SBX1", "events": [data], "eta": data}]})


VALID = load_fixture("sandbox", "track_response.json")
VALID_PATHS = json_paths(VALID)[1:]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(VALID_PATHS), json_values), min_size=1, max_size=3))
def test_a_mutated_valid_payload_only_ever_raises_bad_response(
    mutations: list[tuple[tuple[Any, ...], Any]],
) -> None:
    data = copy.deepcopy(VALID)
    for path, value in mutations:
        node = data
        try:
            for step in path[:-1]:
                node = node[step]
            node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed this path
    _parse_or_bad_response(data)


#: parse_webhook never touches the network, so the client is never opened.
PUSH_TARGET = SandboxAdapter({"api_key": "k"}, client=httpx.AsyncClient())


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()))
def test_a_pushed_body_that_is_not_ours_only_raises_bad_response(body: bytes) -> None:
    with contextlib.suppress(BadResponse):
        PUSH_TARGET.parse_webhook(body)


# --- running alone --------------------------------------------------------------------------


def test_the_command_line_reads_its_options() -> None:
    args = build_parser().parse_args(
        ["--port", "8901", "--epoch", "2026-01-01T00:00:00Z", "--fault-rate", "0.1"]
    )
    assert (args.host, args.port, args.fault_rate) == ("127.0.0.1", 8901, 0.1)
    assert args.epoch == datetime(2026, 1, 1, tzinfo=UTC)
    assert build_parser().parse_args([]).epoch == DEFAULT_EPOCH
