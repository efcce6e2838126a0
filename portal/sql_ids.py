"""A list of row ids in a raw statement, on either engine.

PostgreSQL takes the whole list as one array parameter (``= ANY($1::int[])``: one prepared
statement whatever its length); SQLite has no arrays and takes one ``?`` per id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient


def is_postgres(conn: BaseDBAsyncClient) -> bool:
    return bool(conn.capabilities.dialect == "postgres")


def in_ids(conn: BaseDBAsyncClient, column: str, count: int) -> str:
    """``column`` is one of ``count`` ids, bound by :func:`ids_param` as the first
    parameter(s)."""
    if is_postgres(conn):
        return f"{column} = ANY($1::int[])"
    return f"{column} IN ({', '.join('?' * count)})"


def ids_param(conn: BaseDBAsyncClient, ids: Sequence[int]) -> list[Any]:
    return [list(ids)] if is_postgres(conn) else list(ids)
