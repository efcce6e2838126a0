"""Deciding when a customer gets a survey, and creating it with its invitation.

Two moments settle an outcome: ``survey_delay_days`` after a delivery (the job
:func:`schedule_due_surveys` finds those), and a return or exchange resolving (the
``return.resolved`` listener). Rules, checked inside the creating transaction:

- at most one survey per shipment and per return request;
- at most one survey per customer per 30 days;
- none for a shipment in exception (only delivered parcels are picked; a return is
  skipped while any parcel of its order, or its return parcel, is in exception);
- none for a merchant who switched surveys off (``survey_settings["enabled"]``).

Concurrency: on PostgreSQL the customer's row is locked (``FOR UPDATE``) before the checks,
which serialises every survey decision for one customer across processes; on SQLite the
database lock serialises writers. The outbox key ``survey:{id}:{channel}`` keeps the
invitation single. The link carries a random token; only its SHA-256 is stored (a text
message carries the short form instead, :mod:`portal.surveys.short_link`).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import httpx
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q, RawSQL, Subquery
from tortoise.transactions import in_transaction

from carriers.base import Status
from portal import events
from portal.core import timezones
from portal.event_catalogue import RETURN_RESOLVED, claim_kind
from portal.models import (
    Channel,
    Claim,
    Customer,
    Direction,
    DomainEvent,
    Merchant,
    Order,
    Outcome,
    ReturnItem,
    ReturnRequest,
    Shipment,
    Survey,
    TrackingEvent,
)
from portal.notifications.base import pick_locale
from portal.notifications.composer import SHORT_LINK_CHANNELS, contact_for
from portal.settings import Settings
from portal.surveys import short_link
from portal.surveys.message import enqueue_invitation
from portal.surveys.outcomes import classify_delivery, classify_return, questions_for
from portal.surveys.wording import SurveyConfig, survey_config

log = logging.getLogger(__name__)

SURVEY_PATH = "/s"
#: How long a survey link stays open.
SURVEY_LIFETIME = timedelta(days=30)
#: At most one survey per customer within this period.
ONE_SURVEY_PER = timedelta(days=30)
#: Deliveries older than their delay plus this are not surveyed any more (a worker that
#: was down for a day still catches up; a first import of old deliveries does not flood).
LOOKBACK = timedelta(days=3)
PAGE = 200


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh random token and its SHA-256 (the only part stored)."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def survey_link(settings: Settings, token: str) -> str:
    return f"{settings.public_base_url}{SURVEY_PATH}/{token}"


def invitation_link(settings: Settings, survey_id: int, token: str, channel: Channel) -> str:
    """The link the invitation carries: the short form in a text message
    (:mod:`portal.surveys.short_link`), the random token's everywhere else."""
    if channel in SHORT_LINK_CHANNELS:
        return survey_link(settings, short_link.token(settings, survey_id))
    return survey_link(settings, token)


def pick_channel(
    config: SurveyConfig, customer: Customer, order: Order | None, shop_country: str | None = None
) -> Channel | None:
    """The merchant's first survey channel on which the customer can be reached."""
    for channel in config.channels:
        if contact_for(channel, customer, order, shop_country) is not None:
            return channel
    return None


async def _lock_customer(customer_id: int, conn: BaseDBAsyncClient) -> None:
    if conn.capabilities.dialect == "postgres":
        await conn.execute_query("SELECT id FROM customer WHERE id = $1 FOR UPDATE", [customer_id])


async def recently_surveyed(customer_id: int, now: datetime, conn: BaseDBAsyncClient) -> bool:
    since = now - ONE_SURVEY_PER
    return (
        await Survey.filter(customer_id=customer_id, created_at__gt=since).using_db(conn).exists()
    )


async def create_survey(
    settings: Settings,
    *,
    merchant: Merchant,
    customer: Customer,
    order: Order | None,
    outcome: Outcome,
    now: datetime,
    conn: BaseDBAsyncClient,
    shipment: Shipment | None = None,
    return_request: ReturnRequest | None = None,
) -> Survey | None:
    """Create a survey and queue its invitation, or None when a rule says not now."""
    await _lock_customer(customer.id, conn)
    if (
        shipment is not None
        and await Survey.filter(shipment_id=shipment.id).using_db(conn).exists()
    ):
        return None
    if (
        return_request is not None
        and await Survey.filter(return_request_id=return_request.id).using_db(conn).exists()
    ):
        return None
    config = survey_config(merchant)
    if not config.enabled:
        return None
    if await recently_surveyed(customer.id, now, conn):
        return None
    channel = pick_channel(config, customer, order, merchant.country)
    if channel is None:
        return None
    token, digest = new_token()
    survey = await Survey.create(
        merchant_id=merchant.id,
        customer_id=customer.id,
        shipment_id=shipment.id if shipment is not None else None,
        return_request_id=return_request.id if return_request is not None else None,
        outcome=outcome,
        questions=[q.key for q in questions_for(outcome, custom=config.has_custom_question)],
        locale=pick_locale(customer.locale, merchant.default_locale),
        token_hash=digest,
        expires_at=now + SURVEY_LIFETIME,
        created_at=now,
        using_db=conn,
    )
    survey.sent_at = await enqueue_invitation(
        survey,
        merchant=merchant,
        customer=customer,
        order=order,
        channel=channel,
        link=invitation_link(settings, survey.id, token, channel),
        conn=conn,
        settings=settings,
        now=now,
    )
    await survey.save(update_fields=["sent_at"], using_db=conn)
    return survey


#: 1 when the parcel was registered or imported before it was delivered.
_KNOWN_FIRST = RawSQL(
    'CASE WHEN "shipment"."delivered_at" >= "shipment"."created_at" THEN 1 ELSE 0 END'
)


async def _candidates(
    now: datetime, delay: int, after_id: int, limit: int, skip_merchants: frozenset[int]
) -> list[Shipment]:
    """Delivered outbound parcels of merchants with this delay (but not ``skip_merchants``),
    due, delivered after they were registered or imported, without a survey, whose
    customer had none in the last 30 days; in id order after ``after_id``."""
    cutoff = now - timedelta(days=delay)
    recent = Survey.filter(created_at__gt=now - ONE_SURVEY_PER, customer_id__not_isnull=True)
    query = Shipment.filter(
        merchant__survey_delay_days=delay,
        status=Status.DELIVERED,
        direction=Direction.OUTBOUND,
        delivered_at__lte=cutoff,
        delivered_at__gt=cutoff - LOOKBACK,
        order__customer_id__not_isnull=True,
        surveys__id__isnull=True,  # an anti-join: no survey for this parcel yet
        id__gt=after_id,
    ).exclude(order__customer_id__in=Subquery(recent.values("customer_id")))
    # Delivered before Doorstep knew the parcel (a store's first sync): like its
    # messages, not asked about (docs/surveys.md).
    query = query.annotate(known_first=_KNOWN_FIRST).filter(known_first=1)
    if skip_merchants:
        query = query.exclude(merchant_id__in=sorted(skip_merchants))
    return (
        await query.select_related("merchant", "order", "order__customer")
        .order_by("id")
        .limit(limit)
    )


async def _switched_off() -> frozenset[int]:
    """Merchants with surveys switched off (few rows: read whole, decided in one place)."""
    rows = await Merchant.all().values_list("id", "survey_settings")
    return frozenset(
        int(merchant_id)
        for merchant_id, raw in rows
        if not survey_config(SimpleNamespace(survey_settings=raw)).enabled
    )


async def _events_by_shipment(ids: list[int]) -> dict[int, list[TrackingEvent]]:
    grouped: dict[int, list[TrackingEvent]] = {i: [] for i in ids}
    for event in await TrackingEvent.filter(shipment_id__in=ids).only(
        "id", "shipment_id", "status", "reason"
    ):
        grouped[event.shipment_id].append(event)
    return grouped


async def survey_delivery(
    settings: Settings, shipment: Shipment, history: list[TrackingEvent], now: datetime
) -> Survey | None:
    """Create the survey for one delivered parcel (its own transaction)."""
    order = shipment.order
    customer = order.customer if order is not None else None
    if customer is None or shipment.delivered_at is None:
        return None
    zone = timezones.recipient_zone(
        customer=customer,
        order=order,
        merchant=shipment.merchant,
        default_time_zone=getattr(settings, "default_time_zone", "UTC"),
    )
    outcome = classify_delivery(
        history,
        delivered_at=shipment.delivered_at,
        first_eta=shipment.first_estimated_delivery,
        zone=zone,
        final_reason=shipment.reason,
    )
    async with in_transaction() as conn:
        still_delivered = (
            await Shipment.filter(id=shipment.id, status=Status.DELIVERED).using_db(conn).exists()
        )
        if not still_delivered:
            return None
        return await create_survey(
            settings,
            merchant=shipment.merchant,
            customer=customer,
            order=order,
            outcome=outcome,
            now=now,
            conn=conn,
            shipment=shipment,
        )


async def schedule_due_surveys(
    settings: Settings,
    client: httpx.AsyncClient | None = None,
    *,
    now: datetime | None = None,
    limit: int = 100,
) -> bool:
    """Job unit: create up to ``limit`` surveys for deliveries whose delay has passed.

    Returns True when it stopped at ``limit`` (more may be waiting). Parcels skipped for
    want of a contact are scanned past, page by page, so they never block the rest.
    """
    now = now or datetime.now(UTC)
    # Tortoise types flat values_list() as rows of tuples; they are bare numbers.
    delays: list[Any] = await Merchant.all().distinct().values_list("survey_delay_days", flat=True)
    skip = await _switched_off()
    created = 0
    for delay in sorted({int(d) for d in delays if d is not None and int(d) >= 0}):
        after_id = 0
        while True:
            page = await _candidates(now, delay, after_id, PAGE, skip)
            if not page:
                break
            history = await _events_by_shipment([s.id for s in page])
            for shipment in page:
                if await survey_delivery(settings, shipment, history[shipment.id], now):
                    created += 1
                    if created >= limit:
                        return True
            after_id = page[-1].id
            if len(page) < PAGE:
                break
    return False


async def survey_return(
    settings: Settings, return_id: int, *, now: datetime, conn: BaseDBAsyncClient
) -> Survey | None:
    """Create the survey for a resolved return or exchange, in the caller's transaction."""
    request = (
        await ReturnRequest.filter(id=return_id)
        .using_db(conn)
        .select_related("merchant", "order", "customer", "order__customer")
        .first()
    )
    if request is None:
        return None
    customer = request.customer or request.order.customer
    if customer is None:
        return None
    in_exception = Q(order_id=request.order_id)
    if request.return_shipment_id is not None:
        in_exception |= Q(id=request.return_shipment_id)
    if await Shipment.filter(in_exception, status=Status.EXCEPTION).using_db(conn).exists():
        return None
    resolutions = (
        await ReturnItem.filter(return_request_id=request.id)
        .using_db(conn)
        .values_list("resolution", flat=True)
    )
    return await create_survey(
        settings,
        merchant=request.merchant,
        customer=customer,
        order=request.order,
        outcome=classify_return(str(r) for r in resolutions),
        now=now,
        conn=conn,
        return_request=request,
    )


def _return_id(event: DomainEvent) -> int | None:
    if event.subject_type in ("return", "return_request"):
        return int(event.subject_id)
    raw = (event.payload or {}).get("return_id")
    return int(raw) if isinstance(raw, int | str) and str(raw).isdigit() else None


@events.listen(RETURN_RESOLVED)
async def on_return_resolved(event: DomainEvent, ctx: events.ListenerContext) -> None:
    """Survey the customer once their return or exchange is resolved (listener)."""
    return_id = _return_id(event)
    if return_id is not None:
        await survey_return(ctx.settings, return_id, now=ctx.now, conn=ctx.conn)


#: A claim settled: the customer is asked how easy it was (CES), never NPS, as after a lost
#: or damaged parcel (DESIGN.md "Surveys").
CLAIM_SETTLED = tuple(claim_kind(state) for state in ("reshipped", "refunded", "rejected"))


@events.listen(*CLAIM_SETTLED)
async def on_claim_settled(event: DomainEvent, ctx: events.ListenerContext) -> None:
    """Survey the customer once their claim is resolved, about the claimed parcel."""
    claim = (
        await Claim.filter(id=event.subject_id, merchant_id=event.merchant_id)
        .using_db(ctx.conn)
        .select_related("merchant", "order", "customer", "shipment")
        .first()
    )
    if claim is None or claim.customer is None:
        return
    await create_survey(
        ctx.settings,
        merchant=claim.merchant,
        customer=claim.customer,
        order=claim.order,
        outcome=Outcome.LOST_OR_DAMAGED,
        now=ctx.now,
        conn=ctx.conn,
        shipment=claim.shipment,
    )
