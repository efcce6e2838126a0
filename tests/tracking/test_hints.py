"""Hints reach the adapters that ask for them: the customer's language, phone and postcode.

A stand-in carrier (``Hinted``) records what it was called with; the Example Parcel plugin
(tests/plugins/doorstep_example_carrier), written before hints existed, shows that other
adapters are called exactly as before.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import timedelta
from typing import ClassVar

import httpx
import pytest
import respx

from carriers import registry
from carriers.base import (
    NO_HINT,
    CarrierAdapter,
    NumberHint,
    Status,
    TrackingEvent,
    TrackingResult,
)
from portal.models import Merchant, Shipment
from portal.settings import Settings
from portal.tracking.hints import hint_from, hints_for, language_of
from portal.tracking.refresh import refresh_if_stale
from portal.tracking.sweep import sweep_once
from tests import factories
from tests.tracking.helpers import NOW, counting_queries, make_shipments


class Hinted(CarrierAdapter):
    """A carrier whose API answers in the customer's language and wants the phone."""

    key = "hinted"
    display_name = "Hinted Parcel"
    batch_size = 100
    rate_limit = 0.0
    accepts_hints = True
    answer_languages = frozenset({"uk", "ru", "en"})
    #: Every call: (numbers, hints) as received.
    calls: ClassVar[list[tuple[list[str], dict[str, NumberHint] | None]]] = []

    async def track(
        self, numbers: Sequence[str], hints: Mapping[str, NumberHint] | None = None
    ) -> list[TrackingResult]:
        self.calls.append((list(numbers), None if hints is None else dict(hints)))
        return [
            TrackingResult(
                number=n,
                status=Status.IN_TRANSIT,
                events=[TrackingEvent(NOW - timedelta(hours=1), Status.IN_TRANSIT, None, "T")],
            )
            for n in numbers
        ]


@pytest.fixture
def hinted() -> Iterator[type[Hinted]]:
    Hinted.calls.clear()
    registry.register(Hinted)
    yield Hinted
    registry.reload()


def hints_received(adapter: type[Hinted]) -> dict[str, NumberHint]:
    received: dict[str, NumberHint] = {}
    for _numbers, hints in adapter.calls:
        assert hints is not None, "an adapter that accepts hints is always given a mapping"
        received.update(hints)
    return received


async def ukrainian_parcel(shop: Merchant, number: str, **customer: object) -> Shipment:
    customer.setdefault("locale", "uk_UA")
    customer.setdefault("phone", "050 123 4567")
    customer.setdefault("country", "UA")
    buyer = await factories.customer(shop, **customer)
    order = await factories.order(shop, customer=buyer, ship_postal_code=" 01001 ")
    return await factories.shipment(
        shop, order=order, carrier_key="hinted", tracking_number=number, next_poll_at=NOW
    )


# --- reading a hint ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "language"),
    [("uk", "uk"), ("uk_UA", "uk"), ("pt-BR", "pt"), ("BG", "bg"), ("", None), ("xyz", None)],
)
def test_a_locale_is_read_as_its_language(locale: str, language: str | None) -> None:
    assert language_of(locale) == language


def test_a_parcel_without_an_order_has_an_empty_hint() -> None:
    assert hint_from({"id": 1, "order_id": None, "merchant__default_locale": "pl"}) is NO_HINT


def test_an_order_without_a_customer_gives_only_its_postcode() -> None:
    row = {"id": 1, "order_id": 7, "order__ship_postal_code": "1000", "order__customer_id": None}
    assert hint_from(row) == NumberHint(postal_code="1000")


def test_a_customer_without_a_language_reads_the_shops_and_a_bad_phone_is_left_out() -> None:
    row = {
        "id": 1,
        "order_id": 7,
        "order__ship_postal_code": "",
        "order__ship_country": "BG",
        "order__customer_id": 3,
        "order__customer__locale": None,
        "order__customer__phone": "not a phone",
        "order__customer__country": None,
        "merchant__default_locale": "bg",
    }
    assert hint_from(row) == NumberHint(language="bg")


async def test_hints_are_read_in_one_query_for_any_number_of_shipments(db: str) -> None:
    shop = await factories.merchant(default_locale="ru")
    first = await ukrainian_parcel(shop, "H1")
    second = await ukrainian_parcel(shop, "H2", locale=None, phone="+359 88 123 4567")
    bare = await factories.shipment(shop, carrier_key="hinted", tracking_number="H3")

    with counting_queries() as queries:
        found = await hints_for([first.id, second.id, bare.id])

    assert queries.count == 1
    assert found == {
        first.id: NumberHint(language="uk", phone="+380501234567", postal_code="01001"),
        second.id: NumberHint(language="ru", phone="+359881234567", postal_code="01001"),
        bare.id: NO_HINT,
    }
    assert await hints_for([]) == {}


# --- the sweep --------------------------------------------------------------------------


async def test_the_sweep_hands_the_customers_language_phone_and_postcode_to_the_carrier(
    db: str, settings: Settings, hinted: type[Hinted]
) -> None:
    shop = await factories.merchant()
    await factories.carrier_account(shop, settings=settings, carrier_key="hinted")
    await ukrainian_parcel(shop, "UA1")
    await factories.shipment(shop, carrier_key="hinted", tracking_number="LOOSE1", next_poll_at=NOW)

    async with httpx.AsyncClient() as client:
        report = await sweep_once(settings, client=client, now=NOW)

    assert (report.polled, report.errors) == (2, {})
    received = hints_received(hinted)
    assert received["UA1"] == NumberHint(language="uk", phone="+380501234567", postal_code="01001")
    assert received.get("LOOSE1", NO_HINT) == NO_HINT


async def test_reading_hints_costs_one_statement_per_sweep_whatever_its_size(
    db: str, settings: Settings, hinted: type[Hinted]
) -> None:
    async def statements(count: int) -> int:
        shop = await factories.merchant()
        account = await factories.carrier_account(shop, settings=settings, carrier_key="hinted")
        buyer = await factories.customer(shop, locale="bg", phone="+359881234567")
        order = await factories.order(shop, customer=buyer, ship_postal_code="1000")
        await make_shipments(shop, account, [f"B{shop.id}-{i}" for i in range(count)], order=order)
        await Shipment.filter(merchant=shop).update(carrier_key="hinted")
        await sweep_once(settings, client=client, now=NOW)  # the first sweep stores events
        await Shipment.filter(merchant=shop).update(next_poll_at=NOW)
        with counting_queries() as steady:
            report = await sweep_once(settings, client=client, now=NOW + timedelta(minutes=1))
        assert report.polled == count
        return steady.count

    async with httpx.AsyncClient() as client:
        assert await statements(20) == await statements(200)
    assert all(
        h == NumberHint("bg", "+359881234567", "1000") for h in hints_received(hinted).values()
    )


@respx.mock
async def test_an_adapter_written_before_hints_is_called_as_before(
    db: str, settings: Settings
) -> None:
    number = "EX123456782"
    example = registry.get("example")
    assert not example.accepts_hints
    route = respx.get(f"{example.default_base_url}/v1/parcels/{number}").mock(
        return_value=httpx.Response(
            200,
            json={
                "number": number,
                "status": "in_transit",
                "events": [
                    {"time": "2026-11-20T09:00:00+01:00", "code": "picked_up", "text": "Picked up"}
                ],
            },
        )
    )
    shop = await factories.merchant()
    await factories.carrier_account(shop, settings=settings, carrier_key="example")
    await ukrainian_parcel(shop, number)
    await Shipment.filter(tracking_number=number).update(carrier_key="example")

    async with httpx.AsyncClient() as client:
        with counting_queries() as queries:
            report = await sweep_once(settings, client=client, now=NOW)

    assert route.called
    assert (report.polled, report.errors) == (1, {})
    assert (await Shipment.get(tracking_number=number)).status is Status.IN_TRANSIT
    # The hint query is the one that reads the customer's phone with the order's postcode.
    assert not any("ship_postal_code" in sql and "phone" in sql for sql in queries.statements), (
        "no hint was read"
    )


# --- the on-view refresh ------------------------------------------------------------------


async def test_the_on_view_refresh_hands_over_the_parcels_hint(
    db: str, settings: Settings, hinted: type[Hinted]
) -> None:
    shop = await factories.merchant()
    await factories.carrier_account(shop, settings=settings, carrier_key="hinted")
    shipment = await ukrainian_parcel(shop, "UA2")

    async with httpx.AsyncClient() as client:
        assert await refresh_if_stale(shipment, settings, client=client, now=NOW)

    assert hinted.calls == [
        (["UA2"], {"UA2": NumberHint(language="uk", phone="+380501234567", postal_code="01001")})
    ]
