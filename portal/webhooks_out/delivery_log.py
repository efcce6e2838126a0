"""An endpoint's delivery log, as the workspace and the API show it, and "resend".

The log lists one endpoint's deliveries newest first, paged by the keyset
(``created_at``, id): a page is the rows strictly older than the last row of the page
before, so rows written while someone pages never shift the pages still to come. Index
``(endpoint_id, created_at, id)`` (migration 0031) serves exactly this order: on
PostgreSQL, where ``webhook_delivery`` is partitioned by month of ``created_at``, the scan
walks the newest partitions' indexes backwards and stops after one page, and a lower
bound on ``created_at`` (``since``) leaves older months' partitions out altogether.

Resending a delivered or failed delivery writes a copy due at once, with the same topic
and body (so the same ``Doorstep-Event-Id``) and a fresh retry schedule; the original
keeps its record. A delivery still pending is already owed: it cannot be resent.

The endpoint passed in comes from :func:`portal.webhooks_out.admin.get_endpoint`, which
scoped it to the merchant; deliveries are looked up under that endpoint only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from portal.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from portal.row_keys import Key

#: The states a delivery can be resent from.
RESENDABLE = (DeliveryState.DELIVERED, DeliveryState.FAILED)


@dataclass(frozen=True)
class LogPage:
    """One page of the log and, when older rows remain, the key to read on from."""

    deliveries: list[WebhookDelivery]
    next_key: Key | None


def log_query(
    endpoint: WebhookEndpoint,
    *,
    limit: int,
    before: Key | None = None,
    since: datetime | None = None,
    state: DeliveryState | None = None,
) -> QuerySet[WebhookDelivery]:
    """The statement of a page: up to ``limit`` of the endpoint's deliveries, newest first,
    older than ``before`` (the (id, created_at) of the previous page's last row), created
    at or after ``since``, in ``state``."""
    query = WebhookDelivery.filter(endpoint_id=endpoint.id)
    if before is not None:
        before_id, before_at = before
        # created_at <= c bounds the index scan (and prunes later partitions); the OR
        # keeps only the rows after (c, id) in the order.
        query = query.filter(created_at__lte=before_at).filter(
            Q(created_at__lt=before_at) | Q(id__lt=before_id)
        )
    if since is not None:
        query = query.filter(created_at__gte=since)
    if state is not None:
        query = query.filter(state=state)
    return query.order_by("-created_at", "-id").limit(limit)


async def page(
    endpoint: WebhookEndpoint,
    *,
    limit: int = 50,
    before: Key | None = None,
    since: datetime | None = None,
    state: DeliveryState | None = None,
) -> LogPage:
    """One page of the log (:func:`log_query`) and the key to the next."""
    query = log_query(endpoint, limit=limit + 1, before=before, since=since, state=state)
    rows = list(await query)
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if more and rows else None
    return LogPage(rows, (int(last.id), last.created_at) if last is not None else None)


async def get(endpoint: WebhookEndpoint, delivery_id: int) -> WebhookDelivery | None:
    """One of the endpoint's deliveries (None for another endpoint's, or none)."""
    return await WebhookDelivery.get_or_none(id=delivery_id, endpoint_id=endpoint.id)


class ResendRefused(Exception):
    """Why a delivery cannot be resent now: ``pending`` (it is still owed) or
    ``disabled`` (the endpoint is, so the sender would fail the copy at once)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def resend(
    endpoint: WebhookEndpoint, delivery: WebhookDelivery, *, now: datetime
) -> WebhookDelivery:
    """Queue a copy of a delivered or failed ``delivery`` for the next sender pass."""
    if not endpoint.enabled:
        raise ResendRefused("disabled")
    if delivery.state not in RESENDABLE:
        raise ResendRefused("pending")
    # No event: the (endpoint, event) key keeps one delivery per event, and this is the
    # second on purpose. The body, its id included, is the original's.
    return await WebhookDelivery.create(
        endpoint=endpoint,
        event=None,
        topic=delivery.topic,
        payload=delivery.payload,
        next_attempt_at=now,
    )
