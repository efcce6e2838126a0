"""The SQLite engine Doorstep runs: Tortoise's, with a transaction that a cancelled task
cannot leave locked.

Tortoise's SQLite client serialises transactions on one connection with an
:class:`asyncio.Lock`; its transaction context takes the lock and then awaits
``BEGIN``. A task cancelled during that await (a worker's SIGTERM cancelling a store
sync as it opens its next batch) leaves ``__aexit__`` unrun, so the lock is never
released and the next query of the process waits for ever (tortoise/tortoise-orm#1757
reports the symptom). Here the lock is given back when entering fails, whatever the
reason. PostgreSQL's pooled transactions take no such lock.

It also writes every aware datetime it is given as UTC. SQLite keeps datetimes as text
and compares them as text, and Tortoise's adapter wrote a query's bound with its own
offset: a New York midnight, ``2026-12-08 00:00:00-05:00``, sorted before an answer
written at ``2026-12-08 00:30:00+00:00`` that came five hours earlier. Stored values
were already UTC; now the bounds that analytics and deadlines take on the shop's clock
are too.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import TransactionalDBClient, TransactionContext
from tortoise.backends.sqlite import client as sqlite
from tortoise.backends.sqlite import executor as _registers_tortoise_adapters  # noqa: F401
from tortoise.connection import get_connections


def _utc_text(value: datetime) -> str:
    """A datetime as SQLite text: aware ones on UTC, so that text order is time order."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.isoformat(" ")


sqlite3.register_adapter(datetime, _utc_text)  # after Tortoise's own, which it replaces


class CancelSafeTransactionContext(sqlite.SqliteTransactionContext):
    """Tortoise's SQLite transaction context, giving its lock back when entering fails."""

    async def __aenter__(self) -> TransactionalDBClient:
        await self._trxlock.acquire()
        token = None
        try:
            await self.ensure_connection()
            token = get_connections().set(self.connection_name, self.connection)
            await self.connection.begin()
        except BaseException:
            if token is not None:
                get_connections().reset(token)
            self._trxlock.release()
            raise
        self.token = token
        return self.connection


class SqliteClient(sqlite.SqliteClient):
    def _in_transaction(self) -> TransactionContext:
        return CancelSafeTransactionContext(sqlite.SqliteTransactionWrapper(self), self._lock)


class SqliteClientWithRegexpSupport(SqliteClient, sqlite.SqliteClientWithRegexpSupport):
    pass


client_class = SqliteClient


def get_client_class(db_info: dict[str, Any]) -> type[sqlite.SqliteClient]:
    """As ``tortoise.backends.sqlite`` chooses, from this module's classes."""
    if db_info.get("credentials", {}).get("install_regexp_functions"):
        return SqliteClientWithRegexpSupport
    return SqliteClient
