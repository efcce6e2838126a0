"""Analytics of a shop that never loaded the demo, before and after its history is forgotten.

The operator signs the shop up with the ``portal`` command (merchant, owner, API key); the
owner connects DHL in the workspace (the REST API has no carrier-account endpoint) and
keeps three months of history through ``PATCH /api/v1/settings``. Three orders and their
DHL parcels arrive through the API; DHL's scans arrive through the sweep, faked only at
HTTP in DHL's documented shape: one parcel on time, one delivered after a failed attempt
(and with no date promised), one still moving. The customer answers the survey the worker
sends. The analytics screen then shows what that traffic implies, read live after the
worker's ``roll-up-analytics`` job, and again after its ``keep-history`` job (whose hook
first closes the days into the rollups) has removed the delivered parcels' scans and the
sent messages, and after the rollup job's next run: aggregates outlive the rows they were
counted from, and the moving parcel keeps its scans, which still tell DHL's old scans from
new ones.

Time travel: retention keeps whole months (three at least), so it can only remove
today's traffic months from now. Rather than back-dating rows the real path wrote, the
traffic happens now and the two jobs run with a worker clock four months on (``now=``),
as the sweep and the survey job run at the moment they are due (the other scenarios do
the same); no stored timestamp is changed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from starlette.applications import Starlette
from tortoise import connections

from carriers.base import Status
from portal.analytics.rollups import rollup_job
from portal.history import partitions
from portal.history.retention import history_job
from portal.models import MessageState, OutboxMessage, Shipment, Survey, TrackingEvent
from portal.surveys.scheduling import schedule_due_surveys
from tests.notifications.helpers import SmtpSink
from tests.real_shop.helpers import (
    BONN,
    KRAKOW,
    LEIPZIG,
    PUBLIC_URL,
    Outside,
    analytics,
    book_parcel,
    dhl_number,
    drain_outbox,
    open_with_dhl,
    place_order,
    sign_up,
    worker_pass,
)
from tests.survey_page.helpers import tap

pytestmark = pytest.mark.slow  # a scenario of tens of seconds

ON_TIME = dhl_number("340434211")
RETRIED = dhl_number("340434212")
MOVING = dhl_number("340434213")
ORDERS = {ON_TIME: "H-5001", RETRIED: "H-5002", MOVING: "H-5003"}


async def poll_until_settled(app: Starlette, http: httpx.AsyncClient, *numbers: str) -> None:
    """Let the clock reach the parcels' next polls and run the worker then."""
    due = [s.next_poll_at for s in await Shipment.filter(tracking_number__in=numbers)]
    assert all(due), "travelling parcels stay scheduled"
    await worker_pass(app, http, now=max([*due, datetime.now(UTC)]))  # type: ignore[type-var]


async def test_analytics_keep_the_traffic_after_retention_removes_its_history(
    shop_app: Starlette, outside: Outside, http: httpx.AsyncClient, smtp_sink: SmtpSink, db: str
) -> None:
    dhl, settings = outside.dhl, shop_app.state.settings
    # The worker has been running: its hourly keep-history job has made this month's
    # partitions (in a shared test database, another test's retention run years ahead
    # may have dropped them, and the traffic would land in the default partition).
    await history_job(settings, http)
    shop = await sign_up(shop_app, "keeper", "Acme Wear")

    async with open_with_dhl(shop_app, shop) as opened:
        staff, customer, api = opened.staff, opened.customer, opened.api
        kept = await api.patch("/api/v1/settings", json={"history_retention_months": 3})
        assert kept.status_code == 200, kept.text
        assert kept.json()["history_retention_months"] == 3

        # Three orders, three parcels; DHL promises a day for the first only.
        ids = {}
        for number, order in ORDERS.items():
            await place_order(api, order)
            ids[number] = await book_parcel(api, number, order)
        today = datetime.now(UTC).date()
        dhl.eta[ON_TIME] = today + timedelta(days=2)
        dhl.scan(ON_TIME, "pre-transit", "Shipment information received", BONN)
        dhl.scan(ON_TIME, "transit", "Processed", LEIPZIG)
        dhl.scan(RETRIED, "transit", "Processed", LEIPZIG)
        dhl.scan(RETRIED, "failure", "Delivery attempted - recipient not at home", KRAKOW)
        dhl.scan(MOVING, "transit", "Processed", LEIPZIG)
        await worker_pass(shop_app, http)
        dhl.scan(ON_TIME, "delivered", "Delivered", KRAKOW)
        dhl.scan(RETRIED, "delivered", "Delivered", KRAKOW)
        await poll_until_settled(shop_app, http, ON_TIME, RETRIED)
        for number, status in ((ON_TIME, "delivered"), (RETRIED, "delivered"),
                               (MOVING, "in_transit")):  # fmt: skip
            shown = (await api.get(f"/api/v1/shipments/{ids[number]}")).json()
            assert shown["status"] == status, shown

        # The survey job runs after the shop's delay (two days); the customer answers.
        asked = datetime.now(UTC) + timedelta(days=3)
        await schedule_due_surveys(settings, http, now=asked)
        await drain_outbox(shop_app, http, now=asked)
        invitation = smtp_sink.messages[-1].get_body(("plain",)).get_content()  # type: ignore[union-attr]
        link = re.search(rf"{re.escape(PUBLIC_URL)}/s/([A-Za-z0-9_-]+)", invitation)
        assert link, invitation
        survey = await Survey.get()
        for question in survey.questions:
            answered = await tap(customer, link.group(1), question, 9 if question == "nps" else 4)
            assert answered.status_code == 200, answered.text

        # What the traffic implies, from the rows it wrote.
        delivered = await Shipment.filter(status=Status.DELIVERED).order_by("id")
        transit = sum((s.delivered_at - s.shipped_at for s in delivered), timedelta())  # type: ignore[operator]
        messages = await OutboxMessage.exclude(state=MessageState.CANCELLED)
        channels = sorted({str(m.channel) for m in messages})
        scans = {n: await TrackingEvent.filter(shipment_id=ids[n]).count() for n in ids}
        assert all(scans.values()), scans

        period = (today - timedelta(days=1), today + timedelta(days=1))
        # The worker's rollup job at the real clock: today is still read live.
        await rollup_job(settings, http)
        live = await analytics(staff, *period)
        assert live["on_time"] == [
            ["carrier", "delivered", "with_first_eta", "on_time", "on_time_rate"],
            ["dhl", "2", "1", "1", "100.00"],
        ]
        assert live["problems"] == [
            ["status", "reason", "shipments", "shipped", "rate"],
            ["failed_attempt", "recipient_unavailable", "1", "3", "33.33"],
        ]
        assert [row[:4] for row in live["satisfaction_by_carrier"][1:]] == [
            ["dhl", "csat", "1", "100.00"],  # a 4 of 5 is a top score
            ["dhl", "nps", "1", "100.00"],  # one promoter
        ]
        assert live["Return rate"] == ("0.0%", "0 of 3 items sold in the period")
        assert live["transit_by_carrier"][1][:2] == ["dhl", "2"]
        assert live["transit_by_carrier"][1][2] == f"{transit.total_seconds() / 2 / 86400:.2f}"
        assert [row[:2] for row in live["messages_by_channel"][1:]] == sorted(
            ([c, str(sum(1 for m in messages if m.channel == c))] for c in channels),
            key=lambda row: (-int(row[1]), row[0]),
        )
        # Three shipped and two delivered e-mails and the survey; a text for the failed
        # attempt, which has no delivery receipt from Twilio yet.
        assert [row[:4] for row in live["messages_by_channel"][1:]] == [
            ["email", "6", "6", "0"],
            ["sms", "1", "0", "0"],
        ]

        # Four months on, the worker's day of retention comes before its next rollup run:
        # retention's hook closes the days (today's included) into the rollups first, then
        # three months of history are kept: the delivered parcels' scans and the sent
        # messages go, the moving parcel's scans stay.
        later = partitions.add_months(partitions.month_start(datetime.now(UTC)), 4)
        later += timedelta(days=9, hours=4)  # after the hour retention runs at
        await history_job(settings, http, now=later)
        assert await TrackingEvent.filter(shipment_id__in=[ids[ON_TIME], ids[RETRIED]]).count() == 0
        assert await TrackingEvent.filter(shipment_id=ids[MOVING]).count() == scans[MOVING]
        assert await OutboxMessage.all().count() == 0
        assert await analytics(staff, *period) == live
        # The rollup job's next run recounts nothing away.
        await rollup_job(settings, http, now=later + timedelta(minutes=5))
        assert await analytics(staff, *period) == live
        if db.startswith("postgres"):
            conn = connections.get("default")
            month = partitions.month_start(datetime.now(UTC))
            assert month not in await partitions.monthly(conn, "outbox_message"), "dropped"
            assert month in await partitions.monthly(conn, "tracking_event"), "held by MOVING"
            await partitions.ensure(conn, datetime.now(UTC))  # the next run at today's clock

        # The moving parcel's kept scans still tell DHL's old scans from new ones.
        dhl.scan(MOVING, "delivered", "Delivered", KRAKOW)
        await poll_until_settled(shop_app, http, MOVING)
        assert await TrackingEvent.filter(shipment_id=ids[MOVING]).count() == scans[MOVING] + 1
        shown = (await api.get(f"/api/v1/shipments/{ids[MOVING]}")).json()
        assert shown["status"] == "delivered", shown
