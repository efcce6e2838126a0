"""The development mailbox: with no SMTP or Twilio configured, messages stop here.

A "delivered" message is an ordinary outbox row marked sent with a ``devmailbox:`` provider
id, so the whole flow (templates, schedule, dispatcher) runs unchanged and ``/dev/mailbox``
lists what a customer would have received. Never used in production mode.
"""

from __future__ import annotations

from portal.models import Channel, OutboxMessage
from portal.notifications.base import MessageChannel, Sent
from portal.notifications.sms import twilio_configured
from portal.notifications.webpush import push_configured
from portal.notifications.whatsapp import whatsapp_configured
from portal.settings import Settings

PREFIX = "devmailbox:"


def use_for(settings: Settings, channel: Channel) -> bool:
    """Whether ``channel`` goes to the dev mailbox under these settings."""
    if getattr(settings, "production", False):
        return False
    if channel == Channel.EMAIL:
        return bool(getattr(settings, "dev_mailbox", False))
    if channel == Channel.WHATSAPP:
        return not whatsapp_configured(settings)
    if channel == Channel.PUSH:
        return not push_configured(settings)
    return not twilio_configured(settings)


class DevMailboxChannel(MessageChannel):
    """Stands in for any channel: the message counts as sent and stays readable here."""

    async def send(self, message: OutboxMessage) -> Sent:
        return Sent(provider_id=f"{PREFIX}{message.id}", status="devmailbox")


async def mailbox_messages(
    limit: int = 50, *, merchant_id: int | None = None, channel: str | None = None
) -> list[OutboxMessage]:
    """The newest messages the dev mailbox received, with merchant and customer loaded."""
    query = OutboxMessage.filter(provider_id__startswith=PREFIX)
    if merchant_id is not None:
        query = query.filter(merchant_id=merchant_id)
    if channel is not None:
        query = query.filter(channel=Channel(channel))
    return (
        await query.select_related("merchant", "customer")
        .order_by("-sent_at", "-id")
        .limit(max(1, min(limit, 500)))
    )


async def mailbox_message(message_id: int) -> OutboxMessage | None:
    """One message from the dev mailbox (for its detail view), or None."""
    return (
        await OutboxMessage.filter(id=message_id, provider_id__startswith=PREFIX)
        .select_related("merchant", "customer")
        .first()
    )
