"""The portal's PostgreSQL pool serves the tasks that wait for a connection in the order
they asked (asyncpg's own let a newcomer take a connection a waiting task had been woken
for, and under load a few tasks waited for a second: MagicStack/asyncpg#1247)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator

import pytest
from tortoise import connections
from tortoise.exceptions import OperationalError
from tortoise.transactions import in_transaction

from portal import db as portal_db
from portal.db_postgres import FairPool, _writes
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="PORTAL_TEST_POSTGRES is not set")


@pytest.fixture
async def pool(postgres_url: str) -> AsyncIterator[FairPool]:
    """The pool the portal's queries use, every connection already open (a connection
    being opened lets the next task go first, whatever the order)."""
    await portal_db.connect(postgres_url)
    try:
        await connections.get("default").execute_query("SELECT 1")  # the pool opens lazily
        pool = connections.get("default")._pool  # type: ignore[attr-defined]
        held = [await pool.acquire() for _ in range(pool.get_max_size())]
        for connection in held:
            await pool.release(connection)
        yield pool
    finally:
        await portal_db.disconnect()


def test_the_portal_runs_postgres_on_its_own_engine() -> None:
    config = portal_db.tortoise_config("postgres://u@db.test:5432/shop")
    assert config["connections"]["default"]["engine"] == "portal.db_postgres"


async def test_tasks_get_connections_in_the_order_they_asked(pool: FairPool) -> None:
    # Sixteen clients, each asking again as soon as it is served, as pages do under load:
    # with asyncpg's pool some asks were overtaken by 20 to 40 later ones.
    tickets = itertools.count()
    served: list[int] = []

    async def client() -> None:
        for _ in range(30):
            await asyncio.sleep(0)
            ticket = next(tickets)
            async with pool.acquire() as connection:
                served.append(ticket)
                await connection.execute("SELECT 1")

    await asyncio.gather(*(client() for _ in range(16)))

    assert served == sorted(served)
    assert len(served) == 16 * 30


async def test_a_wait_that_timed_out_and_a_second_release_cost_no_connection(
    pool: FairPool,
) -> None:
    size = pool.get_max_size()
    held = [await pool.acquire() for _ in range(size)]
    with pytest.raises(TimeoutError):
        await pool.acquire(timeout=0.05)
    await pool.release(held[0])
    await pool.release(held[0])  # once too often: nothing more to give back

    held[0] = await pool.acquire(timeout=5)  # the one given back is free again
    with pytest.raises(TimeoutError):
        await pool.acquire(timeout=0.05)  # and only that one
    for connection in held:
        await pool.release(connection)
    again = [await pool.acquire(timeout=5) for _ in range(size)]  # all of them, each once
    for connection in again:
        await pool.release(connection)


@pytest.mark.parametrize(
    ("query", "writes"),
    [
        ("SELECT 1", False),
        ("  update shipment SET status = $1", True),
        ("\nDelete FROM shipment", True),
        ("INSERT INTO shipment", True),
        ("WITH moved AS (UPDATE shipment SET status = $1 RETURNING id) SELECT 1", False),
        ("SELECT 'UPDATE'", False),
    ],
)
def test_a_write_is_told_by_its_first_word_as_tortoise_tells_it(query: str, writes: bool) -> None:
    tortoise_says = query.lstrip().upper().startswith(("UPDATE", "DELETE", "INSERT"))
    assert _writes(query) is writes is tortoise_says


async def test_a_read_answers_its_rows_and_a_write_the_rows_it_changed(pool: FairPool) -> None:
    client = connections.get("default")
    count, rows = await client.execute_query("SELECT n FROM generate_series(1, $1) n", [3])
    assert count == 3 and [row["n"] for row in rows] == [1, 2, 3]
    await client.execute_query("CREATE TABLE tally (n int)")  # any connection sees it
    try:
        await client.execute_query("INSERT INTO tally SELECT generate_series(1, 4)")
        changed = await client.execute_query("UPDATE tally SET n = n + 1 WHERE n > $1", [1])
        assert changed == (3, [])
    finally:
        await client.execute_query("DROP TABLE tally")


async def test_a_reads_errors_are_tortoises_and_cost_no_connection(pool: FairPool) -> None:
    """A read runs on the pool without Tortoise's wrappers, yet fails as through them:
    asyncpg's errors as Tortoise's, the connection and its turn given back."""
    client = connections.get("default")
    for _ in range(pool.get_max_size() + 1):
        with pytest.raises(OperationalError):
            await client.execute_query("SELECT * FROM no_such_table")
        with pytest.raises(OperationalError):  # a DataError: not an integer
            await client.execute_query("SELECT $1::int", ["seven"])
    count, _ = await client.execute_query("SELECT 1")
    assert count == 1 and pool._turns._value == pool.get_max_size()  # every turn back


async def test_a_cancelled_read_gives_its_connection_back(pool: FairPool) -> None:
    client = connections.get("default")
    for _ in range(pool.get_max_size() + 1):
        task = asyncio.ensure_future(client.execute_query("SELECT pg_sleep(10)"))
        await asyncio.sleep(0.05)  # the statement is running
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    async with asyncio.timeout(5):
        assert (await client.execute_query("SELECT 1"))[0] == 1


async def test_a_read_in_a_transaction_sees_the_transactions_writes(pool: FairPool) -> None:
    client = connections.get("default")
    await client.execute_query("CREATE TABLE tally (n int)")
    try:
        async with in_transaction() as transaction:
            await transaction.execute_query("INSERT INTO tally VALUES (1)")
            assert (await transaction.execute_query("SELECT n FROM tally"))[0] == 1
            assert (await client.execute_query("SELECT n FROM tally"))[0] == 0  # not committed
    finally:
        await client.execute_query("DROP TABLE tally")


async def test_the_first_read_opens_the_pool(postgres_url: str) -> None:
    await portal_db.connect(postgres_url)
    try:
        client = connections.get("default")
        await client.close()  # as after a lost database: no pool until the next statement
        count, rows = await client.execute_query("SELECT 2 AS n")
        assert count == 1 and rows[0]["n"] == 2
        assert isinstance(client._pool, FairPool)
    finally:
        await portal_db.disconnect()
