"""Database wiring: the Tortoise config, connecting, migrating, and health checks."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise, connections
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.migrations.api import migrate as run_migrations

from portal.settings import Settings

APP = "models"


def tortoise_config(database_url: str) -> dict[str, Any]:
    """The Tortoise ORM config for ``database_url`` (SQLite or PostgreSQL)."""
    url = database_url
    if url.startswith("postgresql://"):
        url = "postgres://" + url[len("postgresql://") :]
    return {
        "connections": {"default": url},
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


async def connect(database_url: str) -> None:
    """Open the connection pool for ``database_url``."""
    _ensure_sqlite_dir(database_url)
    # The global fallback lets request tasks see the connection the lifespan task opened
    # (each ASGI request runs in its own task, outside the lifespan's context).
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


async def disconnect() -> None:
    """Close the pool and forget the model registry.

    Forgetting matters when one process opens another engine next (tests run SQLite
    then PostgreSQL): Tortoise keeps querysets and INSERT statements built for the
    first engine's dialect, keyed by connection name.
    """
    await Tortoise.close_connections()
    await Tortoise._reset_apps()
    EXECUTOR_CACHE.clear()


async def migrate(database_url: str) -> None:
    """Apply every committed migration; builds the schema from nothing on a fresh database."""
    _ensure_sqlite_dir(database_url)
    await run_migrations(config=tortoise_config(database_url))
    await disconnect()


async def healthy() -> bool:
    """True when the database answers a trivial query."""
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception:
        return False
    return True
