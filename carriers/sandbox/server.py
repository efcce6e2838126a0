"""The sandbox carrier's HTTP API: a small Starlette app serving deterministic journeys.

Mount it (the portal does, under ``/_sandbox/carrier``) or run it alone with
``python -m carriers.sandbox``. State lives nowhere: every answer is computed from the
number, the clock and the epoch, so any number of processes agree. See the package
docstring for the API, the fault injection and push.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from carriers.base import DeliveryWindow
from carriers.sandbox import SIGNATURE_HEADER, sign
from carriers.sandbox.journey import DEFAULT_EPOCH, Event, local_iso, plan, split_number
from carriers.sandbox.pickup_points import Collection, Spot
from carriers.sandbox.places import Place

#: The one API key the sandbox rejects (401), so auth failures can be demoed.
BAD_KEY = "bad-key"
#: API keys ``fault-<fault>`` make every call with that key fail that way (demos from the admin).
FAULT_KEY_PREFIX = "fault-"
FAULT_HEADER = "X-Sandbox-Fault"
RETRY_AFTER_HEADER = "X-Sandbox-Retry-After"
DELAY_HEADER = "X-Sandbox-Delay"
FAULTS = frozenset({"429", "500", "502", "503", "504", "garbage"})
MAX_BATCH = 100
MAX_DELAY = 30.0
DEFAULT_RETRY_AFTER = "2"

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


# --- the JSON shape (shared by the API and push) --------------------------------------


def _place_json(place: Place) -> dict[str, str]:
    return {
        "city": place.city,
        "region": place.region,
        "postcode": place.postcode,
        "country": place.country,
    }


def _event_json(ev: Event) -> dict[str, Any]:
    return {
        "code": ev.code,
        "description": ev.description,
        "time": local_iso(ev.at, ev.place),
        "location": _place_json(ev.place),
    }


def _eta_json(eta: date | DeliveryWindow | None) -> dict[str, str] | None:
    if eta is None:
        return None
    if isinstance(eta, DeliveryWindow):
        return {
            "from": eta.start.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "to": eta.end.isoformat(timespec="seconds").replace("+00:00", "Z"),
        }
    return {"date": eta.isoformat()}


def _pickup_json(spot: Spot, collection: Collection | None) -> dict[str, Any]:
    """The point a parcel is bound for or waits at; deadline and code once it waits."""
    return {
        "id": spot.point_id,
        "type": spot.kind.value,
        "name": spot.name,
        "address": {
            "street": spot.street,
            "city": spot.place.city,
            "postcode": spot.place.postcode,
            "country": spot.place.country,
        },
        "location": {"lat": spot.latitude, "lon": spot.longitude},
        "opening_hours": spot.opening_hours,
        "deadline": local_iso(collection.deadline, spot.place) if collection else None,
        "code": collection.code if collection else None,
    }


def parcel_json(number: str, now: datetime, start: datetime = DEFAULT_EPOCH) -> dict[str, Any]:
    """One entry of ``parcels``: what the carrier knows about ``number`` at ``now``."""
    planned = plan(number, start)
    events = [ev for ev in planned.events if ev.at <= now] if planned is not None else []
    if not events:
        if split_number(number) is None:
            code, message = "INVALID_NUMBER", "Not a sandbox number (SBX + 11 digits, Luhn check)"
        else:
            code, message = "NOT_FOUND", "No information for this tracking number"
        return {"number": number, "found": False, "error": {"code": code, "message": message}}
    latest = events[-1]
    delivery = None
    if latest.signed_by is not None:
        delivery = {
            "delivered_at": local_iso(latest.at, latest.place),
            "signed_by": latest.signed_by,
            "left_at": latest.left_at,
        }
    return {
        "number": number,
        "found": True,
        "status": {"code": latest.code, "description": latest.description},
        "eta": _eta_json(latest.eta),
        "delivery": delivery,
        "pickup_point": _pickup_json(latest.spot, latest.collection) if latest.spot else None,
        "events": [_event_json(ev) for ev in reversed(events)],  # newest first
    }


def track_payload(
    numbers: Sequence[str], now: datetime, start: datetime = DEFAULT_EPOCH
) -> dict[str, Any]:
    """The body of ``POST /v1/track`` (and of a push): ``{"parcels": [...]}``, in order."""
    return {"parcels": [parcel_json(n, now, start) for n in numbers]}


# --- the app ---------------------------------------------------------------------------


@dataclass
class _Config:
    start: datetime
    clock: Clock
    bad_key: str
    latency: float
    fault_rate: float
    fault_status: str
    rng: random.Random


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    body = {"error": {"code": code, "message": message}}
    return JSONResponse(body, status_code=status, headers=headers)


def _option(request: Request, header: str, query: str) -> str | None:
    """A test/benchmark knob, from its header or its query parameter."""
    return request.headers.get(header) or request.query_params.get(query)


def _fault_response(fault: str, retry_after: str | None) -> Response:
    if fault == "garbage":
        return PlainTextResponse("<html><body>502 Bad Gateway (sandbox)</body></html>", 200)
    if fault not in FAULTS:
        return _error(400, "BAD_FAULT", f"unknown fault {fault!r}; one of {sorted(FAULTS)}")
    status = int(fault)
    if retry_after is None and status == 429:
        retry_after = DEFAULT_RETRY_AFTER
    headers = {"Retry-After": retry_after} if retry_after and retry_after != "none" else None
    if status == 429:
        return _error(429, "RATE_LIMITED", "Too many requests (injected)", headers)
    return _error(status, "UNAVAILABLE", f"HTTP {status} (injected)", headers)


def create_app(
    *,
    epoch: datetime = DEFAULT_EPOCH,
    clock: Clock | None = None,
    bad_key: str = BAD_KEY,
    latency: float = 0.0,
    fault_rate: float = 0.0,
    fault_status: int = 503,
    seed: int = 0,
) -> Starlette:
    """The sandbox API. ``clock`` fixes "now" (tests); ``latency`` (seconds) slows every call;
    ``fault_rate`` (0..1) fails that share of calls with ``fault_status`` (benchmarks)."""
    cfg = _Config(
        start=epoch,
        clock=clock or _utc_now,
        bad_key=bad_key,
        latency=latency,
        fault_rate=fault_rate,
        fault_status=str(fault_status),
        rng=random.Random(seed),
    )

    async def track(request: Request) -> Response:
        delay = _option(request, DELAY_HEADER, "delay")
        try:
            seconds = cfg.latency + (float(delay) if delay else 0.0)
        except ValueError:
            return _error(400, "BAD_DELAY", f"delay must be seconds, not {delay!r}")
        if seconds > 0:
            await asyncio.sleep(min(seconds, MAX_DELAY))
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key or key == cfg.bad_key:
            return _error(401, "UNAUTHORIZED", "Missing or invalid API key")
        fault = _option(request, FAULT_HEADER, "fault")
        if fault is None and key.startswith(FAULT_KEY_PREFIX):
            fault = key.removeprefix(FAULT_KEY_PREFIX)
        if fault is None and cfg.fault_rate > 0 and cfg.rng.random() < cfg.fault_rate:
            fault = cfg.fault_status
        if fault is not None:
            return _fault_response(fault, _option(request, RETRY_AFTER_HEADER, "retry_after"))
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "INVALID_JSON", "The body is not JSON")
        numbers = body.get("numbers") if isinstance(body, dict) else None
        if not isinstance(numbers, list) or not all(isinstance(n, str) for n in numbers):
            return _error(400, "INVALID_REQUEST", 'Expected {"numbers": ["SBX…", …]}')
        if len(numbers) > MAX_BATCH:
            return _error(400, "TOO_MANY_NUMBERS", f"At most {MAX_BATCH} numbers per call")
        return JSONResponse(track_payload(numbers, cfg.clock(), cfg.start))

    async def public_page(request: Request) -> Response:
        """The carrier's public tracking page (JSON; no key needed, like a real one)."""
        return JSONResponse(parcel_json(request.path_params["number"], cfg.clock(), cfg.start))

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True, "now": cfg.clock().isoformat()})

    return Starlette(
        routes=[
            Route("/v1/track", track, methods=["POST"]),
            Route("/track/{number}", public_page, methods=["GET"]),
            Route("/health", health, methods=["GET"]),
        ]
    )


# --- push --------------------------------------------------------------------------------


async def push_updates(
    client: httpx.AsyncClient,
    webhook_url: str,
    numbers: Sequence[str],
    secret: str,
    now: datetime,
    *,
    start: datetime = DEFAULT_EPOCH,
    batch_size: int = MAX_BATCH,
) -> list[httpx.Response]:
    """POST the current state of ``numbers`` to ``webhook_url``, signed, 100 per request.

    The body has the API's shape; ``X-Sandbox-Signature: sha256=<hex HMAC-SHA256(secret,
    body)>`` signs the exact bytes sent. Responses are returned for the caller to check.
    """
    responses = []
    for i in range(0, len(numbers), max(1, batch_size)):
        payload = track_payload(numbers[i : i + batch_size], now, start)
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, body)}
        responses.append(await client.post(webhook_url, content=body, headers=headers))
    return responses
