"""Analytics dashboard queries over a million survey answers and a million shipments.

``python -m benchmarks.analytics [--rows 1000000] [--runs 5] [--database URL] [--reuse]``

The database is recreated and migrated, then seeded in bulk, straight through the driver
(asyncpg ``COPY`` on PostgreSQL, multi-row ``executemany`` on SQLite), with ``--rows``
survey answers and ``--rows`` outbound shipments over the year to 23 November 2026, spread
over five merchants; the measured one ("bench") owns 60 % of every table. Each shipment has
its order and one order line; 8 % of parcels get a problem scan (the only tracking events
analytics read), 10 % of orders a return, and answers come two to a survey.

The roll-up job is timed next: a full rebuild (``portal analytics rebuild``), then a day
of changes (late returns on random past days, parcels delivered today) and one
incremental run, each with its wall time and the CPU of this process and of PostgreSQL.

Every dashboard query then runs ``--runs`` times (the portal's own functions, through the
ORM connection, reading the rollups) for the last 90 days (the screen's default), the
whole year, the year for one carrier, and the year ending 12 hours into a day (that day
counted live), and the median is printed with this process's CPU per run. Absolute
times swing with the machine's load, so the baseline is a
``SELECT count(*)`` over the whole ``survey_answer`` table timed the same way in the same
run; the ratio to it is what to compare between runs. On PostgreSQL the tables are
``VACUUM ANALYZE``d after seeding (what autovacuum would have done). ``--reuse`` skips
the (minutes long) seeding and times the queries again on the rows already there.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shlex
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from benchmarks.common import (
    DEFAULT_POSTGRES,
    fresh_database,
    machine_load,
    postgres_cpu,
    table,
)

NOW = datetime(2026, 11, 23, tzinfo=UTC)
DAYS = 365
#: Share of the rows owned by each merchant; the first one is measured.
MERCHANTS = (("bench", 0.6), ("second", 0.1), ("third", 0.1), ("fourth", 0.1), ("fifth", 0.1))
CARRIERS = ("ups", "dhl", "fedex", "usps", "sandbox")
COUNTRIES = ("PL", "PL", "PL", "DE", "DE", "RO", "GR", "FR", "GB", "US")
PROBLEMS = (
    ("exception", "carrier_delay"),
    ("exception", "weather_delay"),
    ("exception", "damaged"),
    ("exception", None),
    ("failed_attempt", "recipient_unavailable"),
    ("failed_attempt", "address_issue"),
)
REASONS = ("too_small", "too_big", "damaged", "not_as_described", "changed_mind")
RESOLUTIONS = ("refund", "refund", "store_credit", "exchange", "keep_item")
OUTCOMES = ("smooth", "smooth", "smooth", "late", "failed_attempt", "return", "exchange")
PRODUCTS, VARIANTS_EACH = 50, 4
#: Share of answers with a comment. Every question takes one, optional and typed after
#: the score (docs/surveys.md); post-delivery surveys get open text from roughly one
#: respondent in ten: 8 % of answers is about one survey in seven.
COMMENTED = 0.08
COMMENTS = (
    "Fast and well packed, thank you.",
    "The courier left it with a neighbour without a note.",
    "Arrived a day later than promised.",
    "Box was dented but the item is fine.",
    "Easy return, refund came quickly.",
)
#: The merchant (id) whose customers never write: the comments list finds nothing.
SILENT = 5
BATCH = 50_000

Row = tuple[Any, ...]


def _model_defaults(table: str, columns: Sequence[str]) -> dict[str, Any]:
    """Columns of ``table``'s model that are NOT NULL with a plain default, not in ``columns``."""
    from tortoise.models import Model

    import portal.models  # noqa: F401  (every model class registered as a subclass)

    def subclasses(cls: type[Model]) -> list[type[Model]]:
        return [c for s in cls.__subclasses__() for c in (s, *subclasses(s))]

    for model in subclasses(Model):
        if getattr(model._meta, "db_table", None) != table:
            continue
        found: dict[str, Any] = {}
        for field in model._meta.fields_map.values():
            column = getattr(field, "source_field", None) or field.model_field_name
            if column in columns or field.null or field.pk or callable(field.default):
                continue
            if field.default is None or getattr(field, "reference", None) is not None:
                continue
            default = field.default
            found[column] = default.value if hasattr(default, "value") else default
        return found
    return {}


class Writer:
    """Bulk inserts through the driver: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.postgres = database.startswith(("postgres://", "postgresql://"))
        self.pg: Any = None

    async def __aenter__(self) -> Writer:
        if self.postgres:
            import asyncpg

            self.pg = await asyncpg.connect(database_url_for_asyncpg(self.database))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.pg is not None:
            await self.pg.close()

    async def insert(self, name: str, columns: Sequence[str], rows: Iterator[Row]) -> int:
        """Insert ``rows``; a column the model requires and the rows leave out gets the
        model's default, so the seed keeps working as the schema gains columns."""
        extra = _model_defaults(name, columns)
        if extra:
            columns = [*columns, *extra]
            rows = (tuple(row) + tuple(extra.values()) for row in rows)
        count = 0
        while True:
            batch = [row for _, row in zip(range(BATCH), rows, strict=False)]
            if not batch:
                return count
            count += len(batch)
            if self.pg is not None:
                await self.pg.copy_records_to_table(name, records=batch, columns=list(columns))
            else:
                from tortoise import connections

                marks = ", ".join("?" for _ in columns)
                await connections.get("default").execute_many(
                    f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})",
                    [[_sqlite_value(v) for v in row] for row in batch],
                )

    async def finish(self, tables: Sequence[str]) -> None:
        """Move each sequence past the ids given explicitly, and refresh statistics."""
        if self.pg is None:
            return
        for name in tables:
            await self.pg.execute(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"
            )
        await self.pg.execute(f"VACUUM ANALYZE {', '.join(tables)}")


def database_url_for_asyncpg(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]


def _sqlite_value(value: Any) -> Any:
    """Values as Tortoise stores them in SQLite (ISO text for times, text for decimals)."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | Decimal):
        return str(value)
    if isinstance(value, bool):
        return int(value)
    return value


def _owner(i: int, total: int) -> int:
    """The merchant id (1-based) owning row ``i`` of ``total``."""
    edge = 0.0
    for n, (_, share) in enumerate(MERCHANTS, start=1):
        edge += share
        if i < total * edge:
            return n
    return len(MERCHANTS)


async def seed(writer: Writer, rows: int, rng: random.Random) -> dict[str, int]:
    """Merchants, variants, reasons, then ``rows`` orders+lines+shipments and ``rows``
    answers (with their surveys), plus problem scans and returns. Returns row counts."""
    counts: dict[str, int] = {}
    counts["merchant"] = await writer.insert(
        "merchant",
        ("id", "slug", "name", "branding", "time_zone", "default_locale", "quiet_hours_start",
         "quiet_hours_end", "expire_after_days", "survey_delay_days", "notification_rules",
         "survey_settings", "created_at"),
        iter([(n, slug, slug.title(), "{}", "UTC", "en", "21:00", "08:00", 30, 2, "{}", "{}", NOW)
              for n, (slug, _) in enumerate(MERCHANTS, start=1)]),
    )  # fmt: skip
    merchants = len(MERCHANTS)
    per_merchant = PRODUCTS * VARIANTS_EACH
    counts["product_variant"] = await writer.insert(
        "product_variant",
        ("id", "merchant_id", "product_ref", "sku", "title", "options", "price", "stock",
         "reserved"),
        iter([(m * per_merchant + v + 1, m + 1, f"P{v // VARIANTS_EACH:03d}", f"P{v:04d}",
               f"Product {v // VARIANTS_EACH}", "{}", Decimal("20.00"), 100, 0)
              for m in range(merchants) for v in range(per_merchant)]),
    )  # fmt: skip
    counts["return_reason"] = await writer.insert(
        "return_reason",
        ("id", "merchant_id", "code", "labels", "requires_photo", "requires_comment",
         "waives_fees", "position", "active"),
        iter([(m * len(REASONS) + r + 1, m + 1, code, json.dumps({"en": code}), False, False,
               False, r, True)
              for m in range(merchants) for r, code in enumerate(REASONS)]),
    )  # fmt: skip

    placed = [NOW - timedelta(seconds=rng.randrange(DAYS * 86400)) for _ in range(rows)]
    owners = [_owner(i, rows) for i in range(rows)]
    counts["orders"] = await writer.insert(
        "orders",
        ("id", "merchant_id", "number", "email", "currency", "placed_at", "ship_name",
         "ship_line1", "ship_line2", "ship_city", "ship_region", "ship_postal_code",
         "ship_country", "created_at"),
        ((i + 1, owners[i], f"B{i}", "", "EUR", placed[i], "", "", "", "", "", "",
          rng.choice(COUNTRIES), placed[i]) for i in range(rows)),
    )  # fmt: skip
    variants = [rng.randrange(per_merchant) for _ in range(rows)]
    quantities = [rng.choice((1, 1, 1, 2, 3)) for _ in range(rows)]
    counts["order_item"] = await writer.insert(
        "order_item",
        ("id", "order_id", "variant_id", "sku", "title", "variant_options", "quantity",
         "unit_price", "final_sale"),
        ((i + 1, i + 1, (owners[i] - 1) * per_merchant + variants[i] + 1, f"P{variants[i]:04d}",
          f"Product {variants[i] // VARIANTS_EACH}", "{}", quantities[i], Decimal("20.00"),
          False) for i in range(rows)),
    )  # fmt: skip

    def shipments() -> Iterator[Row]:
        for i in range(rows):
            shipped = placed[i] + timedelta(hours=rng.randrange(4, 36))
            delivered = shipped + timedelta(hours=rng.randrange(20, 160))
            done = delivered < NOW and rng.random() < 0.95
            eta = (shipped + timedelta(days=3)).date() if rng.random() < 0.9 else None
            yield (i + 1, owners[i], i + 1, rng.choice(CARRIERS), False, f"BN{i:010d}",
                   "outbound", "delivered" if done else "in_transit", 0, shipped,
                   delivered if done else None, eta, eta, placed[i], placed[i])  # fmt: skip

    counts["shipment"] = await writer.insert(
        "shipment",
        ("id", "merchant_id", "order_id", "carrier_key", "carrier_pinned", "tracking_number",
         "direction", "status", "poll_failures", "shipped_at", "delivered_at",
         "estimated_delivery", "first_estimated_delivery", "created_at", "updated_at"),
        shipments(),
    )  # fmt: skip
    problem_ids = sorted(rng.sample(range(rows), rows * 8 // 100))

    def events() -> Iterator[Row]:
        for n, i in enumerate(problem_ids):
            status, reason = rng.choice(PROBLEMS)
            yield (n + 1, i + 1, placed[i] + timedelta(days=2), status, reason, "X", "",
                   f"p{n}", "poll", placed[i] + timedelta(days=2))  # fmt: skip

    counts["tracking_event"] = await writer.insert(
        "tracking_event",
        ("id", "shipment_id", "occurred_at", "status", "reason", "carrier_code", "description",
         "dedupe_key", "source", "recorded_at"),
        events(),
    )  # fmt: skip
    returned = sorted(rng.sample(range(rows), rows // 10))
    counts["return_request"] = await writer.insert(
        "return_request",
        ("id", "merchant_id", "order_id", "number", "state", "currency", "refund_total",
         "credit_total", "fees_total", "customer_note", "merchant_note", "created_at",
         "updated_at"),
        ((n + 1, owners[i], i + 1, f"R{n}", rng.choice(("resolved", "resolved", "received",
          "requested", "rejected")), "EUR", Decimal(0), Decimal(0), Decimal(0), "", "",
          placed[i] + timedelta(days=8), placed[i] + timedelta(days=8))
         for n, i in enumerate(returned)),
    )  # fmt: skip
    counts["return_item"] = await writer.insert(
        "return_item",
        ("id", "return_request_id", "order_item_id", "quantity", "reason_id", "comment",
         "resolution", "amount"),
        ((n + 1, n + 1, i + 1, 1, (owners[i] - 1) * len(REASONS) + rng.randrange(len(REASONS))
          + 1, "", rng.choice(RESOLUTIONS), Decimal("20.00")) for n, i in enumerate(returned)),
    )  # fmt: skip

    surveys = rows // 2
    # Sorted: answers arrive in time order, so ids rise with answered_at as in production
    # (what a query ordered by id and bounded by a period long ago has to walk).
    answered = sorted(NOW - timedelta(seconds=rng.randrange(DAYS * 86400)) for _ in range(surveys))
    survey_owner = [_owner(i, surveys) for i in range(surveys)]
    outcome = [rng.choice(OUTCOMES) for _ in range(surveys)]
    carrier = [rng.choice(CARRIERS) for _ in range(surveys)]
    counts["survey"] = await writer.insert(
        "survey",
        ("id", "merchant_id", "outcome", "questions", "locale", "token_hash", "expires_at",
         "created_at"),
        ((s + 1, survey_owner[s], outcome[s], "[]", "en", f"{s:064d}", answered[s], answered[s])
         for s in range(surveys)),
    )  # fmt: skip

    def answers() -> Iterator[Row]:
        n = 0
        for s in range(surveys):
            smooth = outcome[s] == "smooth"
            reason = rng.choice(REASONS) if outcome[s] in ("return", "exchange") else None
            pair = (
                (("csat", rng.randint(1, 5)), ("nps", rng.randint(0, 10)))
                if smooth
                else (("ces", rng.randint(1, 5)), ("csat", rng.randint(1, 5)))
            )
            for metric, score in pair:
                n += 1
                wrote = survey_owner[s] != SILENT and rng.random() < COMMENTED
                yield (n, survey_owner[s], s + 1, f"{metric}_q", metric, score, carrier[s],
                       outcome[s], reason, answered[s] + timedelta(minutes=n % 3),
                       rng.choice(COMMENTS) if wrote else None)  # fmt: skip

    counts["survey_answer"] = await writer.insert(
        "survey_answer",
        ("id", "merchant_id", "survey_id", "question", "metric", "score", "carrier_key",
         "outcome", "return_reason", "answered_at", "comment"),
        answers(),
    )  # fmt: skip
    await writer.finish(list(counts))
    return counts


def dashboard_queries() -> list[tuple[str, Callable[[Any], Awaitable[Any]]]]:
    """Every query behind the screens, as the portal runs them."""
    from portal.analytics import delivery, returns, satisfaction

    return [
        ("on-time by carrier", delivery.on_time),
        ("transit by carrier", lambda f: delivery.transit_times(f, "carrier")),
        ("transit by destination", lambda f: delivery.transit_times(f, "destination")),
        ("problems by reason", delivery.problem_rates),
        ("return rate by reason", returns.return_rate_by_reason),
        ("return rate by product", lambda f: returns.return_rate_by_item(f, "product")),
        ("return rate by variant", lambda f: returns.return_rate_by_item(f, "variant")),
        ("resolution shares", returns.resolutions),
        ("satisfaction overall", lambda f: satisfaction.satisfaction(f, None)),
        ("satisfaction by week", lambda f: satisfaction.satisfaction(f, "week")),
        ("satisfaction by month", lambda f: satisfaction.satisfaction(f, "month")),
        ("satisfaction by carrier", lambda f: satisfaction.satisfaction(f, "carrier")),
        ("satisfaction by outcome", lambda f: satisfaction.satisfaction(f, "outcome")),
        ("satisfaction by return reason", lambda f: satisfaction.satisfaction(f, "return_reason")),
    ]


async def median_ms(run: Callable[[], Awaitable[Any]], runs: int) -> float:
    await run()  # warm the cache and the plan
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        await run()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


@dataclass
class JobRun:
    name: str
    seconds: float
    cpu: float
    postgres_cpu: float
    detail: str


async def timed_job(name: str, database: str, run: Callable[[], Awaitable[str]]) -> JobRun:
    """Wall time, CPU of this process and of the database's PostgreSQL backends."""
    wall, cpu, pg = time.perf_counter(), time.process_time(), postgres_cpu(database)
    detail = await run()
    return JobRun(
        name,
        time.perf_counter() - wall,
        time.process_time() - cpu,
        postgres_cpu(database) - pg,
        detail,
    )


async def late_changes(writer: Writer, rows: int, rng: random.Random) -> int:
    """A day's changes to the measured merchant: returns for orders placed on earlier days
    (one in 3,650 orders, on random days of the year) and parcels delivered today. The
    triggers mark the days they change; returns how many returns were added."""
    from tortoise import connections

    conn = connections.get("default")
    first = int((await conn.execute_query_dict("SELECT MAX(id) AS n FROM return_request"))[0]["n"])
    late = max(rows // 3650, 1)
    orders = rng.sample(range(1, int(rows * MERCHANTS[0][1]) + 1), late)
    when = NOW + timedelta(hours=6)
    await writer.insert(
        "return_request",
        ("id", "merchant_id", "order_id", "number", "state", "currency", "refund_total",
         "credit_total", "fees_total", "customer_note", "merchant_note", "created_at",
         "updated_at"),
        ((first + n + 1, 1, i, f"L{first + n}", "requested", "EUR", Decimal(0), Decimal(0),
          Decimal(0), "", "", when, when) for n, i in enumerate(orders)),
    )  # fmt: skip
    first_item = int(
        (await conn.execute_query_dict("SELECT MAX(id) AS n FROM return_item"))[0]["n"]
    )
    await writer.insert(
        "return_item",
        ("id", "return_request_id", "order_item_id", "quantity", "reason_id", "comment",
         "resolution", "amount"),
        ((first_item + n + 1, first + n + 1, i, 1, rng.randrange(len(REASONS)) + 1, "",
          "refund", Decimal("20.00")) for n, i in enumerate(orders)),
    )  # fmt: skip
    delivered = "$1" if writer.postgres else "?"
    value: Any = when if writer.postgres else _sqlite_value(when)
    await conn.execute_query(
        f"UPDATE shipment SET status = 'delivered', delivered_at = {delivered} WHERE id IN "
        "(SELECT id FROM shipment WHERE merchant_id = 1 AND status = 'in_transit' "
        f"ORDER BY id LIMIT {late * 3})",
        [value],
    )
    await writer.finish(["return_request", "return_item"])
    return late


async def roll_up(args: argparse.Namespace) -> list[JobRun]:
    """The job's two costs: the full rebuild, then one day's incremental run."""
    from portal.analytics.rollups import rebuild, refresh

    async def full() -> str:
        done = await rebuild(now=NOW)
        return ", ".join(
            f"{name.removeprefix('analytics_')} {n:,}" for name, n in done.rows.items()
        )

    jobs = [await timed_job("full rebuild (portal analytics rebuild)", args.database, full)]
    async with Writer(args.database) as writer:
        late = await late_changes(writer, args.rows, random.Random(args.rows + 1))

    async def incremental() -> str:
        done = await refresh(now=NOW + timedelta(days=1))
        return (
            f"{late} late returns + {late * 3} deliveries: {done.taken} dirty rows, "
            f"{done.recounted} merchant-days recounted, {done.closed} day closed"
        )

    jobs.append(await timed_job("incremental run (a day of changes)", args.database, incremental))
    return jobs


async def measure(runs: int) -> tuple[float, list[list[object]]]:
    from tortoise import connections

    from portal.analytics import clock
    from portal.analytics.sql import Filters

    conn = connections.get("default")
    baseline = await median_ms(
        lambda: conn.execute_query_dict("SELECT count(*) AS n FROM survey_answer"), runs
    )
    # Periods of whole days on the measured shop's clock, as the screen asks for them.
    found = await conn.execute_query_dict("SELECT time_zone FROM merchant WHERE id = 1")
    zone = clock.zone_name(found[0]["time_zone"])
    end = clock.midnight(NOW.date(), zone)
    quarter = clock.midnight(NOW.date() - timedelta(days=90), zone)
    year = clock.midnight(NOW.date() - timedelta(days=DAYS), zone)
    periods = {
        "90 days": Filters(1, quarter, end, zone=zone),
        "year": Filters(1, year, end, zone=zone),
        "year, ups": Filters(1, year, end, "ups", zone=zone),
        # The last day still open: whole days from the rollups, the last 12 hours live.
        "year + 12 h live": Filters(1, year, end - timedelta(hours=12), zone=zone),
    }
    rows: list[list[object]] = []
    for name, query in dashboard_queries():
        for label, f in periods.items():
            began = time.process_time()
            ms = await median_ms(lambda q=query, f=f: q(f), runs)  # type: ignore[misc]
            cpu = (time.process_time() - began) / (runs + 1) * 1000
            rows.append([name, label, f"{ms:,.1f}", f"{ms / baseline:.2f}", f"{cpu:,.1f}"])
    rows += await measure_comments(runs, baseline)
    # The workspace home: four figures over eight rolling weeks, on every sign-in.
    from portal.analytics.weekly import weekly

    ms = await median_ms(lambda: weekly(1, NOW, zone=zone), runs)
    rows.append(
        ["workspace home, weekly figures", "8 weeks", f"{ms:,.1f}", f"{ms / baseline:.2f}", ""]
    )
    return baseline, rows


def comment_cases() -> dict[str, Any]:
    """The periods the comments list is timed for (merchant 1 unless said)."""
    from portal.analytics.sql import Filters

    old = NOW - timedelta(days=DAYS - 31)
    return {
        "year": Filters(1, NOW - timedelta(days=DAYS), NOW),
        "year, ups": Filters(1, NOW - timedelta(days=DAYS), NOW, "ups"),
        "month 11 months ago": Filters(1, old - timedelta(days=30), old),
        "month 11 months ago, ups": Filters(1, old - timedelta(days=30), old, "ups"),
        "year, shop with none": Filters(SILENT, NOW - timedelta(days=DAYS), NOW),
    }


#: The pages of the comments list timed: the first, and one reached through ``before``.
COMMENT_PAGES = {1: "comments, first page", 5: "comments, fifth page"}


async def comment_pages(
    run: Callable[[Any, Any, int | None], Awaitable[tuple[Any, int | None]]],
    merchant: Any,
    filters: Any,
) -> AsyncIterator[tuple[int, Callable[[], Awaitable[Any]]]]:
    """Each timed page of ``filters``' comments as a call to time, following ``before``
    from page to page as the screen's "Older comments" link does."""
    before = None
    for page in range(1, max(COMMENT_PAGES) + 1):
        if page in COMMENT_PAGES:
            yield page, lambda b=before: run(merchant, filters, b)
        _, before = await run(merchant, filters, before)
        if before is None:
            return


async def measure_comments(runs: int, baseline: float) -> list[list[object]]:
    """The Satisfaction screen's "What customers wrote": its first page and its fifth,
    for the year and for a month long ago (the rows an id order must skip are the newer
    ones), with and without a carrier; and the year of a shop whose customers never
    wrote (everything to skip, nothing to find)."""
    from portal.admin.survey_feedback import comments
    from portal.models import Merchant

    merchants = {m.id: m for m in await Merchant.all()}
    rows: list[list[object]] = []
    for label, f in comment_cases().items():
        async for page, call in comment_pages(comments, merchants[f.merchant_id], f):
            began = time.process_time()
            ms = await median_ms(call, runs)
            cpu = (time.process_time() - began) / (runs + 1) * 1000
            rows.append(
                [COMMENT_PAGES[page], label, f"{ms:,.1f}", f"{ms / baseline:.2f}", f"{cpu:,.1f}"]
            )
    return rows


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.analytics", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="answers and shipments")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per query (median)")
    parser.add_argument(
        "--database", default=DEFAULT_POSTGRES, help="dropped and recreated! (default %(default)s)"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="time the queries on the rows a previous run seeded"
    )
    parser.add_argument(
        "--queries-only",
        action="store_true",
        help="with --reuse: time the queries on the rollups already built, not the job",
    )
    parser.add_argument(
        "--zone",
        help="with --reuse: first set the measured merchant's time zone (an IANA name); "
        "days, periods and rollups follow the shop's clock",
    )
    return parser


async def existing_counts() -> dict[str, int]:
    from tortoise import connections

    conn = connections.get("default")
    return {
        name: int((await conn.execute_query_dict(f"SELECT count(*) AS n FROM {name}"))[0]["n"])
        for name in ("survey_answer", "shipment")
    }


async def main(argv: Sequence[str] | None = None) -> int:
    from portal import db

    args = _parser().parse_args(argv)
    if not args.reuse:
        await fresh_database(args.database)
    await db.connect(args.database)
    try:
        if args.reuse:
            await db.disconnect()
            await db.migrate(args.database)  # the rollup tables, if the seed predates them
            await db.connect(args.database)
            if args.zone:
                from tortoise import connections

                await connections.get("default").execute_query(
                    "UPDATE merchant SET time_zone = $1 WHERE id = 1", [args.zone]
                )
            counts = await existing_counts()
            print(f"reusing {counts['survey_answer']:,} answers, {counts['shipment']:,} shipments")
        else:
            began = time.perf_counter()
            async with Writer(args.database) as writer:
                counts = await seed(writer, args.rows, random.Random(args.rows))
            seeded = time.perf_counter() - began
            print(
                f"seeded {sum(counts.values()):,} rows in {seeded:.1f} s: "
                + ", ".join(f"{name} {n:,}" for name, n in counts.items()),
                flush=True,
            )
        jobs = [] if args.reuse and args.queries_only else await roll_up(args)
        baseline, rows = await measure(args.runs)
    finally:
        await db.disconnect()
    engine = "PostgreSQL" if args.database.startswith("postgres") else "SQLite"
    print()
    print(
        f"analytics queries on {engine}, merchant 'bench' (60 % of {args.rows:,} answers and "
        f"shipments), median of {args.runs} runs"
    )
    print(table([["query", "period", "median ms", "vs count(*)", "CPU ms this process"], *rows]))
    print()
    print("the roll-up job (PostgreSQL CPU: the backends serving the benchmark's database)")
    print(
        table(
            [
                ["run", "wall s", "CPU s this process", "CPU s PostgreSQL", "what"],
                *[
                    [j.name, f"{j.seconds:.1f}", f"{j.cpu:.2f}", f"{j.postgres_cpu:.2f}", j.detail]
                    for j in jobs
                ],
            ]
        )
    )
    print()
    print(f"baseline: SELECT count(*) FROM survey_answer ({counts['survey_answer']:,} rows) "
          f"median {baseline:,.1f} ms")  # fmt: skip
    slowest = max(rows, key=lambda r: float(str(r[2]).replace(",", "")))
    print(f"slowest: {slowest[0]} ({slowest[1]}) {slowest[2]} ms")
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine_load()} at the end")
    print(
        "reproduce: python -m benchmarks.analytics "
        + shlex.join(sys.argv[1:] if argv is None else argv)
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
