"""Committed migrations build the schema from nothing on both engines and match the models."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate as run_migrations
from tortoise.migrations.autodetector import MigrationAutodetector

from portal import db as portal_db
from portal.models import Shipment
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


async def test_migrations_build_the_schema_from_nothing_on_sqlite(
    tmp_path: Path, sqlite_template: Path
) -> None:
    # The session's template is an empty file the committed migrations built from nothing.
    url = f"sqlite://{tmp_path}/fresh.sqlite3"
    shutil.copyfile(sqlite_template, tmp_path / "fresh.sqlite3")
    assert await _tables(url) >= TABLES
    await portal_db.migrate(url)  # applying again is a no-op
    assert await _tables(url) >= TABLES


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
    tmp_path: Path, sqlite_template: Path, table: str, columns: tuple[str, ...]
) -> None:
    """A migration that rebuilds a SQLite table must keep its unique constraints: they are
    what stops a second shipment, scan or message. (The session's template went through
    every migration from nothing; a copy spares migrating once per table.)"""
    url = f"sqlite://{tmp_path}/fresh.sqlite3"
    shutil.copyfile(sqlite_template, tmp_path / "fresh.sqlite3")
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


async def _fresh_postgres(name: str) -> str:
    """An empty database ``name`` beside the test database; its URL."""
    import asyncpg

    base = POSTGRES_URL.replace("postgres://", "postgresql://", 1)
    admin = await asyncpg.connect(base)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return POSTGRES_URL.rsplit("/", 1)[0] + "/" + name


_SEED_0020 = """
INSERT INTO merchant (id, slug, name, branding, time_zone, default_locale, quiet_hours_start,
    quiet_hours_end, expire_after_days, survey_delay_days, survey_settings, notification_rules,
    created_at)
VALUES (1, 'shop', 'Shop', '{}', 'UTC', 'en', '21:00', '08:00', 30, 2, '{}', '{}', now());
INSERT INTO shipment (id, merchant_id, carrier_key, tracking_number, status, direction,
    carrier_pinned, poll_failures, created_at, updated_at)
VALUES (1, 1, 'sandbox', 'SBX1', 'in_transit', 'outbound', false, 0, now(), now());
INSERT INTO tracking_event (shipment_id, occurred_at, status, carrier_code, description,
    dedupe_key, source, recorded_at)
SELECT 1, TIMESTAMPTZ '2024-01-01' + n * INTERVAL '9 days', 'in_transit', 'X', '', 'k' || n,
    'poll', now() FROM generate_series(1, 120) AS n;
INSERT INTO domain_event (merchant_id, kind, subject_type, subject_id, payload, occurred_at,
    created_at)
SELECT 1, 'shipment.status_changed', 'shipment', 1, '{}', t, t
FROM (SELECT TIMESTAMPTZ '2024-01-01' + n * INTERVAL '9 days' AS t
      FROM generate_series(1, 120) AS n) AS s;
INSERT INTO outbox_message (merchant_id, channel, recipient, trigger, unique_key, locale,
    subject, body_text, state, attempts, scheduled_for, created_at)
SELECT 1, 'email', 'b@example.test', 'delivered', 'key:' || n, 'en', '', '', 'sent', 1, t, t
FROM (SELECT n, TIMESTAMPTZ '2024-01-01' + n * INTERVAL '9 days' AS t
      FROM generate_series(1, 120) AS n) AS s;
INSERT INTO webhook_endpoint (id, merchant_id, url, description, secret_encrypted, topics,
    enabled, created_at)
VALUES (1, 1, 'https://hooks.example.test/', '', 'x', '[]', true, now());
INSERT INTO webhook_delivery (endpoint_id, event_id, topic, payload, state, attempts,
    next_attempt_at, created_at)
SELECT 1, id, 'shipment.status_changed', '{}', 'delivered', 1, created_at, created_at
FROM domain_event;
WITH o AS (
    INSERT INTO orders (merchant_id, number, email, currency, placed_at, ship_name, ship_line1,
        ship_line2, ship_city, ship_region, ship_postal_code, ship_country, shipping_total,
        created_at)
    VALUES (1, '#1', 'ann@example.test', 'EUR', now(), 'Ann', 'Main St 1', '', 'Town', '',
        '00-001', 'PL', 0, now())
    RETURNING id
)
INSERT INTO withdrawal (merchant_id, order_id, name, email, items, locale, submitted_at,
    submission_key, acknowledgement_id)
SELECT 1, o.id, 'Ann', 'ann@example.test', '[]', 'en', now(), 's1', 3 FROM o;
"""


@pytest.mark.skipif(not POSTGRES_URL, reason="PORTAL_TEST_POSTGRES is not set")
async def test_history_tables_become_partitioned_with_their_rows_on_postgresql() -> None:
    """0023 on a PostgreSQL database with history in it: every row moves into its month's
    partition, the unique keys still refuse a second scan, message or delivery, and new
    rows land in their month."""
    from portal.history import partitions

    url = await _fresh_postgres(POSTGRES_URL.rsplit("/", 1)[1] + "_migration")
    await run_migrations(
        config=portal_db.tortoise_config(url, statement_timeout=False),
        target="models.0020_shared_carrier_pace",
    )
    await portal_db.disconnect()
    await portal_db.connect(url)
    conn = connections.get("default")
    await conn.execute_script(_SEED_0020)
    before = {
        table: (await conn.execute_query_dict(f"SELECT count(*) AS n FROM {table}"))[0]["n"]
        for table in ("tracking_event", "domain_event", "outbox_message", "webhook_delivery")
    }
    await portal_db.disconnect()

    await portal_db.migrate(url)

    await portal_db.connect(url)
    try:
        conn = connections.get("default")
        for table, count in before.items():
            assert count > 0
            assert await partitions.is_partitioned(conn, table), table
            rows = await conn.execute_query_dict(f"SELECT count(*) AS n FROM {table}")
            assert rows[0]["n"] == count, table
            # Each row sits in its own month's partition, none in the default one.
            spec = partitions.BY_TABLE[table]
            stray = await conn.execute_query_dict(
                f"SELECT count(*) AS n FROM {table} WHERE tableoid::regclass::text <> "
                f"'{table}_p' || to_char({spec.column} AT TIME ZONE 'UTC', 'YYYY_MM')"
            )
            assert stray[0]["n"] == 0, table
        for sql in (
            "INSERT INTO tracking_event (shipment_id, occurred_at, status, carrier_code, "
            "description, dedupe_key, source, recorded_at) VALUES (1, TIMESTAMPTZ "
            "'2024-01-10', 'in_transit', 'X', '', 'k1', 'poll', now()) ON CONFLICT DO NOTHING",
            "INSERT INTO outbox_message (merchant_id, channel, recipient, trigger, unique_key, "
            "locale, subject, body_text, state, attempts, scheduled_for, created_at) VALUES "
            "(1, 'email', 'b@example.test', 'delivered', 'key:1', 'en', '', '', 'pending', 0, "
            "now(), now())",
            "INSERT INTO webhook_delivery (endpoint_id, event_id, topic, payload, state, "
            "attempts, next_attempt_at, created_at) VALUES (1, 1, 't', '{}', 'pending', 0, "
            "now(), now())",
        ):
            await conn.execute_query(sql)
        for table, count in before.items():
            rows = await conn.execute_query_dict(f"SELECT count(*) AS n FROM {table}")
            assert rows[0]["n"] == count, f"{table} took a second copy"
        added = await conn.execute_query_dict(
            "INSERT INTO domain_event (merchant_id, kind, subject_type, subject_id, payload, "
            "occurred_at, created_at) VALUES (1, 'k', 'shipment', 1, '{}', now(), now()) "
            "RETURNING id, tableoid::regclass::text AS part"
        )
        month = partitions.month_start(datetime.now(UTC))
        assert added[0]["part"] == partitions.partition_name("domain_event", month)
        assert added[0]["id"] > before["domain_event"]  # the id sequence carried on
        refs = await conn.execute_query_dict("SELECT acknowledgement_id FROM withdrawal")
        assert refs == [{"acknowledgement_id": 3}]
        # Analytics' trigger on scans (0022) moved with the table: a problem scan is kept
        # apart for problem rates, which retention's drops must not touch.
        await conn.execute_query(
            "INSERT INTO tracking_event (shipment_id, occurred_at, status, carrier_code, "
            "description, dedupe_key, source, recorded_at) VALUES (1, now(), 'exception', "
            "'X', '', 'problem-1', 'poll', now())"
        )
        kept = await conn.execute_query_dict(
            "SELECT status FROM analytics_shipment_problem WHERE shipment_id = 1"
        )
        assert {"status": "exception"} in kept
    finally:
        await portal_db.disconnect()


_SEED_0040 = [
    "INSERT INTO merchant (id, slug, name, branding, time_zone, default_locale, "
    "quiet_hours_start, quiet_hours_end, expire_after_days, survey_delay_days, "
    "survey_settings, notification_rules, created_at) VALUES (1, 'shop', 'Shop', '{}', "
    "'America/New_York', 'en', '21:00', '08:00', 30, 2, '{}', '{}', '2026-11-01 00:00:00')",
    *(
        "INSERT INTO orders (id, merchant_id, number, email, currency, placed_at, ship_name, "
        "ship_line1, ship_line2, ship_city, ship_region, ship_postal_code, ship_country, "
        f"shipping_total, created_at) VALUES ({i}, 1, '#{i}', 'ann@example.test', 'USD', "
        f"'2026-11-01 00:00:00', 'Ann', 'Main St 1', '', 'Town', '{region}', '00001', "
        f"'{country}', 0, '2026-11-01 00:00:00')"
        for i, country, region in ((1, "US", "CA"), (2, "PL", ""))
    ),
    *(
        "INSERT INTO shipment (id, merchant_id, order_id, carrier_key, tracking_number, status, "
        "direction, carrier_pinned, poll_failures, estimated_delivery, predicted_end, "
        f"created_at, updated_at) VALUES ({i}, 1, {order}, 'dhl', 'N{i}', '{status}', "
        f"'{direction}', FALSE, 0, {eta}, {predicted}, '2026-11-01 00:00:00', "
        "'2026-11-01 00:00:00')"
        for i, order, status, direction, eta, predicted in (
            (1, 1, "in_transit", "outbound", "'2026-12-01'", "NULL"),
            (2, 2, "in_transit", "outbound", "NULL", "'2026-12-02'"),
            (3, 2, "delivered", "outbound", "'2026-12-01'", "NULL"),
            (4, 2, "in_transit", "outbound", "NULL", "NULL"),
            (5, 1, "in_transit", "inbound", "'2026-12-01'", "NULL"),
        )
    ),
]


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
async def test_late_at_is_filled_for_the_open_parcels_already_stored(
    tmp_path: Path, engine: str
) -> None:
    """0041 on a database with parcels in it: each open outbound parcel with a date gets the
    midnight after its last day on its own calendar (a California address: Los Angeles'; a
    Polish one: Warsaw's); delivered, undated and returning parcels none."""
    if engine == "postgres":
        if not POSTGRES_URL:
            pytest.skip("PORTAL_TEST_POSTGRES is not set")
        url = await _fresh_postgres(POSTGRES_URL.rsplit("/", 1)[1] + "_migration")
    else:
        url = f"sqlite://{tmp_path}/before.sqlite3"
    await run_migrations(
        config=portal_db.tortoise_config(url, statement_timeout=False),
        target="models.0040_exchange_line_records",
    )
    await portal_db.disconnect()
    await portal_db.connect(url)
    conn = connections.get("default")
    for sql in _SEED_0040:
        await conn.execute_query(sql)
    await portal_db.disconnect()

    await portal_db.migrate(url)

    await portal_db.connect(url)
    try:
        late_at = dict(await Shipment.all().order_by("id").values_list("id", "late_at"))
    finally:
        await portal_db.disconnect()
    assert late_at == {
        1: datetime(2026, 12, 2, 8, tzinfo=UTC),
        2: datetime(2026, 12, 2, 23, tzinfo=UTC),
        3: None,
        4: None,
        5: None,
    }
