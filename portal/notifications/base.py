"""The notification vocabulary every channel and the dispatcher share.

Triggers name what happened to a shipment from the customer's point of view; a channel
(:class:`MessageChannel`) either delivers a message or raises :class:`DeliveryError`, whose
``permanent`` flag is the only thing the dispatcher needs to decide between retrying and
giving up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Self

import httpx

from portal.models import Channel, OutboxMessage
from portal.settings import Settings

#: Locales with a full set of default templates and phrases.
LOCALES: tuple[str, ...] = ("en", "pl", "ro", "ru", "el", "uk", "bg")
DEFAULT_LOCALE = "en"


class Trigger(StrEnum):
    """A moment worth telling the customer about; one message per shipment and channel."""

    SHIPPED = "shipped"
    OUT_FOR_DELIVERY = "out_for_delivery"
    FAILED_ATTEMPT = "failed_attempt"
    READY_FOR_PICKUP = "ready_for_pickup"
    DELIVERED = "delivered"
    EXCEPTION = "exception"
    RETURNED_TO_SENDER = "returned_to_sender"
    DELAYED = "delayed"
    #: Sent by a job, not an event: the day before a waiting parcel's pickup deadline.
    PICKUP_REMINDER = "pickup_reminder"
    #: Sent by the late/stuck watch (:mod:`portal.tracking.alerts`), once per episode.
    LATE = "late"
    STUCK = "stuck"


#: What a merchant gets when it has not chosen: email for everything, SMS (for customers
#: who opted in) only where the customer may need to act today.
DEFAULT_RULES: dict[Trigger, tuple[Channel, ...]] = {
    Trigger.SHIPPED: (Channel.EMAIL,),
    Trigger.OUT_FOR_DELIVERY: (Channel.EMAIL, Channel.SMS),
    Trigger.FAILED_ATTEMPT: (Channel.EMAIL, Channel.SMS),
    Trigger.READY_FOR_PICKUP: (Channel.EMAIL, Channel.SMS),
    Trigger.DELIVERED: (Channel.EMAIL,),
    Trigger.EXCEPTION: (Channel.EMAIL, Channel.SMS),
    Trigger.RETURNED_TO_SENDER: (Channel.EMAIL,),
    Trigger.DELAYED: (Channel.EMAIL,),
    Trigger.PICKUP_REMINDER: (Channel.EMAIL, Channel.SMS),
    Trigger.LATE: (Channel.EMAIL,),
    Trigger.STUCK: (Channel.EMAIL,),
}


class DeliveryError(Exception):
    """A channel could not deliver a message.

    ``permanent`` says whether retrying can help (an invalid number cannot; a timeout can);
    ``code`` carries the provider's error code when there is one (Twilio 21610, SMTP 550).
    """

    def __init__(self, message: str, *, permanent: bool = False, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.code = code


@dataclass(frozen=True, slots=True)
class Sent:
    """What a channel reports after handing a message over: the provider's id and status."""

    provider_id: str
    status: str


class MessageChannel:
    """A way of delivering outbox messages: e-mail, SMS; WhatsApp or web push would each be
    one more subclass, listed in :data:`portal.notifications.dispatcher.CHANNELS`.

    The dispatcher opens one instance per lane of a pass (``async with``) and calls
    :meth:`send` for each of the lane's messages in turn. The constructor raises
    :class:`DeliveryError` when the channel is not configured; :meth:`send` raises it when
    one message cannot be delivered, saying whether a retry can help.
    """

    def __init__(self, settings: Settings, http_client: httpx.AsyncClient | None = None) -> None:
        self.settings = settings

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Release what the lane held (a connection); nothing by default."""

    async def send(self, message: OutboxMessage) -> Sent:
        raise NotImplementedError

    async def find_sent(self, message: OutboxMessage, *, since: datetime) -> Sent | None:
        """Whether an attempt that died after calling the provider (at ``since`` or later)
        got ``message`` through, by the provider's own records; None when it did not or
        the provider keeps no records to ask (then the message is sent again). Raises
        :class:`DeliveryError` when the records cannot be read now."""
        return None


def pick_locale(*candidates: str | None) -> str:
    """The first candidate we have templates for (``pl_PL``/``pl-PL`` count as ``pl``)."""
    for candidate in candidates:
        if not candidate:
            continue
        language = candidate.replace("-", "_").split("_")[0].lower()
        if language in LOCALES:
            return language
    return DEFAULT_LOCALE
