"""Days on the shop's clock (portal/analytics/clock.py): a shop in Athens and one in Los
Angeles see parcels, answers and periods on their own calendar days, around local midnight
and across DST changes, the same live, through the rollups and after a rebuild, on the
screen and in the CSV export."""

from __future__ import annotations

import csv
import io
import zoneinfo
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from tortoise import connections

from portal.analytics import clock, delivery, satisfaction
from portal.analytics.rollups import closable, rebuild, refresh, split
from portal.analytics.sql import Filters, Sql
from portal.api import build_mount
from portal.api.operations import ApiConfig
from portal.api.ratelimit import ApiKeyLimiter
from portal.app import create_app
from portal.core import timezones
from portal.models import Merchant
from tests import factories
from tests.admin.helpers import signed_in_owner
from tests.analytics.seed import answer, parcel
from tests.api.conftest import api_client, make_key
from tests.conftest import make_settings

ATHENS = "Europe/Athens"
LOS_ANGELES = "America/Los_Angeles"
#: After every seeded day: the job rolls all of them up.
LATER = datetime(2026, 12, 3, 9, tzinfo=UTC)


def local(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))  # type: ignore[misc]


def days(zone: str, first: date, last: date, carrier: str | None = None) -> Filters:
    """The screen's period: ``first`` to ``last``, both included, on the shop's clock."""
    return Filters(
        0,
        clock.midnight(first, zone),
        clock.midnight(last + timedelta(days=1), zone),
        carrier,
        zone,
    )


def of(shop: Merchant, f: Filters) -> Filters:
    return Filters(shop.id, f.start, f.end, f.carrier_key, f.zone)


#: Instants around local midnight and the DST changes of 2026 (Athens: 29 March and
#: 25 October at 01:00 UTC; Los Angeles: 8 March 10:00 UTC and 1 November 09:00 UTC).
EDGES = {
    ATHENS: [
        (local(ATHENS, 2026, 11, 18, 0, 30), date(2026, 11, 18)),  # 22:30 UTC the day before
        (local(ATHENS, 2026, 11, 17, 23, 59), date(2026, 11, 17)),
        (datetime(2026, 3, 28, 22, 30, tzinfo=UTC), date(2026, 3, 29)),  # 00:30 EET
        (datetime(2026, 3, 29, 21, 30, tzinfo=UTC), date(2026, 3, 30)),  # 00:30 EEST
        (datetime(2026, 10, 24, 21, 30, tzinfo=UTC), date(2026, 10, 25)),  # 00:30 EEST
        (datetime(2026, 10, 25, 21, 30, tzinfo=UTC), date(2026, 10, 25)),  # 23:30 EET
        (datetime(2026, 10, 25, 22, 30, tzinfo=UTC), date(2026, 10, 26)),  # 00:30 EET
    ],
    LOS_ANGELES: [
        (local(LOS_ANGELES, 2026, 11, 17, 20, 0), date(2026, 11, 17)),  # 04:00 UTC the day after
        (local(LOS_ANGELES, 2026, 11, 18, 0, 30), date(2026, 11, 18)),
        (datetime(2026, 3, 8, 7, 30, tzinfo=UTC), date(2026, 3, 7)),  # 23:30 PST
        (datetime(2026, 3, 9, 6, 30, tzinfo=UTC), date(2026, 3, 8)),  # 23:30 PDT
        (datetime(2026, 11, 1, 7, 30, tzinfo=UTC), date(2026, 11, 1)),  # 00:30 PDT
        (datetime(2026, 11, 2, 7, 30, tzinfo=UTC), date(2026, 11, 1)),  # 23:30 PST
        (datetime(2026, 11, 2, 8, 30, tzinfo=UTC), date(2026, 11, 2)),  # 00:30 PST
    ],
}


@pytest.mark.parametrize("zone", [ATHENS, LOS_ANGELES])
async def test_the_day_of_a_row_is_the_shops_calendar_day_across_dst(db: str, zone: str) -> None:
    shop = await factories.merchant(time_zone=zone)
    for when, _ in EDGES[zone]:
        await answer(shop, "csat", 5, carrier="ups", outcome="smooth", when=when)
    q = Sql()
    first, last = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    rows = await connections.get("default").execute_query_dict(
        f"SELECT answered_at, {q.local_day('answered_at', zone, first, last)} AS day "
        f"FROM survey_answer WHERE merchant_id = {q.p(shop.id)} ORDER BY answered_at",
        q.params,
    )
    expected = sorted(EDGES[zone])
    assert [str(r["day"]) for r in rows] == [d.isoformat() for _, d in expected]


def test_a_period_is_cut_at_the_shops_midnights() -> None:
    f = days(ATHENS, date(2026, 10, 25), date(2026, 10, 25))
    # 25 October in Athens lasts 25 hours: EEST midnight to EET midnight.
    assert f.start.astimezone(UTC) == datetime(2026, 10, 24, 21, tzinfo=UTC)
    assert f.end.astimezone(UTC) == datetime(2026, 10, 25, 22, tzinfo=UTC)
    la = days(LOS_ANGELES, date(2026, 11, 17), date(2026, 11, 17))
    assert la.start.astimezone(UTC) == datetime(2026, 11, 17, 8, tzinfo=UTC)
    assert la.start.date() == date(2026, 11, 17)


def test_whole_shop_days_come_from_the_rollups_and_dirty_utc_days_cover_both_of_theirs() -> None:
    f = days(ATHENS, date(2026, 11, 16), date(2026, 11, 20))
    found = split(f.start, f.end, date(2026, 11, 19), {date(2026, 11, 17)}, ATHENS)
    assert found.days == [(date(2026, 11, 16), date(2026, 11, 17)),
                          (date(2026, 11, 18), date(2026, 11, 19))]  # fmt: skip
    assert [(a.astimezone(UTC), b.astimezone(UTC)) for a, b in found.live] == [
        (datetime(2026, 11, 16, 22, tzinfo=UTC), datetime(2026, 11, 17, 22, tzinfo=UTC)),
        (datetime(2026, 11, 18, 22, tzinfo=UTC), datetime(2026, 11, 20, 22, tzinfo=UTC)),
    ]
    assert clock.local_days_of(date(2026, 11, 17), ATHENS) == {date(2026, 11, 17),
                                                               date(2026, 11, 18)}  # fmt: skip
    assert clock.local_days_of(date(2026, 11, 17), LOS_ANGELES) == {date(2026, 11, 16),
                                                                    date(2026, 11, 17)}  # fmt: skip


def test_the_job_closes_a_day_once_it_has_ended_before_utc_midnight_everywhere() -> None:
    today = date(2026, 12, 3)
    assert closable(today, ["UTC", ATHENS]) == today
    assert closable(today, ["UTC", ATHENS, LOS_ANGELES]) == date(2026, 12, 2)
    assert closable(today, []) == today


async def seed_shops() -> tuple[Merchant, Merchant]:
    """A parcel delivered at 00:30 in Athens on the 18th against an ETA of the 17th (late
    on the shop's clock, on time in UTC), one delivered at 20:00 in Los Angeles on the 17th
    against the 17th (on time there, late in UTC), answers at each shop's local midnights,
    and parcels around both DST changes."""
    athens = await factories.merchant(time_zone=ATHENS)
    la = await factories.merchant(time_zone=LOS_ANGELES)
    for shop, zone, shipped, delivered in (
        (athens, ATHENS, (2026, 11, 16, 10, 0), (2026, 11, 18, 0, 30)),
        (athens, ATHENS, (2026, 11, 16, 10, 0), (2026, 11, 17, 23, 30)),
        (la, LOS_ANGELES, (2026, 11, 15, 10, 0), (2026, 11, 17, 20, 0)),
        (la, LOS_ANGELES, (2026, 11, 15, 10, 0), (2026, 11, 18, 0, 30)),
    ):
        await parcel(
            shop,
            "ups",
            shipped=local(zone, *shipped),
            delivered_at=local(zone, *delivered),
            eta=date(2026, 11, 17),
        )
    for shop, zone in ((athens, ATHENS), (la, LOS_ANGELES)):
        for i, (when, _) in enumerate(EDGES[zone]):
            await answer(shop, "csat", 5 if i % 2 else 2, carrier="dhl", outcome="smooth",
                         when=when)  # fmt: skip
            await parcel(shop, "dhl", shipped=when - timedelta(days=2), delivered_at=when,
                         eta=clock.local_date(when, zone))  # fmt: skip
    return athens, la


PERIODS = {
    ATHENS: [
        days(ATHENS, date(2026, 11, 18), date(2026, 11, 18)),
        days(ATHENS, date(2026, 11, 17), date(2026, 11, 17)),
        days(ATHENS, date(2026, 10, 25), date(2026, 10, 25)),
        days(ATHENS, date(2026, 3, 1), date(2026, 11, 30)),
        days(ATHENS, date(2026, 3, 1), date(2026, 11, 30), "dhl"),
    ],
    LOS_ANGELES: [
        days(LOS_ANGELES, date(2026, 11, 17), date(2026, 11, 17)),
        days(LOS_ANGELES, date(2026, 11, 1), date(2026, 11, 1)),
        days(LOS_ANGELES, date(2026, 3, 7), date(2026, 3, 8)),
        days(LOS_ANGELES, date(2026, 3, 1), date(2026, 11, 30)),
    ],
}


async def figures(f: Filters) -> dict[str, object]:
    return {
        "on_time": await delivery.on_time(f),
        "transit": await delivery.transit_times(f, "carrier"),
        "problems": await delivery.problem_rates(f),
        "by_week": await satisfaction.satisfaction(f, "week"),
        "by_month": await satisfaction.satisfaction(f, "month"),
    }


async def test_on_time_is_judged_on_the_shops_calendar_day(db: str) -> None:
    athens, la = await seed_shops()
    for when in (None, LATER):  # live, then through the rollups
        if when is not None:
            await refresh(now=when)
        on_18th = await delivery.on_time(of(athens, PERIODS[ATHENS][0]))
        assert [(r.carrier_key, r.delivered, r.on_time) for r in on_18th] == [
            ("dhl", 1, 1),
            ("ups", 1, 0),
        ]
        on_17th = await delivery.on_time(of(athens, PERIODS[ATHENS][1]))
        assert [(r.carrier_key, r.delivered, r.on_time) for r in on_17th] == [
            ("dhl", 1, 1),
            ("ups", 1, 1),
        ]
        la_17th = await delivery.on_time(of(la, PERIODS[LOS_ANGELES][0]))
        assert [(r.carrier_key, r.delivered, r.on_time) for r in la_17th] == [
            ("dhl", 1, 1),
            ("ups", 1, 1),
        ]
        # 1 November in Los Angeles lasts 25 hours and holds two of the edges.
        la_dst = await delivery.on_time(of(la, PERIODS[LOS_ANGELES][1]))
        assert [(r.carrier_key, r.delivered, r.on_time) for r in la_dst] == [("dhl", 2, 2)]


async def test_live_rolled_up_and_rebuilt_figures_agree_across_dst(db: str) -> None:
    shops = dict(zip((ATHENS, LOS_ANGELES), await seed_shops(), strict=True))
    live = {
        (z, i): await figures(of(shops[z], f)) for z in PERIODS for i, f in enumerate(PERIODS[z])
    }
    await refresh(now=LATER)
    for key, expected in live.items():
        zone, i = key
        assert await figures(of(shops[zone], PERIODS[zone][i])) == expected, key
    await rebuild(now=LATER)
    for key, expected in live.items():
        zone, i = key
        assert await figures(of(shops[zone], PERIODS[zone][i])) == expected, key


async def test_rollup_rows_are_keyed_by_the_shops_day(db: str) -> None:
    athens, la = await seed_shops()
    await refresh(now=LATER)
    q = Sql()
    rows = await connections.get("default").execute_query_dict(
        "SELECT merchant_id, day, SUM(delivered) AS n FROM analytics_delivered_day "
        f"WHERE merchant_id IN ({q.p(athens.id)}, {q.p(la.id)}) AND carrier_key = 'dhl' "
        "GROUP BY merchant_id, day ORDER BY merchant_id, day",
        q.params,
    )
    found = {(int(r["merchant_id"]), str(r["day"])): int(r["n"]) for r in rows}
    for shop, zone in ((athens, ATHENS), (la, LOS_ANGELES)):
        expected: dict[tuple[int, str], int] = {}
        for _, day in EDGES[zone]:
            key = (shop.id, day.isoformat())
            expected[key] = expected.get(key, 0) + 1
        assert {k: v for k, v in found.items() if k[0] == shop.id} == expected


async def test_a_late_change_to_a_closed_day_is_recounted_on_the_shops_day(db: str) -> None:
    athens, _ = await seed_shops()
    await refresh(now=LATER)
    f = of(athens, PERIODS[ATHENS][0])  # the 18th in Athens, rolled up
    late = await parcel(athens, "fedex", shipped=local(ATHENS, 2026, 11, 16, 9, 0),
                        delivered_at=local(ATHENS, 2026, 11, 18, 0, 10),
                        eta=date(2026, 11, 18))  # fmt: skip
    assert late.delivered_at is not None
    expected = [("dhl", 1, 1), ("fedex", 1, 1), ("ups", 1, 0)]
    read = [(r.carrier_key, r.delivered, r.on_time) for r in await delivery.on_time(f)]
    assert read == expected  # the dirty day is read live
    await refresh(now=LATER)
    read = [(r.carrier_key, r.delivered, r.on_time) for r in await delivery.on_time(f)]
    assert read == expected


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


async def test_the_screen_and_the_csv_use_the_shops_days(
    client: httpx.AsyncClient, db: str
) -> None:
    athens, _ = await seed_shops()
    await signed_in_owner(client, athens)
    query = "from=2026-11-18&to=2026-11-18"
    page = await client.get(f"/admin/analytics/delivery?{query}")
    on_time = page.context["tables"][0]  # type: ignore[attr-defined]
    assert on_time.display() == [["DHL", "1", "1", "1", "100.0%"], ["UPS", "1", "1", "0", "0.0%"]]
    export = await client.get(f"/admin/analytics/on_time.csv?{query}")
    assert rows_of(export.text) == [
        ["carrier", "delivered", "with_first_eta", "on_time", "on_time_rate"],
        ["dhl", "1", "1", "1", "100.00"],
        ["ups", "1", "1", "0", "0.00"],
    ]
    await refresh(now=LATER)
    again = await client.get(f"/admin/analytics/on_time.csv?{query}")
    assert again.text == export.text


async def test_no_period_ends_today_on_the_shops_clock(client: httpx.AsyncClient, db: str) -> None:
    shop = await factories.merchant(time_zone="Pacific/Kiritimati")  # UTC+14
    await signed_in_owner(client, shop)
    response = await client.get("/admin/analytics")
    form = response.context["form"]  # type: ignore[attr-defined]
    assert form.last == clock.today("Pacific/Kiritimati")
    assert "calendar days on the shop's clock, Pacific/Kiritimati." in response.text


async def api_for(shop: Merchant, db: str, tmp_path: Path) -> httpx.AsyncClient:
    """The API mounted as tests/api/conftest.py mounts it, with a key of ``shop``."""
    app = create_app(make_settings(tmp_path, database_url=db), manage_db=False)
    app.router.routes.insert(0, build_mount(ApiConfig(limiter=ApiKeyLimiter(1000, 60))))
    return api_client(app, await make_key(shop))


async def around_midnight(shop: Merchant) -> list[list[tuple[str, int, int]]]:
    """On time on the 17th and on the 18th of November in Los Angeles."""
    out = []
    for day in (date(2026, 11, 17), date(2026, 11, 18)):
        f = of(shop, days(LOS_ANGELES, day, day))
        out.append([(r.carrier_key, r.delivered, r.on_time) for r in await delivery.on_time(f)])
    return out


@pytest.mark.parametrize("via", ["api", "screen"])
async def test_a_shop_moved_to_another_zone_has_its_rolled_up_days_counted_on_the_new_clock(
    client: httpx.AsyncClient, db: str, tmp_path: Path, via: str
) -> None:
    athens, _ = await seed_shops()
    await refresh(now=LATER)  # Athenian days rolled up: the 17th and the 18th hold two each
    if via == "api":
        async with await api_for(athens, db, tmp_path) as api:
            changed = await api.patch("/api/v1/settings", json={"time_zone": LOS_ANGELES})
        assert changed.status_code == 200
    else:
        _, token = await signed_in_owner(client, athens)
        form = {"name": "Acme", "default_locale": "en", "time_zone": LOS_ANGELES,
                "quiet_hours_start": "21:00", "quiet_hours_end": "08:00",
                "expire_after_days": "30", "csrf_token": token}  # fmt: skip
        saved = await client.post("/admin/settings", data=form)
        assert saved.status_code == 303, saved.text
    # All four were delivered on the 17th in Los Angeles (the evening), on time.
    expected = [[("dhl", 2, 2), ("ups", 2, 2)], []]
    whole = of(athens, days(LOS_ANGELES, date(2026, 3, 1), date(2026, 11, 30)))
    live = await figures(whole)
    assert await around_midnight(athens) == expected  # before the job runs again
    assert (await refresh(now=LATER)).recounted > 0
    assert await around_midnight(athens) == expected
    assert await figures(whole) == live
    await rebuild(now=LATER)
    assert await figures(whole) == live


async def test_a_change_to_a_closed_day_is_recounted_when_a_western_shop_holds_the_closing_back(
    db: str,
) -> None:
    """The job closed the 2nd of December for Athens; then a shop in Los Angeles opens, so
    the job may close only up to the 1st: a late change to Athens' 2nd is recounted all
    the same (it was dropped unseen, and the stale rollup read)."""
    athens = await factories.merchant(time_zone=ATHENS)
    await parcel(athens, "dhl", shipped=local(ATHENS, 2026, 11, 30, 10, 0),
                 delivered_at=local(ATHENS, 2026, 12, 2, 12, 0), eta=date(2026, 12, 2))  # fmt: skip
    await refresh(now=LATER)
    await factories.merchant(time_zone=LOS_ANGELES)
    assert closable(LATER.date(), [ATHENS, LOS_ANGELES]) == date(2026, 12, 2)
    await parcel(athens, "ups", shipped=local(ATHENS, 2026, 11, 30, 10, 0),
                 delivered_at=local(ATHENS, 2026, 12, 2, 0, 30), eta=date(2026, 12, 1))  # fmt: skip
    f = of(athens, days(ATHENS, date(2026, 12, 2), date(2026, 12, 2)))
    expected = [("dhl", 1, 1), ("ups", 1, 0)]
    assert [(r.carrier_key, r.delivered, r.on_time) for r in await delivery.on_time(f)] == expected
    assert (await refresh(now=LATER)).recounted > 0
    assert [(r.carrier_key, r.delivered, r.on_time) for r in await delivery.on_time(f)] == expected


@pytest.mark.parametrize("name", ["UTC'; DROP TABLE orders; --", "Mars/Base", "", None, "../etc"])
def test_a_zone_name_is_checked_once_for_sql_and_for_zoneinfo(name: str | None) -> None:
    assert timezones.zone_name_or_none(name) is None
    assert timezones.zone_or_none(name) is None
    assert clock.zone_name(name) == "UTC"
    assert clock.zone(name).utcoffset(None) == timedelta(0)


def test_a_real_zone_passes_the_same_check_everywhere() -> None:
    assert timezones.zone_name_or_none(ATHENS) == clock.zone_name(ATHENS) == ATHENS
    assert timezones.zone_or_none(ATHENS) == clock.zone(ATHENS) == ZoneInfo(ATHENS)


@pytest.fixture
def zone_only_python_knows(tmp_path: Path) -> Iterator[str]:
    """``Fake/Athens``: Athens' rules in a zone file only Python reads (PostgreSQL's tzdata
    has no such zone), as when Python's tzdata is newer than the database's."""
    source = next(Path(p) / ATHENS for p in zoneinfo.TZPATH if (Path(p) / ATHENS).exists())
    (tmp_path / "Fake").mkdir()
    (tmp_path / "Fake" / "Athens").write_bytes(source.read_bytes())
    path = zoneinfo.TZPATH

    def clear() -> None:
        ZoneInfo.clear_cache(only_keys=["Fake/Athens"])  # others keep their identity
        timezones.zone_name_or_none.cache_clear()
        clock.offsets.cache_clear()

    zoneinfo.reset_tzpath(to=[str(tmp_path), *path])
    clear()
    yield "Fake/Athens"
    zoneinfo.reset_tzpath(to=list(path))
    clear()


async def test_a_zone_the_database_does_not_know_stops_no_other_shops_rollups(
    db: str, zone_only_python_knows: str
) -> None:
    if not db.startswith("postgres"):
        pytest.skip("SQLite counts days with Python's zones only")
    athens, la = await seed_shops()
    odd = await factories.merchant(time_zone="UTC")
    await Merchant.filter(id=odd.id).update(time_zone=zone_only_python_knows)
    noon = local(ATHENS, 2026, 11, 17, 12, 0)
    await parcel(odd, "ups", shipped=noon - timedelta(days=1), delivered_at=noon, eta=noon.date())
    live = {(z, i): await figures(of(s, f)) for z, s in ((ATHENS, athens), (LOS_ANGELES, la))
            for i, f in enumerate(PERIODS[z])}  # fmt: skip
    assert (await refresh(now=LATER)).closed > 0
    for (zone, i), expected in live.items():
        shop = athens if zone == ATHENS else la
        assert await figures(of(shop, PERIODS[zone][i])) == expected
    await rebuild(now=LATER)
    for (zone, i), expected in live.items():
        shop = athens if zone == ATHENS else la
        assert await figures(of(shop, PERIODS[zone][i])) == expected
