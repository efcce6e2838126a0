"""Carrier push: ``POST /webhooks/carriers/{carrier}/{account}``.

The adapter verifies the body with the account's secret (401 and nothing written when it
fails), parses it (400 when it is not a push), and the results go through the same ingest
path as polls, in one transaction. Replays change nothing (events are deduplicated and a
status only moves for a newer scan). Numbers that are not the merchant's shipments are
ignored and counted, never revealed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from carriers.base import BadResponse
from portal.crypto import DecryptionError
from portal.models import CarrierAccount, EventSource, Shipment
from portal.settings import Settings
from portal.tracking import accounts
from portal.tracking.ingest import ingest_many

log = logging.getLogger(__name__)


class PushStatus(StrEnum):
    ACCEPTED = "accepted"
    FORBIDDEN = "forbidden"
    MALFORMED = "malformed"
    UNKNOWN_ACCOUNT = "unknown_account"
    UNAVAILABLE = "unavailable"


HTTP_STATUS = {
    PushStatus.ACCEPTED: 202,
    PushStatus.FORBIDDEN: 401,
    PushStatus.MALFORMED: 400,
    PushStatus.UNKNOWN_ACCOUNT: 404,
    PushStatus.UNAVAILABLE: 503,
}


@dataclass(frozen=True, slots=True)
class PushOutcome:
    status: PushStatus
    #: Results in the body, those matching a shipment of the merchant, the others.
    results: int = 0
    matched: int = 0
    unknown: int = 0
    new_events: int = 0
    status_changes: int = 0


class _NoNetwork(httpx.AsyncBaseTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("handling a push never calls the carrier", request=request)


_offline: httpx.AsyncClient | None = None


def _offline_client() -> httpx.AsyncClient:
    """Adapters want a client; verifying and parsing a push must not use the network."""
    global _offline
    if _offline is None:
        _offline = httpx.AsyncClient(transport=_NoNetwork(), trust_env=False)
    return _offline


async def handle_push(
    carrier_key: str,
    account_id: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    settings: Settings,
    now: datetime | None = None,
) -> PushOutcome:
    """Verify, parse and ingest one pushed body for one carrier account."""
    now = now or datetime.now(UTC)
    account = await CarrierAccount.get_or_none(id=account_id, carrier_key=carrier_key)
    if account is None or not account.enabled:
        return PushOutcome(PushStatus.UNKNOWN_ACCOUNT)
    try:
        adapter = accounts.build_adapter(account, settings, _offline_client())
    except KeyError:
        return PushOutcome(PushStatus.UNKNOWN_ACCOUNT)
    except DecryptionError:
        log.error("push for carrier account %s: credentials cannot be decrypted", account.id)
        return PushOutcome(PushStatus.UNAVAILABLE)
    if not adapter.verify_webhook(headers, body):
        log.warning("push for carrier account %s failed verification", account.id)
        return PushOutcome(PushStatus.FORBIDDEN)
    try:
        results = adapter.parse_webhook(body)
    except BadResponse as exc:
        log.warning(
            "malformed push for carrier account %s: %s\n%s",
            account.id,
            exc,
            (exc.body or "")[: accounts.ERROR_EXCERPT],
        )
        return PushOutcome(PushStatus.MALFORMED)

    wanted = {r.number.strip().upper() for r in results}
    shipments = await Shipment.filter(
        merchant_id=account.merchant_id,
        carrier_key=account.carrier_key,
        tracking_number__in=sorted(wanted | {r.number for r in results}),
    ).values_list("id", "tracking_number")
    ids = {str(number).strip().upper(): int(sid) for sid, number in shipments}
    items = [(ids[key], r) for r in results if (key := r.number.strip().upper()) in ids]
    outcomes = await ingest_many(items, source=EventSource.PUSH, now=now, settings=settings)
    return PushOutcome(
        PushStatus.ACCEPTED,
        results=len(results),
        matched=len(items),
        unknown=len(results) - len(items),
        new_events=sum(o.new_events for o in outcomes),
        status_changes=sum(o.status_changed for o in outcomes),
    )


async def carrier_webhook(request: Request) -> Response:
    """Starlette endpoint for ``POST /webhooks/carriers/{carrier}/{account:int}``.

    Uses the app's settings (``request.app.state.settings``).
    """
    try:
        account_id = int(request.path_params["account"])
    except (KeyError, TypeError, ValueError):
        return JSONResponse({"status": PushStatus.UNKNOWN_ACCOUNT.value}, status_code=404)
    settings: Settings = request.app.state.settings
    outcome = await handle_push(
        str(request.path_params.get("carrier", "")),
        account_id,
        request.headers,
        await request.body(),
        settings=settings,
    )
    content: dict[str, object] = {"status": outcome.status.value}
    if outcome.status is PushStatus.ACCEPTED:
        content.update(results=outcome.results, matched=outcome.matched, unknown=outcome.unknown)
    return JSONResponse(content, status_code=HTTP_STATUS[outcome.status])
