"""The shipment family: what a customer is told about their parcel.

Triggers name what happened from the customer's point of view
(:class:`~portal.notifications.base.Trigger`); defaults are the files
``templates/notifications/<trigger>.<channel>.<locale>.txt``. The composer
(:mod:`portal.notifications.composer`) does the rest, as for every family.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from portal.core.links import make_tracking_link
from portal.i18n import lazy
from portal.models import Channel
from portal.notifications import phrases
from portal.notifications.base import DEFAULT_RULES, Trigger
from portal.notifications.composer import Family, Message
from portal.notifications.context import PARTY_VARIABLES, carrier_name, format_eta, return_link
from portal.notifications.templates import TemplateSource, file_default
from portal.settings import Settings

VARIABLES: dict[str, str] = {
    **PARTY_VARIABLES,
    "tracking_number": lazy("The carrier's tracking number"),
    "carrier_name": lazy("The carrier's name, e.g. DHL"),
    "status": lazy("The parcel's status in plain words"),
    "reason": lazy("Why, in a plain sentence, for problems and failed attempts (may be empty)"),
    "eta": lazy("The expected delivery date, written out (may be empty)"),
    "tracking_link": lazy("The signed link to the tracking page"),
    "return_link": lazy("The link to start a return of the order"),
}


@dataclass(frozen=True, slots=True)
class ShipmentNews:
    """What happened to the parcel: its status, why, and a new delivery date if delayed."""

    shipment: Any
    status: str | None
    reason: str | None
    new_eta: date | None = None


def shipment_context(
    settings: Settings, message: Message[ShipmentNews], channel: Channel, locale: str
) -> dict[str, Any]:
    """The parcel's variables (an SMS gets the shorter date)."""
    news = message.about
    shipment = news.shipment
    eta = news.new_eta or shipment.estimated_delivery
    return {
        "tracking_number": shipment.tracking_number,
        "carrier_name": carrier_name(shipment.carrier_key),
        "status": phrases.status_words(news.status or shipment.status, locale),
        "reason": phrases.reason_words(news.reason, locale),
        "eta": format_eta(eta, locale, short=channel == Channel.SMS),
        "tracking_link": make_tracking_link(settings, shipment),
        "return_link": return_link(settings, message.merchant, message.order),
    }


class _SampleShipment:
    id = 0
    tracking_number = "1ZCIETST0111111114"
    carrier_key = "ups"
    status = "out_for_delivery"
    estimated_delivery = date(2026, 11, 30)


def _sample(settings: Settings, trigger: str) -> ShipmentNews:
    return ShipmentNews(_SampleShipment(), status="exception", reason="address_issue")


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
)
