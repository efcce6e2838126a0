"""Database wiring: the Tortoise config, connecting, migrating, and health checks.

Every connection carries timeouts (``PORTAL_DB_*``): on PostgreSQL a connect timeout, a
statement timeout enforced by both ends (the server cancels, asyncpg stops waiting), and
TCP keepalives with a user timeout on the socket, so a database that vanishes without a
reset (a black-holed route, a frozen host) turns into an error within seconds instead of
a silent stall; on SQLite a busy timeout. Units that meet such an error log it and are
retried by the scheduler; :func:`unreachable` tells those errors from bugs.
"""

from __future__ import annotations

import logging
import socket
from typing import Any

from tortoise import Tortoise, connections
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.migrations.api import migrate as run_migrations

from portal import pacing
from portal.db_postgres import keep_session as _keep_session
from portal.settings import Settings
from portal.tracking import late_clock  # noqa: F401  (its save listener keeps late_at)

APP = "models"
log = logging.getLogger(__name__)


def _keepalive(settings: Settings) -> Any:
    """An asyncpg pool ``init`` hook that turns on TCP keepalives for the connection."""
    idle = max(1, int(settings.db_keepalive_seconds))
    interval = max(1, idle // 3)

    async def init(connection: Any) -> None:
        sock = connection._transport.get_extra_info("socket")  # asyncpg keeps its transport
        if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
            return
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        for name, value in (
            ("TCP_KEEPIDLE", idle),
            ("TCP_KEEPINTVL", interval),
            ("TCP_KEEPCNT", 3),
            # Unacknowledged data (a query sent into a black hole) fails after this long.
            ("TCP_USER_TIMEOUT", int((idle + 3 * interval) * 1000)),
        ):
            option = getattr(socket, name, None)
            if option is not None:
                sock.setsockopt(socket.IPPROTO_TCP, option, value)

    return init


def _connection(url: str, settings: Settings, statement_timeout: bool) -> dict[str, Any]:
    """One connection's config: the URL's engine and credentials plus our timeouts."""
    config: dict[str, Any] = expand_db_url(url)
    credentials: dict[str, Any] = config["credentials"]
    if config["engine"].endswith("sqlite"):
        config["engine"] = "portal.db_sqlite"  # Tortoise's, safe to cancel (see there)
        credentials.setdefault("busy_timeout", int(settings.db_busy_timeout * 1000))
    elif config["engine"].endswith("asyncpg"):
        config["engine"] = "portal.db_postgres"  # Tortoise's, first come first served (see there)
        server = dict(credentials.get("server_settings") or {})
        server.setdefault("tcp_keepalives_idle", str(int(settings.db_keepalive_seconds)))
        server.setdefault(
            "tcp_keepalives_interval", str(max(1, int(settings.db_keepalive_seconds) // 3))
        )
        server.setdefault("tcp_keepalives_count", "3")
        credentials.setdefault("timeout", settings.db_connect_timeout)
        if statement_timeout:
            server.setdefault("statement_timeout", str(int(settings.db_statement_timeout * 1000)))
            # A little longer than the server's, so the server's cancellation wins when it
            # can answer at all.
            credentials.setdefault("command_timeout", settings.db_statement_timeout + 1)
        credentials["server_settings"] = server
        credentials.setdefault("init", _keepalive(settings))
        credentials.setdefault("reset", _keep_session)
    return config


def tortoise_config(
    database_url: str, settings: Settings | None = None, *, statement_timeout: bool = True
) -> dict[str, Any]:
    """The Tortoise ORM config for ``database_url`` (SQLite or PostgreSQL), with the
    timeouts of ``settings`` (their defaults when None)."""
    url = database_url
    if url.startswith("postgresql://"):
        url = "postgres://" + url[len("postgresql://") :]
    connection = _connection(url, settings or Settings(), statement_timeout)
    return {
        "connections": {"default": connection},
        "apps": {
            APP: {
                "models": ["portal.models"],
                "default_connection": "default",
                "migrations": "portal.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def _settings_config() -> dict[str, Any]:
    return tortoise_config(Settings.from_env().database_url)


#: For the ``tortoise`` command line (``tortoise -c portal.db.TORTOISE_ORM makemigrations``).
TORTOISE_ORM = _settings_config() if __name__ != "__main__" else {}


def _ensure_sqlite_dir(database_url: str) -> None:
    if database_url.startswith("sqlite://") and ":memory:" not in database_url:
        from pathlib import Path

        Path(database_url[len("sqlite://") :]).parent.mkdir(parents=True, exist_ok=True)


async def connect(database_url: str, settings: Settings | None = None) -> None:
    """Open the connection pool for ``database_url`` with the timeouts of ``settings``."""
    _ensure_sqlite_dir(database_url)
    # The global fallback lets request tasks see the connection the lifespan task opened
    # (each ASGI request runs in its own task, outside the lifespan's context).
    await Tortoise.init(
        config=tortoise_config(database_url, settings), _enable_global_fallback=True
    )


async def disconnect() -> None:
    """Close the pool and forget the model registry.

    Forgetting matters when one process opens another engine next (tests run SQLite
    then PostgreSQL): Tortoise keeps querysets and INSERT statements built for the
    first engine's dialect, keyed by connection name. In-memory paces (SQLite's) belong to
    the database whose accounts and stores they pace.
    """
    await Tortoise.close_connections()
    await Tortoise._reset_apps()
    EXECUTOR_CACHE.clear()
    pacing.forget_local()


async def migrate(database_url: str) -> None:
    """Apply every committed migration; builds the schema from nothing on a fresh database."""
    _ensure_sqlite_dir(database_url)
    # A migration may rewrite a large table: no statement timeout.
    await run_migrations(config=tortoise_config(database_url, statement_timeout=False))
    await disconnect()


async def healthy() -> bool:
    """True when the database answers a trivial query."""
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception:
        return False
    return True


def unreachable(exc: BaseException) -> bool:
    """True when ``exc`` says the database could not be reached or did not answer in time
    (as opposed to a bug or a constraint): the work should stop and be retried later."""
    import asyncio

    from tortoise.exceptions import DBConnectionError, OperationalError

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(
            seen, DBConnectionError | ConnectionError | TimeoutError | asyncio.TimeoutError
        ):
            return True
        if isinstance(seen, OSError):
            return True
        name = type(seen).__module__ + "." + type(seen).__name__
        if name.startswith("asyncpg.") and (
            "Connection" in name or "Interface" in name or "QueryCanceled" in name
        ):
            return True
        if isinstance(seen, OperationalError) and "database is locked" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
