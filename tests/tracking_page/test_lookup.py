"""Finding shipments and orders, and masking what the order tier shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from carriers.base import Status
from portal.models import Shipment
from portal.tracking_page import events, lookup
from portal.tracking_page.lookup import Outcome
from tests import factories
from tests.tracking_page.conftest import add_events


def test_a_paste_is_split_on_lines_commas_and_spaces() -> None:
    text = "SBX00000000042\n sbx00000000043 ,SBX00000000044; SBX00000000045 SBX00000000046\n\n"
    assert lookup.parse_numbers(text) == [
        "SBX00000000042",
        "sbx00000000043",
        "SBX00000000044",
        "SBX00000000045",
        "SBX00000000046",
    ]


def test_a_number_written_in_groups_stays_one_number() -> None:
    assert lookup.parse_numbers("1Z 999 AA1 01 2345 6784") == ["1Z 999 AA1 01 2345 6784"]


def test_duplicates_count_once_and_twenty_one_are_too_many() -> None:
    assert lookup.parse_numbers("SBX00000000042\nSBX-0000-0000-042") == ["SBX00000000042"]
    assert len(lookup.parse_numbers(",".join(f"SBX{i:08d}" for i in range(20)))) == 20
    with pytest.raises(lookup.TooManyNumbers) as caught:
        lookup.parse_numbers(",".join(f"SBX{i:08d}" for i in range(21)))
    assert caught.value.count == 21


async def test_numbers_are_found_in_one_go_and_scoped_to_a_merchant(db: str) -> None:
    mine = await factories.merchant()
    theirs = await factories.merchant()
    await factories.shipment(mine, tracking_number="SBX00000000001")
    await factories.shipment(theirs, tracking_number="SBX00000000002")
    results = await lookup.find_by_numbers(
        ["sbx 0000 0000 001", "SBX00000000002", "??"], merchant_id=mine.id
    )
    assert [r.outcome for r in results] == [Outcome.FOUND, Outcome.NOT_FOUND, Outcome.MALFORMED]
    unscoped = await lookup.find_by_numbers(["SBX00000000002"])
    assert unscoped[0].outcome is Outcome.FOUND


async def test_one_parcels_events_come_with_its_row_as_load_events_reads_them(db: str) -> None:
    merchant = await factories.merchant()
    busy = await factories.shipment(merchant, tracking_number="SBX00000000001")
    quiet = await factories.shipment(merchant, tracking_number="SBX00000000002")
    start = datetime(2026, 12, 1, 8, tzinfo=UTC)
    await add_events(
        busy,
        (start + timedelta(hours=2), Status.IN_TRANSIT, "Łódź"),
        (start, Status.INFO_RECEIVED, "Kraków"),
        (start + timedelta(hours=1), Status.IN_TRANSIT, "Kraków"),
    )
    [found] = await lookup.find_by_numbers(["SBX00000000001"], with_events=True)
    [empty] = await lookup.find_by_numbers(["SBX00000000002"], with_events=True)
    [plain] = await lookup.find_by_numbers(["SBX00000000001"])
    assert found.shipment and empty.shipment and plain.shipment
    read = await events.load_events([busy.id, quiet.id])
    assert events.attached(found.shipment) == read[busy.id]
    assert [e.city for e in read[busy.id]] == ["Kraków", "Kraków", "Łódź"]  # oldest first
    assert events.attached(empty.shipment) == [] == read[quiet.id]
    assert events.attached(plain.shipment) is None
    events.drop(found.shipment)
    assert events.attached(found.shipment) is None


async def test_the_orders_customer_comes_with_its_row_for_the_pages_zone_and_language(
    db: str,
) -> None:
    merchant = await factories.merchant()
    customer = await factories.customer(merchant)
    customer.time_zone, customer.country, customer.locale = "America/New_York", "US", "ru"
    await customer.save()
    bought = await factories.order(merchant, customer=customer, number="#1")
    guest = await factories.order(merchant, number="#2")
    await factories.shipment(merchant, order=bought, tracking_number="SBX00000000001")
    await factories.shipment(merchant, order=guest, tracking_number="SBX00000000002")
    await factories.shipment(merchant, tracking_number="SBX00000000003")
    found = await lookup.find_by_numbers(
        ["SBX00000000001", "SBX00000000002", "SBX00000000003"], with_events=True
    )
    read = [lookup.customer_read(r.shipment) for r in found if r.shipment]
    her = lookup.PageCustomer("America/New_York", "US", "ru")
    assert read == [her, None, None]
    # Her signed link's lookup and the order lookup carry the same row.
    signed = [await lookup.find_signed(r.shipment.id) for r in found if r.shipment]
    assert [lookup.customer_read(s) for s in signed if s] == [her, None, None]
    by_number = await lookup.find_order("#1", customer.email or "")
    assert by_number is not None and lookup.customer_read(by_number) == her
    with pytest.raises(LookupError, match="not read by a page's lookup"):
        lookup.customer_read(await factories.shipment(merchant))


async def test_a_numbered_lookup_builds_the_models_the_orm_builds(db: str) -> None:
    merchant = await factories.merchant(branding={"primary": "#112233"})
    order = await factories.order(merchant, delivery_preferences={"method": "home"})
    await factories.shipment(
        merchant,
        order=order,
        tracking_number="SBX00000000001",
        status=Status.IN_TRANSIT,
        pickup_point={"kind": "locker", "point_id": "KRA01M"},
    )
    [found] = await lookup.find_by_numbers(["SBX00000000001"])
    assert found.shipment is not None
    orm = await Shipment.get(id=found.shipment.id).select_related("merchant", "order")
    for built, loaded in (
        (found.shipment, orm),
        (found.shipment.merchant, orm.merchant),
        (found.shipment.order, orm.order),
    ):
        assert type(built) is type(loaded)
        fields = built._meta.fields_db_projection
        assert {f: getattr(built, f) for f in fields} == {f: getattr(loaded, f) for f in fields}
        assert {f: type(getattr(built, f)) for f in fields} == {
            f: type(getattr(loaded, f)) for f in fields
        }
        assert {f: getattr(getattr(built, f), "tzinfo", None) for f in fields} == {
            f: getattr(getattr(loaded, f), "tzinfo", None) for f in fields
        }  # the same time zone too, not only the same moment
        assert built._saved_in_db and not built._partial
    found.shipment.status = Status.DELIVERED
    await found.shipment.save(update_fields=["status"])  # a built model saves like a loaded one
    assert (await Shipment.get(id=orm.id)).status is Status.DELIVERED


async def test_an_order_needs_its_email_or_its_postcode(db: str) -> None:
    shop = await factories.merchant()
    order = await factories.order(
        shop, number="#77", email="Ann@Example.test", ship_postal_code="SW1A 1AA"
    )
    assert (await lookup.find_order("77", "ann@example.test")).id == order.id  # type: ignore[union-attr]
    assert (await lookup.find_order("#77", "sw1a1aa")).id == order.id  # type: ignore[union-attr]
    assert await lookup.find_order("#77", "SW1A 1AB") is None
    assert await lookup.find_order("#77", "") is None
    assert await lookup.find_order("#77", "ann@example.test", merchant_id=shop.id + 1) is None


async def test_the_customers_own_email_also_opens_the_order(db: str) -> None:
    shop = await factories.merchant()
    customer = await factories.customer(shop, email="me@example.test")
    order = await factories.order(shop, customer=customer, number="#5", email="")
    assert (await lookup.find_order("#5", "me@example.test")).id == order.id  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("postcode", "masked"),
    [("31-123", "31-1**"), ("10001", "100**"), ("SW1A 1AA", "SW1A ***"), ("", "")],
)
def test_postcodes_keep_their_first_half(postcode: str, masked: str) -> None:
    assert lookup.mask_postcode(postcode) == masked


async def test_the_address_is_masked_word_by_word(db: str) -> None:
    order = await factories.order(
        ship_name="Jan Kowalski",
        ship_line1="ul. Dębowa 1",
        ship_line2="m. 4",
        ship_postal_code="31-123",
        ship_city="Kraków",
        ship_country="PL",
    )
    masked = lookup.masked_address(order)
    assert str(masked) == "J*** K***, ul. D*** 1, m. 4, 31-1** Kraków"
    assert masked.country == "PL"


def _columns(*scans: tuple[int, datetime, str]) -> list[list[object]]:
    """``events.events_select``'s PostgreSQL arrays for these (id, time, status) scans."""
    return [
        [n for n, _, _ in scans],
        [when for _, when, _ in scans],
        [status for _, _, status in scans],
        [None, *(f"Scan {n}" for n, _, _ in scans[1:])],
        ["Kraków"] * len(scans),
        [None] * len(scans),
        ["PL"] * len(scans),
        [None] * len(scans),
    ]


def test_the_events_arrays_become_rows_in_order_with_their_statuses() -> None:
    shipment = Shipment(id=7)
    start = datetime(2026, 12, 1, 8, tzinfo=UTC)
    later = start + timedelta(hours=1)
    events.attach(shipment, _columns((2, later, "in_transit"), (1, start, "info_received")), True)
    rows = events.attached(shipment)
    assert rows == [
        events.EventRow(1, 7, start, Status.INFO_RECEIVED, "Scan 1", "Kraków", None, "PL", None),
        events.EventRow(2, 7, later, Status.IN_TRANSIT, "", "Kraków", None, "PL", None),
    ]
    assert rows and all(type(row) is events.EventRow for row in rows)
    assert rows[0].status is Status.INFO_RECEIVED


def test_a_stray_stored_status_is_refused_as_status_refuses_it() -> None:
    at = datetime(2026, 12, 1, 8, tzinfo=UTC)
    with pytest.raises(ValueError, match="lost_in_space"):
        events.attach(Shipment(id=7), _columns((1, at, "lost_in_space")), True)
