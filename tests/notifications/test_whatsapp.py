"""WhatsApp through Twilio: approved templates by Content SID, free text only inside the
customer's 24-hour window, the next channel when a kind has no template, STOP on WhatsApp.

Twilio is faked at the HTTP layer with its Messages resource as documented at
https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource
(``ContentSid`` and ``ContentVariables``: https://www.twilio.com/docs/content/send-templates-created-with-the-content-template-builder;
the answer in tests/fixtures/twilio/whatsapp_message_created.json).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import httpx
import pytest
import respx
import time_machine
from starlette.applications import Starlette
from twilio.request_validator import RequestValidator

from portal.models import Channel, ConsentChange, Customer, OutboxMessage, WhatsAppTemplate
from portal.notifications import twilio_webhooks
from portal.notifications.base import DeliveryError
from portal.notifications.dispatcher import dispatch_once
from portal.notifications.whatsapp import WhatsAppChannel, template_payload
from tests.notifications.helpers import (
    AUTH_TOKEN,
    MESSAGES_URL,
    emit_status,
    parcel,
    released_after,
    twilio_payload,
    twilio_settings,
)

PHONE = "+48601234567"
SENDER = "+14155238886"
CONTENT_SID = "HX" + "0123456789abcdef" * 2
WHATSAPP_FIRST = ["whatsapp", "sms", "email"]


def settings(**overrides: object):  # type: ignore[no-untyped-def]
    return twilio_settings(twilio_whatsapp_from=SENDER, **overrides)


async def shop_parcel(**customer: object):  # type: ignore[no-untyped-def]
    fields = {"phone": PHONE, "whatsapp_opt_in": True, "sms_opt_in": True, "locale": "pl"}
    fields.update(customer)
    return await parcel(
        merchant={
            "name": "Zielony Sklep",
            "channel_order": WHATSAPP_FIRST,
            "notification_rules": {"out_for_delivery": ["whatsapp"]},
            "quiet_hours_channels": [],
        },
        customer=fields,
        order={"number": "#PL-77"},
    )


async def written(shipment_id: int) -> dict[str, OutboxMessage]:
    return {m.channel: m for m in await OutboxMessage.filter(shipment_id=shipment_id)}


def sent_form(route: respx.Route) -> dict[str, str]:
    [call] = route.calls
    return {k: v[0] for k, v in parse_qs(call.request.content.decode()).items()}


async def test_a_kind_with_an_approved_template_goes_as_that_template(db: str) -> None:
    p = await shop_parcel()
    await WhatsAppTemplate.create(
        merchant=p.merchant,
        trigger="out_for_delivery",
        locale="pl",
        content_sid=CONTENT_SID,
        variables=["customer_name", "order_number", "tracking_link"],
    )
    await emit_status(p.shipment, "out_for_delivery", settings=settings())

    message = (await written(p.shipment.id))["whatsapp"]
    assert message.recipient == f"whatsapp:{PHONE}"
    assert message.payload is not None and message.payload["content_sid"] == CONTENT_SID
    variables = message.payload["variables"]
    assert variables["1"] == "Anna Nowak" and variables["2"] == "#PL-77"
    assert variables["3"].startswith("https://portal.test/t/")

    with respx.mock:
        route = respx.post(MESSAGES_URL).mock(
            return_value=httpx.Response(201, json=twilio_payload("whatsapp_message_created"))
        )
        async with httpx.AsyncClient() as http:
            report = await dispatch_once(settings(), http_client=http)

    assert report.sent == 1
    form = sent_form(route)
    assert form["To"] == f"whatsapp:{PHONE}"
    assert form["From"] == f"whatsapp:{SENDER}"
    assert form["ContentSid"] == CONTENT_SID
    assert json.loads(form["ContentVariables"]) == variables
    assert "Body" not in form, "a template message carries no free text"
    stored = await OutboxMessage.get(id=message.id)
    assert stored.provider_id == "SM33333333333333333333333333333333"


async def test_a_kind_without_a_template_falls_back_to_the_next_channel(db: str) -> None:
    p = await shop_parcel()

    await emit_status(p.shipment, "out_for_delivery", settings=settings())

    messages = await written(p.shipment.id)
    assert set(messages) == {"sms"}, "WhatsApp would refuse free text outside the window"
    assert messages["sms"].recipient == PHONE


async def test_inside_the_24_hour_window_free_text_may_go_without_a_template(db: str) -> None:
    p = await shop_parcel(whatsapp_window_until=datetime.now(UTC) + timedelta(hours=3))

    await emit_status(p.shipment, "out_for_delivery", settings=settings())

    message = (await written(p.shipment.id))["whatsapp"]
    assert message.payload is None and message.body_text
    with respx.mock:
        route = respx.post(MESSAGES_URL).mock(
            return_value=httpx.Response(201, json=twilio_payload("whatsapp_message_created"))
        )
        async with httpx.AsyncClient() as http:
            await dispatch_once(settings(), http_client=http)
    form = sent_form(route)
    assert form["Body"] == message.body_text and "ContentSid" not in form


async def test_no_opt_in_means_no_whatsapp_and_no_fallback_either(db: str) -> None:
    p = await shop_parcel(whatsapp_opt_in=False)
    await WhatsAppTemplate.create(
        merchant=p.merchant, trigger="out_for_delivery", locale="pl", content_sid=CONTENT_SID
    )

    await emit_status(p.shipment, "out_for_delivery", settings=settings())

    assert await written(p.shipment.id) == {}


async def test_the_customers_choice_for_the_order_wins_over_the_shops_rules(db: str) -> None:
    p = await shop_parcel()
    p.order.channels = ["email"]
    await p.order.save()

    await emit_status(p.shipment, "out_for_delivery", settings=settings())

    assert set(await written(p.shipment.id)) == {"email"}


async def test_quiet_hours_hold_whatsapp_by_default(db: str) -> None:
    night = datetime(2026, 3, 28, 22, 15, tzinfo=UTC)  # 23:15 in Warsaw
    with time_machine.travel(night, tick=False):
        p = await parcel(
            merchant={"channel_order": WHATSAPP_FIRST, "time_zone": "Europe/Warsaw",
                      "notification_rules": {"out_for_delivery": ["whatsapp", "email"]}},
            customer={"phone": PHONE, "whatsapp_opt_in": True, "country": "PL",
                      "whatsapp_window_until": night + timedelta(hours=3)},
        )  # fmt: skip
        await emit_status(p.shipment, "out_for_delivery", settings=settings())

    messages = await written(p.shipment.id)
    assert released_after(
        messages["whatsapp"].scheduled_for, datetime(2026, 3, 29, 6, 0, tzinfo=UTC)
    )
    assert messages["email"].scheduled_for == night, "e-mail is not held unless the shop ticks it"


@pytest.mark.parametrize(("code", "permanent"), [(63016, True), (20429, False)])
async def test_twilio_whatsapp_errors_say_whether_to_retry(
    db: str, code: int, permanent: bool
) -> None:
    p = await shop_parcel()
    message = await OutboxMessage.create(
        merchant=p.merchant, customer=p.customer, shipment=p.shipment, channel=Channel.WHATSAPP,
        recipient=f"whatsapp:{PHONE}", trigger="delivered", unique_key="wa:1",
        body_text="Hello", scheduled_for=datetime.now(UTC),
    )  # fmt: skip
    body = {"code": code, "message": "refused", "more_info": "", "status": 400}
    with respx.mock:
        respx.post(MESSAGES_URL).mock(
            return_value=httpx.Response(400 if permanent else 429, json=body)
        )
        async with httpx.AsyncClient() as http:
            with pytest.raises(DeliveryError) as failed:
                await WhatsAppChannel(settings(), http).send(message)
    assert failed.value.permanent is permanent


def test_a_template_variable_the_message_lacks_is_sent_as_a_dash() -> None:
    payload = template_payload(CONTENT_SID, ["customer_name", "merchant.name", "nope"],
                               {"customer_name": "", "merchant": {"name": "Shop"}})  # fmt: skip
    assert payload == {"content_sid": CONTENT_SID, "variables": {"1": "-", "2": "Shop", "3": "-"}}


# --- the customer's replies on WhatsApp ---------------------------------------------------

INBOUND_URL = "https://portal.test/webhooks/twilio/inbound"


async def reply(body: str) -> httpx.Response:
    app = Starlette(routes=twilio_webhooks.routes)
    app.state.settings = settings()
    params = {
        "MessageSid": "SM44444444444444444444444444444444",
        "AccountSid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "From": f"whatsapp:{PHONE}",
        "To": f"whatsapp:{SENDER}",
        "Body": body,
        "NumMedia": "0",
        "ProfileName": "Anna",
        "WaId": PHONE.removeprefix("+"),
    }
    signature = RequestValidator(AUTH_TOKEN).compute_signature(INBOUND_URL, params)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://internal") as client:
        return await client.post(
            "/webhooks/twilio/inbound", data=params, headers={"X-Twilio-Signature": signature}
        )


async def test_stop_on_whatsapp_opts_out_of_whatsapp_only_and_start_opts_back_in(
    db: str,
) -> None:
    p = await shop_parcel()

    assert (await reply("STOP")).status_code == 200
    customer = await Customer.get(id=p.customer.id)
    assert customer.whatsapp_opt_in is False
    assert customer.sms_opt_in is True, "STOP on WhatsApp says nothing about text messages"
    change = await ConsentChange.get(customer_id=p.customer.id)
    assert (change.channel, change.granted, change.source) == ("whatsapp", False, "whatsapp_reply")

    await reply("START")
    assert (await Customer.get(id=p.customer.id)).whatsapp_opt_in is True


async def test_a_message_from_the_customer_opens_the_24_hour_window(db: str) -> None:
    p = await shop_parcel()
    before = datetime.now(UTC)

    await reply("Kiedy dotrze paczka?")

    window = (await Customer.get(id=p.customer.id)).whatsapp_window_until
    assert window is not None and window >= before + timedelta(hours=23, minutes=59)


async def test_a_forged_whatsapp_stop_changes_nothing(db: str) -> None:
    p = await shop_parcel()
    app = Starlette(routes=twilio_webhooks.routes)
    app.state.settings = settings()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://internal") as client:
        response = await client.post(
            "/webhooks/twilio/inbound",
            data={"From": f"whatsapp:{PHONE}", "Body": "STOP"},
            headers={"X-Twilio-Signature": "forged"},
        )
    assert response.status_code == 403
    assert (await Customer.get(id=p.customer.id)).whatsapp_opt_in is True
