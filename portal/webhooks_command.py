"""``portal webhooks``: a shop's outgoing webhook endpoints and their delivery log from the
command line, through the functions the API answers with.

``list`` prints what ``GET /api/v1/webhook-endpoints`` answers; ``deliveries`` one page of
an endpoint's log as ``GET …/deliveries`` does (newest first, ``--state``, ``--limit``,
and ``--cursor`` with the ``next_cursor`` either of them gave); ``resend`` queues a copy
of a delivered or failed delivery as ``POST …/deliveries/{id}/resend`` does, refused in
the same words. An operator can so see and replay what a receiver missed on a shop set
up without the workspace.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from portal.api.errors import ApiError
from portal.api.pagination import MAX_LIMIT
from portal.api.webhook_endpoints import (
    RESEND_REFUSED,
    deliveries_page,
    delivery_json,
    endpoint_json,
)
from portal.models import DeliveryState, Merchant, WebhookEndpoint
from portal.settings import Settings
from portal.webhooks_out import admin, delivery_log


class Refused(Exception):
    """What was asked cannot be done; the message says why."""


async def list_endpoints(merchant: Merchant) -> list[dict[str, Any]]:
    return [endpoint_json(e) for e in await admin.list_endpoints(merchant.id)]


async def _endpoint(merchant: Merchant, endpoint_id: int) -> WebhookEndpoint:
    endpoint = await admin.get_endpoint(merchant.id, endpoint_id)
    if endpoint is None:
        raise Refused(f"merchant {merchant.slug!r} has no webhook endpoint with id {endpoint_id}")
    return endpoint


async def deliveries(
    settings: Settings,
    merchant: Merchant,
    endpoint_id: int,
    *,
    state: str | None = None,
    limit: int = 25,
    cursor: str | None = None,
) -> dict[str, Any]:
    """One page of the endpoint's log, ``{"data": […], "next_cursor": …}``."""
    if not 1 <= limit <= MAX_LIMIT:
        raise Refused(f"--limit must be from 1 to {MAX_LIMIT}")
    endpoint = await _endpoint(merchant, endpoint_id)
    try:
        return await deliveries_page(
            settings.secret_key,
            endpoint,
            limit=limit,
            cursor=cursor,
            state=DeliveryState(state) if state else None,
        )
    except ApiError:
        raise Refused("--cursor is not a cursor this endpoint's log gave out") from None


async def resend(
    merchant: Merchant, endpoint_id: int, delivery_id: int, *, now: datetime | None = None
) -> dict[str, Any]:
    """Queue a copy of the delivery; the copy as ``GET …/deliveries/{id}`` shows it."""
    endpoint = await _endpoint(merchant, endpoint_id)
    delivery = await delivery_log.get(endpoint, delivery_id)
    if delivery is None:
        raise Refused(f"webhook endpoint {endpoint_id} has no delivery with id {delivery_id}")
    try:
        copy = await delivery_log.resend(endpoint, delivery, now=now or datetime.now(UTC))
    except delivery_log.ResendRefused as refused:
        raise Refused(RESEND_REFUSED[refused.reason]) from None
    return {**delivery_json(copy), "payload": copy.payload}
