"""Poll cadence: often near delivery, rarely when nothing moves, never once it is over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from carriers.base import Status
from portal.tracking import cadence

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def no_jitter() -> float:
    return 0.5


def test_out_for_delivery_and_failed_attempts_are_polled_every_half_hour() -> None:
    for status in (Status.OUT_FOR_DELIVERY, Status.FAILED_ATTEMPT):
        when = cadence.next_poll_at(status, NOW - HOUR, NOW, rand=no_jitter)
        assert when == NOW + timedelta(minutes=30)


def test_a_parcel_in_transit_is_polled_every_few_hours() -> None:
    assert (
        cadence.next_poll_at(Status.IN_TRANSIT, NOW - HOUR, NOW, rand=no_jitter) == NOW + 3 * HOUR
    )


def test_a_parcel_that_has_not_moved_for_days_is_polled_sparsely() -> None:
    quiet = NOW - timedelta(days=4)
    assert cadence.next_poll_at(Status.IN_TRANSIT, quiet, NOW, rand=no_jitter) == NOW + 12 * HOUR
    assert cadence.is_stale(Status.IN_TRANSIT, quiet, NOW)
    assert not cadence.is_stale(Status.IN_TRANSIT, NOW - HOUR, NOW)


def test_a_pending_number_uses_its_creation_time_to_judge_staleness() -> None:
    old = NOW - timedelta(days=5)
    when = cadence.next_poll_at(Status.PENDING, None, NOW, since=old, rand=no_jitter)
    assert when == NOW + cadence.SPARSE
    assert cadence.is_stale(Status.PENDING, None, NOW, since=old)


def test_regular_intervals_are_jittered_by_ten_percent() -> None:
    low = cadence.next_poll_at(Status.IN_TRANSIT, NOW, NOW, rand=lambda: 0.0)
    high = cadence.next_poll_at(Status.IN_TRANSIT, NOW, NOW, rand=lambda: 1.0)
    assert low == NOW + 3 * HOUR * 0.9
    assert high == NOW + 3 * HOUR * 1.1


def test_a_delivered_parcel_is_rechecked_during_the_grace_period_then_never() -> None:
    delivered = NOW - HOUR
    first = cadence.next_poll_at(Status.DELIVERED, delivered, NOW)
    assert first == NOW + 12 * HOUR
    second = cadence.next_poll_at(Status.DELIVERED, delivered, first)  # type: ignore[arg-type]
    assert second == delivered + cadence.DELIVERED_GRACE
    assert cadence.next_poll_at(Status.DELIVERED, delivered, second) is None  # type: ignore[arg-type]


def test_a_returned_parcel_is_followed_back_then_never() -> None:
    assert cadence.next_poll_at(Status.RETURNED_TO_SENDER, NOW - HOUR, NOW) == NOW + 12 * HOUR
    long_ago = NOW - timedelta(days=8)
    assert cadence.next_poll_at(Status.RETURNED_TO_SENDER, long_ago, NOW) is None


def test_an_expired_shipment_is_never_polled() -> None:
    assert cadence.next_poll_at(Status.EXPIRED, NOW - HOUR, NOW) is None


def test_failures_back_off_exponentially_up_to_a_cap() -> None:
    delays = [cadence.backoff(n, rand=lambda: 1.0) for n in range(1, 12)]
    assert delays[:4] == [timedelta(minutes=m) for m in (5, 10, 20, 40)]
    assert delays[-1] == cadence.BACKOFF_CAP
    assert cadence.backoff(3, rand=lambda: 0.0) == timedelta(minutes=10)
    when = cadence.next_poll_at(Status.IN_TRANSIT, NOW, NOW, failures=2, rand=lambda: 1.0)
    assert when == NOW + timedelta(minutes=10)


def test_a_failing_poll_in_the_grace_period_never_outlives_it() -> None:
    delivered = NOW - timedelta(hours=23)
    when = cadence.next_poll_at(Status.DELIVERED, delivered, NOW, failures=9, rand=lambda: 1.0)
    assert when == delivered + cadence.DELIVERED_GRACE


def test_expiry_counts_days_without_carrier_news_and_spares_final_statuses() -> None:
    last = NOW - timedelta(days=30)
    assert cadence.is_expired(Status.IN_TRANSIT, last, NOW, 30)
    assert not cadence.is_expired(Status.IN_TRANSIT, last + HOUR, NOW, 30)
    assert not cadence.is_expired(Status.DELIVERED, last - timedelta(days=300), NOW, 30)
    assert cadence.expires_at(last, 30) == NOW


@given(
    status=st.sampled_from(list(Status)),
    age=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60)),
    failures=st.integers(min_value=0, max_value=50),
    jitter=st.floats(min_value=0.0, max_value=1.0),
)
def test_the_next_poll_is_always_in_the_future_or_never(
    status: Status, age: timedelta, failures: int, jitter: float
) -> None:
    when = cadence.next_poll_at(status, NOW - age, NOW, failures, rand=lambda: jitter)
    assert when is None or NOW < when <= NOW + cadence.SPARSE * 1.1
    if status is Status.EXPIRED:
        assert when is None
