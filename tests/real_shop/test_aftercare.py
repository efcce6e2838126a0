"""After the parcel leaves, for a shop that never loaded the demo: a late parcel, a claim and
a statutory withdrawal.

A new shop has no delivery history to predict from, so the date a parcel is held to is
the one DHL states (``estimatedTimeOfDelivery``, read by the sweep); the shop tells the
API the service it booked. When DHL's scans stall past that date, the worker's late
watch flags the parcel: the attention queue (workspace and API) shows it, and the
customer is told once. The customer, who kept text messages only on the tracking page,
reports the damaged tee from the link in that message; staff see the claim in their
queue, review it and refund, and the customer reads each step. Another customer
withdraws from a contract on the returns pages of an EU shop that never set up a return
policy; staff receive, inspect and resolve the return in the workspace. That shop, its
owner and its API key are made with the ``portal`` command, as an operator signs a shop up.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from starlette.applications import Starlette

from portal.models import Claim, MessageState, OutboxMessage, Withdrawal
from portal.models.claims import ClaimState
from portal.tracking.alerts import watch
from tests.conftest import client_for
from tests.notifications.helpers import SmtpSink
from tests.real_shop.helpers import (
    BONN,
    EMAIL,
    KRAKOW,
    LEIPZIG,
    PHONE,
    Outside,
    acme_signed_up,
    csrf_in,
    dhl_number,
    drain_outbox,
    open_with_dhl,
    parcel_behind,
    place_order,
    poll_when_due,
    save_settings,
    sent_messages,
    sign_up,
    tracking_link_in,
    worker_pass,
)
from tests.returns_page.helpers import png

pytestmark = pytest.mark.slow  # a scenario of tens of seconds

LATE_ORDER = "L-3001"
LATE_PARCEL = dhl_number("340434181")
EU_ORDER = "E-4001"
EU_PARCEL = dhl_number("340434191")


async def test_a_late_parcel_is_flagged_once_and_its_damage_claimed_and_refunded(
    shop_app: Starlette, outside: Outside, http: httpx.AsyncClient, smtp_sink: SmtpSink
) -> None:
    dhl, twilio = outside.dhl, outside.twilio

    async with open_with_dhl(shop_app, await acme_signed_up()) as opened:
        staff, customer, api, token = opened.staff, opened.customer, opened.api, opened.token
        await save_settings(staff, token, quiet=[])  # the defaults: e-mail, SMS for urgent news

        await place_order(api, LATE_ORDER)
        booked = await api.post(
            "/api/v1/shipments",
            json={"tracking_number": LATE_PARCEL, "carrier": "dhl", "order_number": LATE_ORDER,
                  "service": "express", "origin_country": "DE"},
        )  # fmt: skip
        assert booked.status_code == 201, booked.text
        parcel_id = booked.json()["id"]

        # DHL promises today; two scans, then nothing more.
        today = datetime.now(UTC).date()
        dhl.eta[LATE_PARCEL] = today
        dhl.scan(LATE_PARCEL, "pre-transit", "Shipment information received", BONN)
        dhl.scan(LATE_PARCEL, "transit", "Processed", LEIPZIG)
        await worker_pass(shop_app, http)
        shown = (await api.get(f"/api/v1/shipments/{parcel_id}")).json()
        assert shown["status"] == "in_transit", shown

        # A day and a half on (past the promised day, short of the 48 hours that would make
        # it stuck too), DHL still says the same; the late watch (the worker's job) runs.
        later = datetime.now(UTC) + timedelta(hours=36)
        asked = len(dhl.calls)
        await worker_pass(shop_app, http, now=later)
        assert len(dhl.calls) > asked, "DHL was asked again and had nothing new"
        for _ in range(2):  # the job runs every ten minutes: once flags, again adds nothing
            await watch(shop_app.state.settings, later)
            await drain_outbox(shop_app, http, now=later)
        queue = (await api.get("/api/v1/attention")).json()["data"]
        assert [(i["kind"], i["shipment_id"]) for i in queue] == [("late", parcel_id)]
        assert LATE_PARCEL in (await staff.get("/admin/attention")).text
        late = await OutboxMessage.filter(trigger="late", state=MessageState.SENT)
        assert [(m.channel, m.recipient) for m in late] == [("email", EMAIL)]

        # The customer follows the late e-mail's link and keeps text messages only.
        late_mail = smtp_sink.messages[-1]
        link = tracking_link_in(late_mail.get_body(("plain",)).get_content())  # type: ignore[union-attr]
        assert parcel_behind(shop_app, link) == parcel_id
        page = await customer.get(link)
        chosen = await customer.post(
            page.context["reach"].channels_url,  # type: ignore[attr-defined]
            data={"channel": ["sms"], "csrf_token": csrf_in(page.text)},
        )
        assert chosen.status_code == 303, chosen.text

        # DHL delivers at last (the late item closes); the tee inside is torn.
        dhl.scan(LATE_PARCEL, "delivered", "Delivered", KRAKOW)
        await poll_when_due(shop_app, http, parcel_id)
        assert (await api.get("/api/v1/attention")).json()["data"] == []
        problem = await customer.get(f"{link}/problem")
        assert problem.status_code == 200, problem.text
        kinds = re.findall(r'name="kind" value="([a-z_]+)"', problem.text)
        assert "damaged" in kinds, kinds
        (item,) = re.findall(r'name="(quantity-\d+)"', problem.text)
        reported = await customer.post(
            f"{link}/problem",
            data={"csrf_token": csrf_in(problem.text), "kind": "damaged", item: "1",
                  "description": "The tee arrived torn."},
            files={"photos": ("tee.png", png(), "image/png")},
        )  # fmt: skip
        assert reported.status_code == 200, reported.text
        claim = await Claim.get(shipment_id=parcel_id)
        assert claim.number in reported.text

        # Staff find it in the claims queue, review it and refund.
        assert claim.number in (await staff.get("/admin/claims")).text
        claim_page = f"/admin/claims/{claim.id}"
        reviewed = await staff.post(f"{claim_page}/review", data={"csrf_token": token})
        assert reviewed.status_code == 303, reviewed.text
        refunded = await staff.post(
            f"{claim_page}/refund", data={"csrf_token": token, "amount": "29.00"}
        )
        assert refunded.status_code == 303, refunded.text
        await claim.refresh_from_db()
        assert claim.state == ClaimState.REFUNDED
        await worker_pass(shop_app, http)

        # Each step reached the customer once: the late notice by e-mail, then only where
        # they asked (text) — the claim's steps, which have no text template, by e-mail.
        expected = [
            ("shipment", "email", "shipped"),
            ("shipment", "email", "late"),
            ("shipment", "sms", "delivered"),
            ("claim", "email", "claim_submitted"),
            ("claim", "email", "claim_in_review"),
            ("claim", "email", "claim_refunded"),
            ("survey", "email", "survey"),  # a settled claim asks how it went
        ]
        assert sorted(await sent_messages()) == sorted(expected)
        assert [f["To"] for f in twilio.sent] == [PHONE]
        [refund_mail] = [m for m in smtp_sink.messages if claim.number in str(m["Subject"])][-1:]
        assert (
            claim.number
            in str(refund_mail["Subject"]) + refund_mail.get_body(("plain",)).get_content()
        )  # type: ignore[union-attr]
        assert "29" in refund_mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        for _ in range(2):
            await worker_pass(shop_app, http, now=later + timedelta(days=1))
            await watch(shop_app.state.settings, later + timedelta(days=1))
        assert sorted(await sent_messages()) == sorted(expected)


async def test_an_eu_customer_withdraws_and_staff_settle_it_in_the_workspace(
    shop_app: Starlette, outside: Outside, http: httpx.AsyncClient, smtp_sink: SmtpSink
) -> None:
    dhl = outside.dhl
    shop = await sign_up(shop_app, "eu-shop", "Acme Wear", country="PL", locale="en")

    async with open_with_dhl(shop_app, shop) as opened:
        staff, customer, api, token = opened.staff, opened.customer, opened.api, opened.token
        # Texts around the clock: with the default quiet hours, the approval's SMS would
        # wait for the morning whenever the test runs in the evening in Poland.
        await save_settings(staff, token, quiet=[])
        await place_order(api, EU_ORDER)
        booked = await api.post(
            "/api/v1/shipments",
            json={"tracking_number": EU_PARCEL, "carrier": "dhl", "order_number": EU_ORDER},
        )
        assert booked.status_code == 201, booked.text
        dhl.scan(EU_PARCEL, "transit", "Processed", LEIPZIG)
        dhl.scan(EU_PARCEL, "delivered", "Delivered", KRAKOW)
        await worker_pass(shop_app, http)

        # The customer finds the order on the returns pages and withdraws.
        start = await customer.get("/returns")
        found = await customer.post(
            "/returns",
            data={"order": EU_ORDER, "contact": EMAIL, "csrf_token": csrf_in(start.text)},
        )
        assert found.status_code == 303, found.text
        order_page = await customer.get(found.headers["location"])
        assert "does not take returns online" in order_page.text, "no return policy set up"
        assert order_page.status_code == 200, "the page offers the statutory withdrawal"
        offer = re.search(r'href="(/withdraw/orders/\d+)"', order_page.text)
        assert offer, "an EU shop offers the withdrawal function"
        form = await customer.get(offer.group(1))
        assert form.status_code == 200, form.text
        (item,) = re.findall(r'name="(quantity-\d+)"', form.text)
        checked = await customer.post(
            offer.group(1),
            data={"csrf_token": csrf_in(form.text), "name": "Ann Nowak", "email": EMAIL,
                  item: "1"},
        )  # fmt: skip
        assert checked.status_code == 200, checked.text
        hidden = dict(
            re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', checked.text)
        )
        done = await customer.post(f"{offer.group(1)}/confirm", data=hidden)
        assert done.status_code == 200, done.text
        statement = await Withdrawal.get()
        await drain_outbox(shop_app, http)
        receipt = smtp_sink.messages[-1]
        assert [e.rcpt_tos for e, _ in smtp_sink.received][-1] == [EMAIL]
        assert "Ann Nowak" in receipt.get_body(("plain",)).get_content()  # type: ignore[union-attr]

        # Staff see the return in their queue; the tee comes back; they settle it.
        rma = (await api.get("/api/v1/returns")).json()["data"]
        assert [r["kind"] for r in rma] == ["withdrawal"], rma
        queue = await staff.get("/admin/returns")
        (return_path,) = set(re.findall(r'href="(/admin/returns/\d+)"', queue.text))
        received = await staff.post(f"{return_path}/receive", data={"csrf_token": token})
        assert received.status_code == 303, received.text
        detail = await staff.get(return_path)
        (returned_item,) = re.findall(r'name="condition_(\d+)"', detail.text)
        inspected = await staff.post(
            f"{return_path}/inspect",
            data={"csrf_token": token, f"condition_{returned_item}": "as_new"},
        )  # no catalogue here: nothing to restock
        assert inspected.status_code == 303, inspected.text
        resolved = await staff.post(f"{return_path}/resolve", data={"csrf_token": token})
        assert resolved.status_code == 303, resolved.text
        settled = (await api.get(f"/api/v1/returns/{rma[0]['number']}")).json()
        assert settled["state"] == "resolved", settled
        await worker_pass(shop_app, http)

        told = [m for m in await sent_messages() if m[0] != "shipment"]
        assert sorted(told) == sorted(
            [
                # the statutory receipt, which also says how to send the tee back: a
                # withdrawal's return is approved by law, so no "approved" follows it
                ("withdrawal", "email", "withdrawal_received"),
                ("return", "email", "return_received"),
                ("return", "email", "return_resolved"),
                ("survey", "email", "survey"),
            ]
        ), told
        # The receipt's link to the return opens for whoever got it, return policy or not.
        receipt = await OutboxMessage.get(trigger="withdrawal_received", channel="email")
        return_page = re.search(r"https://track\.shop\.test(/returns/\S+)", receipt.body_text)
        assert return_page, receipt.body_text
        async with client_for(shop_app) as phone:
            opened = await phone.get(return_page.group(1), follow_redirects=True)
        assert opened.status_code == 200, opened.text
        assert rma[0]["number"] in opened.text
        assert statement.acknowledgement_id is not None
