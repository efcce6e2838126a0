"""The shipment family: what a customer is told about their parcel.

Triggers name what happened from the customer's point of view
(:class:`~portal.notifications.base.Trigger`); defaults are the files
``templates/notifications/<trigger>.<channel>.<locale>.txt``. The composer
(:mod:`portal.notifications.composer`) does the rest, as for every family.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time

from carriers.base import PickupKind
from portal.core import pickup, timezones
from portal.core.links import make_short_tracking_link, make_tracking_link
from portal.i18n import lazy
from portal.models import Channel
from portal.notifications import phrases
from portal.notifications.base import DEFAULT_RULES, Trigger, pick_locale
from portal.notifications.composer import SHORT_LINK_CHANNELS, Family, Message
from portal.notifications.context import (
    PARTY_VARIABLES,
    carrier_name,
    format_eta,
    return_link,
    withdrawal_link,
)
from portal.notifications.preferences_words import preference_words
from portal.notifications.templates import TemplateSource, file_default
from portal.opening_hours import localise_hours
from portal.settings import Settings

VARIABLES: dict[str, str] = {
    **PARTY_VARIABLES,
    "tracking_number": lazy("The carrier's tracking number"),
    "carrier_name": lazy("The carrier's name, e.g. DHL"),
    "status": lazy("The parcel's status in plain words"),
    "reason": lazy(
        "Why, in a plain sentence, for problems and failed attempts (a shorter one in text "
        "messages; may be empty)"
    ),
    "eta": lazy("The expected delivery date, written out (may be empty)"),
    "tracking_link": lazy("The signed link to the tracking page"),
    "return_link": lazy("The link to start a return of the order"),
    "withdrawal_link": lazy(
        "The link to withdraw from the contract (EU shops; the e-mail layout adds it anyway)"
    ),
    "pickup_point": lazy("The pickup point's name, e.g. a locker's (may be empty)"),
    "pickup_address": lazy("The pickup point's street, postal code and city (may be empty)"),
    "pickup_hours": lazy("The pickup point's opening hours, as the carrier writes them"),
    "pickup_deadline": lazy(
        "The last day and time to collect the parcel, in the customer's time zone (may be empty)"
    ),
    "pickup_code": lazy("The code that opens the locker, when the carrier gives one"),
    "pickup_locker": lazy(
        '"yes" when the parcel waits in a locker, which opens with the carrier\'s code '
        "rather than the tracking number (else empty)"
    ),
    "missed_date": lazy("The last day of the delivery window that passed (late parcels)"),
    "last_scan": lazy("When the carrier last reported the parcel, written out (may be empty)"),
    "delivery_preferences": lazy(
        "The customer's delivery choice in plain words, e.g. a locker and a safe place "
        "(may be empty)"
    ),
}


@dataclass(frozen=True, slots=True)
class ShipmentNews:
    """What happened to the parcel: its status, why, and a new delivery date if delayed."""

    shipment: Any
    status: str | None
    reason: str | None
    new_eta: date | None = None
    #: The last day of the window a late parcel missed.
    missed: date | None = None


def shipment_context(
    settings: Settings, message: Message[ShipmentNews], channel: Channel, locale: str
) -> dict[str, Any]:
    """The parcel's variables (an SMS gets the shorter date)."""
    news = message.about
    shipment = news.shipment
    eta = news.new_eta or shipment.estimated_delivery or getattr(shipment, "predicted_end", None)
    short = channel == Channel.SMS
    order = message.order
    return {
        "tracking_number": shipment.tracking_number,
        "carrier_name": carrier_name(shipment.carrier_key, locale),
        "status": phrases.status_words(news.status or shipment.status, locale),
        # A text has room for the short reason only, but it must keep it (the main news).
        "reason": phrases.reason_words(news.reason, locale, short=short),
        "eta": format_eta(eta, locale, short=channel == Channel.SMS),
        "tracking_link": (
            make_short_tracking_link if channel in SHORT_LINK_CHANNELS else make_tracking_link
        )(settings, shipment),
        "return_link": return_link(settings, message.merchant, message.order),
        "withdrawal_link": withdrawal_link(settings, message.merchant, message.order),
        "missed_date": format_eta(news.missed, locale, short=short),
        "last_scan": _last_scan(settings, message, locale, short=short),
        "delivery_preferences": preference_words(
            getattr(order, "delivery_preferences", None) if order is not None else None, locale
        ),
        **pickup_context(settings, message, channel, locale),
    }


def _last_scan(
    settings: Settings, message: Message[ShipmentNews], locale: str, *, short: bool
) -> str:
    last = getattr(message.about.shipment, "last_event_at", None)
    if not isinstance(last, datetime):
        return ""
    zone = timezones.recipient_zone(
        customer=message.customer,
        order=message.order,
        merchant=message.merchant,
        default_time_zone=settings.default_time_zone,
    )
    return format_deadline(
        last if last.tzinfo else last.replace(tzinfo=UTC), zone, locale, short=short
    )


def format_deadline(when: datetime | None, zone: tzinfo, locale: str, *, short: bool) -> str:
    """``2026-12-08T18:00Z`` → "Tuesday, December 8, 2026, 7:00 PM" in the customer's zone
    and language (short, for SMS: "December 8, 7:00 PM")."""
    if when is None:
        return ""
    local = when.astimezone(zone)
    language = pick_locale(locale)
    day = (
        format_skeleton("MMMMd", local, locale=language)
        if short
        else format_date(local, "full", locale=language)
    )
    hour = format_time(local, "short", locale=language)
    joined: str = Locale.parse(language).datetime_formats["short"]
    return joined.replace("{1}", day).replace("{0}", hour)


def pickup_context(
    settings: Settings, message: Message[ShipmentNews], channel: Channel, locale: str
) -> dict[str, str]:
    """Where the parcel waits and until when; every name empty when the carrier said nothing.

    The pickup code is included: these messages go to the customer's own address or number
    (the composer only writes to the customer's contact), which is the same "customer
    proven" tier as a signed link, not the anonymous tracking-number tier that never shows it.
    """
    shipment = message.about.shipment
    point = pickup.from_json(getattr(shipment, "pickup_point", None))
    stored = getattr(shipment, "pickup_deadline", None)
    deadline = stored if isinstance(stored, datetime) else None
    if deadline is None and point is not None:
        deadline = point.pickup_deadline
    if deadline is not None and deadline.tzinfo is None:
        deadline = deadline.replace(tzinfo=UTC)  # a naive column value is UTC
    zone = timezones.recipient_zone(
        customer=message.customer,
        order=message.order,
        merchant=message.merchant,
        default_time_zone=settings.default_time_zone,
    )
    short = channel == Channel.SMS
    if point is None:
        return {
            "pickup_point": "",
            "pickup_address": "",
            "pickup_hours": "",
            "pickup_deadline": format_deadline(deadline, zone, locale, short=short),
            "pickup_code": "",
            "pickup_locker": "",
        }
    place = " ".join(part for part in (point.postal_code, point.city) if part)
    return {
        "pickup_point": point.name or point.point_id or "",
        "pickup_address": ", ".join(part for part in (point.street, place) if part),
        "pickup_hours": localise_hours(point.opening_hours, locale) or "",
        "pickup_deadline": format_deadline(deadline, zone, locale, short=short),
        "pickup_code": point.pickup_code or "",
        "pickup_locker": "yes" if PickupKind(point.kind) is PickupKind.LOCKER else "",
    }


class _SampleShipment:
    id = 0
    last_event_at = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
    predicted_end = date(2026, 12, 1)
    tracking_number = "1ZCIETST0111111114"
    carrier_key = "ups"
    status = "out_for_delivery"
    estimated_delivery = date(2026, 11, 30)
    pickup_deadline = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)
    pickup_point = {
        "point_id": "KRA01M",
        "kind": PickupKind.LOCKER.value,
        "name": "Paczkomat KRA01M",
        "street": "ul. Długa 1",
        "city": "Kraków",
        "postal_code": "31-147",
        "country": "PL",
        "opening_hours": "24/7",
        "pickup_deadline": "2026-12-02T17:00:00+00:00",
        "pickup_code": "123456",
    }


def _sample(settings: Settings, trigger: str) -> ShipmentNews:
    return ShipmentNews(
        _SampleShipment(), status="exception", reason="address_issue", missed=date(2026, 11, 28)
    )


def _default(trigger: str, channel: Channel, locale: str) -> TemplateSource:
    return file_default(Trigger(trigger).value, channel.value, locale)


SHIPMENTS: Family[ShipmentNews] = Family(
    key="shipment",
    triggers=tuple(t.value for t in Trigger),
    variables=VARIABLES,
    default_channels={t.value: channels for t, channels in DEFAULT_RULES.items()},
    default=_default,
    context=shipment_context,
    sample=_sample,
    link="tracking_link",
    key_format="shipment:{id}:{trigger}:{channel}",
    sms_elastic=("pickup_point", "pickup_address"),
    # Where, until when and with which code: in Cyrillic or Greek, two segments (134
    # characters) less the link left no room for the point's name after a shop's.
    sms_budget={Trigger.READY_FOR_PICKUP.value: 3, Trigger.PICKUP_REMINDER.value: 3},
)
