"""Twilio webhooks: only signed requests count, receipts move forward, replies are handled."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from twilio.request_validator import RequestValidator

from portal.models import ConsentChange, Customer, MessageState, OutboxMessage
from portal.notifications import twilio_webhooks
from portal.settings import Settings
from tests.notifications.helpers import AUTH_TOKEN, outbox_message, parcel, twilio_settings

STATUS_URL = "https://portal.test/webhooks/twilio/status"
INBOUND_URL = "https://portal.test/webhooks/twilio/inbound"
PHONE = "+48601234567"
SID = "SM11111111111111111111111111111111"


def signed(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> dict[str, str]:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, params)}


@pytest.fixture
async def client(db: str) -> AsyncIterator[httpx.AsyncClient]:
    app = Starlette(routes=twilio_webhooks.routes)
    app.state.settings = twilio_settings()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://internal:8080") as http:
        yield http


async def post(
    client: httpx.AsyncClient, url: str, params: dict[str, str], *, token: str = AUTH_TOKEN
) -> httpx.Response:
    path = url.removeprefix("https://portal.test")
    return await client.post(path, data=params, headers=signed(url, params, token))


def receipt(status: str, **extra: str) -> dict[str, str]:
    return {
        "MessageSid": SID,
        "MessageStatus": status,
        "AccountSid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "From": "+48500000000",
        "To": PHONE,
        "ApiVersion": "2010-04-01",
        **extra,
    }


async def sent_sms() -> OutboxMessage:
    p = await parcel(customer={"phone": PHONE, "sms_opt_in": True})
    message = await outbox_message(p, channel="sms")
    await OutboxMessage.filter(id=message.id).update(
        state=MessageState.SENT, provider_id=SID, delivery_status="queued"
    )
    return message


async def test_a_delivery_receipt_is_recorded(client: httpx.AsyncClient) -> None:
    message = await sent_sms()

    assert (await post(client, STATUS_URL, receipt("sent"))).status_code == 200
    await message.refresh_from_db()
    assert (message.state, message.delivery_status) == (MessageState.SENT, "sent")

    assert (await post(client, STATUS_URL, receipt("delivered"))).status_code == 200
    await message.refresh_from_db()
    assert (message.state, message.delivery_status) == (MessageState.DELIVERED, "delivered")


async def test_a_replayed_or_late_receipt_changes_nothing(client: httpx.AsyncClient) -> None:
    message = await sent_sms()
    await post(client, STATUS_URL, receipt("delivered"))

    replay = await post(client, STATUS_URL, receipt("delivered"))
    late = await post(client, STATUS_URL, receipt("sent"))

    assert (replay.status_code, late.status_code) == (200, 200)
    await message.refresh_from_db()
    assert (message.state, message.delivery_status) == (MessageState.DELIVERED, "delivered")


async def test_an_undelivered_receipt_records_the_error(client: httpx.AsyncClient) -> None:
    message = await sent_sms()
    await post(client, STATUS_URL, receipt("undelivered", ErrorCode="30003"))

    await message.refresh_from_db()
    assert message.state == MessageState.FAILED
    assert message.error == "twilio undelivered (error 30003)"


async def test_a_failed_receipt_for_an_opted_out_number_clears_consent(
    client: httpx.AsyncClient,
) -> None:
    message = await sent_sms()
    await post(client, STATUS_URL, receipt("failed", ErrorCode="21610"))

    customer = await Customer.get(id=message.customer_id)  # type: ignore[attr-defined]
    assert customer.sms_opt_in is False


async def test_a_receipt_for_an_unknown_message_is_acknowledged(client: httpx.AsyncClient) -> None:
    assert (await post(client, STATUS_URL, receipt("delivered"))).status_code == 200


@pytest.mark.parametrize(
    "forge",
    ["wrong token", "no signature", "other url", "tampered"],
)
async def test_a_forged_receipt_is_refused_and_nothing_is_recorded(
    client: httpx.AsyncClient, forge: str
) -> None:
    message = await sent_sms()
    params = receipt("delivered")
    headers = signed(STATUS_URL, params)
    if forge == "wrong token":
        headers = signed(STATUS_URL, params, token="someone-elses-token")
    elif forge == "no signature":
        headers = {}
    elif forge == "other url":
        headers = signed("https://evil.test/webhooks/twilio/status", params)
    elif forge == "tampered":
        params = {**params, "MessageStatus": "failed"}

    response = await client.post("/webhooks/twilio/status", data=params, headers=headers)

    assert response.status_code == 403
    await message.refresh_from_db()
    assert (message.state, message.delivery_status) == (MessageState.SENT, "queued")


async def test_without_an_auth_token_every_webhook_is_refused(db: str) -> None:
    app = Starlette(routes=twilio_webhooks.routes)
    app.state.settings = twilio_settings(twilio_auth_token=None)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x") as c:
        params = {"From": PHONE, "Body": "STOP"}
        response = await c.post(
            "/webhooks/twilio/inbound", data=params, headers=signed(INBOUND_URL, params)
        )
    assert response.status_code == 403


def inbound(body: str, sender: str = PHONE) -> dict[str, str]:
    return {
        "MessageSid": "SM22222222222222222222222222222222",
        "AccountSid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "From": sender,
        "To": "+48500000000",
        "Body": body,
        "NumMedia": "0",
    }


async def test_stop_then_start_then_help(client: httpx.AsyncClient) -> None:
    p = await parcel(
        merchant={"name": "Zielony Sklep", "branding": {"support_email": "pomoc@zielony.test"}},
        customer={"phone": PHONE, "sms_opt_in": True, "locale": "pl"},
    )

    stop = await post(client, INBOUND_URL, inbound("Stop."))
    assert stop.status_code == 200
    assert stop.headers["content-type"].startswith("application/xml")
    assert "<Message>" not in stop.text  # Twilio itself confirms opt-outs
    assert (await Customer.get(id=p.customer.id)).sms_opt_in is False

    await post(client, INBOUND_URL, inbound("START"))
    assert (await Customer.get(id=p.customer.id)).sms_opt_in is True

    help_reply = await post(client, INBOUND_URL, inbound(" help "))
    assert "<Message>" in help_reply.text
    assert "Zielony Sklep" in help_reply.text
    assert "STOP" in help_reply.text and "pomoc@zielony.test" in help_reply.text
    assert "Odpowiedz STOP" in help_reply.text


@pytest.mark.parametrize("word", sorted(twilio_webhooks.OPT_OUT_KEYWORDS))
async def test_every_opt_out_keyword_opts_out(client: httpx.AsyncClient, word: str) -> None:
    p = await parcel(customer={"phone": PHONE, "sms_opt_in": True})
    await post(client, INBOUND_URL, inbound(word.lower()))
    assert (await Customer.get(id=p.customer.id)).sms_opt_in is False


@pytest.mark.parametrize("word", ["ΣΤΟΠ", "Διακοπή", "απεγγραφή.", "СТОП", "Стоп"])
async def test_stop_typed_on_a_greek_or_cyrillic_keyboard_opts_out_and_is_confirmed(
    client: httpx.AsyncClient, word: str
) -> None:
    """Twilio blocks only its own (English) keywords: a Greek customer who answers the
    HELP text's STOP on a Greek keyboard sends "ΣΤΟΠ", which must stop the texts too,
    and is told so in her language, since Twilio sends no confirmation for it."""
    p = await parcel(customer={"phone": PHONE, "sms_opt_in": True, "locale": "el"})

    reply = await post(client, INBOUND_URL, inbound(word))

    assert (await Customer.get(id=p.customer.id)).sms_opt_in is False
    assert "δεν θα λαμβάνετε πλέον SMS από εμάς. Απαντήστε START" in reply.text
    assert p.merchant.name in reply.text


async def test_start_in_the_customers_script_opts_back_in_and_is_confirmed(
    client: httpx.AsyncClient,
) -> None:
    p = await parcel(customer={"phone": PHONE, "sms_opt_in": False, "locale": "bg"})
    reply = await post(client, INBOUND_URL, inbound("старт"))
    assert (await Customer.get(id=p.customer.id)).sms_opt_in is True
    assert "отново ще получавате SMS" in reply.text
    english = await post(client, INBOUND_URL, inbound("STOP"))
    assert "<Message>" not in english.text, "Twilio confirms its own keywords"


async def test_unstop_opts_back_in(client: httpx.AsyncClient) -> None:
    p = await parcel(customer={"phone": PHONE, "sms_opt_in": False})
    await post(client, INBOUND_URL, inbound("unstop"))
    assert (await Customer.get(id=p.customer.id)).sms_opt_in is True


async def test_stop_and_start_are_kept_in_the_consent_history(client: httpx.AsyncClient) -> None:
    p = await parcel(customer={"phone": PHONE, "sms_opt_in": True})
    await post(client, INBOUND_URL, inbound("STOP"))
    await post(client, INBOUND_URL, inbound("STOP"))  # no change: no second entry
    await post(client, INBOUND_URL, inbound("START"))
    history = (
        await ConsentChange.filter(customer_id=p.customer.id)
        .order_by("id")
        .values_list("channel", "granted", "source", "detail")
    )
    assert history == [("sms", False, "sms_reply", "STOP"), ("sms", True, "sms_reply", "START")]


async def test_a_tracking_number_gets_its_current_status(client: httpx.AsyncClient) -> None:
    p = await parcel(
        customer={"phone": PHONE, "locale": "en"},
        shipment={"status": "out_for_delivery", "carrier_key": "ups"},
    )
    number = p.shipment.tracking_number

    reply = await post(client, INBOUND_URL, inbound(f"where is {number.lower()}?"))

    assert "<Message>" in reply.text
    assert f"Parcel {number} (UPS): Out for delivery." in reply.text
    assert "https://portal.test/t/" in reply.text


async def test_someone_elses_tracking_number_gets_no_answer(client: httpx.AsyncClient) -> None:
    mine = await parcel(customer={"phone": PHONE})
    theirs = await parcel(customer={"phone": "+48601999999"})

    reply = await post(client, INBOUND_URL, inbound(theirs.shipment.tracking_number))

    assert "<Message>" not in reply.text
    assert mine.shipment.tracking_number not in reply.text


async def test_a_forged_stop_is_refused(client: httpx.AsyncClient) -> None:
    p = await parcel(customer={"phone": PHONE, "sms_opt_in": True})
    params = inbound("STOP")
    response = await client.post(
        "/webhooks/twilio/inbound", data=params, headers=signed(INBOUND_URL, inbound("hello"))
    )
    assert response.status_code == 403
    assert (await Customer.get(id=p.customer.id)).sms_opt_in is True


def test_the_routes_are_where_the_status_callback_points(settings: Settings) -> None:
    paths = {route.path for route in twilio_webhooks.routes}  # type: ignore[attr-defined]
    assert STATUS_URL.removeprefix(settings.public_base_url) in paths
    assert INBOUND_URL.removeprefix(settings.public_base_url) in paths
