"""The webhook sender's statements on a partitioned ``webhook_delivery``: plans and timings
of each statement named by id alone (before) and by (id, created_at) (after).

Seeds PostgreSQL with ``--months`` monthly partitions of ``--per-month`` finished
deliveries each, plus a batch of due ones (most from this month, a few retries from
older months), leaves them unanalysed (fresh rows, as autovacuum leaves them), then runs
``EXPLAIN (ANALYZE, BUFFERS)`` of each statement the sender writes — claim, load, outcome,
lease renewal, hand-back — in both forms, interleaved, each inside a transaction rolled
back. Prints per statement: partitions planned or scanned, the top plan node, the
median planning time and the min/median/max execution time, and the shared buffers the
plan touched (hit + read)::

    python -m benchmarks.webhook_plans --database postgres://…/bench_hooks

The delivery log's listing (the latest 50 deliveries of one endpoint) is measured the
same way: before, the statement the log ran until migration 0031 (``ORDER BY id DESC``
joined to the endpoint's merchant), without the 0031 index (dropped inside the rolled
back transaction); after, :func:`portal.webhooks_out.delivery_log.log_query` with it.
Three endpoints: the busy one holding every seeded row, a ``--quiet`` one (500 rows a
month by default, 1 in 100), and a silent one whose last delivery is from the oldest
month; the quiet one also paged 150 rows deep (the cursor of the third page) and as the
workspace asks (the last 30 days). ``--analyse`` runs ``ANALYZE`` after seeding.
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
from portal.webhooks_out import delivery_log, sender

BEFORE = LeasedQueue(WebhookDelivery, due_field="next_attempt_at")
AFTER = sender._QUEUE
ROWS = RowKeys(WebhookDelivery)
#: The delivery log's page as the workspace and the API ask for it (50, and one more).
PAGE = 50


async def seed(
    months: int, per_month: int, due: int, now: datetime, quiet: int = 500
) -> dict[str, WebhookEndpoint]:
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
    # The log's other endpoints: a quiet one, spread over every month, and a silent one
    # with one delivery, in the oldest month.
    quiet_hook = await WebhookEndpoint.create(
        merchant=shop, url="https://quiet.example.test/", secret_encrypted="x", topics=["*"]
    )
    silent_hook = await WebhookEndpoint.create(
        merchant=shop, url="https://silent.example.test/", secret_encrypted="x", topics=["*"]
    )
    for n in range(months):
        month = partitions.add_months(current, -n)
        await conn.execute_query(
            "INSERT INTO webhook_delivery (endpoint_id, topic, payload, state, attempts, "
            "next_attempt_at, created_at, delivered_at) "
            "SELECT $1, 'ping', '{}'::jsonb, 'delivered', 1, t, t, t FROM ("
            "SELECT $2::timestamptz + (g * interval '28 days' / $3) AS t "
            "FROM generate_series(1, $3) g) s",
            [quiet_hook.id, month, quiet],
        )
    oldest = partitions.add_months(current, -months + 1)
    await conn.execute_query(
        "INSERT INTO webhook_delivery (endpoint_id, topic, payload, state, attempts, "
        "next_attempt_at, created_at) VALUES ($1, 'ping', '{}'::jsonb, 'failed', 8, $2, $2)",
        [silent_hook.id, oldest + timedelta(days=3)],
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
    return {"busy": hook, "quiet": quiet_hook, "silent": silent_hook}


_PART = re.compile(r"on (webhook_delivery_(?:p\d{4}_\d{2}|default))(?!\w)")


def _summary(plan: list[str]) -> tuple[str, int, int, float, float, int]:
    """The top node, the partitions planned and those read, planning and execution ms,
    and the shared buffers of the top node (hit + read)."""
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
    found = next((re.search(r"shared ([a-z=\d ]+)", ln) for ln in plan if "Buffers:" in ln), None)
    buffers = sum(int(n) for n in re.findall(r"(?:hit|read)=(\d+)", found.group(1))) if found else 0
    return top, planned, read, planning, execution, buffers


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


async def log_index() -> str:
    """The name of migration 0031's index (Tortoise names it by a hash)."""
    rows = await connections.get("default").execute_query_dict(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'webhook_delivery' "
        "AND indexdef LIKE '%(endpoint_id, created_at, id)'"
    )
    return str(rows[0]["indexname"])


async def listings(
    now: datetime, hooks: dict[str, WebhookEndpoint]
) -> dict[str, tuple[tuple[str | None, str], ...]]:
    """The delivery log's page, before (until 0031, without its index) and after."""
    no_index = f'DROP INDEX "{await log_index()}"'

    def sql(query: Any) -> str:
        return str(query.sql(params_inline=True))

    def old(hook: WebhookEndpoint, **more: Any) -> str:
        return sql(
            WebhookDelivery.filter(
                endpoint_id=hook.id, endpoint__merchant_id=hook.merchant_id, **more
            )
            .order_by("-id")
            .limit(PAGE)
        )

    quiet = hooks["quiet"]
    key = None
    for _ in range(3):  # the key the third page starts after
        key = (await delivery_log.page(quiet, limit=PAGE, before=key)).next_key
    assert key is not None
    pairs: dict[str, tuple[tuple[str | None, str], ...]] = {}
    for name in ("busy", "quiet", "silent"):
        after = delivery_log.log_query(hooks[name], limit=PAGE + 1)
        pairs[f"log: {name}"] = ((no_index, old(hooks[name])), (None, sql(after)))
    deep = delivery_log.log_query(quiet, limit=PAGE + 1, before=key)
    pairs["log: quiet, page 4"] = ((no_index, old(quiet, id__lt=key[0])), (None, sql(deep)))
    screen = delivery_log.log_query(quiet, limit=PAGE + 1, since=now - timedelta(days=30))
    pairs["log: quiet, 30 days"] = ((no_index, old(quiet)), (None, sql(screen)))
    return pairs


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
        hooks = await seed(args.months, args.per_month, args.due, now, args.quiet)
        if args.analyse:
            await connections.get("default").execute_script("ANALYZE webhook_delivery")
        pairs = await statements(now, sender.BATCH) if not args.only_log else {}
        pairs.update(await listings(now, hooks))
        print(f"{machine_load()}; {args.months} months × {args.per_month:,} rows")
        for name, forms in pairs.items():
            results: dict[str, list[tuple[str, int, int, float, float, int]]] = {
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
                top, planned, read, _, _, buffers = results[label][-1]
                planning = statistics.median(r[3] for r in results[label])
                runs = [r[4] for r in results[label]]
                print(
                    f"{name:20} {label:6} partitions planned {planned} read {read}"
                    f"  planning {planning:6.3f} ms  execution {min(runs):7.3f}/"
                    f"{statistics.median(runs):7.3f}/{max(runs):7.3f} ms"
                    f"  buffers {buffers:6d}  {top}"
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
    parser.add_argument("--quiet", type=int, default=500, help="the quiet endpoint's rows a month")
    parser.add_argument("--analyse", action="store_true", help="ANALYZE after seeding")
    parser.add_argument("--only-log", action="store_true", help="the delivery log's listing only")
    return parser


def main(argv: list[str] | None = None) -> None:
    asyncio.run(run(_parser().parse_args(argv)))


if __name__ == "__main__":
    main()
