"""The webhook sender's statements on a partitioned ``webhook_delivery``: plans and timings
of each statement named by id alone (before) and by (id, created_at) (after).

Seeds PostgreSQL with ``--months`` monthly partitions of ``--per-month`` finished
deliveries each, plus a batch of due ones (most from this month, a few retries from
older months), leaves them unanalysed (fresh rows, as autovacuum leaves them), then runs
``EXPLAIN (ANALYZE, BUFFERS)`` of each statement the sender writes — claim, load, outcome,
lease renewal, hand-back — in both forms, interleaved, each inside a transaction rolled
back. Prints per statement: partitions planned or scanned, the top plan node, and the
median planning + execution time::

    python -m benchmarks.webhook_plans --database postgres://…/bench_hooks
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise import connections
from tortoise.expressions import F

from benchmarks.common import fresh_database, machine_load
from portal import db
from portal.history import partitions
from portal.leased_queue import LeasedQueue
from portal.models import DeliveryState, Merchant, WebhookDelivery, WebhookEndpoint
from portal.row_keys import RowKeys
from portal.webhooks_out import sender

BEFORE = LeasedQueue(WebhookDelivery, due_field="next_attempt_at")
AFTER = sender._QUEUE
ROWS = RowKeys(WebhookDelivery)


async def seed(months: int, per_month: int, due: int, now: datetime) -> None:
    conn = connections.get("default")
    spec = partitions.BY_TABLE["webhook_delivery"]
    have = await partitions.monthly(conn, "webhook_delivery")
    current = partitions.month_start(now)
    for n in range(-months + 1, partitions.AHEAD + 1):
        month = partitions.add_months(current, n)
        if month not in have:
            async with conn._in_transaction() as tx:
                await partitions.create_month(tx, spec, month)
    shop = await Merchant.create(slug="bench-hooks", name="Bench hooks")
    hook = await WebhookEndpoint.create(
        merchant=shop, url="https://hooks.example.test/", secret_encrypted="x", topics=["*"]
    )
    for n in range(months):
        month = partitions.add_months(current, -n)
        await conn.execute_query(
            "INSERT INTO webhook_delivery (endpoint_id, topic, payload, state, attempts, "
            "next_attempt_at, created_at, delivered_at) "
            "SELECT $1, 'ping', '{}'::jsonb, 'delivered', 1, t, t, t FROM ("
            "SELECT $2::timestamptz + (g * interval '1 minute') AS t "
            "FROM generate_series(1, $3) g) s",
            [hook.id, month, per_month],
        )
    # Due now: a few retries created one and two months ago, the rest this month.
    for n in range(due):
        age = timedelta(days=35 * (n % 10 == 0) + 35 * (n % 20 == 0))
        created = now - age - timedelta(minutes=n)
        await conn.execute_query(
            "INSERT INTO webhook_delivery (endpoint_id, topic, payload, state, attempts, "
            "next_attempt_at, created_at) VALUES ($1, 'ping', '{}'::jsonb, 'pending', $2, $3, $4)",
            [hook.id, 3 if age else 0, now - timedelta(seconds=n), created],
        )


_PART = re.compile(r"on (webhook_delivery_(?:p\d{4}_\d{2}|default))(?!\w)")


def _summary(plan: list[str]) -> tuple[str, int, int, float, float]:
    """The top node, the partitions planned and those read, planning and execution ms."""
    text = "\n".join(plan)
    planned = len(set(_PART.findall(text)))
    read = len(
        {
            name
            for line in plan
            if "Scan" in line and "never executed" not in line
            for name in _PART.findall(line)
        }
    )
    planning = float(re.search(r"Planning Time: ([\d.]+)", text).group(1))  # type: ignore[union-attr]
    execution = float(re.search(r"Execution Time: ([\d.]+)", text).group(1))  # type: ignore[union-attr]
    top = next(
        line.strip().split("  (")[0].removeprefix("->  ")
        for line in plan
        if re.search(r"Scan|Join|Nested Loop|Append|Gather", line)
    )
    return top, planned, read, planning, execution


async def explain(prepare: str | None, sql: str) -> list[str]:
    """EXPLAIN ANALYZE ``sql`` after ``prepare`` (the claim, for what needs leased rows), in
    a transaction rolled back."""
    conn = connections.get("default")
    async with conn.acquire_connection() as raw:
        tx = raw.transaction()
        await tx.start()
        try:
            if prepare:
                await raw.execute(prepare)
            rows = await raw.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        finally:
            await tx.rollback()
    return [row[0] for row in rows]


def _inline(claim: str, now: datetime, lease: datetime, limit: int) -> str:
    return (
        claim.replace("$1", f"'{lease.isoformat()}'")
        .replace("$2", f"'{now.isoformat()}'")
        .replace("$3", str(limit))
    )


async def statements(now: datetime, limit: int) -> dict[str, tuple[tuple[str | None, str], ...]]:
    """Each statement of a pass in its before and after form: (prepare, sql) pairs."""
    lease = now + sender.LEASE
    keys = await AFTER.claim_keys(now=now, limit=limit, lease=sender.LEASE)
    # Put the rows back as they were (the claim above was only to learn the keys).
    await AFTER.release_keys(keys)
    ids = [row_id for row_id, _ in keys]
    first = await WebhookDelivery.get(id=ids[0])
    claim_before = _inline(BEFORE._postgres_claim(), now, lease, limit)
    claim_after = _inline(AFTER._postgres_claim(), now, lease, limit)
    outcome = {
        "state": DeliveryState.DELIVERED,
        "delivered_at": now,
        "lease_until": None,
        "response_status": 200,
        "response_excerpt": "thanks",
    }

    def sql(query: Any) -> str:
        return str(query.sql(params_inline=True))

    pending = {"state": "pending"}
    return {
        "claim": ((None, claim_before), (None, claim_after)),
        "load": (
            (None, sql(WebhookDelivery.filter(id__in=ids).order_by("id"))),
            (None, sql(ROWS.among(keys).order_by("id"))),
        ),
        "outcome (one row)": (
            (claim_after, sql(WebhookDelivery.filter(id=first.id).update(**outcome))),
            (claim_after, sql(ROWS.this(first).update(**outcome))),
        ),
        "renew": (
            (
                claim_after,
                sql(
                    WebhookDelivery.filter(id__in=ids, lease_until__gt=now, **pending).update(
                        lease_until=lease
                    )
                ),
            ),
            (
                claim_after,
                sql(
                    WebhookDelivery.filter(
                        lease_until__gt=now, **pending, **AFTER._rows(keys)
                    ).update(lease_until=lease)
                ),
            ),
        ),
        "release": (
            (
                claim_after,
                sql(
                    WebhookDelivery.filter(id__in=ids, lease_until__isnull=False, **pending).update(
                        lease_until=None, attempts=F("attempts") - 1
                    )
                ),
            ),
            (
                claim_after,
                sql(
                    WebhookDelivery.filter(
                        lease_until__isnull=False, **pending, **AFTER._rows(keys)
                    ).update(lease_until=None, attempts=F("attempts") - 1)
                ),
            ),
        ),
    }


async def run(args: argparse.Namespace) -> None:
    now = datetime.now(UTC)
    await fresh_database(args.database)
    await db.connect(args.database)
    try:
        await seed(args.months, args.per_month, args.due, now)
        pairs = await statements(now, sender.BATCH)
        print(f"{machine_load()}; {args.months} months × {args.per_month:,} rows")
        for name, forms in pairs.items():
            results: dict[str, list[tuple[str, int, int, float, float]]] = {
                "before": [],
                "after": [],
            }
            plans: dict[str, list[str]] = {}
            for _ in range(args.repeat):
                for label, (prepare, sql) in zip(("before", "after"), forms, strict=True):
                    plan = await explain(prepare, sql)
                    plans[label] = plan
                    results[label].append(_summary(plan))
            for label in ("before", "after"):
                top, planned, read, _, _ = results[label][-1]
                planning = statistics.median(r[3] for r in results[label])
                execution = statistics.median(r[4] for r in results[label])
                print(
                    f"{name:18} {label:6} partitions planned {planned} read {read}"
                    f"  planning {planning:6.3f} ms  execution {execution:7.3f} ms  {top}"
                )
                if args.plans:
                    print("\n".join("      " + line for line in plans[label]))
    finally:
        await db.disconnect()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--database", required=True, help="PostgreSQL URL (dropped, recreated)")
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--per-month", type=int, default=50_000)
    parser.add_argument("--due", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--plans", action="store_true", help="print the last plans in full")
    return parser


def main(argv: list[str] | None = None) -> None:
    asyncio.run(run(_parser().parse_args(argv)))


if __name__ == "__main__":
    main()
