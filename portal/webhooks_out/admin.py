"""What the admin screens and the API do with endpoints: create (the secret is shown once),
enable/disable, delete, list, and "send test" (a ``ping`` delivery); the delivery log and
"resend" are :mod:`portal.webhooks_out.delivery_log`.

Every function takes the merchant id and scopes its query to it: another merchant's
endpoint behaves as if it did not exist.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from portal.crypto import decrypt_json, encrypt_json
from portal.models import WebhookDelivery, WebhookEndpoint
from portal.settings import Settings
from portal.webhooks_out import topics

SECRET_PREFIX = "whsec_"
MAX_TOPICS = 20


class EndpointError(ValueError):
    """A field of a new endpoint is wrong; ``pointer`` names it (``/url``, ``/topics/0``)."""

    def __init__(self, pointer: str, detail: str) -> None:
        super().__init__(f"{pointer}: {detail}")
        self.pointer = pointer
        self.detail = detail


def url_problem(url: str, *, production: bool) -> str | None:
    """Why ``url`` cannot receive webhooks, or None. Production needs https and refuses
    loopback, private and link-local addresses given as IP literals or ``localhost``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an absolute http(s) URL"
    if not production:
        return None
    if parts.scheme != "https":
        return "must use https"
    host = parts.hostname
    if host == "localhost" or host.endswith(".localhost"):
        return "must not point at this machine"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if not address.is_global:
        return "must be a public address"
    return None


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def endpoint_secret(settings: Settings, endpoint: WebhookEndpoint) -> str:
    return str(decrypt_json(settings, endpoint.secret_encrypted))


async def create_endpoint(
    settings: Settings,
    *,
    merchant_id: int,
    url: str,
    topics_: Sequence[str],
    description: str = "",
) -> tuple[WebhookEndpoint, str]:
    """A new enabled endpoint and its signing secret (shown to the merchant only now)."""
    problem = url_problem(url, production=settings.production)
    if problem:
        raise EndpointError("/url", problem)
    if not topics_:
        raise EndpointError("/topics", "must name at least one topic")
    if len(topics_) > MAX_TOPICS:
        raise EndpointError("/topics", f"must name at most {MAX_TOPICS} topics")
    for index, pattern in enumerate(topics_):
        problem = topics.pattern_problem(pattern)
        if problem:
            raise EndpointError(f"/topics/{index}", problem)
    secret = new_secret()
    endpoint = await WebhookEndpoint.create(
        merchant_id=merchant_id,
        url=url,
        description=description,
        secret_encrypted=encrypt_json(settings, secret),
        topics=list(dict.fromkeys(topics_)),
    )
    return endpoint, secret


async def get_endpoint(merchant_id: int, endpoint_id: int) -> WebhookEndpoint | None:
    return await WebhookEndpoint.get_or_none(id=endpoint_id, merchant_id=merchant_id)


async def list_endpoints(merchant_id: int) -> list[WebhookEndpoint]:
    return list(await WebhookEndpoint.filter(merchant_id=merchant_id).order_by("id"))


async def set_enabled(merchant_id: int, endpoint_id: int, enabled: bool) -> bool:
    """Enable or disable; False when the merchant has no such endpoint."""
    changed = await WebhookEndpoint.filter(id=endpoint_id, merchant_id=merchant_id).update(
        enabled=enabled
    )
    return bool(changed)


async def disable_endpoint(merchant_id: int, endpoint_id: int) -> bool:
    return await set_enabled(merchant_id, endpoint_id, False)


async def delete_endpoint(merchant_id: int, endpoint_id: int) -> bool:
    """Delete the endpoint and its delivery log; False when there is no such endpoint."""
    deleted = await WebhookEndpoint.filter(id=endpoint_id, merchant_id=merchant_id).delete()
    return bool(deleted)


def envelope(
    event_id: str, topic: str, created_at: datetime, data: dict[str, Any]
) -> dict[str, Any]:
    """The JSON every delivery sends: who, what, when, and the topic's data."""
    return {"id": event_id, "topic": topic, "created_at": created_at.isoformat(), "data": data}


async def send_test(
    merchant_id: int, endpoint_id: int, *, now: datetime | None = None
) -> WebhookDelivery | None:
    """Queue a ``ping`` to the endpoint (sent by the next sender pass); None if not found."""
    endpoint = await get_endpoint(merchant_id, endpoint_id)
    if endpoint is None:
        return None
    now = now or datetime.now(UTC)
    delivery = await WebhookDelivery.create(
        endpoint=endpoint,
        event=None,
        topic=topics.PING,
        payload={},
        next_attempt_at=now,
    )
    delivery.payload = envelope(
        f"ping_{delivery.id}", topics.PING, now, {"endpoint_id": endpoint.id, "test": True}
    )
    await WebhookDelivery.filter(id=delivery.id, created_at=delivery.created_at).update(
        payload=delivery.payload
    )
    return delivery
