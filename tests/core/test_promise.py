"""The window a parcel is held to: the carrier's when it gave one, else ours."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

from portal.core.promise import Promise, open_promise, promise_of


def _shipment(**fields: object) -> SimpleNamespace:
    base: dict[str, object] = {
        "status": "in_transit",
        "eta_window_start": None,
        "eta_window_end": None,
        "estimated_delivery": None,
        "predicted_start": None,
        "predicted_end": None,
    }
    return SimpleNamespace(**{**base, **fields})


def test_the_carriers_window_then_its_date_then_ours() -> None:
    ours = {"predicted_start": date(2026, 12, 1), "predicted_end": date(2026, 12, 3)}
    assert promise_of(_shipment(**ours)) == Promise(
        date(2026, 12, 1), date(2026, 12, 3), "predicted"
    )
    dated = _shipment(estimated_delivery=date(2026, 12, 2), **ours)
    assert promise_of(dated) == Promise(date(2026, 12, 2), date(2026, 12, 2), "carrier")
    window = _shipment(
        eta_window_start=datetime(2026, 12, 2, 9, tzinfo=UTC),
        eta_window_end=datetime(2026, 12, 2, 13, tzinfo=UTC),
        estimated_delivery=date(2026, 12, 2),
    )
    assert promise_of(window) == Promise(date(2026, 12, 2), date(2026, 12, 2), "carrier")
    assert promise_of(_shipment()) is None


def test_late_once_the_last_day_is_over_and_never_after_delivery() -> None:
    promise = Promise(date(2026, 12, 1), date(2026, 12, 2), "predicted")
    assert not promise.late(date(2026, 12, 2))
    assert promise.late(date(2026, 12, 3))
    assert open_promise(_shipment(status="delivered", estimated_delivery=date(2026, 12, 2))) is None
