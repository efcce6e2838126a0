"""``/stores``: the shop's connected stores with their sync health, and a BaseLinker
store's write-back (the order status a delivered parcel moves its order to).

Connecting a store stays with the workspace's Stores screen and ``portal connect``
(credentials are checked with the store there); the choice of status goes through
:func:`portal.platforms.connections.set_delivered_status`, as ``portal connect baselinker
--delivered-status`` does. Credentials are never answered.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from portal.api.errors import invalid_field, not_found
from portal.api.operations import Call, Operation, Param, Reply
from portal.api.schemas import DATE_TIME, component, list_of, nullable, obj, string
from portal.models import Platform, PlatformConnection
from portal.platforms import connections

PATH = "/stores"

STORE = component(
    "Store",
    obj(
        {
            "id": {"type": "integer"},
            "platform": string(enum=["shopify", "woocommerce", "prestashop", "baselinker"]),
            "shop_url": string(),
            "paused_reason": nullable(
                string(description="Set when the store refused the credentials.")
            ),
            "last_sync_at": nullable(DATE_TIME),
            "last_error": nullable(string()),
            "last_error_at": nullable(DATE_TIME),
            "write_tracking": {"type": "boolean"},
            "write_returns": {"type": "boolean"},
            "journal": nullable(
                string(
                    enum=["on", "off"],
                    description="BaseLinker's event journal: `on` (read every sync), `off` "
                    "(not available: the two-week reconciliation reads instead), null (not "
                    "known yet, or another platform).",
                )
            ),
            "delivered_status_id": nullable(
                {
                    "type": "integer",
                    "description": "BaseLinker: the order status a delivered parcel moves "
                    "its order to; null writes nothing back.",
                }
            ),
        }
    ),
)
STORE_PATCH = component(
    "StoreChange",
    obj(
        {},
        {
            "delivered_status": nullable(
                string(
                    maxLength=100,
                    description="A BaseLinker order status, by name (any case) or id, from "
                    "the account's `getOrderStatusList`; null or `none` writes nothing back.",
                )
            ),
            "write_tracking": {
                "type": "boolean",
                "description": "Write parcels and their statuses back to the store "
                "(Shopify, WooCommerce, PrestaShop; BaseLinker's is `delivered_status`).",
            },
            "write_returns": {
                "type": "boolean",
                "description": "Write resolved returns' refunds back to the store "
                "(Shopify, WooCommerce).",
            },
        },
    ),
)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def store_json(connection: PlatformConnection) -> dict[str, Any]:
    return {
        "id": connection.id,
        "platform": connection.platform.value,
        "shop_url": connection.shop_url,
        "paused_reason": connection.paused_reason,
        "last_sync_at": _iso(connection.last_sync_at),
        "last_error": connection.last_error,
        "last_error_at": _iso(connection.last_error_at),
        "write_tracking": connection.write_tracking,
        "write_returns": connection.write_returns,
        "journal": connection.journal,
        "delivered_status_id": connection.delivered_status_id,
    }


async def list_stores(call: Call) -> Reply:
    rows = await PlatformConnection.filter(merchant_id=call.merchant_id).order_by("id")
    return Reply(200, {"data": [store_json(c) for c in rows]})


async def change_store(call: Call) -> Reply:
    connection = await PlatformConnection.get_or_none(
        id=call.path["id"], merchant_id=call.merchant_id
    )
    if connection is None:
        raise not_found("store")
    body = call.body
    if "delivered_status" in body and connection.platform != Platform.BASELINKER:
        # Refused before anything changes: the request is all or nothing.
        raise invalid_field(
            "/delivered_status", "only a BaseLinker store moves its orders to a delivered status"
        )
    try:
        await connections.set_write_back(
            connection, tracking=body.get("write_tracking"), returns=body.get("write_returns")
        )
    except ValueError as exc:
        field, _, words = str(exc).partition(": ")
        raise invalid_field(f"/{field}", words) from None
    if "delivered_status" in body:
        try:
            await connections.set_delivered_status(
                connection,
                body["delivered_status"],
                call.settings,
                call.request.app.state.http_client,
            )
        except ValueError as exc:
            raise invalid_field("/delivered_status", str(exc)) from None
    return Reply(200, store_json(connection))


async def sync_store(call: Call) -> Reply:
    """The Stores screen's **Sync now**: the store is due for the worker's next
    ``sync-stores`` run (a paused store waits for working credentials)."""
    connection = await PlatformConnection.get_or_none(
        id=call.path["id"], merchant_id=call.merchant_id
    )
    if connection is None:
        raise not_found("store")
    await PlatformConnection.filter(id=connection.id).update(next_sync_at=call.now)
    return Reply(200, store_json(connection))


_ID = Param(
    "id", {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}, "The store's id.", "path", True
)
_TAG = "stores"

OPERATIONS = [
    Operation(
        "GET",
        PATH,
        "listStores",
        "The shop's connected stores with their sync health (credentials never shown)",
        _TAG,
        list_stores,
        {200: list_of(STORE)},
    ),
    Operation(
        "PATCH",
        PATH + "/{id}",
        "changeStore",
        "Choose what is written back to the store",
        _TAG,
        change_store,
        {200: STORE},
        body=STORE_PATCH,
        params=(_ID,),
        description="`write_tracking` and `write_returns` are the Stores screen's boxes "
        "(`422` for one the platform does not take: refunds go back to Shopify and "
        "WooCommerce only, and BaseLinker's write-back is `delivered_status`). "
        "`delivered_status`, BaseLinker only, is looked up in the account's "
        "`getOrderStatusList` (by name, any case, or id). A status the account lacks, or "
        "another platform's store, answers `422` listing the account's statuses and changes "
        "nothing; null or `none` turns the write-back off.",
    ),
    Operation(
        "POST",
        PATH + "/{id}/sync",
        "syncStore",
        "Sync the store now (the Stores screen's Sync now)",
        _TAG,
        sync_store,
        {200: STORE},
        params=(_ID,),
        description="The store is read by the worker's next `sync-stores` run (every "
        "minute), not within this request: `last_sync_at` tells when it ran. A paused "
        "store (refused credentials) is not read until it is connected again.",
    ),
]
