"""The late watch at scale: one run of ``raise_late`` over a day's parcels not yet late.

``python -m benchmarks.late_watch [--due 200000] [--late 1000] [--database URL]``

The database (PostgreSQL) is recreated and filled inside PostgreSQL (``generate_series``)
with one New York shop, eight orders to addresses on eight calendars (Warsaw, London,
Tokyo, Auckland, California, New York and Texas by their states, and a US address with no
state, on the shop's clock) and ``--due`` open parcels due today spread over them, plus
``--late`` parcels whose day ended three days ago. Where the code has
``portal.tracking.late_clock`` their ``late_at`` is filled the way migration 0041 does
(not timed). Then, at 12:00 UTC, when no parcel due today is late on any of those clocks:

- *first run*: ``raise_late`` called until it opens fewer than a page (as the worker
  repeats it), opening the ``--late`` episodes;
- *steady run*: ``raise_late`` once more, nothing to open — the every-few-minutes cost.

Each prints wall seconds, CPU seconds of this process and of the database's PostgreSQL
backends, and the shipment rows the candidate query handed to Python. The file runs
unchanged on the code before ``late_at`` existed, for an A/B from two trees.
"""

from __future__ import annotations

import argparse
import asyncio
import shlex
import sys
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from benchmarks.common import DEFAULT_POSTGRES, fresh_database, machine_load, postgres_cpu, table

DAY = date(2026, 12, 8)
NOW = datetime(2026, 12, 8, 12, tzinfo=UTC)
#: (country, region) of the orders: eight calendars.
ADDRESSES = (
    ("PL", ""),
    ("GB", ""),
    ("JP", ""),
    ("NZ", ""),
    ("US", "CA"),
    ("US", "NY"),
    ("US", "TX"),
    ("US", ""),
)


def _seed_sql(due: int, late: int) -> list[str]:
    orders = ", ".join(
        f"({i}, 1, '#{i}', 'b@example.test', 'USD', now(), 'Ann', 'Main St 1', '', 'Town', "
        f"'{region}', '00001', '{country}', 0, now())"
        for i, (country, region) in enumerate(ADDRESSES, start=1)
    )
    parcels = (
        "INSERT INTO shipment (merchant_id, order_id, carrier_key, tracking_number, status, "
        "direction, carrier_pinned, poll_failures, estimated_delivery, created_at, updated_at) "
        "SELECT 1, 1 + n % {orders}, 'dhl', '{prefix}' || n, 'in_transit', 'outbound', false, "
        "0, DATE '{day}', now(), now() FROM generate_series(1, {count}) AS n"
    )
    return [
        "INSERT INTO merchant (id, slug, name, branding, time_zone, default_locale, "
        "quiet_hours_start, quiet_hours_end, expire_after_days, survey_delay_days, "
        "survey_settings, notification_rules, created_at) VALUES (1, 'bench', 'Bench', '{}', "
        "'America/New_York', 'en', '21:00', '08:00', 30, 2, '{}', '{}', now())",
        "INSERT INTO orders (id, merchant_id, number, email, currency, placed_at, ship_name, "
        "ship_line1, ship_line2, ship_city, ship_region, ship_postal_code, ship_country, "
        f"shipping_total, created_at) VALUES {orders}",
        # The late ones get the highest ids: the old query, paging by id, read every parcel
        # due today before each page of them (the new one reads them by late_at).
        parcels.format(orders=len(ADDRESSES), prefix="D", day=DAY, count=due),
        parcels.format(
            orders=len(ADDRESSES), prefix="L", day=DAY.replace(day=DAY.day - 3), count=late
        ),
        "VACUUM ANALYZE shipment",
    ]


async def _fill_late_at() -> bool:
    """``late_at`` filled as migration 0041 does, where the code has it."""
    try:
        from portal.tracking import late_clock
    except ImportError:
        return False
    from tortoise import connections

    conn = connections.get("default")
    rows = await conn.execute_query_dict("SELECT id FROM shipment ORDER BY id")
    ids = [row["id"] for row in rows]
    for start in range(0, len(ids), 2000):
        await late_clock.refresh(conn, ids[start : start + 2000])
    await conn.execute_script("VACUUM ANALYZE shipment")
    return True


async def _timed(database: str, name: str, once: bool, read: list[int]) -> list[Any]:
    """One run (``once``: one call, else until a call opens less than a page)."""
    from portal.settings import Settings
    from portal.tracking.alerts import BATCH, raise_late

    settings = Settings(secret_key="benchmark-" + "k" * 40, database_url=database)
    del read[:]
    wall, cpu, pg = time.perf_counter(), time.process_time(), postgres_cpu(database)
    opened = 0
    while True:
        step = await raise_late(settings, NOW)
        opened += step
        if once or step < BATCH:
            break
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    pg = postgres_cpu(database) - pg
    return [name, f"{opened:,}", f"{sum(read):,}", f"{wall:.3f}", f"{cpu:.3f}", f"{pg:.3f}"]


async def run(database: str, due: int, late: int) -> list[list[Any]]:
    from tortoise import connections

    from portal import db
    from portal.tracking import alerts

    await fresh_database(database)
    await db.connect(database)
    try:
        conn = connections.get("default")
        for sql in _seed_sql(due, late):
            await conn.execute_script(sql)
        stored = await _fill_late_at()
        read: list[int] = []
        candidates = alerts._late_candidates

        async def counted(*args: Any) -> Any:
            found = await candidates(*args)
            read.append(len(found))
            return found

        alerts._late_candidates = counted  # type: ignore[assignment]
        code = "late_at" if stored else "UTC-day bound"
        first = await _timed(database, f"first run ({code})", False, read)
        steady = await _timed(database, f"steady run ({code})", True, read)
    finally:
        await db.disconnect()
    return [first, steady]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.late_watch", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--due", type=int, default=200_000, help="parcels due today")
    parser.add_argument("--late", type=int, default=1_000, help="parcels already late")
    parser.add_argument(
        "--database", default=DEFAULT_POSTGRES, help="dropped and recreated! (default %(default)s)"
    )
    return parser


async def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not args.database.startswith(("postgres://", "postgresql://")):
        raise SystemExit("PostgreSQL only: the parcels are made by generate_series")
    rows = await run(args.database, args.due, args.late)
    header = ["run", "opened", "rows read", "wall s", "CPU s this", "CPU s PG"]
    print(f"late watch, {args.due:,} parcels due today + {args.late:,} late, at {NOW:%H:%M} UTC")
    print(table([header, *rows]))
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine_load()} at the end")
    print(
        "reproduce: python -m benchmarks.late_watch "
        + shlex.join(argv if argv is not None else sys.argv[1:])
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
