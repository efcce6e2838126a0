"""Web push (W3C Push API) to the browsers that subscribed on a tracking page.

A browser's subscription gives an endpoint on its vendor's push service and two keys; a
notification is encrypted for those keys (RFC 8291, ``aes128gcm`` content coding of
RFC 8188, done by pywebpush/http_ece), signed for the push service with our VAPID key
(RFC 8292, py_vapid) and POSTed to the endpoint with httpx. The push service answers 201;
404 or 410 means the subscription is gone, and we delete it.

One outbox row is one notification about one shipment: it goes to every browser that
subscribed to that shipment (``recipient`` is ``shipment:<id>``). It counts as sent when
at least one browser's push service accepted it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02
from pywebpush import WebPusher, WebPushException

from portal.models import OutboxMessage, PushSubscription, Shipment
from portal.notifications.base import DeliveryError, MessageChannel, Sent
from portal.settings import Settings

log = logging.getLogger(__name__)

#: How long a push service keeps a notification for an offline browser.
TTL_SECONDS = 24 * 3600
#: How long a subscription outlives its shipment's last change.
KEEP_AFTER = timedelta(days=30)
MAX_ENDPOINT = 1000
RECIPIENT_PREFIX = "shipment:"


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class VapidKeys:
    """A VAPID key pair as the settings hold it: both base64url, the public key as the
    uncompressed P-256 point browsers take as ``applicationServerKey``."""

    public_key: str
    private_key: str


def generate_keys() -> VapidKeys:
    """A new VAPID key pair (``portal push keys``)."""
    private = ec.generate_private_key(ec.SECP256R1())
    raw_private = private.private_numbers().private_value.to_bytes(32, "big")
    raw_public = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return VapidKeys(public_key=_b64url(raw_public), private_key=_b64url(raw_private))


def push_configured(settings: Settings) -> bool:
    return bool(settings.vapid_public_key and settings.vapid_private_key)


def recipient_for(shipment_id: int) -> str:
    return f"{RECIPIENT_PREFIX}{shipment_id}"


def endpoint_hash(endpoint: str) -> str:
    return hashlib.sha256(endpoint.encode("utf-8")).hexdigest()


class SubscriptionError(ValueError):
    """A subscription the browser sent that cannot be used."""


def validate_subscription(data: Any) -> tuple[str, str, str]:
    """``(endpoint, p256dh, auth)`` from a ``PushSubscription.toJSON()`` document.

    The endpoint must be an https URL (a push service), the keys a P-256 point and a
    16-byte secret, as the Push API gives them.
    """
    if not isinstance(data, dict):
        raise SubscriptionError("expected a JSON object")
    endpoint = data.get("endpoint")
    keys = data.get("keys")
    if not isinstance(endpoint, str) or not isinstance(keys, dict):
        raise SubscriptionError("endpoint and keys are required")
    parts = urlsplit(endpoint)
    if parts.scheme != "https" or not parts.netloc or len(endpoint) > MAX_ENDPOINT:
        raise SubscriptionError("endpoint must be an https URL")
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not isinstance(p256dh, str) or not isinstance(auth, str):
        raise SubscriptionError("keys.p256dh and keys.auth are required")
    try:
        point = _b64url_decode(p256dh)
        secret = _b64url_decode(auth)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except (ValueError, TypeError) as exc:
        raise SubscriptionError("keys are not a P-256 point and a secret") from exc
    if len(secret) != 16:
        raise SubscriptionError("keys.auth must be 16 bytes")
    return endpoint, p256dh, auth


async def subscribe(shipment: Shipment, data: Any, now: datetime) -> PushSubscription:
    """Store (or refresh) a browser's subscription to ``shipment``."""
    endpoint, p256dh, auth = validate_subscription(data)
    digest = endpoint_hash(endpoint)
    expires = now + KEEP_AFTER
    found = await PushSubscription.get_or_none(shipment_id=shipment.id, endpoint_hash=digest)
    if found is not None:
        found.p256dh, found.auth, found.expires_at = p256dh, auth, expires
        await found.save(update_fields=["p256dh", "auth", "expires_at"])
        return found
    return await PushSubscription.create(
        merchant_id=shipment.merchant_id,
        shipment_id=shipment.id,
        endpoint=endpoint,
        endpoint_hash=digest,
        p256dh=p256dh,
        auth=auth,
        expires_at=expires,
    )


async def unsubscribe(shipment: Shipment, endpoint: str) -> bool:
    """Forget a browser's subscription to ``shipment``; True when there was one."""
    deleted = await PushSubscription.filter(
        shipment_id=shipment.id, endpoint_hash=endpoint_hash(endpoint)
    ).delete()
    return bool(deleted)


async def has_subscribers(shipment_id: int, now: datetime) -> bool:
    return await PushSubscription.filter(shipment_id=shipment_id, expires_at__gt=now).exists()


async def purge_expired(now: datetime) -> int:
    """Delete subscriptions past their shipment's time (run by the worker's cleanup)."""
    return await PushSubscription.filter(expires_at__lte=now).delete()


def notification_body(message: OutboxMessage) -> bytes:
    """What the service worker receives: title, text and the page to open."""
    payload = message.payload or {}
    document = {
        "title": payload.get("title") or message.subject,
        "body": message.body_text,
        "url": payload.get("url"),
        "tag": message.unique_key,
    }
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def encrypt(subscription: PushSubscription, body: bytes) -> bytes:
    """``body`` encrypted for one browser (RFC 8291 with RFC 8188 ``aes128gcm``)."""
    keys = {"p256dh": subscription.p256dh, "auth": subscription.auth}
    pusher = WebPusher({"endpoint": subscription.endpoint, "keys": keys})
    encoded = pusher.encode(body, content_encoding="aes128gcm")
    return bytes(encoded["body"])


class PushChannel(MessageChannel):
    """Delivers one notification to every browser subscribed to the message's shipment."""

    def __init__(self, settings: Settings, http_client: httpx.AsyncClient | None = None) -> None:
        if not push_configured(settings):
            raise DeliveryError("web push is not configured (no VAPID keys)", permanent=False)
        super().__init__(settings)
        self._own_http = http_client is None
        self.http = http_client or httpx.AsyncClient(timeout=15.0)
        self.vapid = Vapid02.from_raw(str(settings.vapid_private_key).encode("ascii"))

    async def close(self) -> None:
        if self._own_http:
            await self.http.aclose()

    def _authorization(self, endpoint: str) -> str:
        parts = urlsplit(endpoint)
        claims = {"aud": f"{parts.scheme}://{parts.netloc}", "sub": self.settings.vapid_subject}
        return str(self.vapid.sign(claims)["Authorization"])

    async def send(self, message: OutboxMessage) -> Sent:
        if message.shipment_id is None:
            raise DeliveryError("a push message needs a shipment", permanent=True)
        subscriptions = await PushSubscription.filter(shipment_id=message.shipment_id)
        if not subscriptions:
            raise DeliveryError("no browser is subscribed any more", permanent=True)
        body = notification_body(message)
        accepted: list[str] = []
        transient: list[str] = []
        for subscription in subscriptions:
            outcome = await self._push(subscription, body)
            if outcome is None:
                continue
            (accepted if outcome.startswith("accepted") else transient).append(outcome)
        if accepted:
            return Sent(provider_id=accepted[0].split(" ", 1)[1][:100], status="sent")
        if transient:
            raise DeliveryError(f"push services did not accept: {transient[0]}", permanent=False)
        raise DeliveryError("every subscription was refused or is gone", permanent=True)

    async def _push(self, subscription: PushSubscription, body: bytes) -> str | None:
        """``"accepted <location>"``, ``"retry <why>"``, or None when the subscription
        is gone or refused for good (it is deleted when gone)."""
        try:
            encrypted = encrypt(subscription, body)
        except (WebPushException, ValueError) as exc:
            log.warning("push subscription %s cannot be encrypted for: %s", subscription.id, exc)
            await subscription.delete()
            return None
        headers = {
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": str(TTL_SECONDS),
            "Urgency": "normal",
            "Authorization": self._authorization(subscription.endpoint),
        }
        try:
            response = await self.http.post(
                subscription.endpoint, content=encrypted, headers=headers
            )
        except httpx.HTTPError as exc:
            return f"retry {type(exc).__name__}"
        if response.status_code in (200, 201, 202):
            return f"accepted {response.headers.get('Location') or subscription.id}"
        if response.status_code in (404, 410):
            await subscription.delete()
            return None
        if response.status_code == 429 or response.status_code >= 500:
            return f"retry HTTP {response.status_code}"
        log.warning(
            "push service refused subscription %s: HTTP %s %s",
            subscription.id,
            response.status_code,
            response.text[:200],
        )
        return None
