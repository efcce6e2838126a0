"""Policy evaluation as tables of cases: eligibility, amounts and auto-approval."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from portal.returns.policy import (
    Decision,
    Ineligible,
    ItemFacts,
    Line,
    Rules,
    VariantFacts,
    decide,
    delivery_time,
    evaluate_item,
    money,
    quote,
    window_closes_at,
)

D = Decimal
NY = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
# Delivered 2026-03-01 15:00 UTC = 10:00 in New York (EST).
DELIVERED = datetime(2026, 3, 1, 15, tzinfo=UTC)
SHIRT = ItemFacts(id=1, quantity=3, unit_price=D("25.00"), product_ref="tshirt", variant_id=10)
RULES = Rules(window_days=30, keep_item_threshold=D("10.00"))
STOCKED = VariantFacts(11, "tshirt", D("25.00"), available=2)
EMPTY = VariantFacts(12, "tshirt", D("25.00"), available=0)
OTHER_PRODUCT = VariantFacts(13, "mug", D("9.00"), available=5)


def local(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone).astimezone(UTC)


ELIGIBILITY = [
    # id, item, rules, delivered, now, zone, expected (eligible, reason, max quantity)
    (
        "last-local-minute-ny",
        SHIRT,
        RULES,
        DELIVERED,
        local(NY, 2026, 3, 31, 23, 59),
        NY,
        (True, None, 3),
    ),
    (
        "local-midnight-closes-ny",
        SHIRT,
        RULES,
        DELIVERED,
        local(NY, 2026, 4, 1, 0, 0),
        NY,
        (False, Ineligible.WINDOW_CLOSED, 0),
    ),
    # 2026-03-08 DST starts in New York: the last day still ends at local midnight.
    (
        "dst-inside-window-last-minute",
        SHIRT,
        replace(RULES, window_days=10),
        DELIVERED,
        local(NY, 2026, 3, 11, 23, 59),
        NY,
        (True, None, 3),
    ),
    (
        "dst-inside-window-midnight",
        SHIRT,
        replace(RULES, window_days=10),
        DELIVERED,
        local(NY, 2026, 3, 12, 0, 0),
        NY,
        (False, Ineligible.WINDOW_CLOSED, 0),
    ),
    # Same instant, another zone: 15:00 UTC is already 00:00 the next day in Tokyo.
    (
        "zone-shifts-delivery-day-tokyo",
        SHIRT,
        RULES,
        DELIVERED,
        local(TOKYO, 2026, 4, 1, 23, 59),
        TOKYO,
        (True, None, 3),
    ),
    (
        "zone-shifts-delivery-day-tokyo-closed",
        SHIRT,
        RULES,
        DELIVERED,
        local(TOKYO, 2026, 4, 2, 0, 0),
        TOKYO,
        (False, Ineligible.WINDOW_CLOSED, 0),
    ),
    ("not-delivered", SHIRT, RULES, None, DELIVERED, NY, (False, Ineligible.NOT_DELIVERED, 0)),
    (
        "final-sale-item",
        replace(SHIRT, final_sale=True),
        RULES,
        DELIVERED,
        DELIVERED,
        NY,
        (False, Ineligible.FINAL_SALE, 0),
    ),
    (
        "final-sale-category",
        replace(SHIRT, category="clearance"),
        replace(RULES, final_sale_categories=frozenset({"clearance"})),
        DELIVERED,
        DELIVERED,
        NY,
        (False, Ineligible.FINAL_SALE, 0),
    ),
    (
        "ineligible-category",
        replace(SHIRT, category="underwear"),
        replace(RULES, ineligible_categories=frozenset({"underwear"})),
        DELIVERED,
        DELIVERED,
        NY,
        (False, Ineligible.CATEGORY, 0),
    ),
    (
        "partly-returned",
        replace(SHIRT, returned_quantity=2),
        RULES,
        DELIVERED,
        DELIVERED,
        NY,
        (True, None, 1),
    ),
    (
        "fully-returned",
        replace(SHIRT, returned_quantity=3),
        RULES,
        DELIVERED,
        DELIVERED,
        NY,
        (False, Ineligible.FULLY_RETURNED, 0),
    ),
]


@pytest.mark.parametrize(
    ("item", "rules", "delivered", "now", "zone", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in ELIGIBILITY],
)
def test_an_item_is_eligible_per_the_policy(
    item: ItemFacts,
    rules: Rules,
    delivered: datetime | None,
    now: datetime,
    zone: ZoneInfo,
    expected: tuple[bool, Ineligible | None, int],
) -> None:
    verdict = evaluate_item(rules, item, delivered=delivered, now=now, zone=zone)
    assert (verdict.eligible, verdict.reason, verdict.max_quantity) == expected


RESOLUTIONS = [
    (
        "exchange-with-stock",
        SHIRT,
        RULES,
        [STOCKED, EMPTY, OTHER_PRODUCT],
        ("refund", "store_credit", "exchange"),
        (11,),
    ),
    (
        "exchange-without-stock",
        SHIRT,
        RULES,
        [EMPTY, OTHER_PRODUCT],
        ("refund", "store_credit"),
        (),
    ),
    (
        "same-variant-is-no-exchange",
        SHIRT,
        RULES,
        [replace(STOCKED, id=10)],
        ("refund", "store_credit"),
        (),
    ),
    (
        "keep-item-at-threshold",
        replace(SHIRT, unit_price=D("10.00")),
        RULES,
        [],
        ("refund", "store_credit", "keep_item"),
        (),
    ),
    (
        "keep-item-above-threshold",
        replace(SHIRT, unit_price=D("10.01")),
        RULES,
        [],
        ("refund", "store_credit"),
        (),
    ),
    (
        "no-threshold-no-keep",
        replace(SHIRT, unit_price=D("1.00")),
        replace(RULES, keep_item_threshold=None),
        [],
        ("refund", "store_credit"),
        (),
    ),
    (
        "policy-offers-refund-only",
        SHIRT,
        replace(RULES, resolutions=("refund",)),
        [STOCKED],
        ("refund",),
        (),
    ),
]


@pytest.mark.parametrize(
    ("item", "rules", "variants", "offered", "swaps"),
    [pytest.param(*case[1:], id=case[0]) for case in RESOLUTIONS],
)
def test_an_item_offers_the_resolutions_the_policy_allows(
    item: ItemFacts,
    rules: Rules,
    variants: list[VariantFacts],
    offered: tuple[str, ...],
    swaps: tuple[int, ...],
) -> None:
    verdict = evaluate_item(
        rules, item, delivered=DELIVERED, now=DELIVERED, zone=NY, variants=variants
    )
    assert verdict.resolutions == offered
    assert tuple(v.id for v in verdict.exchange_variants) == swaps


FEES = Rules(
    return_shipping_fee=D("5.00"),
    restocking_fee_percent=D("10"),
    store_credit_bonus_percent=D("10"),
    waiving_reasons=frozenset({"damaged"}),
)


def line(resolution: str, qty: int = 1, price: str = "25.00", **kw: object) -> Line:
    return Line(replace(SHIRT, unit_price=D(price)), qty, resolution, **kw)  # type: ignore[arg-type]


AMOUNTS = [
    # id, rules, lines, currency, (refund, credit, fees), per-line amounts
    ("refund-no-fees", Rules(), [line("refund", 2)], "USD", ("50.00", "0", "0"), ["50.00"]),
    ("refund-with-fees", FEES, [line("refund", 2)], "USD", ("40.00", "0", "10.00"), ["45.00"]),
    ("partial-quantity", FEES, [line("refund", 1)], "USD", ("17.50", "0", "7.50"), ["22.50"]),
    (
        "store-credit-bonus",
        FEES,
        [line("store_credit", 2)],
        "USD",
        ("0", "44.50", "10.00"),
        ["49.50"],
    ),
    (
        "bonus-without-fees",
        replace(FEES, return_shipping_fee=D(0), restocking_fee_percent=D(0)),
        [line("store_credit", 1, "19.99")],
        "USD",
        ("0", "21.99", "0"),
        ["21.99"],
    ),
    (
        "waiving-reason-code",
        FEES,
        [line("refund", reason_code="damaged")],
        "USD",
        ("25.00", "0", "0"),
        ["25.00"],
    ),
    (
        "reason-row-waives",
        FEES,
        [line("refund", reason_waives_fees=True)],
        "USD",
        ("25.00", "0", "0"),
        ["25.00"],
    ),
    (
        "exchange-waives-fees",
        FEES,
        [line("exchange", exchange_variant=STOCKED)],
        "USD",
        ("0", "0", "0"),
        ["0"],
    ),
    (
        "exchange-fees-not-waived-by-policy",
        replace(FEES, waive_fees_for_exchange=False),
        [line("exchange", exchange_variant=STOCKED)],
        "USD",
        ("0", "0", "2.50"),
        ["0"],
    ),
    (
        "keep-item-no-fees",
        FEES,
        [line("keep_item", price="8.00")],
        "USD",
        ("8.00", "0", "0"),
        ["8.00"],
    ),
    (
        "shipping-once-per-request",
        FEES,
        [line("refund"), line("refund", price="15.00")],
        "USD",
        ("31.00", "0", "9.00"),
        ["22.50", "13.50"],
    ),
    (
        "shipping-taken-from-credit-when-no-refund",
        FEES,
        [line("store_credit"), line("exchange", exchange_variant=STOCKED)],
        "USD",
        ("0", "19.75", "7.50"),
        ["24.75", "0"],
    ),
    (
        "fees-never-below-zero",
        replace(FEES, return_shipping_fee=D("50")),
        [line("refund")],
        "USD",
        ("0", "0", "25.00"),
        ["22.50"],
    ),
    (
        "half-even-rounding",
        Rules(restocking_fee_percent=D("12.5")),
        [line("refund", 1, "0.20")],
        "USD",
        ("0.18", "0", "0.02"),
        ["0.18"],
    ),
    (
        "yen-has-no-minor-units",
        Rules(restocking_fee_percent=D("15")),
        [line("refund", 1, "1010")],
        "JPY",
        ("858", "0", "152"),
        ["858"],
    ),
]


@pytest.mark.parametrize(
    ("rules", "lines", "currency", "totals", "amounts"),
    [pytest.param(*case[1:], id=case[0]) for case in AMOUNTS],
)
def test_a_selection_is_priced_exactly(
    rules: Rules, lines: list[Line], currency: str, totals: tuple[str, ...], amounts: list[str]
) -> None:
    quoted = quote(rules, lines, currency)
    assert (quoted.refund_total, quoted.credit_total, quoted.fees_total) == tuple(
        D(t) for t in totals
    )
    assert [q.amount for q in quoted.lines] == [D(a) for a in amounts]


@pytest.mark.parametrize(
    ("new_price", "difference"),
    [
        pytest.param("30.00", "10.00", id="customer-pays"),
        pytest.param("20.00", "-10.00", id="customer-refunded"),
        pytest.param("25.00", "0.00", id="same-price"),
    ],
)
def test_an_exchange_shows_the_price_difference(new_price: str, difference: str) -> None:
    swap = replace(STOCKED, price=D(new_price))
    quoted = quote(Rules(), [line("exchange", 2, exchange_variant=swap)], "USD")
    assert quoted.lines[0].price_difference == D(difference)


AUTO = {
    "reasons": ["too_small", "changed_mind"],
    "max_value": "60.00",
    "max_returns_per_customer": 2,
}
DECISIONS = [
    (
        "no-rules-means-review",
        {},
        ["too_small"],
        "25.00",
        0,
        Decision.NEEDS_REVIEW,
        ["no_auto_approve"],
    ),
    ("all-rules-pass", AUTO, ["too_small"], "60.00", 1, Decision.APPROVED, []),
    ("reason-not-listed", AUTO, ["damaged"], "25.00", 0, Decision.NEEDS_REVIEW, ["reason"]),
    ("over-max-value", AUTO, ["too_small"], "60.01", 0, Decision.NEEDS_REVIEW, ["max_value"]),
    (
        "too-many-returns",
        AUTO,
        ["too_small"],
        "25.00",
        2,
        Decision.NEEDS_REVIEW,
        ["customer_history"],
    ),
    (
        "disabled",
        {**AUTO, "enabled": False},
        ["too_small"],
        "1.00",
        0,
        Decision.NEEDS_REVIEW,
        ["no_auto_approve"],
    ),
    ("value-only-rule", {"max_value": "100"}, [None], "99.00", 9, Decision.APPROVED, []),
]


@pytest.mark.parametrize(
    ("auto", "codes", "value", "recent", "decision", "failed"),
    [pytest.param(*case[1:], id=case[0]) for case in DECISIONS],
)
def test_auto_approval_follows_the_rules(
    auto: dict[str, object],
    codes: list[str | None],
    value: str,
    recent: int,
    decision: Decision,
    failed: list[str],
) -> None:
    quoted = quote(Rules(), [line("refund", price=value)], "USD")
    assert decide(Rules(auto_approve=auto), quoted, codes, recent) == (decision, failed)


def test_the_window_starts_at_ship_date_plus_margin_without_a_delivery_scan() -> None:
    shipped = datetime(2026, 3, 1, tzinfo=UTC)
    assert delivery_time(None, shipped, 7) == datetime(2026, 3, 8, tzinfo=UTC)
    assert delivery_time(DELIVERED, shipped, 7) == DELIVERED
    assert delivery_time(None, None, 7) is None


def test_the_window_closes_at_local_midnight() -> None:
    assert window_closes_at(DELIVERED, 30, NY) == datetime(2026, 4, 1, tzinfo=NY)


def test_money_rounds_half_even_to_minor_units() -> None:
    assert money(D("0.125"), "USD") == D("0.12")
    assert money(D("0.135"), "USD") == D("0.14")
    assert money(D("2.5"), "JPY") == D("2")
    assert money(D("1.2345"), "KWD") == D("1.234")
