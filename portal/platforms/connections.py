"""Connecting a store: check the credentials, register Doorstep's webhooks, keep health.

The workspace screen and ``portal connect`` both call :func:`connect`. Credentials are
stored with :func:`portal.crypto.encrypt_json` exactly like carrier accounts'. A store
that refuses them later (401/403) pauses the connection with a sentence the merchant
sees; saving working credentials again resumes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

import httpx

from portal.crypto import DecryptionError, decrypt_json, encrypt_json
from portal.i18n import _
from portal.models import Platform, PlatformConnection, PlatformPush, PushState
from portal.platforms import baselinker, prestashop, shopify, woocommerce
from portal.platforms.base import (
    Journal,
    Page,
    PlatformError,
    Revoked,
    ShopOrder,
    ShopProduct,
)
from portal.platforms.transport import Sleep, Transport
from portal.settings import Settings


class PlatformClient(Protocol):
    """What the sync engine asks of a platform module's client."""

    platform: str
    credentials: dict[str, str]
    transport: Transport

    async def check(self) -> str: ...

    async def orders(
        self, cursor: str | None, since: datetime | None, page_size: int = 100
    ) -> Page[ShopOrder]: ...

    async def products(self, cursor: str | None, page_size: int = 50) -> Page[ShopProduct]: ...

    async def register_webhooks(self, callback_url: str) -> list[dict[str, Any]]: ...

    async def write_tracking(self, payload: dict[str, Any]) -> None: ...

    async def write_return(self, payload: dict[str, Any]) -> None: ...


@runtime_checkable
class JournalClient(Protocol):
    """A client whose store keeps a journal of order events (BaseLinker): the sync engine
    reads it after the last entry read and reads again only the orders it names."""

    #: How far before the watermark a reconciliation reads orders again.
    recheck: timedelta

    async def journal(self, after: int | None) -> Journal: ...

    async def orders_by_id(
        self, ids: Iterable[str], packages: Iterable[str]
    ) -> list[ShopOrder]: ...


@runtime_checkable
class NoticeClient(Protocol):
    """A client that learns, while it reads, of something the merchant should fix in the
    store that does not stop the sync (a PrestaShop key refused the shop's languages)."""

    async def notices(self) -> dict[str, bool]:
        """Each notice (a sentence, translated where shown) this client decided on, and
        whether it holds now; one left out is not known this time."""
        ...


def notice_columns(
    connection: PlatformConnection, notices: dict[str, bool], now: datetime
) -> dict[str, Any]:
    """The connection's last error after a read that did not fail: a notice that holds
    becomes it; one that no longer holds is cleared where it is the last error. The
    sentence is kept in English, the workspace shows it translated (as the journal's)."""
    for notice, holds in notices.items():
        if holds:
            return {"last_error": notice, "last_error_at": now}
    for notice, holds in notices.items():
        if not holds and connection.last_error == notice:
            return {"last_error": None, "last_error_at": None}
    return {}


CREDENTIAL_FIELDS = {
    Platform.SHOPIFY: shopify.CREDENTIAL_FIELDS,
    Platform.WOOCOMMERCE: woocommerce.CREDENTIAL_FIELDS,
    Platform.PRESTASHOP: prestashop.CREDENTIAL_FIELDS,
    Platform.BASELINKER: baselinker.CREDENTIAL_FIELDS,
}


#: A form waits for one retry at most: the merchant is looking at it.
CHECK_ATTEMPTS = 2


class ConnectError(ValueError):
    """The store could not be connected; the message says why, for the merchant."""


def normalise_shop_url(platform: Platform, text: str) -> str:
    """``example.myshopify.com`` or a WordPress or PrestaShop address as
    ``https://host[/path]``; a BaseLinker account is always BaseLinker's API."""
    if platform is Platform.BASELINKER:
        return baselinker.ACCOUNT_URL
    text = text.strip().rstrip("/")
    if platform is Platform.SHOPIFY and "://" not in text:
        text = "https://" + (text if "." in text else f"{text}.myshopify.com")
    parts = urlsplit(text if "://" in text else "https://" + text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConnectError(_("Enter the store's address, like https://shop.example.com"))
    if platform is Platform.SHOPIFY and not parts.netloc.endswith(".myshopify.com"):
        raise ConnectError(_("Enter the store's myshopify.com address, like example.myshopify.com"))
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def callback_url(settings: Settings, connection: PlatformConnection) -> str:
    return f"{settings.public_base_url.rstrip('/')}/webhooks/platforms/{connection.id}"


def credentials_of(settings: Settings, connection: PlatformConnection) -> dict[str, str]:
    stored = decrypt_json(settings, connection.credentials_encrypted)
    return {str(k): str(v) for k, v in stored.items()}


def client_for(
    connection: PlatformConnection,
    settings: Settings,
    http: httpx.AsyncClient,
    *,
    sleep: Sleep | None = None,
    attempts: int = Transport.attempts,
) -> PlatformClient:
    """The platform's client with the connection's decrypted credentials."""
    transport = Transport(http, attempts=attempts)
    if sleep is not None:
        transport.sleep = sleep
    credentials = credentials_of(settings, connection)
    if connection.platform == Platform.SHOPIFY:
        return shopify.ShopifyClient(connection.shop_url, credentials, transport)
    if connection.platform == Platform.PRESTASHOP:
        return prestashop.PrestaShopClient(connection.shop_url, credentials, transport)
    if connection.platform == Platform.BASELINKER:
        return baselinker.BaseLinkerClient(
            connection.shop_url, credentials, transport, connection_id=connection.id
        )
    return woocommerce.WooCommerceClient(connection.shop_url, credentials, transport)


@dataclass(frozen=True)
class Connected:
    connection: PlatformConnection
    shop: str
    created: bool


async def connect(
    merchant_id: int,
    platform: Platform,
    shop_url: str,
    credentials: dict[str, str],
    *,
    settings: Settings,
    http: httpx.AsyncClient,
    now: datetime,
    register: bool = True,
    sleep: Sleep | None = None,
) -> Connected:
    """Save the store, check its credentials and register Doorstep's webhooks.

    Nothing is kept when the store refuses the credentials. Reconnecting the same store
    replaces its credentials and resumes it.
    """
    url = normalise_shop_url(platform, shop_url)
    missing = [f for f in CREDENTIAL_FIELDS[platform] if not credentials.get(f)]
    if missing:
        raise ConnectError(_("Fill in: %(fields)s.") % {"fields": ", ".join(missing)})
    existing = await PlatformConnection.get_or_none(
        merchant_id=merchant_id, platform=platform, shop_url=url
    )
    kept = credentials_of(settings, existing) if existing else {}
    merged = {**kept, **{k: v for k, v in credentials.items() if v}}
    connection = existing or PlatformConnection(
        merchant_id=merchant_id,
        platform=platform,
        shop_url=url,
        credentials_encrypted="",
        # Writing to PrestaShop moves the order's state: the merchant turns it on.
        # BaseLinker's waits for a delivered status chosen (``--delivered-status``).
        write_tracking=platform not in (Platform.PRESTASHOP, Platform.BASELINKER),
    )
    connection.credentials_encrypted = encrypt_json(settings, merged)
    client = client_for(connection, settings, http, sleep=sleep)
    try:
        shop = await client.check()
    except Revoked:
        raise ConnectError(
            "The store refused these credentials. Check them and try again."
        ) from None
    except PlatformError as exc:
        raise ConnectError(f"The store did not answer properly: {exc}") from None
    except httpx.HTTPError:
        raise ConnectError("The store could not be reached. Check its address.") from None
    connection.paused_reason = None
    connection.enabled = True
    connection.next_sync_at = now
    # Told at once: the merchant is looking at the store's settings now.
    notices = await client.notices() if isinstance(client, NoticeClient) else {}
    for name, value in notice_columns(connection, notices, now).items():
        setattr(connection, name, value)
    await connection.save()
    # Writes parked while the connection was paused go out again.
    await PlatformPush.filter(connection_id=connection.id, state=PushState.PENDING).update(
        next_attempt_at=now
    )
    if register:
        try:
            connection.webhooks = await client.register_webhooks(callback_url(settings, connection))
        except PlatformError as exc:
            connection.last_error = f"Webhooks not registered: {exc}"
            connection.last_error_at = now
        # WooCommerce's webhook secret is chosen while registering: keep it.
        connection.credentials_encrypted = encrypt_json(settings, client.credentials)
        await connection.save()
    return Connected(connection, shop, existing is None)


async def check(
    connection: PlatformConnection, settings: Settings, http: httpx.AsyncClient
) -> tuple[bool, str]:
    """(works, a sentence for the merchant): the "test connection" button."""
    return await _check(client_for(connection, settings, http, attempts=CHECK_ATTEMPTS))


async def _check(client: PlatformClient) -> tuple[bool, str]:
    try:
        shop = await client.check()
    except Revoked:
        return False, _("The store refused these credentials. Check them and save again.")
    except (PlatformError, httpx.HTTPError) as exc:
        return False, _("The store did not answer properly: %(error)s") % {"error": exc}
    return True, _("Connected to %(shop)s.") % {"shop": shop}


async def pause(connection: PlatformConnection, reason: str, now: datetime) -> None:
    """Stop syncing and writing back until the merchant saves working credentials."""
    connection.paused_reason = reason
    connection.last_error = reason
    connection.last_error_at = now
    await PlatformConnection.filter(id=connection.id).update(
        paused_reason=reason, last_error=reason, last_error_at=now
    )


def status_line(connection: PlatformConnection) -> dict[str, Any]:
    """What the workspace shows for a connection."""
    return {
        "last_sync_at": connection.last_sync_at,
        "last_error": connection.last_error,
        "last_error_at": connection.last_error_at,
        "webhooks": len([w for w in connection.webhooks if w.get("topic")]),
        "paused": connection.paused_reason,
        "forged": connection.webhooks_forged,
        "replayed": connection.webhooks_replayed,
        "journal": connection.journal,
    }


#: How long a BaseLinker account's order statuses, once read, serve the Stores screen's
#: picker before they are read again (a merchant rarely adds one; saving a choice or the
#: screen's refresh control reads them at once).
STATUSES_TTL = timedelta(hours=1)


async def order_statuses(
    connection: PlatformConnection,
    settings: Settings,
    http: httpx.AsyncClient,
    *,
    now: datetime | None = None,
) -> dict[str, str]:
    """A BaseLinker account's order statuses (``getOrderStatusList``, through the
    connection's pace): id -> name, in the account's order, kept on the connection as the
    last known list. ValueError for a store that is not BaseLinker; the store's errors
    (:class:`PlatformError`, :class:`httpx.HTTPError`) as they come."""
    client = client_for(connection, settings, http, attempts=CHECK_ATTEMPTS)
    if not isinstance(client, baselinker.BaseLinkerClient):
        raise ValueError("only a BaseLinker store moves its orders to a delivered status")
    statuses = await client.statuses()
    connection.order_statuses = [[k, v] for k, v in statuses.items()]
    connection.order_statuses_read_at = now or datetime.now(UTC)
    await PlatformConnection.filter(id=connection.id).update(
        order_statuses=connection.order_statuses,
        order_statuses_read_at=connection.order_statuses_read_at,
    )
    return statuses


@dataclass(frozen=True)
class KnownStatuses:
    """A BaseLinker account's order statuses for the Stores screen: id -> name (None when
    never read), and why they are not fresh (BaseLinker's error, else None)."""

    statuses: dict[str, str] | None
    error: Exception | None = None


async def known_order_statuses(
    connection: PlatformConnection,
    settings: Settings,
    http: httpx.AsyncClient,
    *,
    now: datetime,
    refresh: bool = False,
) -> KnownStatuses:
    """The account's order statuses as last read when that was under
    :data:`STATUSES_TTL` ago (and ``refresh`` is not asked), else read again. When
    BaseLinker does not answer, the last known list (or None) with the error: the
    screen still draws."""
    read_at = connection.order_statuses_read_at
    known = (
        {k: v for k, v in connection.order_statuses}
        if connection.order_statuses is not None
        else None
    )
    if known is not None and read_at is not None and not refresh and now - read_at < STATUSES_TTL:
        return KnownStatuses(known)
    try:
        return KnownStatuses(await order_statuses(connection, settings, http, now=now))
    except (DecryptionError, PlatformError, httpx.HTTPError) as exc:
        return KnownStatuses(known, exc)


#: Stores a resolved return's refund can be written back to (PrestaShop's webservice
#: documents no refund; BaseLinker's write-back is the delivered status alone).
REFUNDS_WRITTEN_BACK = (Platform.SHOPIFY, Platform.WOOCOMMERCE)


async def set_write_back(
    connection: PlatformConnection, *, tracking: bool | None, returns: bool | None
) -> None:
    """Switch writing tracking and resolved returns' refunds back to the store, as the
    Stores screen's boxes do (``None`` leaves one as it is). ValueError naming the field
    for a switch the platform does not take; nothing changes then."""
    if connection.platform == Platform.BASELINKER and tracking is not None:
        raise ValueError("write_tracking: a BaseLinker store's write-back is its delivered status")
    if returns and connection.platform not in REFUNDS_WRITTEN_BACK:
        raise ValueError(
            f"write_returns: {connection.platform.value} takes no refunds written back"
        )
    changes: dict[str, bool] = {}
    if tracking is not None:
        changes["write_tracking"] = connection.write_tracking = tracking
    if returns is not None:
        changes["write_returns"] = connection.write_returns = returns
    if changes:
        await PlatformConnection.filter(id=connection.id).update(**changes)


async def set_delivered_status(
    connection: PlatformConnection,
    choice: str | None,
    settings: Settings,
    http: httpx.AsyncClient,
) -> tuple[int | None, str]:
    """A BaseLinker connection's write-back: the order status (a name, any case, or an id
    from the account's ``getOrderStatusList``) a delivered parcel moves its order to, or
    none (``None`` or ``"none"``); saved, with tracking write-back on exactly when one is
    chosen. (status id, its name). ValueError, listing the account's statuses, for a
    status it lacks or a store that is not BaseLinker; nothing changes then."""
    if connection.platform != Platform.BASELINKER:
        raise ValueError("only a BaseLinker store moves its orders to a delivered status")
    status_id: int | None = None
    name = ""
    if choice is not None and choice.strip().casefold() != "none":
        statuses = await order_statuses(connection, settings, http)
        status_id = baselinker.choose_status(statuses, choice)
        name = statuses[str(status_id)]
    connection.delivered_status_id = status_id
    connection.write_tracking = status_id is not None
    await PlatformConnection.filter(id=connection.id).update(
        delivered_status_id=status_id, write_tracking=status_id is not None
    )
    return status_id, name
