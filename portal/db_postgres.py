"""The PostgreSQL engine Doorstep runs: Tortoise's asyncpg client on a pool that hands its
connections out in the order they were asked for.

asyncpg's pool keeps free connections in an :class:`asyncio.LifoQueue`. When a connection
comes back, the queue wakes the task that has waited longest, but that task runs only on
the loop's next turn; a task that asks in between (a request that has just arrived)
finds the queue non-empty and takes the connection at once. The woken task finds the queue empty and
queues again, *at the back*. Under load a few tasks are passed over again and again
(MagicStack/asyncpg#1247). On the tracking page with 64 connections and a pool of 5 this
was the whole tail: the page's median waited 0.01 ms for a connection and its p99 0.45 s,
its slowest 1.3 s, while the rest of a page took a few milliseconds
(benchmarks/README.md, issue 20 item 1).

:class:`FairPool` puts a first-come, first-served line in front of the queue: a task
takes a *turn* (an :class:`asyncio.Semaphore` with one turn per connection, which queues
waiters in order and hands a freed turn straight to the first of them, since Python
3.11.1) before it takes a connection, and gives it back after the connection is back in
the queue. A task holding a turn finds a connection free, so nobody waits in the queue
itself. Every acquisition goes through it: Tortoise's queries and
transactions and anything using ``pool.acquire()``.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import asyncpg
from asyncpg import compat
from asyncpg.pool import PoolConnectionProxy
from tortoise.backends.asyncpg.client import AsyncpgDBClient
from tortoise.backends.base_postgres.client import translate_exceptions
from tortoise.exceptions import IntegrityError, OperationalError, TransactionManagementError

#: What ``asyncpg.create_pool`` fills in when not told (``Pool()`` itself requires most).
_POOL_DEFAULTS = {
    name: parameter.default
    for name, parameter in inspect.signature(asyncpg.create_pool).parameters.items()
    if parameter.kind is inspect.Parameter.KEYWORD_ONLY
}


async def keep_session(connection: Any) -> None:
    """The pool's ``reset`` hook: nothing beyond asyncpg's own rollback of an open
    transaction (and nothing that waits, see ``FairPool.release``).

    asyncpg's default sends ``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
    RESET ALL`` each time a connection goes back to the pool, that is after every ORM
    statement: a second round trip per query, a fifth of a tracking page's PostgreSQL CPU
    (benchmarks/README.md, issue 20). The portal leaves nothing of that kind on a
    session: its advisory locks and settings are transaction-scoped
    (``pg_advisory_xact_lock``, ``SET LOCAL``), it never LISTENs nor holds cursors.
    """


class FairPool(asyncpg.Pool):
    """asyncpg's pool, serving the tasks that wait for a connection in arrival order."""

    __slots__ = ("_lent", "_turns")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._turns = asyncio.Semaphore(self.get_max_size())
        #: The connections handed out, each holding a turn until it comes back.
        self._lent: set[PoolConnectionProxy] = set()

    # The signature is asyncpg's (the method it replaces).
    async def _acquire(self, timeout: float | None) -> PoolConnectionProxy:  # noqa: ASYNC109
        if timeout is None:
            return await self._acquire_in_turn()
        # As asyncpg bounds its own wait: the whole acquisition, the turn's wait included.
        return await compat.wait_for(self._acquire_in_turn(), timeout)

    async def _acquire_in_turn(self) -> PoolConnectionProxy:
        await self._turns.acquire()
        try:
            # private in asyncpg, so not in its stubs: the queue's own acquisition
            connection: PoolConnectionProxy = await super()._acquire(None)  # type: ignore[misc]
        except BaseException:
            self._turns.release()
            raise
        self._lent.add(connection)
        return connection

    async def release(self, connection: Any, *, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Give the connection back, then its turn (once, however often it is released).

        asyncpg runs a release in a task of its own (``asyncio.shield``), so that a
        cancellation cannot stop it half way through a rollback or a reset. A connection
        with nothing to undo (no transaction, no cancellation under way, not due to be
        closed, the reset hook ``keep_session``) goes back without ever waiting, so
        nothing can interrupt it: it is given back at once, without that task (about
        10 µs of the portal's CPU a statement: benchmarks/README.md, issue 20 item 1)."""
        try:
            if self._returns_at_once(connection):
                connection._con._on_release()
                holder = connection._holder
                await holder.release(holder._timeout if timeout is None else timeout)
            else:
                await super().release(connection, timeout=timeout)
        finally:
            if connection in self._lent:
                self._lent.discard(connection)
                self._turns.release()

    def _returns_at_once(self, connection: Any) -> bool:
        """Whether asyncpg's release of ``connection`` would run to its end without
        waiting for anything (see ``release``).

        This reads asyncpg's private state (the proxy's holder and connection, the
        protocol's counters, the pool's generation) as asyncpg 0.30 to 0.32 keep it, which
        is why pyproject.toml pins asyncpg below 0.33. Should a later asyncpg rename any of
        it, the release is asyncpg's own again (correct, only slower), and
        ``test_the_fast_release_is_taken_on_the_installed_asyncpg`` fails, so a raised pin
        cannot lose the fast path unnoticed."""
        # asyncpg's private state, untyped in its stubs
        pool: Any = self
        proxy: Any = connection
        if type(proxy) is not PoolConnectionProxy or pool._reset is not keep_session:
            return False
        try:
            holder: Any = proxy._holder
            con: Any = proxy._con  # type: ignore[attr-defined]
            if holder._pool is not self or con is None:
                return False
            pool._check_init()
            protocol = con._protocol
            return bool(
                not con.is_closed()
                and not protocol._is_cancelling()
                and not protocol.is_in_transaction()
                and con._top_xact is None
                and protocol.queries_count < holder._max_queries
                and holder._generation == pool._generation
                and hasattr(con, "_on_release")
                and hasattr(holder, "_timeout")
            )
        except AttributeError:  # an asyncpg that keeps it otherwise: its own release, as before
            return False


def _writes(query: str) -> bool:
    """Whether Tortoise's ``execute_query`` counts ``query`` as a write (it answers the
    rows changed): its first word, upper-cased alone."""
    return query.lstrip()[:6].upper() in ("UPDATE", "DELETE", "INSERT")


class AsyncpgClient(AsyncpgDBClient):
    """Tortoise's asyncpg client on a :class:`FairPool`."""

    async def execute_query(self, query: str, values: list[Any] | None = None) -> tuple[int, Any]:
        """Tortoise's, but a read goes straight to the pool: told from a write by the
        statement's first word (Tortoise upper-cases the whole text to find it, ≈ 4 µs
        for the tracking page's 1.6 KB statement), and run without Tortoise's layers
        around it (its exception-translating wrapper, its connection wrapper and the
        pool's acquisition context: five coroutines and two objects a read,
        benchmarks/README.md, issue 20 item 1). The same connection, the same
        statement, the same errors: asyncpg's translated as Tortoise translates them.
        Writes, and a client whose pool is not open yet, go through Tortoise's own."""
        if _writes(query):
            return await super().execute_query(query, values)
        pool = self._pool
        if not isinstance(pool, FairPool):  # not open yet: Tortoise's path opens it
            return await self._read_opening_pool(query, values)
        try:
            connection = await pool._acquire_in_turn()
            try:
                self.log.debug("%s: %s", query, values)
                rows = await connection.fetch(query, *(values or ()))
            finally:
                await pool.release(connection)
        except (asyncpg.SyntaxOrAccessError, asyncpg.exceptions.DataError) as exc:
            raise OperationalError(exc) from exc
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(exc) from exc
        except asyncpg.InvalidTransactionStateError as exc:
            raise TransactionManagementError(exc) from exc
        return len(rows), rows

    @translate_exceptions
    async def _read_opening_pool(self, query: str, values: list[Any] | None) -> tuple[int, Any]:
        """A read as Tortoise runs it, its connection wrapper opening the pool first."""
        async with self.acquire_connection() as connection:
            self.log.debug("%s: %s", query, values)
            rows = await connection.fetch(query, *(values or ()))
            return len(rows), rows

    async def create_pool(self, **kwargs: Any) -> asyncpg.Pool:
        pool = FairPool(None, **{**_POOL_DEFAULTS, **kwargs})
        await pool
        return pool


client_class = AsyncpgClient
