"""Merging a carrier result into a shipment's picture (pure rules, no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from carriers.base import (
    DeliveryWindow,
    Reason,
    Status,
    TrackingEvent,
    TrackingResult,
)
from portal.tracking.merge import (
    ShipmentState,
    event_key,
    fresh_events,
    merge,
    merge_unchanged,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)


def state(**fields: object) -> ShipmentState:
    base: dict[str, object] = {
        "id": 1,
        "merchant_id": 1,
        "tracking_number": "SBX1",
        "carrier_key": "sandbox",
        "status": Status.PENDING,
        "created_at": NOW - timedelta(days=2),
    }
    return ShipmentState(**{**base, **fields})  # type: ignore[arg-type]


def scan(hours_ago: float, status: Status, code: str = "", **fields: object) -> TrackingEvent:
    return TrackingEvent(
        occurred_at=NOW - timedelta(hours=hours_ago),
        status=status,
        carrier_code=code or status.value[:3].upper(),
        **fields,  # type: ignore[arg-type]
    )


def result(*events: TrackingEvent, **fields: object) -> TrackingResult:
    return TrackingResult(number="SBX1", events=list(events), **fields)  # type: ignore[arg-type]


def test_the_status_is_the_one_of_the_newest_event() -> None:
    out = merge(
        state(),
        result(scan(1, Status.OUT_FOR_DELIVERY), scan(5, Status.IN_TRANSIT)),
        set(),
        now=NOW,
    )
    assert out.after.status is Status.OUT_FOR_DELIVERY
    assert [e.status for e in out.new_events] == [Status.IN_TRANSIT, Status.OUT_FOR_DELIVERY]
    assert out.status_change is not None
    assert out.status_change.occurred_at == NOW - H


def test_a_late_older_event_is_kept_but_changes_nothing() -> None:
    before = state(status=Status.DELIVERED, last_event_at=NOW - H, delivered_at=NOW - H)
    out = merge(before, result(scan(3, Status.IN_TRANSIT)), set(), now=NOW)
    assert len(out.new_events) == 1
    assert out.after.status is Status.DELIVERED
    assert out.after.delivered_at == NOW - H
    assert out.status_change is None


def test_a_newer_scan_corrects_a_delivery_and_drops_its_proof() -> None:
    before = state(
        status=Status.DELIVERED, last_event_at=NOW - 2 * H, delivered_at=NOW - 2 * H, signed_by="X"
    )
    out = merge(before, result(scan(1, Status.OUT_FOR_DELIVERY)), set(), now=NOW)
    assert out.after.status is Status.OUT_FOR_DELIVERY
    assert out.after.delivered_at is None and out.after.signed_by is None


def test_known_and_repeated_events_are_not_new() -> None:
    a, b = scan(2, Status.IN_TRANSIT, "ARR"), scan(1, Status.IN_TRANSIT, "DEP")
    assert fresh_events(result(a, b, a), {event_key(b)}) == [(event_key(a), a)]


def test_a_not_found_answer_erases_nothing() -> None:
    before = state(
        status=Status.IN_TRANSIT, last_event_at=NOW - H, estimated_delivery=date(2026, 11, 22)
    )
    out = merge(before, TrackingResult(number="SBX1", not_found=True), set(), now=NOW)
    assert out.after == before
    assert not out.changed


def test_delivery_takes_the_signer_and_time_from_the_result() -> None:
    out = merge(
        state(status=Status.OUT_FOR_DELIVERY, last_event_at=NOW - 3 * H),
        result(
            scan(2, Status.DELIVERED),
            status=Status.DELIVERED,
            delivered_at=NOW - 2 * H,
            signed_by="J. Smith",
        ),
        set(),
        now=NOW,
    )
    assert (out.after.delivered_at, out.after.signed_by) == (NOW - 2 * H, "J. Smith")


def test_a_later_eta_day_is_a_delay_and_the_first_eta_is_kept() -> None:
    first = merge(
        state(),
        result(scan(5, Status.INFO_RECEIVED), estimated_delivery=date(2026, 11, 22)),
        set(),
        now=NOW,
    )
    assert first.delay is None
    assert first.after.first_estimated_delivery == date(2026, 11, 22)
    window = DeliveryWindow(
        datetime(2026, 11, 23, 8, tzinfo=UTC), datetime(2026, 11, 23, 20, tzinfo=UTC)
    )
    later = merge(
        first.after, result(scan(4, Status.IN_TRANSIT), estimated_delivery=window), set(), now=NOW
    )
    assert later.delay is not None
    assert (later.delay.old, later.delay.new) == (date(2026, 11, 22), date(2026, 11, 23))
    assert later.after.eta_window_start == window.start
    assert later.after.first_estimated_delivery == date(2026, 11, 22)
    same_day = DeliveryWindow(window.start + 6 * H, window.start + 9 * H)
    narrower = merge(
        later.after,
        result(scan(3, Status.OUT_FOR_DELIVERY), estimated_delivery=same_day),
        set(),
        now=NOW,
    )
    assert narrower.delay is None


def test_an_outdated_result_does_not_overwrite_the_eta() -> None:
    before = state(
        status=Status.IN_TRANSIT, last_event_at=NOW - H, estimated_delivery=date(2026, 11, 21)
    )
    out = merge(
        before,
        result(scan(5, Status.IN_TRANSIT), estimated_delivery=date(2026, 11, 25)),
        set(),
        now=NOW,
    )
    assert out.after.estimated_delivery == date(2026, 11, 21)
    assert out.delay is None


def test_a_live_shipment_without_news_for_too_long_expires() -> None:
    quiet = state(status=Status.IN_TRANSIT, last_event_at=NOW - timedelta(days=31))
    out = merge(quiet, result(), set(), now=NOW, expire_after_days=30)
    assert out.after.status is Status.EXPIRED
    assert out.status_change is not None and out.status_change.occurred_at == NOW
    again = merge(quiet, result(), set(), now=NOW, expire_after_days=30, reactivated_at=NOW - H)
    assert again.after.status is Status.IN_TRANSIT


def test_a_status_only_carrier_sets_the_status_without_scans() -> None:
    out = merge(state(), result(status=Status.IN_TRANSIT, reason=None), set(), now=NOW)
    assert out.after.status is Status.IN_TRANSIT


def test_the_first_handover_sets_shipped_at() -> None:
    out = merge(
        state(), result(scan(9, Status.INFO_RECEIVED), scan(8, Status.IN_TRANSIT)), set(), now=NOW
    )
    assert out.after.shipped_at == NOW - 8 * H


def test_an_over_long_dedupe_key_is_hashed_to_fit() -> None:
    event = scan(1, Status.IN_TRANSIT, city="x" * 400)
    assert len(event_key(event)) == 255
    assert event_key(event) != event_key(scan(1, Status.IN_TRANSIT, city="x" * 399 + "y"))


SCANS = st.lists(
    st.builds(
        TrackingEvent,
        occurred_at=st.integers(0, 500).map(lambda m: NOW - timedelta(minutes=m)),
        status=st.sampled_from([s for s in Status if s is not Status.EXPIRED]),
        reason=st.sampled_from([None, Reason.DAMAGED]),
        carrier_code=st.sampled_from(["A", "B", "C"]),
        city=st.sampled_from([None, "Leeds"]),
    ),
    min_size=1,
    max_size=12,
)


@given(scans=SCANS, data=st.data())
def test_any_order_and_split_of_the_same_scans_ends_in_the_same_picture(
    scans: list[TrackingEvent], data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(scans))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(scans)), max_size=4)))
    chunks = [shuffled[a:b] for a, b in zip([0, *cuts], [*cuts, len(scans)], strict=True)]
    current, known = state(), set[str]()
    for chunk in chunks:
        out = merge(current, result(*chunk), known, now=NOW)
        known |= set(out.new_keys)
        current = out.after
    newest = max(e.occurred_at for e in scans)
    assert current.last_event_at == newest
    assert current.status in {e.status for e in scans if e.occurred_at == newest}
    assert known == {event_key(e) for e in scans}


@given(
    seed=st.integers(min_value=0, max_value=10_000),
    days_later=st.sampled_from([0, 1, 5, 20, 45, 400]),
)
def test_an_unchanged_answer_merges_as_the_same_answer_merged_again(
    seed: int, days_later: int
) -> None:
    """:func:`merge_unchanged` is what :func:`merge` does with an answer it merged already
    (what the digest stands for): the same picture, the same status change (expiry)."""
    from carriers.sandbox import make_numbers
    from carriers.sandbox.parse import parse_parcel
    from carriers.sandbox.server import parcel_json

    [number] = make_numbers(1, seed=seed, now=NOW)
    answer = parse_parcel(parcel_json(number, NOW))
    merged = merge(state(tracking_number=number), answer, set(), now=NOW, expire_after_days=30)
    known = set(merged.new_keys)
    later = NOW + timedelta(days=days_later)

    again = merge(merged.after, answer, known, now=later, expire_after_days=30)
    unchanged = merge_unchanged(merged.after, now=later, expire_after_days=30)

    assert again.new_events == [] and again.delay is None
    assert unchanged.after == again.after
    assert unchanged.status_change == again.status_change
