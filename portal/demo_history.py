"""Four months of settled history for the demo shop, so the analytics screens, the returns
queue and the survey results have something true to show on the first ``make run``.

Every row is what the live code paths would have left behind: delivered parcels with their
scans and first ETA, returns that went through their states (with a transition per move),
and answered surveys whose questions follow the outcome exactly as
:func:`portal.surveys.outcomes.questions_for` asks them. Parcels here are final, so the
poller never touches them. Deterministic (one seeded RNG) and idempotent.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from carriers.base import Reason, Status
from portal.models import (
    Customer,
    Direction,
    EventSource,
    Merchant,
    Order,
    OrderItem,
    ProductVariant,
    ReturnItem,
    ReturnReason,
    ReturnRequest,
    ReturnTransition,
    Shipment,
    Survey,
    SurveyAnswer,
    TrackingEvent,
)
from portal.models.returns import Resolution, ReturnMethod, ReturnState
from portal.models.surveys import Metric, Outcome
from portal.surveys.outcomes import questions_for
from portal.surveys.scheduling import hash_token
from portal.tracking.calendar import add_business_days

HISTORY_ORDERS = 400
HISTORY_DAYS = 120
MARKER = "NW-H0001"

#: (carrier key, share of parcels, usual transit in business days, the days the carrier
#: quotes). Carriers quote optimistically: the prediction has something to beat.
_CARRIERS = (("ups", 0.35, 3, 3), ("dhl", 0.30, 2, 2), ("fedex", 0.20, 4, 3), ("usps", 0.15, 5, 4))
#: (destination country, city, postcodes, locale, time zone, extra business days)
_DESTINATIONS = (
    ("PL", "Kraków", ("31-100", "30-001", "00-950"), "pl", "Europe/Warsaw", 0),
    ("RO", "Cluj-Napoca", ("400001", "010011"), "ro", "Europe/Bucharest", 1),
    ("GR", "Thessaloniki", ("546 21", "105 57"), "el", "Europe/Athens", 2),
    ("DE", "Berlin", ("10115", "80331"), "en", "Europe/Berlin", 0),
    ("GB", "Leeds", ("LS1 4AP", "EC1A 1BB"), "en", "Europe/London", 1),
)
#: (outcome, share) of how delivery went.
_OUTCOMES = (
    (Outcome.SMOOTH, 0.70),
    (Outcome.LATE, 0.14),
    (Outcome.FAILED_ATTEMPT, 0.09),
    (Outcome.EXCEPTION, 0.05),
    (Outcome.LOST_OR_DAMAGED, 0.02),
)
#: Score ranges customers tend to give, per outcome and metric (inclusive).
_SCORES: dict[Outcome, dict[Metric, tuple[int, int]]] = {
    Outcome.SMOOTH: {Metric.CSAT: (3, 5), Metric.NPS: (6, 10), Metric.CES: (4, 5)},
    Outcome.LATE: {Metric.CSAT: (2, 5), Metric.NPS: (3, 9), Metric.CES: (2, 5)},
    Outcome.FAILED_ATTEMPT: {Metric.CSAT: (1, 4), Metric.NPS: (2, 8), Metric.CES: (1, 4)},
    Outcome.EXCEPTION: {Metric.CSAT: (1, 4), Metric.NPS: (0, 7), Metric.CES: (1, 4)},
    Outcome.LOST_OR_DAMAGED: {Metric.CSAT: (1, 3), Metric.NPS: (0, 5), Metric.CES: (1, 3)},
    Outcome.RETURN: {Metric.CSAT: (3, 5), Metric.NPS: (5, 10), Metric.CES: (3, 5)},
    Outcome.EXCHANGE: {Metric.CSAT: (3, 5), Metric.NPS: (6, 10), Metric.CES: (3, 5)},
}
_RETURN_REASONS = ("too_small", "too_large", "damaged", "not_as_described", "changed_mind")
_COMMENTS = {
    Outcome.SMOOTH: "Quick and easy, thank you!",
    Outcome.LATE: "Arrived two days after the date I was given.",
    Outcome.FAILED_ATTEMPT: "Nobody rang the bell, I had to rebook.",
    Outcome.EXCEPTION: "The parcel was stuck for days without news.",
    Outcome.LOST_OR_DAMAGED: "The box arrived crushed.",
    Outcome.EXCHANGE: "The new size fits perfectly.",
    Outcome.RETURN: "Refund came quickly.",
}


@dataclass
class _Parcel:
    order: Order
    customer: Customer
    shipment: Shipment
    outcome: Outcome
    delivered_at: datetime | None


def _pick(rng: random.Random, weighted: tuple[tuple[Any, float], ...]) -> Any:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


async def load_history(shop: Merchant, conn: Any, now: datetime) -> int:
    """Add the history unless it is there already; returns how many orders were added."""
    if await Order.filter(merchant=shop, number=MARKER).using_db(conn).exists():
        return 0
    rng = random.Random(11)
    variants = await ProductVariant.filter(merchant=shop).using_db(conn).order_by("id")
    reasons = {r.code: r for r in await ReturnReason.filter(merchant=shop).using_db(conn).all()}
    parcels = [
        await _parcel(shop, conn, now, rng, index, variants) for index in range(HISTORY_ORDERS)
    ]
    returned: dict[int, ReturnRequest] = {}
    for index, parcel in enumerate(parcels):
        if parcel.delivered_at is not None and rng.random() < 0.18:
            returned[index] = await _return(shop, conn, now, rng, index, parcel, variants, reasons)
    for index, parcel in enumerate(parcels):
        request = returned.get(index)
        if request is not None and request.state in (ReturnState.RESOLVED, ReturnState.CLOSED):
            await _survey(shop, conn, now, rng, parcel, request=request)
        elif rng.random() < 0.62 and parcel.outcome is not Outcome.EXCEPTION:
            await _survey(shop, conn, now, rng, parcel)
    return len(parcels)


async def _parcel(
    shop: Merchant,
    conn: Any,
    now: datetime,
    rng: random.Random,
    index: int,
    variants: list[ProductVariant],
) -> _Parcel:
    country, city, postcodes, locale, zone, extra = rng.choice(_DESTINATIONS)
    postcode = rng.choice(postcodes)
    carrier = _pick(rng, tuple((c, w) for c, w, _, _ in _CARRIERS))
    transit, quoted = next((t, q) for c, _, t, q in _CARRIERS if c == carrier)
    outcome = _pick(rng, _OUTCOMES)
    placed = now - timedelta(days=rng.uniform(21, HISTORY_DAYS), hours=rng.uniform(0, 12))
    customer = await Customer.create(
        merchant=shop,
        email=f"history.{index}@example.com",
        name=f"Customer {index + 1}",
        locale=locale,
        time_zone=zone,
        country=country,
        using_db=conn,
    )
    order = await Order.create(
        merchant=shop,
        customer=customer,
        number=f"NW-H{index + 1:04d}",
        email=customer.email,
        currency="EUR",
        placed_at=placed,
        ship_name=customer.name,
        ship_line1=f"{index + 1} Demo Street",
        ship_city=city,
        ship_postal_code=postcode,
        ship_country=country,
        using_db=conn,
    )
    variant = rng.choice(variants)
    await OrderItem.create(
        order=order,
        variant=variant,
        sku=variant.sku,
        title=variant.title,
        variant_options=variant.options,
        quantity=1 + (index % 3 == 0),
        unit_price=variant.price,
        category="apparel",
        using_db=conn,
    )
    shipped = placed + timedelta(hours=rng.uniform(6, 30))
    first_eta = add_business_days(country, shipped.date(), quoted + extra)
    days = transit + extra
    days += rng.randint(1, 3) if outcome is Outcome.LATE else rng.choice((-1, 0, 0, 0, 1))
    days += 1 if outcome is Outcome.FAILED_ATTEMPT else 0  # delivered a day later
    arrival = add_business_days(country, shipped.date(), max(1, days))
    delivered: datetime | None = datetime.combine(
        arrival, time(9), tzinfo=shipped.tzinfo
    ) + timedelta(hours=rng.uniform(0, 8))
    status, reason = Status.DELIVERED, None
    if outcome is Outcome.EXCEPTION:
        delivered, status, reason = None, Status.EXCEPTION, Reason.LOST
    shipment = await Shipment.create(
        merchant=shop,
        order=order,
        carrier_key=carrier,
        tracking_number=f"DEMO{index + 1:06d}{carrier.upper()}",
        direction=Direction.OUTBOUND,
        status=status,
        reason=reason,
        estimated_delivery=first_eta,
        first_estimated_delivery=first_eta,
        shipped_at=shipped,
        delivered_at=delivered,
        signed_by=customer.name.split()[0].upper() if delivered else None,
        last_event_at=delivered or shipped + timedelta(days=2),
        last_polled_at=delivered or shipped + timedelta(days=2),
        next_poll_at=None,
        using_db=conn,
    )
    await _scans(conn, shipment, outcome, shipped, delivered, city, postcode, country)
    await Shipment.filter(id=shipment.id).using_db(conn).update(created_at=shipped)
    return _Parcel(order, customer, shipment, outcome, delivered)


async def _scans(
    conn: Any,
    shipment: Shipment,
    outcome: Outcome,
    shipped: datetime,
    delivered: datetime | None,
    city: str,
    postcode: str,
    country: str,
) -> None:
    steps: list[tuple[datetime, Status, Reason | None, str, str]] = [
        (shipped, Status.INFO_RECEIVED, None, "LC", "Label created"),
        (shipped + timedelta(hours=5), Status.IN_TRANSIT, None, "PU", "Picked up"),
        (shipped + timedelta(hours=20), Status.IN_TRANSIT, None, "AR", "Arrived at hub"),
    ]
    if outcome is Outcome.EXCEPTION:
        steps.append(
            (shipped + timedelta(days=2), Status.EXCEPTION, Reason.LOST, "XL", "Parcel missing")
        )
    if outcome is Outcome.LOST_OR_DAMAGED:
        steps.append(
            (shipped + timedelta(days=1), Status.EXCEPTION, Reason.DAMAGED, "XD", "Damaged")
        )
    if delivered is not None:
        if outcome is Outcome.FAILED_ATTEMPT:
            steps.append(
                (
                    delivered - timedelta(days=1),
                    Status.FAILED_ATTEMPT,
                    Reason.RECIPIENT_UNAVAILABLE,
                    "FA",
                    "Nobody home",
                )
            )
        steps.append((delivered - timedelta(hours=4), Status.OUT_FOR_DELIVERY, None, "OD", "Out"))
        steps.append((delivered, Status.DELIVERED, None, "DL", "Delivered"))
    await TrackingEvent.bulk_create(
        [
            TrackingEvent(
                shipment=shipment,
                occurred_at=when,
                status=status,
                reason=reason,
                carrier_code=code,
                description=text,
                city=city,
                postal_code=postcode,
                country=country,
                dedupe_key=f"{code}|{when:%Y%m%dT%H%M%S}|{city.lower()}",
                source=EventSource.POLL,
            )
            for when, status, reason, code, text in steps
        ],
        using_db=conn,
    )


async def _return(
    shop: Merchant,
    conn: Any,
    now: datetime,
    rng: random.Random,
    index: int,
    parcel: _Parcel,
    variants: list[ProductVariant],
    reasons: dict[str, ReturnReason],
) -> ReturnRequest:
    assert parcel.delivered_at is not None
    item = await OrderItem.filter(order=parcel.order).using_db(conn).first()
    assert item is not None
    code = rng.choice(_RETURN_REASONS)
    exchange = code in ("too_small", "too_large") and rng.random() < 0.6
    resolution = (
        Resolution.EXCHANGE
        if exchange
        else rng.choice((Resolution.REFUND, Resolution.REFUND, Resolution.STORE_CREDIT))
    )
    requested = min(
        parcel.delivered_at + timedelta(days=rng.uniform(1, 12)),
        now - timedelta(hours=rng.uniform(2, 48)),
    )
    path = [ReturnState.APPROVED, ReturnState.AWAITING_SHIPMENT, ReturnState.IN_TRANSIT]
    path += [ReturnState.RECEIVED, ReturnState.INSPECTED, ReturnState.RESOLVED]
    if requested + timedelta(days=20) < now:
        path.append(ReturnState.CLOSED)
    # Recent requests have not got far yet.
    age = (now - requested).days
    # approved and awaiting_shipment come together: the label exists once approved
    steps = path[: max(2, min(len(path), age // 2))]
    amount = (item.unit_price * 1).quantize(Decimal("0.01"))
    bonus = Decimal("1.10") if resolution is Resolution.STORE_CREDIT else Decimal(1)
    request = await ReturnRequest.create(
        merchant=shop,
        order=parcel.order,
        customer=parcel.customer,
        number=f"R-H{index + 1:05d}",
        state=steps[-1],
        method=rng.choice((ReturnMethod.DROP_OFF_QR, ReturnMethod.DROP_OFF_LABEL)),
        currency="EUR",
        refund_total=amount if resolution is Resolution.REFUND else Decimal(0),
        credit_total=(amount * bonus).quantize(Decimal("0.01"))
        if resolution is Resolution.STORE_CREDIT
        else Decimal(0),
        resolved_at=min(requested + timedelta(days=8), now)
        if ReturnState.RESOLVED in steps
        else None,
        label_expires_at=requested + timedelta(days=14)
        if ReturnState.AWAITING_SHIPMENT in steps
        else None,
        using_db=conn,
    )
    await ReturnRequest.filter(id=request.id).using_db(conn).update(created_at=requested)
    new_variant = None
    if exchange and item.variant_id is not None:
        others = [v for v in variants if v.id != item.variant_id]
        new_variant = rng.choice(others) if others else None
    await ReturnItem.create(
        return_request=request,
        order_item=item,
        quantity=1,
        reason=reasons.get(code),
        comment="",
        resolution=resolution,
        exchange_variant=new_variant,
        amount=amount,
        condition="as_new" if ReturnState.INSPECTED in steps else None,
        restock=True if ReturnState.INSPECTED in steps else None,
        using_db=conn,
    )
    previous: ReturnState | None = None
    when = requested
    for state in [ReturnState.REQUESTED, *steps]:
        if state is ReturnState.REQUESTED:
            moved = await ReturnTransition.create(
                return_request=request,
                from_state=None,
                to_state=state,
                actor="customer",
                using_db=conn,
            )
        else:
            actor = "carrier" if state is ReturnState.IN_TRANSIT else "owner@demo.doorstep.test"
            if state is ReturnState.APPROVED:
                actor = "policy"
            moved = await ReturnTransition.create(
                return_request=request,
                from_state=previous,
                to_state=state,
                actor=actor,
                using_db=conn,
            )
        await ReturnTransition.filter(id=moved.id).using_db(conn).update(created_at=when)
        previous = state
        when = min(when + timedelta(days=rng.uniform(0.5, 2.0)), now)
    return request


async def _survey(
    shop: Merchant,
    conn: Any,
    now: datetime,
    rng: random.Random,
    parcel: _Parcel,
    *,
    request: ReturnRequest | None = None,
) -> None:
    if request is not None:
        items = await ReturnItem.filter(return_request=request).using_db(conn).all()
        exchanged = any(i.resolution == Resolution.EXCHANGE for i in items)
        outcome = Outcome.EXCHANGE if exchanged else Outcome.RETURN
        reason_ids = [i.reason_id for i in items if i.reason_id]
        reason = (
            await ReturnReason.get_or_none(id=reason_ids[0], using_db=conn) if reason_ids else None
        )
        sent = request.resolved_at or now - timedelta(days=1)
        return_reason = reason.code if reason else None
    else:
        outcome = parcel.outcome
        sent = (parcel.delivered_at or now) + timedelta(days=2)
        return_reason = None
    if sent >= now:
        return
    questions = questions_for(outcome)
    answered = sent + timedelta(hours=rng.uniform(1, 40))
    complete = rng.random() < 0.85
    survey = await Survey.create(
        merchant=shop,
        customer=parcel.customer,
        shipment=parcel.shipment if request is None else None,
        return_request=request,
        outcome=outcome,
        questions=[q.key for q in questions],
        locale=parcel.customer.locale or "en",
        token_hash=hash_token(secrets.token_urlsafe(24)),
        sent_at=sent,
        opened_at=answered,
        completed_at=answered if complete else None,
        expires_at=sent + timedelta(days=30),
        using_db=conn,
    )
    ranges = _SCORES[outcome]
    given = questions if complete else questions[:1]
    await SurveyAnswer.bulk_create(
        [
            SurveyAnswer(
                merchant=shop,
                survey=survey,
                question=q.key,
                metric=q.metric,
                score=rng.randint(*ranges[q.metric]),
                comment=_COMMENTS[outcome] if position == 0 and rng.random() < 0.2 else None,
                carrier_key=parcel.shipment.carrier_key,
                outcome=outcome,
                return_reason=return_reason,
                answered_at=answered,
            )
            for position, q in enumerate(given)
        ],
        using_db=conn,
    )
