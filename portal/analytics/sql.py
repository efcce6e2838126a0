"""The filters every analytics query takes, and dialect-aware SQL building.

Each query is one grouped statement with the same text on SQLite and PostgreSQL apart from
date arithmetic and placeholders. Datetimes on SQLite are stored by Tortoise as ISO text in
UTC (``2026-11-23 06:05:01+00:00``), whose string order is time order, so range filters
compare text and still use indexes. Periods are half-open, ``[start, end)``: instants,
from one local midnight of the shop to another (:mod:`portal.analytics.clock`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from portal.analytics import clock
from portal.core import region_zones, timezones

#: A country code as it may be written into SQL as a literal.
_COUNTRY = re.compile(r"[A-Z]{2}")
#: A state's spelling as it may be written into SQL as a literal.
_SPELLING = re.compile(r"[A-Z][A-Z. ]*")


def _spelt(states: Iterable[str]) -> str:
    """The states' spellings (:func:`portal.core.region_zones.spellings`) as SQL literals."""
    words = sorted({word for state in states for word in region_zones.spellings(state)})
    if not all(_SPELLING.fullmatch(word) for word in words):
        raise ValueError(f"not a state's spelling: {words!r}")
    return ", ".join(f"'{word}'" for word in words)


@dataclass(frozen=True, slots=True)
class Filters:
    """One merchant, a period ``[start, end)`` and optionally one carrier; ``zone`` is the
    merchant's time zone, whose calendar days the figures count in."""

    merchant_id: int
    start: datetime
    end: datetime
    carrier_key: str | None = None
    zone: str = "UTC"


class Sql:
    """Placeholders in the dialect's style, collecting parameters in the matching form."""

    def __init__(self, conn: BaseDBAsyncClient | None = None) -> None:
        self.conn = conn or connections.get("default")
        self.postgres = self.conn.capabilities.dialect == "postgres"
        self.params: list[Any] = []

    def p(self, value: Any) -> str:
        if isinstance(value, datetime) and not self.postgres:
            value = value.astimezone(UTC).isoformat(sep=" ")
        elif isinstance(value, date) and not self.postgres:
            value = value.isoformat()
        self.params.append(value)
        return f"${len(self.params)}" if self.postgres else "?"

    def utc_day(self, column: str) -> str:
        """The UTC calendar day of a datetime column, comparable with a DATE column."""
        return f"({column} AT TIME ZONE 'UTC')::date" if self.postgres else f"date({column})"

    def local_day(self, column: str, zone: str, first: datetime, last: datetime) -> str:
        """The calendar day of a datetime column on the clock of ``zone``, for rows between
        ``first`` and ``last``, comparable with a DATE column.

        The zone is written into the statement as a literal (a checked IANA name), so the
        same call gives the same text in SELECT and GROUP BY. SQLite gets each row's offset
        from the zone's transitions between ``first`` and ``last`` (see
        :func:`portal.analytics.clock.offsets`)."""
        name = clock.zone_name(zone)
        if self.postgres:
            return f"({column} AT TIME ZONE '{name}')::date"
        pieces = clock.offsets(name, first.astimezone(UTC).date(), last.astimezone(UTC).date())
        if len(pieces) == 1:
            shift = pieces[0][1]
            return f"date({column})" if shift == 0 else f"date({column}, '{shift:+d} seconds')"
        cases = " ".join(
            f"WHEN {column} < '{until.isoformat(sep=' ')}' THEN '{shift:+d} seconds'"
            for until, shift in pieces
            if until is not None
        )
        return f"date({column}, CASE {cases} ELSE '{pieces[-1][1]:+d} seconds' END)"

    def delivery_day(
        self,
        column: str,
        first: datetime,
        last: datetime,
        *,
        country: str,
        region: str,
        destinations: Iterable[tuple[str | None, str | None]],
        merchant: str,
        shop_zones: Mapping[int, str | None],
    ) -> str:
        """The calendar day of a datetime column on each row's delivery clock, the SQL twin
        of :func:`portal.core.timezones.delivery_zone`: the zone of the destination
        ``country`` (an SQL expression giving the upper-case code) when it keeps one clock,
        else that of its ``region`` (the address's region column) when it names one (a US
        state, :func:`portal.core.region_zones.state_of`), else that of the row's shop
        (``merchant``, an expression giving its id).

        ``destinations`` are the (country, region) pairs the rows can have
        (:meth:`region_that_counts` gives the region only where it can name a clock) and
        ``shop_zones`` their shops' zones, read beforehand; each clock becomes one
        :meth:`local_day` branch of a ``CASE``, so rows of one clock (a shop delivering at
        home) get the plain expression. A state is matched by its code or name
        (``upper(trim(region))`` against :func:`portal.core.region_zones.spellings`): only
        our own table's words are written into the statement, never a stored region.
        """
        pairs = {((c or "").upper(), r) for c, r in destinations}
        by_country: dict[str, list[str]] = {}
        for code in sorted({c for c, _ in pairs}):
            zone = timezones.zone_for_country(code) if _COUNTRY.fullmatch(code) else None
            if zone is not None:
                by_country.setdefault(zone.key, []).append(code)
        by_state: dict[tuple[str, str], set[str]] = {}
        for code, name in sorted(pairs, key=lambda pair: (pair[0], pair[1] or "")):
            state = region_zones.state_of(code, name)
            found = region_zones.zone_for_region(code, name)
            if state is not None and found is not None and _COUNTRY.fullmatch(code):
                by_state.setdefault((found.key, code), set()).add(state)
        by_shop: dict[str, list[int]] = {}
        for shop, name in sorted(shop_zones.items()):
            by_shop.setdefault(clock.zone_name(name), []).append(int(shop))
        default = max(by_shop, key=lambda name: len(by_shop[name]), default="UTC")
        shop_whens = [(name, ids) for name, ids in by_shop.items() if name != default]
        whens = [
            (f"{country} IN ({', '.join(repr(c) for c in codes)})", name)
            for name, codes in by_country.items()
            if name != default or shop_whens
        ]
        whens += [
            (f"{country} = '{code}' AND upper(trim({region})) IN ({_spelt(states)})", name)
            for (name, code), states in sorted(by_state.items())
            if name != default or shop_whens
        ]
        whens += [
            (f"{merchant} IN ({', '.join(str(i) for i in ids)})", name) for name, ids in shop_whens
        ]
        otherwise = self.local_day(column, default, first, last)
        if not whens:
            return otherwise
        cases = " ".join(
            f"WHEN {condition} THEN {self.local_day(column, name, first, last)}"
            for condition, name in whens
        )
        return f"(CASE {cases} ELSE {otherwise} END)"

    @staticmethod
    def region_that_counts(country: str, region: str) -> str:
        """``region`` (a column) where the destination ``country`` (an expression giving
        the upper-case code) reads its clock off the region (the United States), else
        NULL: what to read, with the country, before :meth:`delivery_day`, so the pairs
        stay as few as the clocks."""
        codes = ", ".join(f"'{c}'" for c in sorted(region_zones.COUNTRIES))
        return f"CASE WHEN {country} IN ({codes}) THEN {region} END"

    def days_between(self, first: str, last: str) -> str:
        """Fractional days from ``first`` to ``last`` (datetime columns)."""
        if self.postgres:
            return f"EXTRACT(EPOCH FROM ({last} - {first})) / 86400.0"
        return f"julianday({last}) - julianday({first})"

    def bucket(self, column: str, size: str) -> tuple[str, str]:
        """The week (from Monday) or month holding ``column``: an expression to group by,
        and one to select that shows it as its first day (YYYY-MM-DD). A datetime column
        is cut on UTC's clock; analytics bucket days already on the shop's clock
        (:meth:`day_bucket`), so their weeks and months are the shop's.

        PostgreSQL groups by the truncated timestamp and formats only the few groups
        (formatting every row costs more than the grouping itself).
        """
        if size not in ("week", "month"):
            raise ValueError(f"unknown bucket {size!r}")
        if self.postgres:
            group = f"date_trunc('{size}', {column} AT TIME ZONE 'UTC')"
            return group, f"to_char({group}, 'YYYY-MM-DD')"
        if size == "week":
            group = f"date({column}, '-6 days', 'weekday 1')"
        else:
            group = f"strftime('%Y-%m-01', {column})"
        return group, group

    def day_bucket(self, column: str, size: str) -> tuple[str, str]:
        """:meth:`bucket` for a DATE column: a day on the shop's clock (a rollup's day, or
        :meth:`local_day` of a live row)."""
        if size not in ("week", "month"):
            raise ValueError(f"unknown bucket {size!r}")
        if self.postgres:
            group = f"date_trunc('{size}', {column}::timestamp)"
            return group, f"to_char({group}, 'YYYY-MM-DD')"
        return self.bucket(column, size)

    async def rows(self, sql: str) -> list[dict[str, Any]]:
        """Run ``sql`` with the collected parameters.

        On PostgreSQL the driver prepares statements, and after five runs the server may
        switch a prepared statement to a generic plan, one made without the parameter
        values. For these queries that plan is 5-20 times slower (it cannot tell a merchant
        with a million rows, or a year-long period, from a small one), so each query runs
        with a plan for its own values (``plan_cache_mode``, transaction-local).
        """
        if not self.postgres:
            return await self.conn.execute_query_dict(sql, self.params)
        async with in_transaction(self.conn.connection_name) as conn:
            await conn.execute_script("SET LOCAL plan_cache_mode = force_custom_plan")
            return await conn.execute_query_dict(sql, self.params)


def shipment_filter(q: Sql, f: Filters, column: str, alias: str = "s") -> str:
    """Outbound shipments of the merchant whose ``column`` lies in the period."""
    where = (
        f"{alias}.merchant_id = {q.p(f.merchant_id)} AND {alias}.direction = 'outbound' "
        f"AND {column} >= {q.p(f.start)} AND {column} < {q.p(f.end)}"
    )
    if f.carrier_key is not None:
        where += f" AND {alias}.carrier_key = {q.p(f.carrier_key)}"
    return where
