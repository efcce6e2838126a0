"""Signed links in messages and on pages: tracking, notification preferences, returns.

Each carries only ids, signed with ``PORTAL_SECRET_KEY`` (older keys still verify during a
rotation, see :mod:`portal.core.signing`), so a link cannot be guessed or edited to reach
another customer's data. They live on the neutral floor because messages (notifications,
returns) write them and pages read them, and a domain package may not import a page one.
The drop-off code on a return label stays with the label (``portal.returns.labels``).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired

from portal.core import short_tokens
from portal.core.signing import id_pair, id_tokens, is_id, serializer, timed_serializer
from portal.settings import Settings

TRACK_SALT = "track-link"
#: The short tracking token of a text message: ``<shipment id>.<issued>.<mac>``, ids and
#: time in base 36 (an itsdangerous token's signature is 27 characters, never 14).
TRACK_SHORT_PURPOSE = "track-link-sms"
_SHORT_TRACKING = re.compile(r"([0-9a-z]{1,13})\.([0-9a-z]{1,8}\.[A-Za-z0-9_-]{14})")
UNSUBSCRIBE_SALT = "notification-preferences"
TRACK_PATH = "/t"
PREFERENCES_PATH = "/unsubscribe"  # CSRF-exempt in portal.web.csrf (RFC 8058 POSTs)

START_SALT = "returns-start"
FOLLOW_SALT = "returns-follow"
START_PATH = "/returns/start"
#: The withdrawal function reached from a message (the same signed order token as a start).
WITHDRAW_START_PATH = "/withdraw/start"
#: A start link outlives any sensible return window plus the no-scan margin.
START_MAX_AGE = int(timedelta(days=90).total_seconds())


# --- the language a link opens its page in ---


def in_language(url: str, locale: str) -> str:
    """``url`` asking its page for ``locale`` (``?lang=``, which the page then remembers).

    An e-mail is written in the customer's language, so the page it links to opens in the
    same one even when the browser asks for another; the page's own language links still
    switch it.
    """
    if not url or not locale:
        return url
    return f"{url}{'&' if '?' in url else '?'}lang={locale}"


# --- tracking and preferences (notification messages) ---


def make_tracking_link(settings: Settings, shipment: Any) -> str:
    """``{public_base_url}/t/<token>`` for a shipment; short enough for an SMS."""
    token = timed_serializer(settings, TRACK_SALT).dumps(shipment.id)
    return f"{settings.public_base_url}{TRACK_PATH}/{token}"


def make_short_tracking_link(settings: Settings, shipment: Any) -> str:
    """``{public_base_url}/t/<short token>`` for a text message: 14 to 18 characters
    shorter than :func:`make_tracking_link` (a truncated HMAC,
    :mod:`portal.core.short_tokens`), and expiring the same way, from when it was made."""
    code = short_tokens.timed_mac(settings, TRACK_SHORT_PURPOSE, shipment.id)
    return f"{settings.public_base_url}{TRACK_PATH}/{short_tokens.base36(shipment.id)}.{code}"


def read_tracking_link(settings: Settings, token: str, max_age: int | None) -> int | None:
    """The shipment id in a tracking token (long or short), or None when forged, malformed
    or too old."""
    if short := _SHORT_TRACKING.fullmatch(token):
        shipment_id = short_tokens.from_base36(short[1])
        if shipment_id is None or not short_tokens.read_timed_mac(
            settings, TRACK_SHORT_PURPOSE, short[2], shipment_id, max_age=max_age
        ):
            return None
        return shipment_id
    try:
        value = timed_serializer(settings, TRACK_SALT).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    return value if is_id(value) else None


def make_preferences_token(settings: Settings, customer_id: int) -> str:
    """A token naming a customer, for the preferences page and one-click unsubscribe.

    It does not expire: RFC 8058 expects an unsubscribe link to keep working.
    """
    return id_tokens(settings, UNSUBSCRIBE_SALT).dumps(customer_id)


def read_preferences_token(settings: Settings, token: str) -> int | None:
    try:
        value = serializer(settings, UNSUBSCRIBE_SALT).loads(token)
    except BadSignature:
        return None
    return value if is_id(value) else None


def preferences_link(settings: Settings, customer_id: int, token: str | None = None) -> str:
    """The preferences page of a customer; ``token``: one already made for them (a
    message's unsubscribe headers use it twice, and signing costs)."""
    token = token or make_preferences_token(settings, customer_id)
    return f"{settings.public_base_url}{PREFERENCES_PATH}/{token}"


# --- returns: start from the "delivered" message, follow one return ---


class LinkProblem(Exception):
    """A signed link that cannot be used; ``expired`` tells an old link from a forged one."""

    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def start_token(settings: Settings, merchant_id: int, order_id: int) -> str:
    return str(timed_serializer(settings, START_SALT).dumps([merchant_id, order_id]))


def start_url(settings: Settings, merchant_id: int, order_id: int) -> str:
    """The link the "delivered" message carries: straight to the order's returnable items."""
    return f"{settings.public_base_url}{START_PATH}/{start_token(settings, merchant_id, order_id)}"


def withdrawal_url(settings: Settings, merchant_id: int, order_id: int) -> str:
    """The link every shipment e-mail carries to the order's withdrawal function."""
    token = start_token(settings, merchant_id, order_id)
    return f"{settings.public_base_url}{WITHDRAW_START_PATH}/{token}"


def read_start_token(
    settings: Settings, token: str, max_age: int = START_MAX_AGE
) -> tuple[int, int]:
    """(merchant id, order id) from a start link, or :class:`LinkProblem`."""
    try:
        value = timed_serializer(settings, START_SALT).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise LinkProblem(expired=True) from exc
    except BadSignature as exc:
        raise LinkProblem(expired=False) from exc
    pair = id_pair(value)
    if pair is None or not is_id(pair[1]):
        raise LinkProblem(expired=False)
    return pair[0], pair[1]


def follow_token(settings: Settings, merchant_id: int, number: str) -> str:
    return str(serializer(settings, FOLLOW_SALT).dumps([merchant_id, number]))


def follow_url(settings: Settings, merchant_id: int, number: str) -> str:
    """A lasting link to one return's page (for the confirmation and return messages)."""
    return (
        f"{settings.public_base_url}/returns/{number}/{follow_token(settings, merchant_id, number)}"
    )


def read_follow_token(settings: Settings, token: str) -> tuple[int, str] | None:
    try:
        value = serializer(settings, FOLLOW_SALT).loads(token)
    except BadSignature:
        return None
    pair = id_pair(value)
    return (pair[0], pair[1]) if pair is not None and isinstance(pair[1], str) else None
