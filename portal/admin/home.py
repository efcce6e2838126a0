"""The workspace home: while a required set-up step is open, the "Set up your shop"
checklist (:mod:`portal.setup_status`); what needs a person now (the attention queue by
kind, parcels with no recent news, returns waiting for a decision or an inspection), each
a count and a link; and this week's figures against last week's with a sparkline of the
weeks before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from carriers.base import FINAL_STATUSES
from portal.admin import words
from portal.admin.auth import render, require_staff, staff_of
from portal.admin.shipments import stale_filter
from portal.analytics import charts
from portal.analytics.tables import Kind, display_cell
from portal.analytics.weekly import weekly
from portal.i18n import _, lazy
from portal.models import AttentionKind, Direction, ReturnRequest, ReturnState, Shipment
from portal.setup_status import complete, steps_of


@dataclass(frozen=True, slots=True)
class Count:
    label: str
    count: int
    href: str
    tone: str


@dataclass(frozen=True, slots=True)
class Trend:
    label: str
    this_week: str
    last_week: str
    #: "+12%", "−3 points", or "" when there is nothing to compare.
    change: str
    #: ``up``, ``down`` or ``flat``: whether the change is good is for the reader.
    direction: str
    sparkline: Markup


#: The kinds the home always lists (zero included): the everyday problems.
ALWAYS_SHOWN = (
    AttentionKind.EXCEPTION,
    AttentionKind.FAILED_ATTEMPT,
    AttentionKind.LATE,
    AttentionKind.STUCK,
    AttentionKind.UNHAPPY_ANSWER,
)

_PARCELS = lazy("Parcels shipped")
_ON_TIME = lazy("Delivered on time")
_RETURNS = lazy("Returns started")
_CSAT = lazy("Satisfied customers (CSAT)")


def _change(now: float | None, before: float | None, kind: Kind) -> tuple[str, str]:
    if now is None or before is None:
        return "", "flat"
    direction = "up" if now > before else "down" if now < before else "flat"
    if kind == Kind.PERCENT:
        points = display_cell(Kind.SCORE, abs(now - before))
        sign = "+" if now >= before else "−"
        return _("%(sign)s%(points)s points") % {"sign": sign, "points": points}, direction
    if not before:
        return "", direction
    share = display_cell(Kind.PERCENT, abs(now - before) / before * 100)
    return ("+" if now >= before else "−") + share, direction


def trend(label: str, values: list[float | None], kind: Kind) -> Trend:
    this_week, last_week = values[-1], values[-2]
    change, direction = _change(this_week, last_week, kind)
    return Trend(
        label=label,
        this_week=display_cell(kind, this_week),
        last_week=display_cell(kind, last_week),
        change=change,
        direction=direction,
        sparkline=charts.sparkline(
            values, _("%(figure)s, the last %(num)s weeks") % {"figure": label, "num": len(values)}
        ),
    )


async def needs_attention(merchant_id: int, counts: dict[AttentionKind, int]) -> list[Count]:
    """The home's list: queue kinds, parcels with no news, returns waiting for the shop."""
    now = datetime.now(UTC)
    shown = [k for k in AttentionKind if k in ALWAYS_SHOWN or counts.get(k)]
    found = [
        Count(
            words.attention(kind),
            counts.get(kind, 0),
            f"/admin/attention?kind={kind.value}",
            words.attention_tone(kind),
        )
        for kind in shown
    ]
    quiet = await (
        Shipment.filter(merchant_id=merchant_id, direction=Direction.OUTBOUND)
        .exclude(status__in=list(FINAL_STATUSES))
        .filter(stale_filter(now))
        .count()
    )
    found.append(Count(_("Parcels without recent news"), quiet, "/admin/shipments?stale=1", "warn"))
    for state, label in (
        (ReturnState.NEEDS_REVIEW, _("Returns waiting for your decision")),
        (ReturnState.RECEIVED, _("Returns waiting for inspection")),
    ):
        waiting = await ReturnRequest.filter(merchant_id=merchant_id, state=state).count()
        found.append(Count(label, waiting, f"/admin/returns?state={state.value}", "warn"))
    return found


@require_staff()
async def home(request: Request) -> Response:
    merchant = staff_of(request).merchant
    counts = getattr(request.state, "attention_counts", {})
    figures = await weekly(merchant.id, datetime.now(UTC), zone=merchant.time_zone)
    steps = await steps_of(merchant)
    return render(
        request,
        "admin/home.html",
        {
            # Hidden once every required step is done: optional ones never hold it open.
            "setup_steps": [] if complete(steps) else steps,
            "attention": await needs_attention(merchant.id, counts),
            "trends": [
                trend(_(_PARCELS), figures.parcels, Kind.COUNT),
                trend(_(_ON_TIME), figures.on_time, Kind.PERCENT),
                trend(_(_RETURNS), figures.returns, Kind.COUNT),
                trend(_(_CSAT), figures.csat, Kind.PERCENT),
            ],
        },
    )
