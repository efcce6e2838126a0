"""Pickup messages name the point and the deadline; one reminder the day before it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from portal.models import Channel, OutboxMessage
from portal.notifications import pickup_reminders
from portal.notifications.dispatcher import dispatch_once
from portal.notifications.pickup_reminders import remind_pickups
from portal.settings import Settings
from tests.notifications.helpers import (
    Parcel,
    SmtpSink,
    emit_status,
    make_settings,
    parcel,
    released_after,
)

#: Wednesday 10 June 2026, 14:00 in Warsaw.
NOON_UTC = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
#: Friday 12 June 2026, 18:00 in Warsaw.
DEADLINE = datetime(2026, 6, 12, 16, 0, tzinfo=UTC)


def locker(deadline: datetime = DEADLINE, **fields: Any) -> dict[str, Any]:
    return {
        "point_id": "KRA01M",
        "kind": "locker",
        "name": "Paczkomat KRA01M",
        "street": "ul. Długa 1",
        "city": "Kraków",
        "postal_code": "31-147",
        "country": "PL",
        "latitude": 50.07,
        "longitude": 19.94,
        "opening_hours": "24/7",
        "pickup_deadline": deadline.isoformat(),
        "pickup_code": "642913",
        **fields,
    }


async def waiting_parcel(
    *, status: str = "available_for_pickup", deadline: datetime = DEADLINE, **customer: Any
) -> Parcel:
    return await parcel(
        customer={
            "locale": "pl",
            "email": "anna@example.test",
            "time_zone": "Europe/Warsaw",
            **customer,
        },
        shipment={
            "carrier_key": "inpost",
            "status": status,
            "pickup_point": locker(deadline),
            "pickup_deadline": deadline,
        },
    )


def reminders() -> Any:
    return OutboxMessage.filter(trigger="pickup_reminder").order_by("id")


@pytest.fixture(autouse=True)
def daytime() -> Any:
    with time_machine.travel(NOON_UTC, tick=True) as traveller:
        yield traveller


async def test_the_ready_email_names_the_point_and_the_deadline_in_polish(
    db: str, smtp_sink: SmtpSink
) -> None:
    settings = make_settings(smtp_url=f"smtp://127.0.0.1:{smtp_sink.port}")
    p = await waiting_parcel()
    await emit_status(p.shipment, "available_for_pickup", settings=settings)

    report = await dispatch_once(settings, now=NOON_UTC + timedelta(minutes=1))

    assert report.sent == 1
    email = smtp_sink.messages[0]
    assert email["Subject"] == "Twoja przesyłka czeka na odbiór: Paczkomat KRA01M"
    body = email.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "w punkcie Paczkomat KRA01M" in text
    # One line each (the template's block tags must not eat the line breaks):
    lines = text.splitlines()
    start = lines.index("Adres: ul. Długa 1, 31-147 Kraków")
    assert lines[start : start + 4] == [
        "Adres: ul. Długa 1, 31-147 Kraków",
        "Godziny otwarcia: 24/7",
        "Odbierz ją do: piątek, 12 czerwca 2026, 18:00.",  # Warsaw, not UTC
        # The customer's own message carries the code the carrier gave for them.
        "Kod odbioru: 642913",
    ]
    assert "Adres punktu znajdziesz na stronie śledzenia" not in text
    assert "Skrytkę otworzysz kodem odbioru, który przysłał Ci przewoźnik." in text
    assert "numer przesyłki." not in text, "a locker does not open with the tracking number"


async def test_an_offices_hours_read_in_the_customers_language(
    db: str, smtp_sink: SmtpSink
) -> None:
    """Adapters word hours with English days ("Mon–Fri"); a Bulgarian e-mail has "пн–пт"."""
    settings = make_settings(smtp_url=f"smtp://127.0.0.1:{smtp_sink.port}")
    office = locker(kind="depot", name="Еконт София Лозенец", opening_hours="Mon–Fri 09:00–19:00")
    p = await parcel(
        customer={"locale": "bg", "email": "maria@example.test", "time_zone": "Europe/Sofia"},
        shipment={"carrier_key": "econt", "status": "available_for_pickup",
                  "pickup_point": office, "pickup_deadline": DEADLINE},
    )  # fmt: skip
    await emit_status(p.shipment, "available_for_pickup", settings=settings)

    await dispatch_once(settings, now=NOON_UTC + timedelta(minutes=1))

    body = smtp_sink.messages[0].get_body(("plain",))
    assert body is not None
    assert "Работно време: пн–пт 09:00–19:00" in body.get_content().splitlines()
    assert "Mon–Fri" not in body.get_content()


async def test_the_ready_sms_is_short_and_names_the_point_and_the_deadline(
    db: str, settings: Settings
) -> None:
    p = await waiting_parcel(phone="+48601234567", sms_opt_in=True)
    await emit_status(p.shipment, "available_for_pickup", settings=settings)

    sms = await OutboxMessage.get(shipment_id=p.shipment.id, channel=Channel.SMS)
    # Up to three UCS-2 segments for a waiting parcel: the deadline and the code come
    # first, then the point's name (clipped at a word if long), the link kept whole.
    assert sms.body_text.startswith(f"{p.merchant.name}: przesyłka czeka na odbiór do 12 czerwca")
    assert "12 czerwca, 18:00, kod 642913. Punkt: Paczkomat KRA01M." in sms.body_text
    assert "https://portal.test/t/" in sms.body_text


async def test_a_ready_message_without_a_point_keeps_the_old_wording(
    db: str, settings: Settings
) -> None:
    p = await parcel(customer={"email": "anna@example.test"})
    await emit_status(p.shipment, "available_for_pickup", settings=settings)

    message = await OutboxMessage.get(shipment_id=p.shipment.id)
    assert message.subject == "Your parcel is ready for pickup"
    assert "The tracking page shows where to collect it." in message.body_text
    assert "Pickup code" not in message.body_text
    assert "Please bring your tracking number with you." in message.body_text


async def test_the_reminder_goes_once_the_day_before_the_deadline(
    db: str, settings: Settings
) -> None:
    p = await waiting_parcel()

    # Two days before: not yet.
    assert await remind_pickups(settings, now=DEADLINE - timedelta(hours=48)) is False
    assert await reminders().count() == 0

    day_before = datetime(2026, 6, 11, 16, 30, tzinfo=UTC)  # Thursday 18:30 in Warsaw
    await remind_pickups(settings, now=day_before)
    await remind_pickups(settings, now=day_before + timedelta(minutes=10))

    [reminder] = await reminders()
    assert reminder.channel == Channel.EMAIL
    assert reminder.unique_key == f"shipment:{p.shipment.id}:pickup_reminder:email:2026-06-12"
    assert reminder.scheduled_for == day_before
    assert reminder.subject == (
        "Przypomnienie: przesyłka czeka na Ciebie do piątek, 12 czerwca 2026, 18:00"
    )
    assert "Paczkomat KRA01M" in reminder.body_text
    assert "Kod odbioru: 642913" in reminder.body_text


async def test_a_new_deadline_reminds_again(db: str, settings: Settings) -> None:
    p = await waiting_parcel()
    await remind_pickups(settings, now=datetime(2026, 6, 11, 16, 30, tzinfo=UTC))

    later = DEADLINE + timedelta(days=3)  # redirected to another locker
    p.shipment.pickup_deadline = later
    p.shipment.pickup_point = locker(later, name="Paczkomat KRA99M")
    await p.shipment.save()
    await remind_pickups(settings, now=later - timedelta(hours=20))

    keys = [m.unique_key async for m in reminders()]
    assert keys == [
        f"shipment:{p.shipment.id}:pickup_reminder:email:2026-06-12",
        f"shipment:{p.shipment.id}:pickup_reminder:email:2026-06-15",
    ]


@pytest.mark.parametrize("status", ["delivered", "returned_to_sender", "in_transit"])
async def test_a_parcel_no_longer_waiting_gets_no_reminder(
    db: str, settings: Settings, status: str
) -> None:
    await waiting_parcel(status=status)

    await remind_pickups(settings, now=datetime(2026, 6, 11, 16, 30, tzinfo=UTC))

    assert await reminders().count() == 0


async def test_a_merchant_can_switch_the_reminder_off(db: str, settings: Settings) -> None:
    p = await waiting_parcel()
    p.merchant.notification_rules = {"pickup_reminder": []}
    await p.merchant.save()

    assert await remind_pickups(settings, now=datetime(2026, 6, 11, 16, 30, tzinfo=UTC)) is False

    assert await reminders().count() == 0


async def test_quiet_hours_defer_the_reminder_when_the_shop_holds_email_too(
    db: str, settings: Settings
) -> None:
    p = await waiting_parcel()
    p.merchant.quiet_hours_channels = ["email", "sms"]
    await p.merchant.save()
    night = datetime(2026, 6, 11, 20, 0, tzinfo=UTC)  # 22:00 in Warsaw

    await remind_pickups(settings, now=night)

    [reminder] = await reminders()
    assert released_after(reminder.scheduled_for, datetime(2026, 6, 12, 6, 0, tzinfo=UTC))  # 08:00
    assert reminder.scheduled_for < DEADLINE


async def test_quiet_hours_hold_text_messages_only_by_default(db: str, settings: Settings) -> None:
    await waiting_parcel()
    night = datetime(2026, 6, 11, 20, 0, tzinfo=UTC)  # 22:00 in Warsaw

    await remind_pickups(settings, now=night)

    [reminder] = await reminders()
    assert reminder.channel == "email"
    assert reminder.scheduled_for == night


async def test_parcels_nobody_can_be_told_about_do_not_hold_back_the_rest(
    db: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pickup_reminders, "BATCH", 1)
    await waiting_parcel(deadline=DEADLINE - timedelta(hours=1), email_opt_in=False)
    told = await waiting_parcel()

    await remind_pickups(settings, now=datetime(2026, 6, 11, 16, 30, tzinfo=UTC))

    [reminder] = await reminders()
    assert reminder.shipment_id == told.shipment.id


@pytest.mark.parametrize("locale", ["en", "pl", "ro", "ru", "el", "uk", "bg"])
async def test_each_detail_of_the_point_is_a_line_of_its_own(
    db: str, settings: Settings, locale: str
) -> None:
    """Address, hours, deadline and code each start a line, in the ready e-mail and in the
    reminder, whatever the language (the templates' line breaks survive ``trim_blocks``)."""
    p = await waiting_parcel(locale=locale)
    await emit_status(p.shipment, "available_for_pickup", settings=settings)
    await remind_pickups(settings, now=datetime(2026, 6, 11, 16, 30, tzinfo=UTC))

    ready = await OutboxMessage.get(shipment_id=p.shipment.id, channel=Channel.EMAIL,
                                    trigger="ready_for_pickup")  # fmt: skip
    [reminder] = await reminders()
    for message in (ready, reminder):
        lines = message.body_text.splitlines()
        assert any(line.endswith("ul. Długa 1, 31-147 Kraków") for line in lines), lines
        assert any(line.endswith(": 24/7") for line in lines), lines
        assert any(line.endswith(": 642913") for line in lines), lines
    assert any("2026" in line and "24/7" not in line for line in ready.body_text.splitlines())


#: A ready e-mail for a point the carrier named and nothing more, per language: how it
#: names the point, and where it sends the customer to find it (no address to give).
NAME_ONLY = {
    "en": ("is waiting for you at Paczkomat KRA01M (InPost).",
           "The tracking page shows where to collect it."),
    "pl": ("czeka na Ciebie w punkcie Paczkomat KRA01M (InPost).",
           "Na stronie śledzenia zobaczysz, gdzie ją odebrać."),
    "ro": ("te așteaptă la Paczkomat KRA01M (InPost).",
           "Pe pagina de urmărire vezi de unde îl ridici."),
    "ru": ("ждёт вас в пункте Paczkomat KRA01M (InPost).",
           "Где её забрать, видно на странице отслеживания."),
    "el": ("σας περιμένει στο σημείο Paczkomat KRA01M (InPost).",
           "Στη σελίδα παρακολούθησης θα δείτε πού να το παραλάβετε."),
    "uk": ("чекає на вас у пункті Paczkomat KRA01M (InPost).",
           "Де її забрати, видно на сторінці відстеження."),
    "bg": ("ви чака в Paczkomat KRA01M (InPost).",
           "На страницата за проследяване ще видите къде да я вземете."),
}  # fmt: skip


@pytest.mark.parametrize("locale", sorted(NAME_ONLY))
async def test_a_point_known_only_by_name_reads_naturally(
    locale: str, db: str, settings: Settings
) -> None:
    """No address and no hours: the e-mail names the point and sends the customer to the
    tracking page to see where it is, without promising an address that page has not got
    either."""
    p = await parcel(
        customer={"locale": locale, "email": "anna@example.test"},
        shipment={"carrier_key": "inpost", "status": "available_for_pickup",
                  "pickup_point": {"kind": "locker", "name": "Paczkomat KRA01M"}},
    )  # fmt: skip
    await emit_status(p.shipment, "available_for_pickup", settings=settings)

    message = await OutboxMessage.get(shipment_id=p.shipment.id, channel=Channel.EMAIL)
    names, where = NAME_ONLY[locale]
    assert names in message.body_text
    assert where in message.body_text
    lines = message.body_text.splitlines()
    assert not [line for line in lines if line.rstrip().endswith(":")]  # no empty field


async def test_a_point_without_a_name_is_one_of_the_carriers(db: str, settings: Settings) -> None:
    """ "a InPost pickup point" would need "an": the carrier's name is not put after an article."""
    p = await parcel(
        customer={"email": "anna@example.test"},
        shipment={"carrier_key": "inpost", "status": "available_for_pickup"},
    )
    await emit_status(p.shipment, "available_for_pickup", settings=settings)

    message = await OutboxMessage.get(shipment_id=p.shipment.id, channel=Channel.EMAIL)
    assert "is waiting for you at one of InPost's pickup points." in message.body_text
