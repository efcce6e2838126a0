"""Merchant analytics under /admin/analytics: an overview and the delivery, returns and
satisfaction sections, filtered by period and carrier, each table exportable as CSV.

Filters come from a GET form (``from``, ``to`` as YYYY-MM-DD, both days included, on the
shop's clock, ``merchant.time_zone``; ``carrier``), so every view is a shareable URL, works
without JavaScript, and htmx only swaps the results. Everything is scoped to the signed-in
staff user's merchant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from carriers import registry
from portal.admin import survey_feedback
from portal.admin.auth import render, require_staff, staff_of
from portal.analytics import clock
from portal.analytics.csv_export import to_csv
from portal.analytics.sections import SECTIONS, TABLES, headline
from portal.analytics.sql import Filters
from portal.i18n import _, lazy

#: Days shown when no period is chosen (about a quarter: weekly buckets).
DEFAULT_DAYS = 90
#: The first day a period may start on: nothing older can be in the data.
EARLIEST = date(2000, 1, 1)
#: The longest period one view may cover.
MAX_DAYS = 5 * 366
CARRIER_KEY = re.compile(r"[a-z0-9_-]{1,64}")
SECTION_NAMES = {
    "overview": lazy("Overview"),
    "delivery": lazy("Delivery"),
    "returns": lazy("Returns"),
    "satisfaction": lazy("Satisfaction"),
}


@dataclass
class FilterForm:
    """The GET form as typed, what it means, and what is wrong with it."""

    first: date
    last: date
    carrier: str
    errors: list[str] = field(default_factory=list)

    def filters(self, merchant_id: int, zone: str = "UTC") -> Filters:
        """From the shop's midnight starting ``first`` to the one ending ``last``."""
        start = clock.midnight(self.first, zone)
        end = clock.midnight(self.last + timedelta(days=1), zone)
        return Filters(merchant_id, start, end, self.carrier or None, clock.zone_name(zone))

    def query(self) -> str:
        params = {"from": self.first.isoformat(), "to": self.last.isoformat()}
        if self.carrier:
            params["carrier"] = self.carrier
        return urlencode(params)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_filters(params: Any, today: date) -> FilterForm:
    """Read ``from``, ``to`` and ``carrier``; anything invalid falls back to the default
    with a message saying what was wrong."""
    form = FilterForm(today - timedelta(days=DEFAULT_DAYS - 1), today, "")
    first_text = str(params.get("from", "")).strip()
    last_text = str(params.get("to", "")).strip()
    carrier = str(params.get("carrier", "")).strip()
    first, last = _day(first_text), _day(last_text)
    if first_text and first is None:
        form.errors.append(_("The start date is not a date (use YYYY-MM-DD)."))
    if last_text and last is None:
        form.errors.append(_("The end date is not a date (use YYYY-MM-DD)."))
    # Far-off days (0001-01-01, 9999-12-31) are dates, but a week either side of them is
    # not: they are refused with a message instead of failing in date arithmetic.
    earliest, latest = EARLIEST, today + timedelta(days=366)
    if any(d is not None and not earliest <= d <= latest for d in (first, last)):
        form.errors.append(
            _("Choose dates between %(first)s and %(last)s.")
            % {"first": earliest.isoformat(), "last": latest.isoformat()}
        )
        first = first if first is not None and earliest <= first <= latest else None
        last = last if last is not None and earliest <= last <= latest else None
        first_text = first_text if first is not None else ""
    if last is not None:
        form.last = last
        if not first_text:
            form.first = last - timedelta(days=DEFAULT_DAYS - 1)
    if first is not None:
        form.first = first
    if form.first > form.last:
        form.errors.append(_("The start date is after the end date."))
        form.first = form.last - timedelta(days=DEFAULT_DAYS - 1)
    elif (form.last - form.first).days >= MAX_DAYS:
        form.errors.append(_("Choose a period of at most five years."))
        form.first = form.last - timedelta(days=DEFAULT_DAYS - 1)
    if carrier and not CARRIER_KEY.fullmatch(carrier):
        form.errors.append(_("Unknown carrier."))
    else:
        form.carrier = carrier
    return form


def _today(zone: str) -> date:
    """Today on the shop's clock: "the last 90 days" end with it."""
    return clock.today(zone)


async def _section(request: Request, section: str) -> Response:
    merchant = staff_of(request).merchant
    form = parse_filters(request.query_params, _today(merchant.time_zone))
    filters = form.filters(merchant.id, merchant.time_zone)
    tables = [await TABLES[key](filters) for key in SECTIONS[section]]
    figures = await headline(filters) if section == "overview" else []
    partial = request.headers.get("hx-request") and request.headers.get("hx-target") == "results"
    carriers = registry.available()
    if form.carrier and form.carrier not in carriers:
        carriers = [*carriers, form.carrier]
    context = {
        "section": section,
        "sections": [(key, _(name)) for key, name in SECTION_NAMES.items()],
        "section_name": _(SECTION_NAMES[section]),
        "form": form,
        "query": form.query(),
        "carriers": carriers,
        "tables": tables,
        "figures": figures,
        "partial": bool(partial),
    }
    if section == "satisfaction":
        before = str(request.query_params.get("comments_before", ""))
        found, more = await survey_feedback.comments(
            merchant, filters, int(before) if before.isdigit() else None
        )
        # A later page links back to the newest comments as well as on to older ones.
        context |= {"comments": found, "comments_before": more, "comments_paged": before.isdigit()}
    if partial:
        return render(request, "admin/_analytics_results.html", context)
    return render(request, "admin/analytics.html", context, status=400 if form.errors else 200)


@require_staff()
async def overview(request: Request) -> Response:
    return await _section(request, "overview")


@require_staff()
async def delivery(request: Request) -> Response:
    return await _section(request, "delivery")


@require_staff()
async def returns(request: Request) -> Response:
    return await _section(request, "returns")


@require_staff()
async def satisfaction(request: Request) -> Response:
    return await _section(request, "satisfaction")


@require_staff()
async def export_csv(request: Request) -> Response:
    """One table as CSV, with the same filters as the page (bad filters: 400, not a guess)."""
    key = str(request.path_params["table"])
    builder = TABLES.get(key)
    if builder is None:
        raise HTTPException(404)
    merchant = staff_of(request).merchant
    form = parse_filters(request.query_params, _today(merchant.time_zone))
    if form.errors:
        return Response(
            "\n".join(form.errors) + "\n", status_code=400, media_type="text/plain; charset=utf-8"
        )
    table = await builder(form.filters(merchant.id, merchant.time_zone))
    name = f"{key}-{form.first.isoformat()}-{form.last.isoformat()}.csv"
    return Response(
        to_csv(table.export()),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


routes: list[BaseRoute] = [
    Route("/analytics", overview, name="admin_analytics"),
    Route("/analytics/{table}.csv", export_csv),
    Route("/analytics/delivery", delivery),
    Route("/analytics/returns", returns),
    Route("/analytics/satisfaction", satisfaction),
]
