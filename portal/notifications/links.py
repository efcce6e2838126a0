"""Signed links in messages: the tracking page and the notification preferences page.

Both carry only an id, signed with ``PORTAL_SECRET_KEY`` (older keys still verify during a
rotation), so a link cannot be guessed or edited to reach another customer's data.
"""

from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from portal.settings import Settings

TRACK_SALT = "track-link"
UNSUBSCRIBE_SALT = "notification-preferences"
TRACK_PATH = "/t"
PREFERENCES_PATH = "/unsubscribe"  # CSRF-exempt in portal.web.csrf (RFC 8058 POSTs)


def _keys(settings: Settings) -> list[str]:
    """Verification keys oldest first; itsdangerous signs with the last one."""
    return [*reversed(tuple(getattr(settings, "old_secret_keys", ()) or ())), settings.secret_key]


def make_tracking_link(settings: Settings, shipment: Any) -> str:
    """``{public_base_url}/t/<token>`` for a shipment; short enough for an SMS."""
    token = URLSafeTimedSerializer(_keys(settings), salt=TRACK_SALT).dumps(shipment.id)
    return f"{settings.public_base_url}{TRACK_PATH}/{token}"


def read_tracking_link(settings: Settings, token: str, max_age: int | None) -> int | None:
    """The shipment id in a tracking token, or None when forged, malformed or too old."""
    try:
        value = URLSafeTimedSerializer(_keys(settings), salt=TRACK_SALT).loads(
            token, max_age=max_age
        )
    except (BadSignature, SignatureExpired):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def make_preferences_token(settings: Settings, customer_id: int) -> str:
    """A token naming a customer, for the preferences page and one-click unsubscribe.

    It does not expire: RFC 8058 expects an unsubscribe link to keep working.
    """
    return URLSafeSerializer(_keys(settings), salt=UNSUBSCRIBE_SALT).dumps(customer_id)


def read_preferences_token(settings: Settings, token: str) -> int | None:
    try:
        value = URLSafeSerializer(_keys(settings), salt=UNSUBSCRIBE_SALT).loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def preferences_link(settings: Settings, customer_id: int) -> str:
    token = make_preferences_token(settings, customer_id)
    return f"{settings.public_base_url}{PREFERENCES_PATH}/{token}"
