"""WhatsApp and browser notifications for a shop that never loaded the demo.

The owner offers WhatsApp first and maps its approved WhatsApp templates (Twilio Content
SIDs) on the workspace's WhatsApp screen; the checkout records the customer's WhatsApp
consent through the API. DHL's scans (respx) drive the messages: the first goes to
Twilio's Messages API as the template, with the variables the owner named. On the
tracking page the link in the e-mail opens, the customer turns on notifications in this
browser (the subscription posted as the page's script posts it) and keeps WhatsApp and
SMS only; then they answer STOP on WhatsApp. The delivery is told by SMS and in the
browser (encrypted for its keys), not by e-mail nor WhatsApp, and nothing twice.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from starlette.applications import Starlette

from portal.models import ConsentChange, Customer, Order
from tests.conftest import client_for
from tests.notifications.helpers import SmtpSink
from tests.real_shop.helpers import (
    BONN,
    EMAIL,
    KRAKOW,
    LEIPZIG,
    PHONE,
    WHATSAPP_SENDER,
    Browser,
    Outside,
    acme_signed_up,
    book_parcel,
    csrf_in,
    dhl_number,
    open_with_dhl,
    parcel_behind,
    place_order,
    poll_when_due,
    save_settings,
    sent_messages,
    tracking_link_in,
    twilio_inbound,
    worker_pass,
)

pytestmark = pytest.mark.slow  # a scenario of tens of seconds

ORDER_NUMBER = "W-2001"
PARCEL = dhl_number("340434171")
SHIPPED_SID = "HX" + "a1" * 16
DELIVERED_SID = "HX" + "b2" * 16


async def map_whatsapp_template(
    staff: httpx.AsyncClient, token: str, trigger: str, sid: str, variables: str
) -> None:
    """The owner maps an approved template on the workspace's WhatsApp screen."""
    saved = await staff.post(
        "/admin/whatsapp",
        data={"trigger": trigger, "locale": "en", "content_sid": sid, "variables": variables,
              "csrf_token": token},
    )  # fmt: skip
    assert saved.status_code == 303, saved.text


async def test_whatsapp_templates_the_customers_choice_push_and_stop_on_a_real_shop(
    shop_app: Starlette, outside: Outside, http: httpx.AsyncClient, smtp_sink: SmtpSink
) -> None:
    dhl, twilio, push = outside.dhl, outside.twilio, outside.push

    # The owner: DHL, WhatsApp first, then e-mail, SMS and this browser; two templates.
    async with (
        open_with_dhl(shop_app, await acme_signed_up()) as opened,
        client_for(shop_app) as twilio_webhooks,
    ):
        staff, customer, api, token = opened.staff, opened.customer, opened.api, opened.token
        everywhere = ["email", "sms", "whatsapp", "push"]
        await save_settings(
            staff,
            token,
            offer=["whatsapp", "email", "sms", "push"],
            quiet=[],
            rules={"shipped": ["email", "whatsapp"], "delivered": everywhere},
        )
        await map_whatsapp_template(
            staff, token, "shipped", SHIPPED_SID, "customer_name, tracking_number, tracking_link"
        )
        # The other template comes from the shop's own tooling, through the API.
        mapped = await api.put(
            "/api/v1/whatsapp-templates/delivered/en",
            json={"content_sid": DELIVERED_SID, "variables": ["customer_name"]},
        )
        assert mapped.status_code == 201, mapped.text
        listed = await staff.get("/admin/whatsapp")
        assert SHIPPED_SID in listed.text and DELIVERED_SID in listed.text
        from_api = (await api.get("/api/v1/whatsapp-templates")).json()["data"]
        assert {(t["kind"], t["content_sid"]) for t in from_api} == {
            ("shipped", SHIPPED_SID),
            ("delivered", DELIVERED_SID),
        }

        # The checkout: an order whose customer agreed to WhatsApp, and its DHL parcel.
        await place_order(api, ORDER_NUMBER, whatsapp=True)
        parcel_id = await book_parcel(api, PARCEL, ORDER_NUMBER)

        # DHL scans it: shipped, by e-mail and as the approved WhatsApp template.
        dhl.scan(PARCEL, "pre-transit", "Shipment information received", BONN)
        dhl.scan(PARCEL, "transit", "Processed", LEIPZIG)
        await worker_pass(shop_app, http)
        [template] = twilio.whatsapp()
        assert template["To"] == f"whatsapp:{PHONE}"
        assert template["From"] == f"whatsapp:{WHATSAPP_SENDER}"
        assert template["ContentSid"] == SHIPPED_SID and "Body" not in template
        variables = json.loads(template["ContentVariables"])
        assert variables["1"] == "Ann Nowak" and variables["2"] == PARCEL
        assert parcel_behind(shop_app, variables["3"]) == parcel_id
        [shipped_mail] = smtp_sink.messages
        assert twilio.texts() == [], "SMS is not among the shop's channels for 'shipped'"

        # The customer follows the e-mail's link, turns on notifications in this browser
        # and keeps WhatsApp and SMS for this order.
        link = tracking_link_in(shipped_mail.get_body(("plain",)).get_content())  # type: ignore[union-attr]
        assert parcel_behind(shop_app, link) == parcel_id
        page = await customer.get(link)
        assert page.status_code == 200, page.text
        reach = page.context["reach"]  # type: ignore[attr-defined]
        assert [o.value for o in reach.options] == ["whatsapp", "email", "sms"]
        assert reach.push_url and reach.push_url.endswith("/push"), "the shop offers this browser"
        browser = Browser.new()
        subscribed = await customer.post(
            reach.push_url,
            json=browser.subscription(),
            headers={"X-CSRF-Token": csrf_in(page.text)},
        )
        assert subscribed.status_code == 201, subscribed.text
        chosen = await customer.post(
            reach.channels_url,
            data={"channel": ["whatsapp", "sms"], "csrf_token": csrf_in(page.text)},
        )
        assert chosen.status_code == 303, chosen.text
        assert (await Order.get(number=ORDER_NUMBER)).channels == ["whatsapp", "sms"]

        # STOP on WhatsApp: no more WhatsApp, text messages still welcome.
        stopped = await twilio_inbound(twilio_webhooks, "STOP", whatsapp=True)
        assert stopped.status_code == 200, stopped.text
        ann = await Customer.get(email=EMAIL)
        assert (ann.whatsapp_opt_in, ann.sms_opt_in, ann.email_opt_in) == (False, True, True)
        change = await ConsentChange.filter(customer_id=ann.id).order_by("-id").first()
        assert change is not None
        assert (change.channel, change.granted, change.source) == (
            "whatsapp",
            False,
            "whatsapp_reply",
        )

        # Delivered: by SMS (chosen, consented) and in the browser (subscribed); not by
        # e-mail (unticked) nor WhatsApp (stopped).
        dhl.scan(PARCEL, "delivered", "Delivered", KRAKOW)
        await poll_when_due(shop_app, http, parcel_id)
        [text] = twilio.texts()
        assert text["To"] == PHONE and parcel_behind(shop_app, text["Body"]) == parcel_id
        assert len(twilio.whatsapp()) == 1 and len(smtp_sink.messages) == 1
        [notification] = push.received
        assert str(notification.url) == browser.endpoint
        shown = browser.decrypt(notification.content)
        assert shown["title"] == "Acme Wear" and parcel_behind(shop_app, shown["url"]) == parcel_id
        # The same short text; each carries its own signed link, stamped when it was written.
        assert without_links(shown["body"]) == without_links(text["Body"]), (
            "the browser shows the short text"
        )

        expected = [
            ("shipment", "email", "shipped"),
            ("shipment", "whatsapp", "shipped"),
            ("shipment", "sms", "delivered"),
            ("shipment", "push", "delivered"),
        ]
        assert sorted(await sent_messages()) == sorted(expected)
        for _ in range(2):
            await worker_pass(shop_app, http, now=datetime.now(UTC) + timedelta(days=1))
        assert len(twilio.sent) == 2 and len(push.received) == 1 and len(smtp_sink.messages) == 1
        assert sorted(await sent_messages()) == sorted(expected)


def without_links(text: str) -> str:
    """A message's words with every address blanked: signed links differ by their stamp."""
    return re.sub(r"https?://\S+", "<link>", text)
