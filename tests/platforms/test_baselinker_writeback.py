"""Writing a delivery back to BaseLinker, opt-in, faked at HTTP only: ``portal connect
baselinker --delivered-status`` names one of the account's order statuses
(``getOrderStatusList``); when a package's parcel is delivered, its order is moved there
with ``setOrderStatus`` (https://api.baselinker.com/index.php?method=setOrderStatus)
once, through the write-back queue. Payloads: tests/fixtures/baselinker/SOURCE.md."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from carriers.base import Status
from portal.cli import CommandError, connect_store
from portal.models import PlatformConnection, PlatformPush, PushState, Shipment
from portal.platforms.backfill import sync_connection
from portal.platforms.writeback import push_once
from portal.settings import Settings
from portal.tracking.sweep import sweep_until_idle
from tests.platforms.fake_baselinker import (
    BASE,
    BASELINKER_TOKEN,
    CONNECTED_SAYS,
    SHIPPED_STATUS,
    FakeBaseLinker,
    fixtures,
)
from tests.platforms.fakes import DHL_NUMBER, connect_args, connect_by_cli

DELIVERED_STATUS = 1054
SAID = CONNECTED_SAYS


settings, store, http = fixtures(orders=3)


def cli_args(**values: str | None) -> argparse.Namespace:
    return connect_args("baselinker", token=BASELINKER_TOKEN, token_file=None, **values)


async def test_a_delivered_parcel_moves_its_order_to_the_chosen_status_once(
    settings: Settings, store: FakeBaseLinker, http: httpx.AsyncClient
) -> None:
    connection = await connect_by_cli(
        settings,
        http,
        cli_args(delivered_status="delivered"),
        [*SAID, 'A delivered parcel moves its order to the BaseLinker status "Delivered" (1054).'],
    )
    connection = await PlatformConnection.get()
    assert (connection.delivered_status_id, connection.write_tracking) == (DELIVERED_STATUS, True)
    store.ship(7_000_001, DHL_NUMBER, "dhl", BASE + timedelta(hours=5))
    await sync_connection(connection, settings, http)
    store.calls.clear()

    # The sweep polls DHL: delivered. Its pushes go out through the queue.
    await sweep_until_idle(settings, client=http)
    assert (await Shipment.get(tracking_number=DHL_NUMBER)).status == Status.DELIVERED
    await push_once(settings, client=http)

    # Only delivery was queued (not the earlier statuses), and written once.
    assert store.calls == [
        ("getOrders", {"order_id": 7_000_001, "get_unconfirmed_orders": False}),
        ("setOrderStatus", {"order_id": 7_000_001, "status_id": DELIVERED_STATUS}),
    ]
    assert store.orders[7_000_001]["order_status_id"] == DELIVERED_STATUS
    push = await PlatformPush.get()
    assert (push.kind, push.state, push.payload["order_status_id"]) == (
        "tracking", PushState.DONE, DELIVERED_STATUS,
    )  # fmt: skip

    # Sent again (a retry after a lost answer): the order is there already.
    await PlatformPush.filter(id=push.id).update(
        state=PushState.PENDING, next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    store.calls.clear()
    await push_once(settings, client=http)
    assert [m for m, _p in store.calls] == ["getOrders"]


async def test_without_a_chosen_status_nothing_is_written_back(
    settings: Settings, store: FakeBaseLinker, http: httpx.AsyncClient
) -> None:
    connection = await connect_by_cli(
        settings,
        http,
        cli_args(),
        [
            *SAID,
            "Nothing is written back: --delivered-status STATUS moves a delivered parcel's "
            "order to one of the account's order statuses.",
        ],
    )
    store.ship(7_000_001, DHL_NUMBER, "dhl", BASE + timedelta(hours=5))
    await sync_connection(connection, settings, http)
    await sweep_until_idle(settings, client=http)
    await push_once(settings, client=http)

    assert not await PlatformPush.exists()
    assert store.count("setOrderStatus") == 0
    assert store.orders[7_000_001]["order_status_id"] == SHIPPED_STATUS


async def test_a_status_the_account_lacks_is_refused_with_those_it_has_and_none_turns_it_off(
    settings: Settings, store: FakeBaseLinker, http: httpx.AsyncClient
) -> None:
    await connect_by_cli(settings, http, cli_args(delivered_status="1054"), SAID)
    assert (await PlatformConnection.get()).delivered_status_id == DELIVERED_STATUS

    with pytest.raises(
        CommandError, match=r"no BaseLinker order status 'Zugestellt'.*1054 Delivered"
    ):
        await connect_store(cli_args(delivered_status="Zugestellt"), settings, http)
    # Reconnecting without the option keeps the choice; "none" ends it.
    lines = await connect_store(cli_args(), settings, http)
    assert (
        'A delivered parcel moves its order to the BaseLinker status "Delivered" (1054).' in lines
    )
    await connect_store(cli_args(delivered_status="none"), settings, http)
    connection = await PlatformConnection.get()
    assert (connection.delivered_status_id, connection.write_tracking) == (None, False)
