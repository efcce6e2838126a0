"""A new shop runs the whole loop without the demo (issue #13, "Done when").

Everything the shop configures goes through the workspace screens and the REST API; only
the merchant, its owner and an API key come from factories, as a shop gets them at sign-up.
The outside world is faked where it really is outside: DHL's Unified Tracking API and
Twilio's Messages API answer through respx in their documented shapes, and e-mail goes to
a real SMTP server (aiosmtpd). The sweep and the dispatcher are the functions the worker
and ``portal dispatch --once`` run.

The story: carrier account, return policy, reasons and notification settings in the
workspace; a catalogue by CSV; an order and its parcel through the API; the parcel travels
and is delivered; the customer exchanges a size on the returns pages and adds the return
parcel's number; it arrives; staff inspect and resolve; the replacement order ships under
its real tracking number. Every customer message goes out once, on the channels the shop
chose, and running the sweep and dispatcher again sends nothing more.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from starlette.applications import Starlette

from portal.models import MessageState, OutboxMessage, Shipment
from tests.conftest import client_for
from tests.notifications.helpers import SmtpSink
from tests.real_shop.helpers import (
    BONN,
    EMAIL,
    KRAKOW,
    LEIPZIG,
    PHONE,
    SERVICE_SID,
    Outside,
    acme_signed_up,
    book_parcel,
    dhl_number,
    open_with_dhl,
    place_order,
    poll_when_due,
    save_settings,
    sent_messages,
    worker_pass,
)
from tests.returns_page.helpers import csrf_of, draft_of, resolve_and_confirm

pytestmark = pytest.mark.slow  # a scenario of tens of seconds

ORDER_NUMBER = "A-1001"
CATALOGUE = (
    b"product_sku;title;sku;price;stock;option_size\n"
    b"TEE;Tee;TEE-M;29.00;5;M\n"
    b"TEE;Tee;TEE-L;29.00;3;L\n"
)
OUTBOUND = dhl_number("340434161")
RETURN_PARCEL = dhl_number("340434162")
REPLACEMENT = dhl_number("340434163")


async def configure_workspace(staff: httpx.AsyncClient, token: str) -> None:
    """Step 2, the owner's forms in the workspace, posted as a browser posts them."""
    reason = await staff.post(
        "/admin/returns/reasons",
        data={"code": "too_small", "label_en": "Too small", "label_pl": "Za mały",
              "parent": "", "csrf_token": token},
    )  # fmt: skip
    assert reason.status_code == 303, reason.text

    policy = await staff.post(
        "/admin/returns/policy",
        data={
            "window_days": "30", "no_scan_margin_days": "10", "final_sale_categories": "",
            "ineligible_categories": "", "resolutions": ["refund", "exchange"],
            "store_credit_bonus_percent": "0", "keep_item_threshold": "",
            "return_shipping_fee": "4.95", "restocking_fee_percent": "0",
            "waive_exchange": "1", "auto_mode": "auto", "auto_reasons_mode": "any",
            "auto_max_value": "", "auto_max_returns": "", "auto_history_days": "60",
            "methods": ["drop_off_qr"], "label_expiry_days": "14",
            "address_name": "Acme Returns", "address_line1": "ul. Zwrotna 1",
            "address_line2": "", "address_city": "Kraków", "address_region": "",
            "address_postal_code": "30-001", "address_country": "PL",
            "reserve_stock_at": "approval", "eu_consumer_law": "country",
            "withdrawal_days": "14", "csrf_token": token,
        },
    )  # fmt: skip
    assert policy.status_code == 303, policy.text

    # Text messages for the parcel's news too (the defaults keep SMS for urgent steps).
    await save_settings(
        staff, token, rules={"shipped": ["email", "sms"], "delivered": ["email", "sms"]}
    )

    catalogue = await staff.post(
        "/admin/products/import",
        data={"csrf_token": token},
        files={"file": ("catalogue.csv", CATALOGUE, "text/csv")},
    )
    assert catalogue.status_code == 303, catalogue.text
    assert catalogue.headers["location"] == "/admin/products?loaded=2"


async def customer_exchanges(customer: httpx.AsyncClient) -> str:
    """Order number and e-mail, one tee, a size up, drop-off; returns the RMA."""
    start = await customer.get("/returns")
    found = await customer.post(
        "/returns",
        data={"order": ORDER_NUMBER, "contact": EMAIL, "csrf_token": csrf_of(start.text)},
    )
    assert found.status_code == 303, found.text
    items = await customer.get(found.headers["location"])
    assert items.status_code == 200, items.text
    order_path = found.headers["location"]
    (item_id,) = re.findall(r'name="quantity-(\d+)"', items.text)

    options = await customer.post(
        f"{order_path}/items",
        data={"csrf_token": csrf_of(items.text), "draft": draft_of(items.text),
              f"quantity-{item_id}": "1", f"reason-{item_id}": "too_small"},
        files={"unused": ("", b"", "application/octet-stream")},
    )  # fmt: skip
    assert options.status_code == 200, options.text
    large = re.search(r'<option value="(\d+)"[^>]*>[^<]*\bL\b', options.text)
    assert large, "the larger size is offered for the exchange"

    choices = {f"resolution-{item_id}": "exchange", f"variant-{item_id}": large.group(1),
               "method": "drop_off_qr"}  # fmt: skip
    return await resolve_and_confirm(customer, order_path, options.text, choices)


# --- the story -------------------------------------------------------------------------


async def test_a_real_shop_runs_the_whole_loop_without_the_demo(
    shop_app: Starlette,
    outside: Outside,
    http: httpx.AsyncClient,
    smtp_sink: SmtpSink,
) -> None:
    dhl, twilio = outside.dhl, outside.twilio

    # 1. The owner signs in and connects DHL; 2. sets the shop up in the workspace.
    async with open_with_dhl(shop_app, await acme_signed_up()) as opened:
        staff, customer, api, token = opened.staff, opened.customer, opened.api, opened.token
        await configure_workspace(staff, token)

        # 3. The shop's checkout sends the order.
        await place_order(api, ORDER_NUMBER)

        # 4. It books the parcel with DHL and registers the waybill.
        parcel_id = await book_parcel(api, OUTBOUND, ORDER_NUMBER)

        # 5. It travels, then arrives.
        dhl.scan(OUTBOUND, "pre-transit", "Shipment information received", BONN)
        dhl.scan(OUTBOUND, "transit", "Processed", LEIPZIG)
        await worker_pass(shop_app, http)
        shown = await api.get(f"/api/v1/shipments/{parcel_id}")
        assert shown.json()["status"] == "in_transit", shown.json()
        dhl.scan(OUTBOUND, "delivered", "Delivered", KRAKOW)
        await poll_when_due(shop_app, http, parcel_id)
        shown = await api.get(f"/api/v1/shipments/{parcel_id}")
        assert shown.json()["status"] == "delivered", shown.json()

        # 6. The customer swaps M for L on the returns pages.
        rma = await customer_exchanges(customer)
        booked = await api.get(f"/api/v1/returns/{rma}")
        assert booked.json()["state"] == "awaiting_shipment", booked.json()

        # 7. They drop the parcel off and type its number on the return's page.
        follow = await customer.get(f"/returns/{rma}")
        added = await customer.post(
            f"/returns/{rma}/parcel",
            data={"csrf_token": csrf_of(follow.text), "tracking_number": RETURN_PARCEL,
                  "carrier": "dhl"},
        )  # fmt: skip
        assert added.status_code == 303, added.text
        await worker_pass(shop_app, http)  # nothing scanned yet: DHL does not know it

        # 8. The return parcel reaches the shop.
        dhl.scan(RETURN_PARCEL, "transit", "Shipment picked up", KRAKOW)
        dhl.scan(RETURN_PARCEL, "delivered", "Delivered", BONN)
        return_parcel = await Shipment.get(tracking_number=RETURN_PARCEL)
        await poll_when_due(shop_app, http, return_parcel.id)
        received = await api.get(f"/api/v1/returns/{rma}")
        assert received.json()["state"] == "received", received.json()

        # 9. Staff inspect and resolve; the replacement ships under its real waybill.
        queue = await staff.get("/admin/returns")
        (return_path,) = set(re.findall(r'href="(/admin/returns/\d+)"', queue.text))
        detail = await staff.get(return_path)
        (returned_item,) = re.findall(r'name="condition_(\d+)"', detail.text)
        inspected = await staff.post(
            f"{return_path}/inspect",
            data={"csrf_token": token, f"condition_{returned_item}": "as_new",
                  f"restock_{returned_item}": "1"},
        )  # fmt: skip
        assert inspected.status_code == 303, inspected.text
        resolved = await staff.post(f"{return_path}/resolve", data={"csrf_token": token})
        assert resolved.status_code == 303, resolved.text
        assert (await api.get(f"/api/v1/returns/{rma}")).json()["state"] == "resolved"

        replacement_number = f"{ORDER_NUMBER}-{rma}"
        replacement = await api.get(f"/api/v1/orders/{replacement_number}")
        assert replacement.status_code == 200, replacement.text
        assert [(i["sku"], i["quantity"]) for i in replacement.json()["items"]] == [("TEE-L", 1)]
        catalogue = (await api.get("/api/v1/products/TEE")).json()
        stock = {v["sku"]: (v["stock"], v["reserved"]) for v in catalogue["variants"]}
        assert stock == {"TEE-M": (6, 0), "TEE-L": (2, 0)}, "M restocked, L sold"
        listed = await api.get("/api/v1/shipments", params={"order_number": replacement_number})
        assert listed.json()["data"] == [], "no placeholder parcel before the shop books one"
        booked_again = await api.post(
            "/api/v1/shipments",
            json={"tracking_number": REPLACEMENT, "carrier": "dhl",
                  "order_number": replacement_number},
        )  # fmt: skip
        assert booked_again.status_code == 201, booked_again.text
        dhl.scan(REPLACEMENT, "pre-transit", "Shipment information received", BONN)
        dhl.scan(REPLACEMENT, "transit", "Departed Facility", LEIPZIG)
        await worker_pass(shop_app, http)
        tracked = await api.get(f"/api/v1/shipments/{booked_again.json()['id']}")
        assert tracked.json()["status"] == "in_transit", tracked.json()

        # 10. Once each, on the channels the shop chose, and never again.
        expected = [
            ("shipment", "email", "shipped"),
            ("shipment", "sms", "shipped"),
            ("shipment", "email", "delivered"),
            ("shipment", "sms", "delivered"),
            ("return", "email", "return_approved"),
            ("return", "sms", "return_approved"),
            ("return", "email", "return_received"),
            ("return", "email", "return_resolved"),
            ("survey", "email", "survey"),  # a resolved exchange asks how it went
            ("shipment", "email", "shipped"),
            ("shipment", "sms", "shipped"),
        ]
        assert sorted(await sent_messages()) == sorted(expected)
        # What reached the SMTP server and Twilio is exactly what the outbox says it sent.
        sent_email = await OutboxMessage.filter(state=MessageState.SENT, channel="email")
        assert sorted(str(m["Subject"]) for m in smtp_sink.messages) == sorted(
            row.subject for row in sent_email
        )
        assert [envelope.rcpt_tos for envelope, _ in smtp_sink.received] == [[EMAIL]] * 7
        sent_sms = await OutboxMessage.filter(state=MessageState.SENT, channel="sms")
        assert sorted(form["Body"] for form in twilio.sent) == sorted(
            row.body_text for row in sent_sms
        )
        assert [form["To"] for form in twilio.sent] == [PHONE] * 4
        assert all(form["MessagingServiceSid"] == SERVICE_SID for form in twilio.sent)
        assert all(row.provider_id for row in sent_sms), "Twilio's SID is kept"
        assert dhl.calls.count(REPLACEMENT) == 1 and set(dhl.calls) == {
            OUTBOUND,
            RETURN_PARCEL,
            REPLACEMENT,
        }

        # The link at the end of every text message opens its page for whoever got it.
        for form in twilio.sent:
            link = form["Body"].rsplit(" ", 1)[-1]
            assert link.startswith("https://track.shop.test/"), form["Body"]
            async with client_for(shop_app) as phone:
                opened = await phone.get(link.removeprefix("https://track.shop.test"))
                if opened.status_code == 303:
                    opened = await phone.get(opened.headers["location"])
                assert opened.status_code == 200, (link, opened.status_code)
                assert any(shown in opened.text for shown in (OUTBOUND, REPLACEMENT, rma)), link

        for _ in range(2):
            await worker_pass(shop_app, http)
            await worker_pass(shop_app, http, now=datetime.now(UTC) + timedelta(days=1))
        assert len(smtp_sink.messages) == 7 and len(twilio.sent) == 4
        assert sorted(await sent_messages()) == sorted(expected)
