"""Committed migrations build the schema from nothing on both engines and match the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from tortoise import Tortoise, connections
from tortoise.migrations.autodetector import MigrationAutodetector

from portal import db as portal_db
from tests.conftest import POSTGRES_URL

TABLES = {
    "merchant", "staff_user", "api_key", "carrier_account", "customer", "orders", "order_item",
    "product_variant", "shipment", "tracking_event", "domain_event", "outbox_message",
    "notification_template", "return_policy", "return_reason", "return_request", "return_item",
    "return_transition", "exchange", "survey", "survey_answer", "webhook_endpoint",
    "webhook_delivery",
}  # fmt: skip


async def _tables(url: str) -> set[str]:
    await portal_db.connect(url)
    try:
        conn = connections.get("default")
        if url.startswith("sqlite"):
            rows = await conn.execute_query_dict(
                "SELECT name FROM sqlite_master WHERE type='table'"
            )
            return {row["name"] for row in rows}
        rows = await conn.execute_query_dict(
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"
        )
        return {row["name"] for row in rows}
    finally:
        await portal_db.disconnect()


async def test_migrations_build_the_schema_from_nothing_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path}/fresh.sqlite3"
    await portal_db.migrate(url)
    assert await _tables(url) >= TABLES
    await portal_db.migrate(url)  # applying again is a no-op


@pytest.mark.skipif(not POSTGRES_URL, reason="PORTAL_TEST_POSTGRES is not set")
async def test_migrations_build_the_schema_from_nothing_on_postgresql(postgres_url: str) -> None:
    # The session fixture dropped the schema and migrated from nothing.
    assert await _tables(postgres_url) >= TABLES
    await portal_db.migrate(postgres_url)


async def test_the_models_have_no_unmigrated_changes() -> None:
    config = portal_db.tortoise_config("sqlite://:memory:")
    await Tortoise.init(config=config, init_connections=False)
    try:
        detector = MigrationAutodetector(Tortoise.apps, config["apps"])
        writers = await detector.changes()
    finally:
        await portal_db.disconnect()
    assert writers == [], "models changed: run `tortoise -c portal.db.TORTOISE_ORM makemigrations`"


@pytest.mark.parametrize(
    ("table", "columns"),
    [
        ("shipment", ("merchant_id", "carrier_key", "tracking_number")),
        ("tracking_event", ("shipment_id", "dedupe_key")),
        ("outbox_message", ("unique_key",)),
        ("product_variant", ("merchant_id", "sku")),
    ],
)
async def test_unique_constraints_survive_every_migration_on_sqlite(
    tmp_path: Path, table: str, columns: tuple[str, ...]
) -> None:
    """A migration that rebuilds a SQLite table must keep its unique constraints: they are
    what stops a second shipment, scan or message."""
    url = f"sqlite://{tmp_path}/fresh.sqlite3"
    await portal_db.migrate(url)
    await portal_db.connect(url)
    try:
        conn = connections.get("default")
        indexes = await conn.execute_query_dict(f"PRAGMA index_list('{table}')")
        unique = []
        for index in indexes:
            if index["unique"]:
                info = await conn.execute_query_dict(f"PRAGMA index_info('{index['name']}')")
                unique.append(tuple(row["name"] for row in info))
    finally:
        await portal_db.disconnect()
    assert columns in unique, f"{table} lost UNIQUE{columns}: {unique}"
