"""Daily rollups (portal/analytics/rollups.py): every figure read through them equals the
raw query it replaced (tests/analytics/reference.py), before and after the job, with days
still open, changed days not yet recounted, and the scans behind a day deleted."""

from __future__ import annotations

import importlib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from tortoise import connections

from portal.analytics import delivery, messaging, returns, satisfaction
from portal.analytics.rollups import coverage, rebuild, refresh, split
from portal.analytics.sql import Filters
from portal.core.rows import insert_rows
from portal.models import (
    Merchant,
    Order,
    OrderItem,
    ReturnItem,
    ReturnRequest,
    Shipment,
    SurveyAnswer,
    TrackingEvent,
)
from portal.tracking import store
from tests import factories
from tests.admin.helpers import signed_in_owner
from tests.analytics import reference
from tests.analytics.seed import (
    END,
    START,
    at,
    period,
    seed_answers,
    seed_messages,
    seed_parcel_messages,
    seed_returns,
    seed_shipments,
)

#: "Now" for the job: after every seeded day, so all of them are rolled up.
LATER = datetime(2026, 12, 3, 9, tzinfo=UTC)


def day(n: int) -> date:
    return date(2026, 11, n)


def filters(shop: Merchant) -> list[Filters]:
    """Periods and carriers the screen offers, plus edges inside a day."""
    return [
        period(shop),
        period(shop, "ups"),
        period(shop, "dhl"),
        period(shop, "fedex"),
        Filters(shop.id, at(16, 12), at(25, 6)),
        Filters(shop.id, at(17), at(17, 13), "ups"),
        Filters(shop.id, START - timedelta(days=30), END + timedelta(days=30)),
    ]


def _rounded(rows: list[Any]) -> list[Any]:
    """Transit averages to a nanosecond's worth of days: the rollups sum whole
    milliseconds, the old query averaged floats."""
    return [(r.group, r.shipments, round(r.average_days, 12)) for r in rows]


async def figures(f: Filters, module: Any) -> dict[str, Any]:
    """Every figure behind the screen, from the portal (module None) or the reference."""
    d = reference if module is reference else delivery
    r = reference if module is reference else returns
    s = reference if module is reference else satisfaction
    m = reference if module is reference else messaging
    out: dict[str, Any] = {
        "on_time": await d.on_time(f),
        "transit_carrier": _rounded(await d.transit_times(f, "carrier")),
        "transit_destination": _rounded(await d.transit_times(f, "destination")),
        "problems": await d.problem_rates(f),
        "sold": await r.sold_quantity(f),
        "reasons": await r.return_rate_by_reason(f),
        "products": await r.return_rate_by_item(f, "product"),
        "variants": await r.return_rate_by_item(f, "variant"),
        "resolutions": await r.resolutions(f),
        "messages": await m.by_channel(f),
    }
    for cut in (None, *satisfaction.Cut):
        out[f"satisfaction_{cut}"] = await s.satisfaction(f, cut)
    return out


async def assert_same_as_raw(shop: Merchant) -> None:
    for f in filters(shop):
        assert await figures(f, None) == await figures(f, reference), f


async def seed_everything() -> Merchant:
    shop = await factories.merchant()
    await seed_shipments(shop)
    await seed_returns(shop)
    await seed_answers(shop)
    await seed_messages(shop)
    await seed_parcel_messages(shop)
    return shop


async def rows_of(table: str) -> int:
    found = await connections.get("default").execute_query_dict(
        f"SELECT COUNT(*) AS n FROM {table}"
    )
    return int(found[0]["n"])


async def test_rolled_up_figures_equal_the_raw_queries(db: str) -> None:
    shop = await seed_everything()
    await assert_same_as_raw(shop)  # nothing rolled up yet: all live

    done = await refresh(now=at(20, 15))  # up to the 19th rolled up, the rest live
    assert done.closed > 0
    assert (await coverage("delivered", period(shop))).days == [(day(16), day(20))]
    await assert_same_as_raw(shop)

    await refresh(now=LATER)  # every seeded day rolled up
    assert (await coverage("answers", period(shop))).live == []
    for table in ("analytics_delivered_day", "analytics_problem_day", "analytics_item_day",
                  "analytics_return_day", "analytics_answer_day",
                  "analytics_message_day"):  # fmt: skip
        assert await rows_of(table) > 0, table
    await assert_same_as_raw(shop)


async def test_the_figures_are_read_from_the_rollups(db: str) -> None:
    """Doctoring a rollup row changes the screen: past days are not recomputed."""
    shop = await seed_everything()
    await refresh(now=LATER)
    await connections.get("default").execute_script(
        "UPDATE analytics_answer_day SET total = total + 100"
    )
    rows = await satisfaction.satisfaction(period(shop), None)
    raw = await reference.satisfaction(period(shop), None)
    assert sum(r.score.count for r in rows) > sum(r.score.count for r in raw) + 100


async def test_a_change_to_a_rolled_up_day_shows_at_once_and_is_recounted(db: str) -> None:
    shop = await seed_everything()
    await refresh(now=LATER)
    order = await factories.order(shop, placed_at=at(18, 9))
    await factories.shipment(shop, order=order, carrier_key="ups")
    line = await factories.order_item(order, sku="TEE-S", title="Item TEE-S", quantity=3)
    request = await ReturnRequest.create(merchant=shop, order=order, number="R-late")
    await ReturnItem.create(return_request=request, order_item=line, quantity=2,
                            resolution="refund")  # fmt: skip
    await SurveyAnswer.filter(merchant=shop, score=5, metric="csat").update(score=1)
    assert (await coverage("orders", period(shop))).live[0][0] == at(18, 0)
    await assert_same_as_raw(shop)  # dirty days read live until the job runs

    done = await refresh(now=LATER)
    assert done.recounted >= 2 and done.closed == 0
    assert await rows_of("analytics_dirty") == 0
    assert (await coverage("orders", period(shop))).live == []
    await assert_same_as_raw(shop)

    await ReturnRequest.filter(id=request.id).update(state="rejected")
    await refresh(now=LATER)
    await assert_same_as_raw(shop)


async def test_problem_figures_survive_deleting_the_scans(db: str) -> None:
    """Retention drops old scans; the rates of the days they belonged to stay."""
    shop = await seed_shipments()
    await refresh(now=LATER)
    before = await delivery.problem_rates(period(shop))
    assert before == await reference.problem_rates(period(shop))
    assert len(before.rows) == 4 and before.shipped == 5

    await TrackingEvent.all().delete()
    assert (await reference.problem_rates(period(shop))).rows == []  # the scans are gone
    assert await delivery.problem_rates(period(shop)) == before
    await refresh(now=LATER + timedelta(days=1))
    await rebuild(now=LATER + timedelta(days=1))
    assert await delivery.problem_rates(period(shop)) == before


async def test_the_screen_and_its_export_keep_a_day_whose_scans_were_deleted(
    client: httpx.AsyncClient, db: str
) -> None:
    shop = await seed_shipments()
    await signed_in_owner(client, shop)
    await refresh(now=LATER)
    url = "/admin/analytics/problems.csv?from=2026-11-16&to=2026-11-30"
    before = (await client.get(url)).text
    assert "recipient_unavailable" in before

    await TrackingEvent.all().delete()
    assert (await coverage("shipped", period(shop))).days == [(day(16), day(30) + timedelta(1))]
    assert (await client.get(url)).text == before
    page = await client.get("/admin/analytics/delivery?from=2026-11-16&to=2026-11-30")
    assert "Recipient unavailable" in page.text


async def test_a_rebuild_gives_what_the_job_gave(db: str) -> None:
    shop = await seed_everything()
    await refresh(now=LATER)
    by_job = {f: await figures(f, None) for f in filters(shop)}
    done = await rebuild(now=LATER)
    assert done.rows["analytics_delivered_day"] > 0
    assert {f: await figures(f, None) for f in filters(shop)} == by_job
    await assert_same_as_raw(shop)


@pytest.mark.parametrize(
    ("start", "end", "through", "dirty", "days", "live"),
    [
        # Nothing rolled up: all live.
        (at(16), END, None, set(), [], [(at(16), END)]),
        # Partial days at both ends live, whole days rolled up.
        (at(16, 6), at(20, 6), day(25), set(), [(day(17), day(20))],
         [(at(16, 6), at(17, 0)), (at(20, 0), at(20, 6))]),
        # Days from the watermark on, and dirty days, live.
        (at(16, 0), at(24, 0), day(22), {day(18)}, [(day(16), day(18)), (day(19), day(22))],
         [(at(18, 0), at(19, 0)), (at(22, 0), at(24, 0))]),
        # A period inside one day.
        (at(17, 1), at(17, 2), day(25), set(), [], [(at(17, 1), at(17, 2))]),
    ],
)  # fmt: skip
def test_split(
    start: datetime,
    end: datetime,
    through: date | None,
    dirty: set[date],
    days: list[tuple[date, date]],
    live: list[tuple[datetime, datetime]],
) -> None:
    found = split(start, end, through, dirty)
    assert (found.days, found.live) == (days, live)


def test_the_worker_runs_the_job() -> None:
    from portal.scheduler import jobs

    assert "roll-up-analytics" in {job.name for job in jobs()}


async def test_one_insert_of_many_orders_marks_each_day_once(db: str) -> None:
    """A backfill writes a batch of orders and lines in one statement each: every day they
    fall on is marked; on PostgreSQL once per statement (migration 0025), on SQLite once
    per row. After the job the figures equal the raw queries either way."""
    shop = await seed_everything()
    await refresh(now=LATER)
    conn = connections.get("default")
    postgres = conn.capabilities.dialect == "postgres"
    if postgres:  # the migration goes back and forth on this engine
        migration: Any = importlib.import_module("portal.migrations.0025_statement_marks")
        for statement in migration.backward_sql(True) + migration.forward_sql(True):
            await conn.execute_script(statement)
    placed = [at(17, 9), at(17, 15), at(18, 9)]
    made = await insert_rows(
        conn,
        Order,
        [
            {"merchant_id": shop.id, "number": f"B-{i}", "email": "", "currency": "EUR",
             "placed_at": when, "ship_name": "", "ship_line1": "", "ship_line2": "",
             "ship_city": "", "ship_region": "", "ship_postal_code": "", "ship_country": "PL"}
            for i, when in enumerate(placed)
        ],
        returning=("id",),
    )  # fmt: skip
    await insert_rows(
        conn,
        OrderItem,
        [{"order_id": row["id"], "sku": "TEE-S", "title": "Item TEE-S", "quantity": 1,
          "unit_price": Decimal("10.00"), "variant_options": {}} for row in made],
    )  # fmt: skip
    marked = await conn.execute_query_dict(
        "SELECT day FROM analytics_dirty WHERE fact = 'orders' ORDER BY day"
    )
    days = [str(row["day"]) for row in marked]
    assert sorted(set(days)) == ["2026-11-17", "2026-11-18"]
    assert len(days) == (4 if postgres else 6)  # orders and lines: 2 + 2 days, or 3 + 3 rows
    await assert_same_as_raw(shop)

    await refresh(now=LATER)
    assert await rows_of("analytics_dirty") == 0
    await assert_same_as_raw(shop)


async def test_one_update_of_many_parcels_marks_each_day_once(db: str) -> None:
    """A sweep writes its parcels in one ``UPDATE``: the days a changed delivery leaves and
    lands on are marked, on PostgreSQL once per statement (migration 0028), on SQLite once
    per row; an update of the poll bookkeeping alone marks nothing. After the job the
    figures equal the raw queries either way."""
    shop = await seed_shipments()
    await refresh(now=LATER)
    conn = connections.get("default")
    postgres = conn.capabilities.dialect == "postgres"
    if postgres:  # the migration goes back and forth on this engine
        migration: Any = importlib.import_module("portal.migrations.0028_statement_update_marks")
        for statement in migration.backward_sql(True) + migration.forward_sql(True):
            await conn.execute_script(statement)
    parcels = await Shipment.filter(merchant=shop, delivered_at__lt=at(21)).order_by("id")
    p, q, r = parcels  # delivered on the 17th, 18th and 20th
    await store.bulk_update(
        conn, "shipment", (("last_polled_at", "timestamptz"),), [(p.id, LATER) for p in parcels]
    )
    assert await rows_of("analytics_dirty") == 0

    await store.bulk_update(
        conn,
        "shipment",
        (("delivered_at", "timestamptz"), ("status", "varchar")),
        # a whole number of days after each was shipped (transit averages stay exact)
        [(p.id, at(23, 10), "delivered"), (q.id, at(23, 11, 30), "delivered"),
         (r.id, at(23, 8), "delivered")],
    )  # fmt: skip
    marked = await conn.execute_query_dict(
        "SELECT fact, day FROM analytics_dirty ORDER BY fact, day"
    )
    days = [str(row["day"]) for row in marked]
    assert {row["fact"] for row in marked} == {"delivered"}
    assert sorted(set(days)) == ["2026-11-17", "2026-11-18", "2026-11-20", "2026-11-23"]
    assert len(days) == (4 if postgres else 6)  # each day once, or old and new day per row
    await assert_same_as_raw(shop)

    await refresh(now=LATER)
    assert await rows_of("analytics_dirty") == 0
    await assert_same_as_raw(shop)
