"""Quiet hours hold in the recipient's zone, across daylight-saving changes; SMS are limited."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine

from portal.core.timezones import (
    defer_out_of_quiet_hours,
    first_instant_at_or_after,
    recipient_zone,
    zone_choices,
    zone_for_country,
)
from portal.models import Channel, OutboxMessage
from portal.notifications.schedule import send_time
from portal.settings import Settings
from tests.notifications.helpers import emit_status, parcel, released_after

WARSAW = ZoneInfo("Europe/Warsaw")
NEW_YORK = ZoneInfo("America/New_York")
NIGHT = (time(21), time(8))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_message_due_in_the_evening_waits_for_the_morning() -> None:
    due = utc(2026, 6, 10, 21, 30)  # 23:30 in Warsaw (CEST)
    assert defer_out_of_quiet_hours(due, WARSAW, *NIGHT) == utc(2026, 6, 11, 6, 0)


def test_a_message_due_after_midnight_waits_for_the_same_morning() -> None:
    due = utc(2026, 6, 11, 1, 0)  # 03:00 in Warsaw
    assert defer_out_of_quiet_hours(due, WARSAW, *NIGHT) == utc(2026, 6, 11, 6, 0)


def test_a_message_due_in_the_day_goes_at_once() -> None:
    due = utc(2026, 6, 10, 10, 0)
    assert defer_out_of_quiet_hours(due, WARSAW, *NIGHT) == due


def test_quiet_hours_end_exactly_at_their_end() -> None:
    morning = utc(2026, 6, 11, 6, 0)  # 08:00 in Warsaw
    assert defer_out_of_quiet_hours(morning, WARSAW, *NIGHT) == morning


@pytest.mark.parametrize(
    ("zone", "due", "expected"),
    [
        # Warsaw springs forward on 29 March 2026: 08:00 CEST is 06:00 UTC, not 07:00.
        (WARSAW, utc(2026, 3, 28, 22, 0), utc(2026, 3, 29, 6, 0)),
        # Warsaw falls back on 25 October 2026: 08:00 CET is 07:00 UTC.
        (WARSAW, utc(2026, 10, 24, 21, 0), utc(2026, 10, 25, 7, 0)),
        # New York springs forward on 8 March 2026: 08:00 EDT is 12:00 UTC.
        (NEW_YORK, utc(2026, 3, 8, 3, 0), utc(2026, 3, 8, 12, 0)),
        # New York falls back on 1 November 2026: 08:00 EST is 13:00 UTC.
        (NEW_YORK, utc(2026, 11, 1, 2, 0), utc(2026, 11, 1, 13, 0)),
    ],
)
def test_the_morning_is_local_across_daylight_saving_changes(
    zone: ZoneInfo, due: datetime, expected: datetime
) -> None:
    deferred = defer_out_of_quiet_hours(due, zone, *NIGHT)
    assert deferred == expected
    assert deferred.astimezone(zone).time() == time(8)


def test_a_quiet_end_inside_the_spring_gap_is_the_moment_clocks_jump() -> None:
    # 02:30 does not exist in Warsaw on 29 March 2026; clocks jump 02:00 → 03:00 at 01:00 UTC.
    assert first_instant_at_or_after(datetime(2026, 3, 29).date(), time(2, 30), WARSAW) == utc(
        2026, 3, 29, 1, 0
    )
    due = utc(2026, 3, 28, 23, 30)  # 00:30 CET
    assert defer_out_of_quiet_hours(due, WARSAW, time(0), time(2, 30)) == utc(2026, 3, 29, 1, 0)


def test_an_ambiguous_quiet_end_is_its_first_occurrence() -> None:
    # 02:30 happens twice in Warsaw on 25 October 2026; the first is 00:30 UTC (CEST).
    due = utc(2026, 10, 24, 22, 30)  # 00:30 CEST
    assert defer_out_of_quiet_hours(due, WARSAW, time(0), time(2, 30)) == utc(2026, 10, 25, 0, 30)


def test_quiet_hours_within_one_day_and_empty_ones() -> None:
    siesta = (time(13), time(15))
    assert defer_out_of_quiet_hours(utc(2026, 6, 10, 11, 30), WARSAW, *siesta) == utc(
        2026, 6, 10, 13, 0
    )
    assert defer_out_of_quiet_hours(utc(2026, 6, 10, 22), WARSAW, time(9), time(9)) == utc(
        2026, 6, 10, 22
    )


def test_the_recipient_zone_comes_from_the_customer_then_the_country_then_the_merchant() -> None:
    merchant = SimpleNamespace(time_zone="Europe/Bucharest")
    with_zone = SimpleNamespace(time_zone="Asia/Tokyo", country="PL")
    without = SimpleNamespace(time_zone=None, country=None)
    broken = SimpleNamespace(time_zone="Mars/Olympus", country=None)
    to_poland = SimpleNamespace(ship_country="PL")
    to_usa = SimpleNamespace(ship_country="US")

    assert recipient_zone(customer=with_zone, order=to_usa, merchant=merchant).key == "Asia/Tokyo"
    assert recipient_zone(customer=without, order=to_poland, merchant=merchant) == WARSAW
    assert recipient_zone(customer=without, order=to_usa, merchant=merchant).key == (
        "Europe/Bucharest"
    )
    assert recipient_zone(customer=broken, order=None, merchant=merchant).key == "Europe/Bucharest"
    greek = SimpleNamespace(time_zone=None, country="GR")
    assert recipient_zone(customer=greek, order=None, merchant=merchant).key == "Europe/Athens"


def test_a_us_address_goes_by_its_states_clock_not_the_shops() -> None:
    """A New York shop's text due at 08:00 Eastern is 05:00 in Los Angeles: the shipping
    address's state (code or name, as Shopify's ``province``/``province_code`` or
    WooCommerce's ``state`` write it) gives the clock quiet hours keep, and a state the
    portal does not know falls back to the shop's clock as before."""
    shop = SimpleNamespace(time_zone="America/New_York")
    nobody = SimpleNamespace(time_zone=None, country=None)

    def zone(region: str) -> str:
        order = SimpleNamespace(ship_country="US", ship_region=region)
        return recipient_zone(customer=nobody, order=order, merchant=shop).key

    assert zone("California") == zone("CA") == zone("ca") == "America/Los_Angeles"
    assert zone("Texas") == "America/Chicago"
    assert zone("Arizona") == "America/Phoenix", "no daylight saving time"
    assert zone("Hawaii") == "Pacific/Honolulu"
    assert zone("") == zone("Atlantis") == "America/New_York"
    polish = SimpleNamespace(ship_country="PL", ship_region="CA")
    assert recipient_zone(customer=nobody, order=polish, merchant=shop) == WARSAW
    # 08:00 in New York is 05:00 in California: the text waits three more hours.
    due = datetime(2026, 12, 8, 13, 0, tzinfo=UTC)  # 08:00 EST
    pacific = ZoneInfo(zone("California"))
    released = defer_out_of_quiet_hours(due, pacific, time(21), time(8))
    assert released.astimezone(pacific).time() == time(8)
    assert released - due == timedelta(hours=3)


def test_countries_with_one_clock_have_a_zone() -> None:
    assert zone_for_country("pl") == WARSAW
    assert zone_for_country("DE") is not None  # Berlin and Busingen keep the same time
    assert zone_for_country("US") is None
    assert zone_for_country("RU") is None
    assert zone_for_country("XX") is None


def test_a_country_of_several_clocks_offers_one_zone_for_each() -> None:
    """What ``portal merchant create --country RU`` offers instead of guessing: Russia's
    eleven clocks west to east, each by its best-known zone; none for one clock or none."""
    assert zone_choices("ru") == [
        "Europe/Kaliningrad", "Europe/Moscow", "Europe/Samara", "Asia/Yekaterinburg",
        "Asia/Omsk", "Asia/Krasnoyarsk", "Asia/Irkutsk", "Asia/Yakutsk", "Asia/Vladivostok",
        "Asia/Magadan", "Asia/Kamchatka",
    ]  # fmt: skip
    assert zone_choices("US")[-3:] == ["America/Denver", "America/Chicago", "America/New_York"]
    assert zone_choices("PL") == zone_choices("DE") == zone_choices(None) == []


async def test_a_status_change_at_night_is_sent_in_the_recipients_morning(
    db: str, settings: Settings
) -> None:
    with time_machine.travel(utc(2026, 3, 28, 22, 15), tick=True):  # 23:15 CET in Warsaw
        p = await parcel(
            order={"ship_country": "PL"},
            merchant={"time_zone": "America/New_York", "quiet_hours_channels": ["email", "sms"]},
        )
        await emit_status(p.shipment, "out_for_delivery", settings=settings)

    message = await OutboxMessage.get(shipment_id=p.shipment.id)
    assert released_after(
        message.scheduled_for, utc(2026, 3, 29, 6, 0)
    )  # 08:00 CEST, after the change


async def test_the_merchants_own_quiet_hours_apply(db: str, settings: Settings) -> None:
    with time_machine.travel(utc(2026, 11, 1, 1, 30), tick=True):  # 21:30 EDT on 31 October
        p = await parcel(
            merchant={
                "quiet_hours_start": "20:00",
                "quiet_hours_end": "09:30",
                "quiet_hours_channels": ["email"],
            },
            customer={"time_zone": "America/New_York"},
        )
        await emit_status(p.shipment, "delivered", settings=settings)

    message = await OutboxMessage.get(shipment_id=p.shipment.id)
    assert released_after(message.scheduled_for, utc(2026, 11, 1, 14, 30))  # 09:30 EST


async def test_a_fourth_sms_for_a_shipment_in_one_day_waits_for_the_next_day(
    db: str, settings: Settings
) -> None:
    with time_machine.travel(utc(2026, 6, 10, 10, 0), tick=True):  # 12:00 in Warsaw
        p = await parcel(
            customer={"phone": "+48601234567", "sms_opt_in": True, "time_zone": "Europe/Warsaw"}
        )
        for status in ("out_for_delivery", "failed_attempt", "exception", "available_for_pickup"):
            await emit_status(p.shipment, status, settings=settings)

    sms = await OutboxMessage.filter(channel=Channel.SMS).order_by("id")
    assert [m.trigger for m in sms] == [
        "out_for_delivery",
        "failed_attempt",
        "exception",
        "ready_for_pickup",
    ]
    assert [m.scheduled_for.date().isoformat() for m in sms[:3]] == ["2026-06-10"] * 3
    assert released_after(sms[3].scheduled_for, utc(2026, 6, 11, 6, 0))  # 08:00 the next day
    emails = await OutboxMessage.filter(channel=Channel.EMAIL)
    assert all(m.scheduled_for.date().isoformat() == "2026-06-10" for m in emails)


async def test_quiet_hours_leave_email_alone_unless_the_shop_ticks_it(
    db: str, settings: Settings
) -> None:
    night = utc(2026, 3, 28, 22, 15)  # 23:15 CET in Warsaw
    with time_machine.travel(night, tick=False):
        p = await parcel(
            order={"ship_country": "PL"}, customer={"sms_opt_in": True, "phone": "+48601234567"}
        )
        await emit_status(p.shipment, "out_for_delivery", settings=settings)

    by_channel = {m.channel: m for m in await OutboxMessage.filter(shipment_id=p.shipment.id)}
    assert by_channel["email"].scheduled_for == night
    assert released_after(by_channel["sms"].scheduled_for, utc(2026, 3, 29, 6, 0))  # 08:00 CEST


async def test_the_nights_messages_leave_spread_over_the_release_window(db: str) -> None:
    """The 08:00 burst: 600 messages held overnight leave over the hour after quiet hours
    end in the recipient's zone, no minute carrying more than a few times its share, and
    each message at the same moment however often it is scheduled."""
    zone = ZoneInfo("Europe/Warsaw")
    night = utc(2026, 6, 10, 23, 0)  # 01:00 in Warsaw
    morning = utc(2026, 6, 11, 6, 0)  # 08:00 in Warsaw
    times = [
        await send_time(
            due=night,
            zone=zone,
            quiet_start=time(21),
            quiet_end=time(8),
            channel=Channel.EMAIL,
            shipment_id=None,
            release_key=f"shipment:{n}:delivered:email",
            release_window=timedelta(hours=1),
        )
        for n in range(600)
    ]
    assert all(morning <= t < morning + timedelta(hours=1) for t in times)
    per_minute = Counter(int((t - morning).total_seconds() // 60) for t in times)
    assert len(per_minute) >= 55, "nearly every minute of the window is used"
    assert max(per_minute.values()) <= 30, "no minute takes a burst (10 is the even share)"
    again = await send_time(
        due=night, zone=zone, quiet_start=time(21), quiet_end=time(8), channel=Channel.EMAIL,
        shipment_id=None, release_key="shipment:7:delivered:email",
        release_window=timedelta(hours=1),
    )  # fmt: skip
    assert again == times[7]


async def test_a_message_outside_quiet_hours_is_not_moved_by_the_window(db: str) -> None:
    noon = utc(2026, 6, 11, 10, 0)
    sent = await send_time(
        due=noon, zone=ZoneInfo("Europe/Warsaw"), quiet_start=time(21), quiet_end=time(8),
        channel=Channel.EMAIL, shipment_id=None, release_key="any",
        release_window=timedelta(hours=1),
    )  # fmt: skip
    assert sent == noon
