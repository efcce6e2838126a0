"""Seeded rows for analytics tests, with the figures they should give worked out by hand in
the tests that use them. Another merchant's rows, and rows just outside the period, are
always present so that isolation and range edges are tested on every figure."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from portal.analytics.sql import Filters
from portal.models import (
    Merchant,
    OrderItem,
    OutboxMessage,
    ReturnItem,
    ReturnReason,
    ReturnRequest,
    Shipment,
    Survey,
    SurveyAnswer,
    TrackingEvent,
)
from tests import factories

#: The period every test looks at: 16 to 30 November 2026 (two Mondays: 16th and 23rd).
START = datetime(2026, 11, 16, tzinfo=UTC)
END = datetime(2026, 12, 1, tzinfo=UTC)
_tokens = itertools.count(1)
QUESTION = {"csat": "csat_delivery", "nps": "nps", "ces": "ces_delivery"}


def at(day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def period(shop: Merchant, carrier: str | None = None) -> Filters:
    return Filters(shop.id, START, END, carrier)


async def other_shop(shop: Merchant) -> Merchant:
    """The seed's second merchant, whose rows must never show up in ``shop``'s figures."""
    return await Merchant.exclude(id=shop.id).get()


async def answer(
    shop: Merchant,
    metric: str,
    score: int,
    *,
    carrier: str,
    outcome: str,
    when: datetime,
    reason: str | None = None,
) -> None:
    survey = await Survey.create(
        merchant=shop,
        outcome=outcome,
        questions=[QUESTION[metric]],
        token_hash=f"{next(_tokens):064d}",
        expires_at=when + timedelta(days=30),
    )
    question = QUESTION[metric] if outcome not in ("return", "exchange") else f"{metric}_return"
    await SurveyAnswer.create(
        merchant=shop,
        survey=survey,
        question=question,
        metric=metric,
        score=score,
        carrier_key=carrier,
        outcome=outcome,
        return_reason=reason,
        answered_at=when,
    )


async def seed_answers(shop: Merchant | None = None) -> Merchant:
    """ups/smooth on the 17th: CSAT 5 4 2, NPS 10 9 7 3. dhl on the 24th: CSAT 1 5 (late),
    NPS 6 (smooth), CES 4 2 (late). dhl returns: CES 5 + CSAT 3 (too_small, 25th),
    CSAT 4 (wrong_item, 26th). Outside: the 15th 23:59, 1 December 00:00, another shop."""
    shop = shop or await factories.merchant()
    other = await factories.merchant()
    for score in (5, 4, 2):
        await answer(shop, "csat", score, carrier="ups", outcome="smooth", when=at(17))
    for score in (1, 5):
        await answer(shop, "csat", score, carrier="dhl", outcome="late", when=at(24))
    for score in (10, 9, 7, 3):
        await answer(shop, "nps", score, carrier="ups", outcome="smooth", when=at(17))
    await answer(shop, "nps", 6, carrier="dhl", outcome="smooth", when=at(24))
    for score in (4, 2):
        await answer(shop, "ces", score, carrier="dhl", outcome="late", when=at(24))
    await answer(shop, "ces", 5, carrier="dhl", outcome="return", when=at(25), reason="too_small")
    await answer(shop, "csat", 3, carrier="dhl", outcome="return", when=at(25), reason="too_small")
    await answer(shop, "csat", 4, carrier="dhl", outcome="return", when=at(26), reason="wrong_item")
    await answer(shop, "csat", 1, carrier="ups", outcome="smooth", when=at(15, 23, 59))
    await answer(shop, "csat", 1, carrier="ups", outcome="smooth", when=END)
    await answer(other, "csat", 1, carrier="ups", outcome="smooth", when=at(17))
    return shop


async def parcel(
    shop: Merchant,
    carrier: str,
    *,
    shipped: datetime,
    delivered_at: datetime | None,
    eta: date | None = None,
    country: str = "PL",
    problems: tuple[tuple[str, str | None], ...] = (),
) -> Shipment:
    order = await factories.order(shop, ship_country=country)
    shipment = await factories.shipment(
        shop,
        order=order,
        carrier_key=carrier,
        status="delivered" if delivered_at else "in_transit",
        shipped_at=shipped,
        delivered_at=delivered_at,
        first_estimated_delivery=eta,
    )
    for i, (status, reason) in enumerate(problems):
        await TrackingEvent.create(
            shipment=shipment,
            occurred_at=shipped + timedelta(hours=i + 1),
            status=status,
            reason=reason,
            dedupe_key=f"p{i}",
        )
    return shipment


async def seed_shipments(shop: Merchant | None = None) -> Merchant:
    """Five parcels of ``shop`` delivered in the period (ups 3, dhl 2), one in transit, one
    delivered after it, and one of another shop. See the tests for the figures."""
    shop = shop or await factories.merchant()
    other = await factories.merchant()
    d = date
    await parcel(shop, "ups", shipped=at(14, 10), delivered_at=at(17, 10), eta=d(2026, 11, 17),
                 problems=(("exception", "carrier_delay"),))  # fmt: skip
    await parcel(shop, "ups", shipped=at(16, 11, 30), delivered_at=at(18, 23, 30),
                 eta=d(2026, 11, 18), problems=(("exception", None),))  # fmt: skip
    await parcel(shop, "ups", shipped=at(16, 8), delivered_at=at(20, 8), eta=d(2026, 11, 19),
                 country="DE", problems=(("failed_attempt", "recipient_unavailable"),))  # fmt: skip
    await parcel(shop, "dhl", shipped=at(20, 0), delivered_at=at(21, 12))
    await parcel(shop, "dhl", shipped=at(19, 12), delivered_at=at(22, 12), eta=d(2026, 11, 20),
                 problems=(("exception", "damaged"),))  # fmt: skip
    await parcel(shop, "dhl", shipped=at(20, 0), delivered_at=None,
                 problems=(("exception", "weather_delay"), ("exception", "weather_delay"),
                           ("failed_attempt", "recipient_unavailable")))  # fmt: skip
    await parcel(shop, "ups", shipped=END, delivered_at=END + timedelta(days=2),
                 eta=d(2026, 12, 5))  # fmt: skip
    await parcel(other, "ups", shipped=at(16, 8), delivered_at=at(17, 8), eta=d(2026, 11, 1),
                 problems=(("exception", "lost"),))  # fmt: skip
    return shop


async def _reason(shop: Merchant, code: str, labels: dict[str, str]) -> ReturnReason:
    reason, _ = await ReturnReason.get_or_create(
        merchant=shop, code=code, defaults={"labels": labels}
    )
    return reason


async def _line(order_id: int, sku: str, quantity: int, variant_id: int | None = None) -> OrderItem:
    return await OrderItem.create(
        order_id=order_id,
        sku=sku,
        title=f"Item {sku}",
        quantity=quantity,
        unit_price=Decimal("10.00"),
        variant_id=variant_id,
    )


async def _returned(
    shop: Merchant,
    item: OrderItem,
    quantity: int,
    reason: ReturnReason | None,
    resolution: str,
    state: str = "resolved",
) -> None:
    request = await ReturnRequest.create(
        merchant=shop,
        order_id=item.order_id,  # type: ignore[attr-defined]
        number=f"R{next(_tokens)}",
        state=state,
    )
    await ReturnItem.create(
        return_request=request,
        order_item=item,
        quantity=quantity,
        reason=reason,
        resolution=resolution,
    )


async def seed_returns(shop: Merchant | None = None) -> Merchant:
    """Orders placed in the period: A (ups) with tee-S x2 and tee-M x1 (both variants of
    product "tee"), B (dhl) with mug x4 (no variant). Sold: tee 3 (S 2, M 1), mug 4 = 7.

    Counted returns: tee-S 1 too_small (exchange), tee-S 1 too_small (refund), mug 1
    damaged (store credit), mug 1 without a reason (keep_item). Not counted: a rejected
    mug return, a cancelled tee-M return, an order placed on 1 December, another shop's.
    """
    shop = shop or await factories.merchant()
    other = await factories.merchant()
    small = await _reason(shop, "too_small", {"en": "Too small", "pl": "Za mały"})
    damaged = await _reason(shop, "damaged", {"en": "Arrived damaged"})
    tee_s = await factories.variant(shop, product_ref="tee", sku="TEE-S")
    tee_m = await factories.variant(shop, product_ref="tee", sku="TEE-M")
    a = await factories.order(shop, placed_at=at(16, 0))
    b = await factories.order(shop, placed_at=at(30, 23, 59))
    await factories.shipment(shop, order=a, carrier_key="ups")
    await factories.shipment(shop, order=b, carrier_key="dhl")
    s_line = await _line(a.id, "TEE-S", 2, tee_s.id)
    m_line = await _line(a.id, "TEE-M", 1, tee_m.id)
    mug = await _line(b.id, "MUG", 4)
    await _returned(shop, s_line, 1, small, "exchange")
    await _returned(shop, s_line, 1, small, "refund", state="received")
    await _returned(shop, mug, 1, damaged, "store_credit")
    await _returned(shop, mug, 1, None, "keep_item", state="requested")
    await _returned(shop, mug, 2, damaged, "refund", state="rejected")
    await _returned(shop, m_line, 1, small, "refund", state="cancelled")
    late = await factories.order(shop, placed_at=END)
    late_line = await _line(late.id, "MUG", 5)
    await _returned(shop, late_line, 5, damaged, "refund")
    foreign = await factories.order(other, placed_at=at(20))
    foreign_line = await _line(foreign.id, "MUG", 3)
    other_reason = await _reason(other, "damaged", {"en": "Broken"})
    await _returned(other, foreign_line, 3, other_reason, "refund")
    return shop


async def _message(shop: Merchant, channel: str, state: str, receipt: str | None, day: int) -> None:
    message = await OutboxMessage.create(
        merchant=shop,
        channel=channel,
        recipient="someone",
        trigger="delivered",
        unique_key=f"seed:{next(_tokens)}",
        state=state,
        delivery_status=receipt,
        scheduled_for=at(day),
    )
    await OutboxMessage.filter(id=message.id).update(created_at=at(day))


async def seed_messages(shop: Merchant | None = None) -> Merchant:
    """Messages of ``shop`` in the period: e-mail 3 sent and 1 failed; SMS 2 delivered and 1
    undelivered; WhatsApp 1 read and 1 only sent; push 2 sent; plus a cancelled SMS, one
    e-mail after the period and one of another shop (none of those three count)."""
    shop = shop or await factories.merchant()
    other = await factories.merchant()
    rows = [
        ("email", "sent", "250 OK", 17), ("email", "sent", None, 18), ("email", "sent", None, 19),
        ("email", "failed", None, 20),
        ("sms", "delivered", "delivered", 17), ("sms", "sent", "delivered", 18),
        ("sms", "sent", "undelivered", 19),
        ("whatsapp", "sent", "read", 20), ("whatsapp", "sent", "sent", 21),
        ("push", "sent", "sent", 22), ("push", "sent", "sent", 23),
        ("sms", "cancelled", None, 24),
    ]  # fmt: skip
    for channel, state, receipt, day in rows:
        await _message(shop, channel, state, receipt, day)
    late = await OutboxMessage.create(
        merchant=shop, channel="email", recipient="x", trigger="delivered",
        unique_key="seed:late", state="sent", scheduled_for=END,
    )  # fmt: skip
    await OutboxMessage.filter(id=late.id).update(created_at=END)
    await _message(other, "email", "sent", None, 17)
    return shop


async def seed_parcel_messages(shop: Merchant) -> None:
    """Messages about ``shop``'s parcels (after :func:`seed_shipments`), written on the
    parcel's ship day and the day after at 23:30: an SMS delivered and an e-mail failed, so
    the carrier filter has something to keep; plus one naming another shop's parcel."""
    for s in await Shipment.filter(merchant=shop, shipped_at__not_isnull=True):
        shipped = s.shipped_at.astimezone(UTC)
        for channel, state, receipt, when in (
            ("sms", "sent", "delivered", shipped),
            ("email", "failed", None, shipped.replace(hour=23, minute=30) + timedelta(days=1)),
        ):
            message = await OutboxMessage.create(
                merchant=shop, shipment=s, channel=channel, recipient="someone",
                trigger="shipped", unique_key=f"seed:{next(_tokens)}", state=state,
                delivery_status=receipt, scheduled_for=when,
            )  # fmt: skip
            await OutboxMessage.filter(id=message.id).update(created_at=when)
    foreign = await Shipment.exclude(merchant=shop).first()
    message = await OutboxMessage.create(
        merchant=shop, shipment=foreign, channel="sms", recipient="someone", trigger="shipped",
        unique_key=f"seed:{next(_tokens)}", state="delivered", scheduled_for=at(18),
    )  # fmt: skip
    await OutboxMessage.filter(id=message.id).update(created_at=at(18, 6))
