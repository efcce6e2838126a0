"""Pickup points: folded into the shipment by the merge rules, stored by ingest only when
they change (one extra statement per batch at most), read back the same on both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from carriers.base import PickupKind, PickupPoint, Status, TrackingEvent, TrackingResult
from portal.core import pickup
from portal.models import EventSource, Shipment
from portal.tracking.ingest import ingest, ingest_many
from portal.tracking.merge import ShipmentState, merge
from tests import factories
from tests.tracking.helpers import NOW, counting_queries

H = timedelta(hours=1)
WARSAW = timezone(timedelta(hours=1))

LOCKER = PickupPoint(
    point_id="KRA01M",
    kind=PickupKind.LOCKER,
    name="Paczkomat KRA01M",
    street="ul. Floriańska 1",
    city="Kraków",
    postal_code="31-019",
    country="PL",
    latitude=50.0625,
    longitude=19.9396,
    opening_hours="24/7",
    pickup_deadline=datetime(2026, 11, 22, 20, 0, tzinfo=WARSAW),
    pickup_code="123456",
)


def scan(hours_ago: float, status: Status) -> TrackingEvent:
    return TrackingEvent(NOW - timedelta(hours=hours_ago), status, carrier_code=status.value)


def state(**fields: object) -> ShipmentState:
    base: dict[str, object] = {
        "id": 1,
        "merchant_id": 1,
        "tracking_number": "SBX1",
        "carrier_key": "sandbox",
        "status": Status.IN_TRANSIT,
        "created_at": NOW - timedelta(days=2),
    }
    return ShipmentState(**{**base, **fields})  # type: ignore[arg-type]


def at_locker(number: str = "SBX1", point: PickupPoint | None = LOCKER) -> TrackingResult:
    return TrackingResult(
        number=number,
        status=Status.AVAILABLE_FOR_PICKUP,
        events=[scan(5, Status.IN_TRANSIT), scan(1, Status.AVAILABLE_FOR_PICKUP)],
        pickup_point=point,
    )


def test_the_stored_form_round_trips_with_the_deadline_in_utc() -> None:
    data = pickup.to_json(LOCKER)
    assert data["kind"] == "locker" and data["pickup_code"] == "123456"
    assert data["pickup_deadline"] == "2026-11-22T19:00:00+00:00"
    back = pickup.from_json(data)
    assert back is not None
    assert back.pickup_deadline == datetime(2026, 11, 22, 19, 0, tzinfo=UTC)
    assert back == PickupPoint(**{**_fields(LOCKER), "pickup_deadline": back.pickup_deadline})


def _fields(point: PickupPoint) -> dict[str, object]:
    return {name: getattr(point, name) for name in PickupPoint.__slots__}


def test_unreadable_or_partial_points_are_tamed() -> None:
    assert pickup.from_json(None) is None
    assert pickup.from_json({"kind": "locker"}) is None
    odd = pickup.from_json(
        {"name": "Kiosk", "kind": "castle", "latitude": 91, "longitude": 10, "pickup_deadline": "x"}
    )
    assert odd is not None
    assert (odd.kind, odd.latitude, odd.longitude, odd.pickup_deadline) == (
        PickupKind.SHOP, None, None, None
    )  # fmt: skip
    naive = PickupPoint("P1", pickup_deadline=datetime(2026, 11, 22, 20, 0))
    assert pickup.to_json(naive)["pickup_deadline"] is None, "no zone: never shown wrong"


def test_a_current_result_brings_the_point_and_its_deadline() -> None:
    out = merge(state(), at_locker(), set(), now=NOW)
    assert out.pickup_changed
    assert out.after.pickup_point == pickup.to_json(LOCKER)
    assert out.after.pickup_deadline == datetime(2026, 11, 22, 19, 0, tzinfo=UTC)


def test_the_same_point_again_changes_nothing_and_no_point_keeps_it() -> None:
    held = state(pickup_point=pickup.to_json(LOCKER), last_event_at=NOW - 2 * H)
    assert not merge(held, at_locker(), set(), now=NOW).pickup_changed
    kept = merge(held, at_locker(point=None), set(), now=NOW)
    assert not kept.pickup_changed and kept.after.pickup_point == held.pickup_point


def test_a_redirect_to_another_locker_replaces_it() -> None:
    held = state(pickup_point=pickup.to_json(LOCKER), last_event_at=NOW - 2 * H)
    other = PickupPoint("KRA02M", PickupKind.LOCKER, name="Paczkomat KRA02M")
    out = merge(held, at_locker(point=other), set(), now=NOW)
    assert out.pickup_changed and out.after.pickup_point is not None
    assert out.after.pickup_point["point_id"] == "KRA02M"
    assert out.after.pickup_deadline is None


def test_a_stale_result_does_not_move_the_point() -> None:
    held = state(pickup_point=pickup.to_json(LOCKER), last_event_at=NOW)
    other = PickupPoint("KRA02M", PickupKind.LOCKER)
    stale = TrackingResult("SBX1", events=[scan(5, Status.IN_TRANSIT)], pickup_point=other)
    assert not merge(held, stale, set(), now=NOW).pickup_changed


async def test_ingest_stores_the_point_and_the_deadline_column(db: str) -> None:
    shipment = await factories.shipment()
    await ingest(
        shipment,
        at_locker(shipment.tracking_number),
        source=EventSource.POLL,
        now=NOW,
        settings=factories.app_settings(),
    )
    stored = await Shipment.get(id=shipment.id)
    assert stored.pickup_point == pickup.to_json(LOCKER)
    assert stored.pickup_deadline == datetime(2026, 11, 22, 19, 0, tzinfo=UTC)
    assert shipment.pickup_point == stored.pickup_point  # the instance is brought up to date
    due = await Shipment.filter(pickup_deadline__lte=datetime(2026, 11, 23, tzinfo=UTC))
    assert [s.id for s in due] == [shipment.id]


async def test_a_sweep_without_point_changes_writes_no_point(db: str) -> None:
    shipments = [await factories.shipment() for _ in range(3)]
    first = [(s.id, at_locker(s.tracking_number)) for s in shipments]
    await ingest_many(first, source=EventSource.POLL, now=NOW, settings=factories.app_settings())
    with counting_queries() as again:
        await ingest_many(
            first, source=EventSource.POLL, now=NOW + H, settings=factories.app_settings()
        )
    writes = [sql for sql in again.statements if sql.lstrip().startswith("UPDATE")]
    assert writes and not any("pickup_point" in sql for sql in writes)
    moved = [
        (s.id, at_locker(s.tracking_number, PickupPoint("KRA09M", PickupKind.LOCKER)))
        for s in shipments
    ]
    with counting_queries() as changed:
        await ingest_many(
            moved, source=EventSource.POLL, now=NOW + 2 * H, settings=factories.app_settings()
        )
    assert changed.count == again.count + 1, "one statement for every changed point"
    for s in shipments:
        stored = await Shipment.get(id=s.id)
        assert stored.pickup_point is not None and stored.pickup_point["point_id"] == "KRA09M"
        assert stored.pickup_deadline is None
