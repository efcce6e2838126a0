"""Real databases for tests: SQLite always, PostgreSQL too when PORTAL_TEST_POSTGRES is set.

A test that takes the ``db`` fixture runs once per engine against a schema built by the
committed migrations. SQLite gets a fresh copy of a migrated template file per test;
PostgreSQL is migrated once per session and truncated after each test.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from tortoise import Tortoise, connections

from portal import db as portal_db

POSTGRES_URL = os.environ.get("PORTAL_TEST_POSTGRES", "")
ENGINES = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("PORTAL_VAR_DIR", str(Path(config.rootpath) / "var" / "test"))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; each test copies it."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    asyncio.run(portal_db.migrate(f"sqlite://{path}"))
    return path


def _postgres_reset_schema(url: str) -> None:
    async def reset() -> None:
        await Tortoise.init(config=portal_db.tortoise_config(url))
        conn = connections.get("default")
        await conn.execute_script("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        await connections.close_all()
        await portal_db.migrate(url)

    asyncio.run(reset())


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip("PORTAL_TEST_POSTGRES is not set")
    _postgres_reset_schema(POSTGRES_URL)
    yield POSTGRES_URL


async def _truncate_all() -> None:
    conn = connections.get("default")
    rows = await conn.execute_query_dict(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
        "AND tablename <> 'tortoise_migrations'"
    )
    tables = ", ".join(f'"{row["tablename"]}"' for row in rows)
    if tables:
        await conn.execute_script(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a freshly migrated, empty database for this test."""
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    template: Path = request.getfixturevalue("sqlite_template")
    path = tmp_path / "portal.sqlite3"
    shutil.copyfile(template, path)
    return f"sqlite://{path}"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[str]:
    """Tortoise connected to a fresh database; yields its URL."""
    await portal_db.connect(database_url)
    try:
        yield database_url
    finally:
        if database_url.startswith("postgres"):
            await _truncate_all()
        await portal_db.disconnect()
