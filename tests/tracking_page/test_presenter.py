"""What the page shows for a shipment: stages, days in the customer's zone, ETA, staleness."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from carriers.base import Reason, Status
from portal import i18n
from portal.models import Shipment, TrackingEvent
from portal.tracking_page.journey import journey_html
from portal.tracking_page.presenter import present, zone_for, zone_label
from portal.tracking_page.scans import DayView, timeline
from tests import factories
from tests.tracking_page.conftest import NOW, add_events

WARSAW = ZoneInfo("Europe/Warsaw")


def _present(
    shipment: Shipment, events: list[TrackingEvent], zone: ZoneInfo = WARSAW, now: datetime = NOW
):  # type: ignore[no-untyped-def]
    return present(shipment, events, zone=zone, locale="en", now=now)


async def _events(shipment: Shipment) -> list[TrackingEvent]:
    return await TrackingEvent.filter(shipment_id=shipment.id).order_by("occurred_at")


def _days(
    shipment: Shipment, events: list[TrackingEvent], zone: ZoneInfo = WARSAW, locale: str = "en"
) -> tuple[DayView, ...]:
    """The timeline's days; the view's journey is their HTML."""
    days = timeline(events, zone, locale)
    view = present(shipment, events, zone=zone, locale=locale, now=NOW)
    assert view.journey == journey_html(days)
    return days


async def test_the_timeline_is_grouped_by_local_day_across_midnight(db: str) -> None:
    shipment = await factories.shipment(status=Status.IN_TRANSIT)
    # 22:30 and 23:30 UTC on the 19th are 23:30 on the 19th and 00:30 on the 20th in Warsaw.
    late = datetime(2026, 11, 19, 22, 30, tzinfo=UTC)
    await add_events(
        shipment,
        (late, Status.INFO_RECEIVED, "Warszawa"),
        (late + timedelta(hours=1), Status.IN_TRANSIT, "Łódź"),
    )
    days = _days(shipment, await _events(shipment))
    assert [d.day_iso for d in days] == ["2026-11-20", "2026-11-19"]
    assert days[0].heading == "Friday, November 20, 2026"
    assert [e.time_text.replace("\u202f", " ") for d in days for e in d.events] == [
        "12:30 AM",
        "11:30 PM",
    ]
    in_utc = _days(shipment, await _events(shipment), zone=ZoneInfo("UTC"))
    assert [d.day_iso for d in in_utc] == ["2026-11-19"]
    assert [e.label for e in in_utc[0].events] == ["On its way", "Label created"]


async def test_the_zone_is_the_customers_then_the_countrys_then_the_merchants(db: str) -> None:
    shop = await factories.merchant(time_zone="America/Chicago")
    customer = await factories.customer(shop, time_zone="Asia/Tokyo")
    order = await factories.order(shop, ship_country="RO")
    assert zone_for(shop, order, customer).key == "Asia/Tokyo"
    customer.time_zone = None
    assert zone_for(shop, order, customer).key == "Europe/Bucharest"
    order.ship_country = "US"  # several zones: fall back to the merchant's
    assert zone_for(shop, order, customer).key == "America/Chicago"


async def test_the_progress_marks_done_current_and_upcoming(db: str) -> None:
    shipment = await factories.shipment(status=Status.OUT_FOR_DELIVERY)
    view = _present(shipment, [])
    assert [s.state for s in view.stages] == ["done", "done", "done", "current", "upcoming"]
    assert view.alert is None


async def test_a_parcel_for_a_locker_waits_there_rather_than_going_out_for_delivery(
    db: str,
) -> None:
    locker = {"point_id": "118", "kind": "locker", "name": "Τσιμισκή 43 - Μασούτης"}
    labels = ["Ordered", "Shipped", "In transit", "Ready for pickup", "Delivered"]
    on_its_way = await factories.shipment(status=Status.IN_TRANSIT, pickup_point=locker)
    assert [s.label for s in _present(on_its_way, []).stages] == labels
    waiting = await factories.shipment(status=Status.AVAILABLE_FOR_PICKUP)
    view = _present(waiting, [])
    assert [s.label for s in view.stages] == labels
    assert [s.state for s in view.stages] == ["done", "done", "done", "current", "upcoming"]
    collected = await factories.shipment(status=Status.DELIVERED, pickup_point=locker)
    assert [s.label for s in _present(collected, []).stages] == labels
    # A courier out with it after all (or one who tried the door) is at the door.
    at_door = await factories.shipment(status=Status.OUT_FOR_DELIVERY, pickup_point=locker)
    assert _present(at_door, []).stages[3].label == "Out for delivery"
    token = i18n.set_locale("el")
    try:
        greek = present(waiting, [], zone=WARSAW, locale="el", now=NOW)
    finally:
        i18n.reset_locale(token)
    assert greek.stages[3].label == "Έτοιμο για παραλαβή"


async def test_a_parcel_in_a_locker_is_collected_with_its_code_not_an_id(db: str) -> None:
    locker = {"point_id": "118", "kind": "locker", "name": "Τσιμισκή 43 - Μασούτης"}
    in_locker = await factories.shipment(status=Status.AVAILABLE_FOR_PICKUP, pickup_point=locker)
    assert "the code the carrier sent you" in _present(in_locker, []).next_step
    at_counter = await factories.shipment(
        status=Status.AVAILABLE_FOR_PICKUP, pickup_point={**locker, "kind": "post_office"}
    )
    assert "with an ID" in _present(at_counter, []).next_step
    assert (
        "with an ID"
        in _present(await factories.shipment(status=Status.AVAILABLE_FOR_PICKUP), []).next_step
    )


async def test_an_exception_shows_where_the_parcel_got_to_and_flags_it(db: str) -> None:
    shipment = await factories.shipment(status=Status.EXCEPTION, reason=Reason.CUSTOMS_HOLD)
    await add_events(shipment, (NOW - timedelta(hours=5), Status.IN_TRANSIT, "Wien"))
    view = _present(shipment, await _events(shipment))
    assert view.stage_index == 2
    assert view.stages[2].problem and view.stages[2].state == "current"
    assert view.alert == "problem"
    assert "held by customs" in view.explanation
    assert "documents or a payment" in view.next_step


async def test_a_failed_attempt_explains_the_reason_and_what_to_do(db: str) -> None:
    shipment = await factories.shipment(
        status=Status.FAILED_ATTEMPT, reason=Reason.RECIPIENT_UNAVAILABLE
    )
    view = _present(shipment, [])
    assert "Nobody was available" in view.explanation
    assert "rearrange delivery" in view.next_step
    assert view.alert == "warning"


async def test_a_delivered_parcel_is_complete_with_its_time_and_masked_signer(db: str) -> None:
    shipment = await factories.shipment(
        status=Status.DELIVERED,
        delivered_at=datetime(2026, 11, 20, 13, 5, tzinfo=UTC),
        signed_by="Anna Maria Nowak",
        estimated_delivery=date(2026, 11, 21),
    )
    view = _present(shipment, [])
    assert all(s.state == "done" for s in view.stages)
    assert (view.delivered_text or "").replace(
        "\u202f", " "
    ) == "Friday, November 20, 2026 at 2:05 PM"
    assert view.signed_by == "A*** M*** N***"
    assert view.eta_text is None
    assert present(shipment, [], zone=WARSAW, locale="en", now=NOW, full_signer=True).signed_by == (
        "Anna Maria Nowak"
    )


async def test_the_eta_is_a_day_or_a_window_in_local_time(db: str) -> None:
    shipment = await factories.shipment(
        status=Status.IN_TRANSIT, estimated_delivery=date(2026, 11, 23)
    )
    assert _present(shipment, []).eta_text == "Monday, November 23, 2026"
    shipment.eta_window_start = datetime(2026, 11, 23, 9, tzinfo=UTC)
    shipment.eta_window_end = datetime(2026, 11, 23, 13, tzinfo=UTC)
    assert (_present(shipment, []).eta_text or "").replace(
        "\u202f", " "
    ) == "Monday, November 23, 2026, between 10:00 AM and 2:00 PM"


async def test_dates_follow_the_language(db: str) -> None:
    shipment = await factories.shipment(
        status=Status.IN_TRANSIT, estimated_delivery=date(2026, 11, 23)
    )
    view = present(shipment, [], zone=WARSAW, locale="pl", now=NOW)
    assert view.eta_text == "poniedziałek, 23 listopada 2026"
    assert i18n.current_locale() == "en"


async def test_the_time_zone_is_named_by_its_city_in_the_pages_language(db: str) -> None:
    shipment = await factories.shipment(status=Status.IN_TRANSIT)
    kyiv = ZoneInfo("Europe/Kyiv")
    assert present(shipment, [], zone=kyiv, locale="uk", now=NOW).zone == "Київ"
    assert present(shipment, [], zone=kyiv, locale="en", now=NOW).zone == "Kyiv"
    assert present(shipment, [], zone=WARSAW, locale="pl", now=NOW).zone == "Warszawa"


@pytest.mark.parametrize("key", ["UTC", "Etc/GMT+3"])
def test_a_zone_without_a_city_keeps_its_name(key: str) -> None:
    assert zone_label(ZoneInfo(key), "uk") == key.removeprefix("Etc/")


async def test_no_news_for_longer_than_the_cadence_is_stale(db: str) -> None:
    shipment = await factories.shipment(status=Status.IN_TRANSIT)
    await add_events(shipment, (NOW - timedelta(days=4), Status.IN_TRANSIT, "Berlin"))
    assert _present(shipment, await _events(shipment)).stale
    assert not _present(shipment, await _events(shipment), now=NOW - timedelta(days=2)).stale
    shipment.status = Status.DELIVERED
    assert not _present(shipment, await _events(shipment)).stale


async def test_the_number_tier_timeline_never_carries_a_postcode(db: str) -> None:
    shipment = await factories.shipment(status=Status.IN_TRANSIT)
    await add_events(shipment, (NOW, Status.IN_TRANSIT, "Kraków"))
    [day] = _days(shipment, await _events(shipment))
    assert day.events[0].place == "Kraków, PL"


async def test_an_unknown_carrier_shows_its_key_and_stored_link(db: str) -> None:
    shipment = await factories.shipment(
        carrier_key="nowhere", carrier_url="https://example.test/t/1", status=Status.PENDING
    )
    view = _present(shipment, [])
    assert (view.carrier_name, view.carrier_url) == ("nowhere", "https://example.test/t/1")


async def _scan(
    shipment: Shipment, status: Status, description: str, reason: Reason | None = None
) -> TrackingEvent:
    return await TrackingEvent.create(
        shipment=shipment,
        occurred_at=NOW - timedelta(hours=1),
        status=status,
        reason=reason,
        carrier_code="X",
        description=description,
        dedupe_key=f"{status}-{description}",
    )


async def test_a_scan_reads_in_our_words_first_and_the_carriers_second(db: str) -> None:
    shipment = await factories.shipment(
        status=Status.FAILED_ATTEMPT, reason=Reason.RECIPIENT_UNAVAILABLE
    )
    await _scan(
        shipment,
        Status.FAILED_ATTEMPT,
        "  Empfänger nicht\nangetroffen ",
        Reason.RECIPIENT_UNAVAILABLE,
    )
    [event] = _days(shipment, await _events(shipment))[0].events
    assert event.label == "Delivery attempt failed"
    assert event.reason == "Nobody was available to receive the parcel."
    assert event.carrier_text == "Empfänger nicht angetroffen"


@pytest.mark.parametrize("said", ["DELIVERED", "Delivered.", "delivered", "  ", ""])
async def test_a_carrier_text_that_only_repeats_ours_is_left_out(db: str, said: str) -> None:
    shipment = await factories.shipment(status=Status.DELIVERED)
    await _scan(shipment, Status.DELIVERED, said)
    [event] = _days(shipment, await _events(shipment))[0].events
    assert (event.label, event.reason, event.carrier_text) == ("Delivered", "", "")


@pytest.mark.parametrize(("locale", "shown"), [("ru", ""), ("bg", "Доставлено")])
async def test_a_repeat_is_judged_in_the_language_of_the_page(
    db: str, locale: str, shown: str
) -> None:
    shipment = await factories.shipment(status=Status.DELIVERED)
    await _scan(shipment, Status.DELIVERED, "Доставлено")  # our Russian word for it
    token = i18n.set_locale(locale)
    try:
        days = _days(shipment, await _events(shipment), locale=locale)
    finally:
        i18n.reset_locale(token)
    assert days[0].events[0].carrier_text == shown


async def test_a_scan_without_a_reason_or_with_an_unknown_one_shows_no_reason_line(
    db: str,
) -> None:
    shipment = await factories.shipment(status=Status.EXCEPTION, reason=Reason.UNKNOWN)
    await _scan(shipment, Status.EXCEPTION, "Shipment on hold", Reason.UNKNOWN)
    await _scan(shipment, Status.IN_TRANSIT, "Arrived at hub")
    events = [e for d in _days(shipment, await _events(shipment)) for e in d.events]
    assert [(e.label, e.reason, e.carrier_text) for e in events] == [
        ("On its way", "", "Arrived at hub"),
        ("There is a problem", "", "Shipment on hold"),
    ]


async def test_without_a_carrier_date_the_page_shows_our_window(db: str) -> None:
    shipment = await factories.shipment(
        status=Status.IN_TRANSIT,
        predicted_start=date(2026, 11, 23),
        predicted_end=date(2026, 11, 25),
    )
    view = _present(shipment, [])
    assert view.eta_source == "predicted"
    assert view.eta_text == "between Monday, November 23, 2026 and Wednesday, November 25, 2026"
    assert view.late_text is None


async def test_the_carriers_date_wins_over_ours(db: str) -> None:
    shipment = await factories.shipment(
        status=Status.IN_TRANSIT,
        estimated_delivery=date(2026, 11, 24),
        predicted_start=date(2026, 11, 23),
        predicted_end=date(2026, 11, 25),
    )
    view = _present(shipment, [])
    assert (view.eta_source, view.eta_text) == ("carrier", "Tuesday, November 24, 2026")


async def test_a_date_in_the_past_is_never_shown_a_late_parcel_says_it_is_late(db: str) -> None:
    shipment = await factories.shipment(
        status=Status.IN_TRANSIT, estimated_delivery=NOW.date() - timedelta(days=4)
    )
    view = _present(shipment, [])
    assert view.eta_text is None
    assert view.late_text is not None and view.late_text.startswith("Later than expected")
    label_only = await factories.shipment(
        status=Status.INFO_RECEIVED, estimated_delivery=NOW.date() - timedelta(days=4)
    )
    shown = _present(label_only, [])
    assert (shown.eta_text, shown.late_text) == (None, None), "not handed over: no date at all"
    delivered = await factories.shipment(
        status=Status.DELIVERED, estimated_delivery=NOW.date() - timedelta(days=4)
    )
    assert _present(delivered, []).late_text is None
