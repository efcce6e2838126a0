"""BaseLinker's event journal (``getJournalList``,
https://api.baselinker.com/index.php?method=getJournalList), faked at HTTP only: an
account connected with ``portal connect``, its journal read from the last entry kept, a
package added to an order confirmed a month ago tracked at the next reconciliation, the
two-week re-read left out while the journal is trusted, and a journal that is off (the
documented default: an empty answer) or refused told to the merchant once while the
reconciliation goes on as before. Payloads: tests/fixtures/baselinker/SOURCE.md."""

from __future__ import annotations

from datetime import timedelta

import httpx

from portal.i18n import gettext, reset_locale, set_locale
from portal.models import Order, PlatformConnection, Shipment
from portal.platforms.backfill import JOURNAL_OFF, OVERLAP, sync_connection
from portal.platforms.baselinker import RECHECK
from portal.platforms.baselinker_journal import parse_entries, summary
from portal.settings import Settings
from tests.platforms.fake_baselinker import (
    BASE,
    BASELINKER_TOKEN,
    CONNECTED_SAYS,
    STATUS_CHANGED,
    FakeBaseLinker,
    fixtures,
    stamp,
)
from tests.platforms.fakes import (
    DHL_NUMBER,
    connect_args,
    connect_by_cli,
    fixture,
)

#: The last order's confirmation: the watermark after the backfill.
LAST = BASE + timedelta(minutes=249)
SAID = CONNECTED_SAYS
OTHER_NUMBER = "JJD000390007012345678"


settings, store, http = fixtures(orders=250)


async def connected(settings: Settings, http: httpx.AsyncClient) -> PlatformConnection:
    args = connect_args("baselinker", token=BASELINKER_TOKEN, token_file=None)
    return await connect_by_cli(settings, http, args, SAID)


def get_orders(store: FakeBaseLinker) -> list[dict[str, object]]:
    return [p for m, p in store.calls if m == "getOrders"]


async def test_a_package_added_to_a_month_old_order_comes_in_through_the_journal(
    settings: Settings, store: FakeBaseLinker, http: httpx.AsyncClient
) -> None:
    store.journal_on = True
    store.log(7_000_001, STATUS_CHANGED, 1051, BASE + timedelta(hours=1))
    connection = await connected(settings, http)
    backfilled = BASE + timedelta(days=30)
    await sync_connection(connection, settings, http, now=backfilled)
    connection = await PlatformConnection.get()
    assert (connection.journal, connection.journal_log_id) == ("on", store.journal[-1]["log_id"])
    # A month after its confirmation, order 7000007 gets a package; its status stays.
    store.add_package(7_000_007, DHL_NUMBER, "dhl", backfilled + timedelta(minutes=5))
    store.calls.clear()

    report = await sync_connection(
        connection, settings, http, now=backfilled + timedelta(minutes=15)
    )

    # Read after the last entry kept, until an answer brings nothing newer.
    first = store.journal[0]["log_id"]
    assert store.journal_reads() == [first, first + 1]
    # The journal is trusted: confirmations since the watermark only, not two weeks;
    # then the one order it named, by id, with its packages.
    assert get_orders(store) == [
        {"get_unconfirmed_orders": False, "date_confirmed_from": stamp(LAST - OVERLAP)},
        {"order_id": 7_000_007, "get_unconfirmed_orders": False},
    ]
    assert store.count("getOrderPackages") == 1
    assert (report.shipments_created, report.orders_created, report.problems) == (1, 0, [])
    shipment = await Shipment.get(tracking_number=DHL_NUMBER)
    assert shipment.order_id == (await Order.get(number="7000007")).id
    connection = await PlatformConnection.get()
    assert connection.journal_log_id == first + 1
    assert connection.last_error is None

    # Nothing new: the journal answers nothing newer and nothing is read by id.
    store.calls.clear()
    again = await sync_connection(
        connection, settings, http, now=backfilled + timedelta(minutes=30)
    )
    assert store.journal_reads() == [first + 1]
    assert store.count("getOrderPackages") == 0 and len(get_orders(store)) == 1
    assert (again.shipments_created, again.orders_created, again.orders_updated) == (0, 0, 0)
    assert await Shipment.all().count() == 1


async def test_a_status_change_the_journal_lists_is_read_by_id(
    settings: Settings, store: FakeBaseLinker, http: httpx.AsyncClient
) -> None:
    store.journal_on = True
    store.log(7_000_001, STATUS_CHANGED, 1051, BASE + timedelta(hours=1))
    connection = await connected(settings, http)
    backfilled = BASE + timedelta(days=30)
    await sync_connection(connection, settings, http, now=backfilled)
    # The usual automation: a package and the order moved to "Shipped".
    store.ship(7_000_042, DHL_NUMBER, "dhl", backfilled + timedelta(minutes=5))
    store.calls.clear()

    report = await sync_connection(
        await PlatformConnection.get(), settings, http, now=backfilled + timedelta(minutes=15)
    )

    assert get_orders(store)[1:] == [{"order_id": 7_000_042, "get_unconfirmed_orders": False}]
    assert (report.orders_updated, report.shipments_created) == (1, 1)
    assert store.count("getOrderPackages") == 1


async def test_a_journal_read_longer_ago_than_it_keeps_is_not_trusted(
    settings: Settings, store: FakeBaseLinker, http: httpx.AsyncClient
) -> None:
    store.journal_on = True
    store.log(7_000_001, STATUS_CHANGED, 1051, BASE + timedelta(hours=1))
    connection = await connected(settings, http)
    backfilled = BASE + timedelta(days=1)
    await sync_connection(connection, settings, http, now=backfilled)
    store.calls.clear()

    # The worker was stopped for three days: the journal may have dropped events.
    later = backfilled + timedelta(days=3)
    await sync_connection(await PlatformConnection.get(), settings, http, now=later)
    await sync_connection(
        await PlatformConnection.get(), settings, http, now=later + timedelta(minutes=15)
    )

    # Two weeks of confirmations once, then the journal is trusted again.
    starts = [p.get("date_confirmed_from") for p in get_orders(store)]
    assert starts[0] == stamp(LAST - OVERLAP - RECHECK)
    assert starts[-1] == stamp(LAST - OVERLAP)


async def test_a_silent_journal_is_off_and_the_merchant_is_told_once(
    settings: Settings, store: FakeBaseLinker, http: httpx.AsyncClient
) -> None:
    connection = await connected(settings, http)
    backfilled = BASE + timedelta(days=1)
    await sync_connection(connection, settings, http, now=backfilled)
    assert (await PlatformConnection.get()).journal is None  # not known yet
    store.ship(7_000_007, DHL_NUMBER, "dhl", backfilled + timedelta(minutes=5))
    told = backfilled + timedelta(minutes=15)

    report = await sync_connection(await PlatformConnection.get(), settings, http, now=told)

    # The order moved, the journal listed nothing: it is off (its documented default).
    connection = await PlatformConnection.get()
    assert (connection.journal, connection.last_error) == ("off", JOURNAL_OFF)
    assert connection.last_error_at == told
    # The reconciliation of the last two weeks goes on and brings the package.
    assert store.reads()[-3] == stamp(LAST - OVERLAP - RECHECK)
    assert report.shipments_created == 1

    # Another order moves: still off, and the merchant is not told again.
    store.ship(7_000_008, OTHER_NUMBER, "dhl", told + timedelta(minutes=5))
    await sync_connection(connection, settings, http, now=told + timedelta(minutes=15))
    connection = await PlatformConnection.get()
    assert (connection.journal, connection.last_error_at) == ("off", told)
    assert await Shipment.all().count() == 2
    # The notice is one of the portal's sentences, translated on the Stores screen.
    token = set_locale("pl")
    try:
        assert gettext(JOURNAL_OFF) != JOURNAL_OFF
    finally:
        reset_locale(token)


async def test_a_refused_journal_is_off_at_once_and_turning_it_on_is_noticed(
    settings: Settings, store: FakeBaseLinker, http: httpx.AsyncClient
) -> None:
    # The documentation lists no error codes: any ERROR answer but the token's, in the
    # introduction's shape.
    refused = fixture("baselinker", "error_bad_token.json")
    refused.update(error_code="ERROR_JOURNAL", error_message="Journal not available")
    store.journal_error = refused
    connection = await connected(settings, http)
    backfilled = BASE + timedelta(days=1)

    report = await sync_connection(connection, settings, http, now=backfilled)

    connection = await PlatformConnection.get()
    assert (connection.journal, connection.last_error) == ("off", JOURNAL_OFF)
    assert (report.orders_created, report.problems) == (250, [])

    # Base's support turns it on: the next entry read makes it trusted.
    store.journal_error = None
    store.journal_on = True
    store.ship(7_000_007, DHL_NUMBER, "dhl", backfilled + timedelta(minutes=5))
    await sync_connection(connection, settings, http, now=backfilled + timedelta(minutes=15))
    connection = await PlatformConnection.get()
    assert (connection.journal, connection.journal_log_id) == ("on", store.journal[-1]["log_id"])
    assert connection.last_error is None  # the notice is over
    assert await Shipment.filter(tracking_number=DHL_NUMBER).exists()


def test_an_entry_is_read_by_log_id_or_by_id() -> None:
    """The documentation's table names the entry's id ``id``; its sample and the public
    clients, ``log_id``."""
    body = fixture("baselinker", "get_journal_list.json")
    body["logs"].append({"id": 456271, "log_type": 18, "order_id": 6911943, "date": 1})
    read = summary(parse_entries(body), 456269)
    assert read.last_id == 456271
    assert (read.orders, read.packages) == ({"6911942", "6911943"}, {"6911942"})
