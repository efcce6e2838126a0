"""Which channels a message goes on: the shop's offer and order, the customer's choice.

The shop offers channels in its order of preference (``Merchant.channel_order``; e-mail
and SMS when it never chose) and says per message kind which channels it uses
(``notification_rules``). A customer who chose channels for an order (on the tracking or
preferences page) gets that order's messages on the chosen ones instead, as long as the
shop offers them and the kind is switched on; browser notifications, which the customer
turns on by subscribing a browser rather than by ticking a box, stay on for the kinds the
shop sends that way. A WhatsApp message with no approved template (and no open 24-hour
window) falls back to the next offered channel.

Quiet hours hold text messages (SMS, WhatsApp) unless the shop ticks more channels.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from portal.models import Channel

DEFAULT_ORDER: tuple[Channel, ...] = (Channel.EMAIL, Channel.SMS)
DEFAULT_QUIET: frozenset[Channel] = frozenset({Channel.SMS, Channel.WHATSAPP})
#: Channels whose text comes from the short (SMS) template: a WhatsApp message outside a
#: template, and a browser notification.
SHORT_TEXT: frozenset[Channel] = frozenset({Channel.SMS, Channel.WHATSAPP, Channel.PUSH})


def _channels(values: Iterable[Any] | None) -> list[Channel]:
    seen: list[Channel] = []
    for value in values or ():
        if value in Channel._value2member_map_ and Channel(value) not in seen:
            seen.append(Channel(value))
    return seen


def offered(merchant: Any) -> list[Channel]:
    """The channels the shop offers, in its order of preference."""
    chosen = _channels(getattr(merchant, "channel_order", None))
    return chosen or list(DEFAULT_ORDER)


def quiet_channels(merchant: Any) -> frozenset[Channel]:
    """The channels quiet hours hold back for this shop."""
    saved = getattr(merchant, "quiet_hours_channels", None)
    return frozenset(_channels(saved)) if saved is not None else DEFAULT_QUIET


def customer_choice(order: Any | None) -> list[Channel] | None:
    """The channels the customer chose for ``order``, or None when they never chose."""
    saved = getattr(order, "channels", None) if order is not None else None
    return None if saved is None else _channels(saved)


def for_message(
    merchant: Any, order: Any | None, rule_channels: Sequence[Channel]
) -> list[Channel]:
    """The channels one message goes on, before contacts and templates are checked.

    A kind the shop switched off (no channel) stays off whatever the customer chose.
    Browser notifications are not among the boxes the customer ticks: subscribing a
    browser is their choice of them, so a kind the shop sends that way keeps them.
    """
    if not rule_channels:
        return []
    choice = customer_choice(order)
    if choice is None:
        return list(rule_channels)
    shop = offered(merchant)
    chosen: list[Channel] = [c for c in shop if c in choice and c != Channel.PUSH]
    if Channel.PUSH in rule_channels and Channel.PUSH in shop:
        chosen.append(Channel.PUSH)
    return chosen


def fallback(merchant: Any, after: Channel, taken: Iterable[Channel]) -> Channel | None:
    """The next offered channel after ``after`` that is not taken already, if any."""
    order = offered(merchant)
    used = set(taken)
    start = order.index(after) + 1 if after in order else len(order)
    for channel in order[start:]:
        if channel not in used and channel not in (Channel.WHATSAPP, Channel.PUSH):
            return channel
    return None


def template_channel(channel: Channel) -> Channel:
    """The channel whose templates (and variables) a message on ``channel`` uses."""
    return Channel.SMS if channel in SHORT_TEXT else channel
