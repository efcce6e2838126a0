"""Migration 0023 on PostgreSQL: the four history tables become partitioned, rows and all.

For each table the plain table is renamed aside, a partitioned table with the same
columns (and the same id sequence) takes its name, monthly partitions are created from the
oldest row's month (at most :data:`OLDEST_MONTHS` back; older rows go to the default
partition) to :data:`~portal.history.partitions.AHEAD` months ahead, the rows are copied
over, the old table dropped, and the primary key (now ``(id, <partition key>)``), indexes
and outgoing foreign keys recreated under their old names.

Unique keys, which on a partitioned table must include the partition key:

- ``tracking_event`` (shipment_id, dedupe_key): a unique index on every partition (see
  :mod:`portal.history.partitions`), enough because a scan's copies share its month.
- ``outbox_message.unique_key`` and ``webhook_delivery`` (endpoint_id, event_id): a
  plain key table (``outbox_message_key``, ``webhook_delivery_key``) that a ``BEFORE
  INSERT`` trigger writes first; when the key is already there the row is silently not
  inserted (what ``ON CONFLICT DO NOTHING`` did, and every writer asks for that). Outbox
  keys are kept for good, so a message is never sent twice however old the first one.
  A webhook key goes with its delivery when the row is deleted (``AFTER DELETE``
  trigger: a withdrawn survey follow-up may be written again, as before), and with its
  domain event when a partition is dropped (no delivery can be written for it then).
- ``domain_event``: only its id, from its sequence.

Foreign keys into these tables cannot stay (a referenced key must include the partition
key): ``webhook_delivery.event_id`` → ``domain_event`` and ``withdrawal.acknowledgement_id``
→ ``outbox_message`` become plain columns. Retention never removes an acknowledgement a
withdrawal points to, and domain events outlive their webhook deliveries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from portal.history import partitions
from portal.history.partitions import Partitioned

#: The oldest monthly partition the migration creates, in months before the current one.
OLDEST_MONTHS = 36

KEY_TABLES = (
    """
CREATE TABLE outbox_message_key (
    unique_key VARCHAR(255) NOT NULL PRIMARY KEY, message_id BIGINT NOT NULL
);
INSERT INTO outbox_message_key SELECT unique_key, id FROM outbox_message;
CREATE INDEX outbox_message_unique_key ON outbox_message (unique_key);
CREATE FUNCTION outbox_message_claim_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox_message_key (unique_key, message_id) VALUES (NEW.unique_key, NEW.id)
        ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        -- The key's own message moving to another month's partition (an UPDATE of
        -- created_at is a DELETE and an INSERT there) keeps its row; any other is a copy.
        IF EXISTS (SELECT 1 FROM outbox_message_key
                   WHERE unique_key = NEW.unique_key AND message_id = NEW.id) THEN
            RETURN NEW;
        END IF;
        RETURN NULL;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER outbox_message_claim_key BEFORE INSERT ON outbox_message
    FOR EACH ROW EXECUTE FUNCTION outbox_message_claim_key();
""",
    """
CREATE TABLE webhook_delivery_key (
    endpoint_id INT NOT NULL, event_id BIGINT NOT NULL, PRIMARY KEY (endpoint_id, event_id)
);
INSERT INTO webhook_delivery_key
    SELECT endpoint_id, event_id FROM webhook_delivery WHERE event_id IS NOT NULL;
CREATE INDEX webhook_delivery_endpoint_event ON webhook_delivery (endpoint_id, event_id);
CREATE FUNCTION webhook_delivery_claim_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.event_id IS NULL THEN
        RETURN NEW;
    END IF;
    INSERT INTO webhook_delivery_key (endpoint_id, event_id)
        VALUES (NEW.endpoint_id, NEW.event_id) ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER webhook_delivery_claim_key BEFORE INSERT ON webhook_delivery
    FOR EACH ROW EXECUTE FUNCTION webhook_delivery_claim_key();
CREATE FUNCTION webhook_delivery_free_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.event_id IS NOT NULL THEN
        DELETE FROM webhook_delivery_key
        WHERE endpoint_id = OLD.endpoint_id AND event_id = OLD.event_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER webhook_delivery_free_key AFTER DELETE ON webhook_delivery
    FOR EACH ROW EXECUTE FUNCTION webhook_delivery_free_key();
""",
)


async def _dicts(conn: BaseDBAsyncClient, sql: str, values: list[Any]) -> list[dict[str, Any]]:
    return list(await conn.execute_query_dict(sql, values))


async def _convert(conn: BaseDBAsyncClient, spec: Partitioned, now: datetime) -> None:
    table, column = spec.table, spec.column
    old = f"{table}_unpartitioned"
    indexes = await _dicts(
        conn,
        "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() "
        "AND tablename = $1 AND indexname NOT IN (SELECT conname FROM pg_constraint "
        "WHERE conrelid = $1::regclass)",
        [table],
    )
    outgoing = await _dicts(
        conn,
        "SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint "
        "WHERE conrelid = $1::regclass AND contype = 'f'",
        [table],
    )
    incoming = await _dicts(
        conn,
        "SELECT conname, conrelid::regclass::text AS source FROM pg_constraint "
        "WHERE confrelid = $1::regclass AND contype = 'f'",
        [table],
    )
    # Triggers other migrations put on the table (analytics' dirty-day marks on scans) are
    # created again on the partitioned table once its rows are in, so the copy fires none.
    triggers = await _dicts(
        conn,
        "SELECT pg_get_triggerdef(oid) AS def FROM pg_trigger "
        "WHERE tgrelid = $1::regclass AND NOT tgisinternal",
        [table],
    )
    sequence = (await _dicts(conn, "SELECT pg_get_serial_sequence($1, 'id') AS seq", [table]))[0][
        "seq"
    ]
    oldest = (await _dicts(conn, f"SELECT min({column}) AS oldest FROM {table}", []))[0]["oldest"]
    current = partitions.month_start(now)
    first = partitions.add_months(current, -partitions.BEHIND)
    if oldest is not None:
        floor = partitions.add_months(current, -OLDEST_MONTHS)
        first = min(first, max(partitions.month_start(oldest), floor))
    for row in incoming:
        await conn.execute_script(f'ALTER TABLE {row["source"]} DROP CONSTRAINT "{row["conname"]}"')
    script = [
        f"ALTER SEQUENCE {sequence} OWNED BY NONE",
        f'ALTER TABLE "{table}" RENAME TO "{old}"',
        f'CREATE TABLE "{table}" (LIKE "{old}" INCLUDING DEFAULTS) PARTITION BY RANGE ({column})',
        f'CREATE TABLE "{table}_default" PARTITION OF "{table}" DEFAULT',
    ]
    month = first
    last = partitions.add_months(current, partitions.AHEAD)
    while month <= last:
        start, end = (
            partitions._literal(month),
            partitions._literal(partitions.add_months(month, 1)),
        )
        script.append(
            f'CREATE TABLE "{partitions.partition_name(table, month)}" PARTITION OF "{table}" '
            f"FOR VALUES FROM ({start}) TO ({end})"
        )
        month = partitions.add_months(month, 1)
    script += [
        f'INSERT INTO "{table}" SELECT * FROM "{old}"',
        f'DROP TABLE "{old}"',
        f"ALTER SEQUENCE {sequence} OWNED BY {table}.id",
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_pkey" PRIMARY KEY (id, {column})',
        *(str(row["indexdef"]) for row in indexes),
        *(
            f'ALTER TABLE "{table}" ADD CONSTRAINT "{row["conname"]}" {row["def"]}'
            for row in outgoing
        ),
        *(str(row["def"]) for row in triggers),
    ]
    for sql in script:
        await conn.execute_script(sql)
    if spec.local_unique:
        names = [f"{table}_default", *(await partitions.monthly(conn, table)).values()]
        for name in names:
            await conn.execute_script(partitions.local_index_sql(spec, name))


async def partition_history(conn: BaseDBAsyncClient, now: datetime) -> None:
    """Convert the four history tables (PostgreSQL only; a no-op once done)."""
    if not partitions.is_postgres(conn):
        return
    if await partitions.is_partitioned(conn, "tracking_event"):
        return
    for spec in partitions.TABLES:
        await _convert(conn, spec, now)
    for script in KEY_TABLES:
        await conn.execute_script(script)
