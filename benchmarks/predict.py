"""Delivery predictions: the nightly recomputation over a large settled history, and the cost
of predicting on the poll sweep's path.

``python -m benchmarks.predict [--settled 1000000] [--sweep 10000] [--rounds 3]
[--database URL]``

1. **Nightly recomputation.** The database is recreated and filled, inside PostgreSQL
   (``generate_series``, no round trips), with ``--settled`` delivered parcels of 50 shops
   on 5 carriers to 5 countries and ~100 postcode prefixes each, handed over in the last
   170 days, with four scans each (label, pick-up, on the van, delivered). Then
   :func:`portal.tracking.transit_sql.recompute` runs as the worker's job does: the
   calendar, one histogram statement per stage, the scan-gap statement, the rollup and the
   rewrite of the tables. Wall time and this process's CPU time are reported; the target
   is under 60 s wall time.

2. **Sweep path.** A first-sync sweep (every parcel new, so every parcel gets a status
   change, the event that makes a prediction) of ``--sweep`` shipments against the sandbox
   carrier on loopback, with the prediction listener on (A) and off (B), interleaved
   A, B, A, B, … for ``--rounds`` rounds after an unmeasured warm-up of each, each on
   freshly seeded shipments. The learned
   table from part 1 stays in place, so every prediction finds real figures (the
   shipments' orders go to the same countries and prefixes). The figure is this process's
   CPU seconds per shipment (the process that runs the sweep; the carrier is another
   process), median over the rounds; the target is that predictions cost under 5 % of the
   sweep's throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import shlex
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from benchmarks.common import (
    DEFAULT_POSTGRES,
    free_port,
    fresh_database,
    machine_load,
    peak_rss_mb,
    served,
    table,
)

RECOMPUTE_TARGET_SECONDS = 60.0
SWEEP_TARGET_SHARE = 0.05
SHOPS = 50
BATCH = 500
LANES = 2

_FILL = """
INSERT INTO merchant (slug, name, branding, time_zone, default_locale, quiet_hours_start,
    quiet_hours_end, expire_after_days, survey_delay_days, notification_rules, created_at,
    survey_settings)
SELECT 'bench-' || g, 'Bench ' || g, '{}', 'UTC', 'en', '21:00', '08:00', 30, 2, '{}', now(), '{}'
FROM generate_series(1, %(shops)s) g;

INSERT INTO orders (id, merchant_id, number, email, currency, placed_at, ship_name, ship_line1,
    ship_line2, ship_city, ship_region, ship_postal_code, ship_country, created_at,
    shipping_total)
SELECT g, 1 + g %% %(shops)s, 'H' || g, '', 'EUR', now(), '', '', '', '', '',
    lpad(((g::bigint * 7919) %% 100)::text, 2, '0') || '-' || lpad((g %% 1000)::text, 3, '0'),
    (ARRAY['PL', 'RO', 'GR', 'DE', 'GB'])[1 + g %% 5], now(), 0
FROM generate_series(1, %(settled)s) g;

INSERT INTO shipment (id, merchant_id, order_id, carrier_key, carrier_pinned, tracking_number,
    direction, status, poll_failures, shipped_at, delivered_at, first_estimated_delivery,
    last_event_at, created_at, updated_at, service, origin_country)
SELECT g, 1 + g %% %(shops)s, g, c.carrier, false, 'H' || g, 'outbound', 'delivered', 0,
    c.shipped, c.shipped + ((1 + (g * 31) %% 6) || ' days')::interval + interval '3 hours',
    (c.shipped + interval '3 days')::date, c.shipped, now(), now(), '', ''
FROM generate_series(1, %(settled)s) g,
LATERAL (SELECT (ARRAY['ups', 'dhl', 'fedex', 'usps', 'gls'])[1 + (g / 5) %% 5] AS carrier,
         now() - ((g %% 170) || ' days')::interval - ((g %% 11) || ' hours')::interval
             - interval '8 days' AS shipped) c;

INSERT INTO tracking_event (shipment_id, occurred_at, status, carrier_code, description,
    dedupe_key, source, recorded_at)
SELECT s.id, s.shipped_at + e.offset_, e.status, e.code, '', e.code || s.id, 'poll', now()
FROM shipment s,
LATERAL (VALUES ('info_received', 'LC', interval '-2 hours'),
                ('in_transit', 'PU', interval '0 hours'),
                ('out_for_delivery', 'OD', s.delivered_at - s.shipped_at - interval '4 hours'),
                ('delivered', 'DL', s.delivered_at - s.shipped_at)) AS e(status, code, offset_);

SELECT setval('orders_id_seq', (SELECT max(id) FROM orders));
SELECT setval('shipment_id_seq', (SELECT max(id) FROM shipment));
VACUUM ANALYZE;
"""


@dataclass
class Timed:
    wall: float
    cpu: float


async def fill(settled: int) -> float:
    from tortoise import connections

    began = time.perf_counter()
    conn = connections.get("default")
    for statement in (_FILL % {"shops": SHOPS, "settled": settled}).split(";\n"):
        if statement.strip():
            await conn.execute_script(statement)
    return time.perf_counter() - began


async def recompute_once() -> tuple[Timed, Any]:
    from portal.tracking.transit_sql import recompute

    wall, cpu = time.perf_counter(), time.process_time()
    done = await recompute(datetime.now(UTC))
    return Timed(time.perf_counter() - wall, time.process_time() - cpu), done


async def seed_sweep(count: int, server: str, settings: Any, round_: int) -> None:
    """``count`` pending shipments on one sandbox account of shop ``round_`` (a shop per
    round: numbers may repeat between rounds), with orders to the history's countries and
    prefixes, due now."""
    from tortoise import connections

    from carriers.sandbox import make_numbers
    from portal.crypto import encrypt_json
    from portal.models import CarrierAccount

    conn = connections.get("default")
    account = await CarrierAccount.create(
        merchant_id=round_,
        carrier_key="sandbox",
        name=f"Sandbox {round_}",
        credentials_encrypted=encrypt_json(settings, {"api_key": "bench"}),
        base_url_override=server,
    )
    numbers = make_numbers(count, seed=round_, now=datetime.now(UTC))
    await conn.execute_query(
        "INSERT INTO orders (merchant_id, number, email, currency, placed_at, ship_name, "
        "ship_line1, ship_line2, ship_city, ship_region, ship_postal_code, ship_country, "
        "created_at, shipping_total) SELECT $1::int, 'S' || $1::int || '-' || n, '', 'EUR', "
        "now(), '', '', '', '', '', lpad(((i * 7919) % 100)::text, 2, '0') || '-100', "
        "(ARRAY['PL', 'RO', 'GR', 'DE', 'GB'])[1 + i % 5], now(), 0 "
        "FROM unnest($2::text[]) WITH ORDINALITY AS t(n, i)",
        [round_, numbers],
    )
    await conn.execute_query(
        "INSERT INTO shipment (merchant_id, order_id, carrier_account_id, carrier_key, "
        "carrier_pinned, tracking_number, direction, status, poll_failures, next_poll_at, "
        "created_at, updated_at, service, origin_country) "
        "SELECT $3::int, o.id, $1, 'sandbox', false, substr(o.number, length($2) + 1), "
        "'outbound', 'pending', 0, now(), now(), now(), '', '' FROM orders o "
        "WHERE o.merchant_id = $3::int AND o.number LIKE $2 || '%'",
        [account.id, f"S{round_}-", round_],
    )
    # The carrier the sweep polls is the sandbox: give it the history's figures so every
    # prediction finds a group (the same rows as the busiest real carrier's).
    await conn.execute_query(
        "INSERT INTO transit_stat (merchant_id, level, carrier_key, service, origin_country, "
        "dest_country, postcode_prefix, stage, samples, p10, p50, p90, computed_at) "
        "SELECT merchant_id, level, 'sandbox', service, origin_country, dest_country, "
        "postcode_prefix, stage, samples, p10, p50, p90, computed_at FROM transit_stat "
        "WHERE carrier_key = 'ups' AND NOT EXISTS "
        "(SELECT 1 FROM transit_stat WHERE carrier_key = 'sandbox')",
        [],
    )
    await conn.execute_script("VACUUM ANALYZE shipment, orders, tracking_event")


async def sweep_round(
    settings: Any, client: Any, server: str, count: int, round_: int, on: bool
) -> tuple[Timed, int]:
    from portal import events
    from portal.models import ShipmentPrediction
    from portal.tracking import prediction
    from portal.tracking.sweep import sweep_until_idle

    await seed_sweep(count, server, settings, round_)
    events.ensure_listeners_loaded()
    listeners = events._batch_listeners[events.SHIPMENT_STATUS_CHANGED]
    if not on:
        listeners.remove(prediction.predict_batch)
    prediction.forget_cached()
    before = await ShipmentPrediction.all().count()
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        while True:
            report = await sweep_until_idle(
                settings, client=client, batch_size=BATCH, parallel=LANES
            )
            if not report.more_waiting:
                break
        timed = Timed(time.perf_counter() - wall, time.process_time() - cpu)
    finally:
        if not on:
            listeners.insert(0, prediction.predict_batch)
    return timed, await ShipmentPrediction.all().count() - before


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.predict", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--settled", type=int, default=1_000_000)
    parser.add_argument("--sweep", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--database", default=DEFAULT_POSTGRES, help="dropped and recreated! (default %(default)s)"
    )
    return parser


async def main(argv: Sequence[str] | None = None) -> int:
    from benchmarks.poll_sweep import make_client
    from portal import db
    from portal.runtime import tune_gc
    from portal.settings import Settings
    from portal.tracking.sweep import PER_ACCOUNT  # noqa: F401  (a worker's start-up imports)

    args = _parser().parse_args(argv)
    if not args.database.startswith(("postgres://", "postgresql://")):
        print("this benchmark fills PostgreSQL with generate_series: give a postgres URL")
        return 2
    settings = Settings(
        secret_key="benchmark-" + "k" * 40,
        database_url=args.database,
        sandbox_carrier=False,
        # filling and recomputing a large history are single statements of minutes
        db_statement_timeout=1800.0,
    )
    tune_gc()
    await fresh_database(args.database)
    await db.connect(args.database, settings)
    port = free_port()
    server = f"http://127.0.0.1:{port}"
    try:
        print(f"filling {args.settled:,} settled parcels ...", flush=True)
        filled = await fill(args.settled)
        print(f"  filled in {filled:.0f} s; recomputing ...", flush=True)
        first, done = await recompute_once()
        again, _ = await recompute_once()
        results: dict[bool, list[tuple[Timed, int]]] = {True: [], False: []}
        with served(["carriers.sandbox", "--port", str(port)], f"{server}/health"):
            async with make_client("default") as client:
                # Warm-up, not measured: imports, prepared statements, the figures' cache.
                for on in (True, False):
                    await sweep_round(settings, client, server, 1000, 40 + on, on)
                for round_ in range(1, args.rounds + 1):
                    for on in (True, False):
                        print(f"  sweep round {round_}, predictions {'on' if on else 'off'}")
                        results[on].append(
                            await sweep_round(
                                settings, client, server, args.sweep, round_ * 2 + on, on
                            )
                        )
    finally:
        await db.disconnect()

    print()
    print(f"nightly recomputation on PostgreSQL, {done.parcels:,} settled parcels counted")
    print(
        table(
            [
                ["run", "wall s", "CPU s (this process)", "groups", "scan gaps"],
                ["first (calendar filled)", f"{first.wall:.1f}", f"{first.cpu:.1f}",
                 f"{done.groups:,}", f"{done.gaps}"],
                ["second", f"{again.wall:.1f}", f"{again.cpu:.1f}", f"{done.groups:,}",
                 f"{done.gaps}"],
            ]
        )
    )  # fmt: skip
    slowest = max(first.wall, again.wall)
    print(
        f"slowest: {slowest:.1f} s (target < {RECOMPUTE_TARGET_SECONDS:.0f} s): "
        f"{'met' if slowest < RECOMPUTE_TARGET_SECONDS else 'NOT met'}"
    )
    print()
    rows: list[list[object]] = [
        ["round", "predictions", "wall s", "shipments/s", "CPU µs/shipment", "predictions made"]
    ]
    for index in range(args.rounds):
        for on in (True, False):
            timed, made = results[on][index]
            rows.append(
                [
                    index + 1,
                    "on" if on else "off",
                    f"{timed.wall:.2f}",
                    f"{args.sweep / timed.wall:,.0f}",
                    f"{timed.cpu / args.sweep * 1e6:,.0f}",
                    f"{made:,}",
                ]
            )
    print(f"first-sync sweep of {args.sweep:,} shipments, interleaved A/B")
    print(table(rows))
    cpu_on = statistics.median(t.cpu for t, _ in results[True]) / args.sweep
    cpu_off = statistics.median(t.cpu for t, _ in results[False]) / args.sweep
    wall_on = statistics.median(t.wall for t, _ in results[True])
    wall_off = statistics.median(t.wall for t, _ in results[False])
    share = cpu_on / cpu_off - 1
    print(
        f"median CPU per shipment: {cpu_on * 1e6:,.0f} µs on vs {cpu_off * 1e6:,.0f} µs off: "
        f"{share:+.1%} (target < {SWEEP_TARGET_SHARE:.0%}): "
        f"{'met' if share < SWEEP_TARGET_SHARE else 'NOT met'}"
    )
    print(
        f"median wall time: {wall_on:.2f} s on vs {wall_off:.2f} s off "
        f"({wall_on / wall_off - 1:+.1%}; wall time includes the carrier process)"
    )
    print(f"peak RSS of this process: {peak_rss_mb():.0f} MB")
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine_load()} at the end")
    print(
        "reproduce: python -m benchmarks.predict "
        + shlex.join(argv if argv is not None else sys.argv[1:])
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
