"""The workspace home: what needs attention now, with counts and links, and this week's
figures against last week's with sparklines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx

from portal.analytics.weekly import weekly
from portal.models import (
    AttentionItem,
    AttentionKind,
    Metric,
    Outcome,
    ReturnRequest,
    ReturnState,
    Shipment,
    Survey,
    SurveyAnswer,
)
from tests import factories
from tests.admin.helpers import signed_in_owner


async def test_signing_in_lands_on_the_home(client: httpx.AsyncClient, db: str) -> None:
    await signed_in_owner(client)
    page = await client.get("/admin/")
    assert page.status_code == 200
    assert page.template.name == "admin/home.html"


async def test_the_home_counts_what_needs_attention_with_links(
    client: httpx.AsyncClient, db: str
) -> None:
    user, _ = await signed_in_owner(client)
    shop = await user.merchant
    now = datetime.now(UTC)
    for n in range(2):
        parcel = await factories.shipment(shop, status="exception")
        await AttentionItem.create(
            merchant=shop, kind=AttentionKind.EXCEPTION, shipment=parcel, since=now,
            episode=f"e{n}",
        )  # fmt: skip
    order = await factories.order(shop)
    await ReturnRequest.create(
        merchant=shop, order=order, number="R-1", state=ReturnState.NEEDS_REVIEW
    )
    quiet = await factories.shipment(shop, status="in_transit")
    await Shipment.filter(id=quiet.id).update(last_event_at=now - timedelta(days=30))
    page = await client.get("/admin/")
    counts = {c.href: c.count for c in page.context["attention"]}
    assert counts["/admin/attention?kind=exception"] == 2
    assert counts["/admin/attention?kind=late"] == 0
    assert counts["/admin/returns?state=needs_review"] == 1
    assert counts["/admin/returns?state=received"] == 0
    assert counts["/admin/shipments?stale=1"] == 1
    assert 'href="/admin/attention?kind=exception"' in page.text


async def test_weekly_figures_count_rolling_weeks(db: str) -> None:
    shop = await factories.merchant()
    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    for days_ago in (1, 2, 3, 9):  # three this week, one last week
        shipped = now - timedelta(days=days_ago)
        await factories.shipment(shop, shipped_at=shipped)
    # Delivered this week: one on time, one late; last week: one on time.
    for days_ago, eta_shift in ((1, 0), (2, -1), (8, 1)):
        delivered = now - timedelta(days=days_ago)
        await factories.shipment(
            shop, status="delivered", delivered_at=delivered, shipped_at=delivered,
            first_estimated_delivery=date.fromordinal(delivered.date().toordinal() + eta_shift),
        )  # fmt: skip
    await factories.shipment(shop, shipped_at=now - timedelta(days=70))  # outside the weeks
    # Returns: two this week, none the week before, one two weeks ago.
    order = await factories.order(shop)
    for n, days_ago in enumerate((0.5, 6.9, 15)):
        made = await ReturnRequest.create(merchant=shop, order=order, number=f"R-{n}")
        await ReturnRequest.filter(id=made.id).update(created_at=now - timedelta(days=days_ago))
    # CSAT: 4 and 2 this week (50 %), 5 last week (100 %); an NPS answer does not count.
    survey = await Survey.create(
        merchant=shop, outcome=Outcome.SMOOTH, token_hash="b" * 64, expires_at=now
    )
    for question, metric, score, days_ago in (
        ("q1", Metric.CSAT, 4, 1), ("q2", Metric.CSAT, 2, 2), ("q3", Metric.CSAT, 5, 10),
        ("q4", Metric.NPS, 0, 1),
    ):  # fmt: skip
        await SurveyAnswer.create(
            merchant=shop, survey=survey, question=question, metric=metric, score=score,
            outcome=Outcome.SMOOTH, answered_at=now - timedelta(days=days_ago),
        )  # fmt: skip
    other = await factories.merchant()
    await factories.shipment(other, shipped_at=now - timedelta(days=1))
    figures = await weekly(shop.id, now, weeks=3)
    assert figures.parcels == [0.0, 2.0, 5.0]
    assert figures.on_time == [None, 100.0, 50.0]
    assert figures.returns == [1.0, 0.0, 2.0]
    assert figures.csat == [None, 100.0, 50.0]


async def test_the_home_draws_a_sparkline_per_figure(client: httpx.AsyncClient, db: str) -> None:
    user, _ = await signed_in_owner(client)
    shop = await user.merchant
    await factories.shipment(shop, shipped_at=datetime.now(UTC) - timedelta(days=1))
    page = await client.get("/admin/")
    trends = page.context["trends"]
    assert trends[0].this_week == "1"
    assert page.text.count('<svg class="sparkline"') == 4
    assert "<script" not in page.text.split("</head>")[1]
