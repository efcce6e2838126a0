"""Twilio's calls to us: delivery receipts and customers' replies, both signature-checked.

A request whose ``X-Twilio-Signature`` does not verify against our auth token and our
public URL gets 403 and changes nothing. Receipts only move a message forward (a late
``sent`` never overwrites ``delivered``), so Twilio's retries and replays are harmless.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tortoise.expressions import Q
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from portal import consent
from portal.core.links import make_short_tracking_link
from portal.core.phones import to_e164 as _to_e164
from portal.models import (
    Channel,
    ConsentSource,
    Customer,
    MessageState,
    OutboxMessage,
    Shipment,
)
from portal.notifications import phrases, rows, whatsapp
from portal.notifications.base import pick_locale
from portal.notifications.context import carrier_name, format_eta
from portal.notifications.sms import (
    INBOUND_PATH,
    OPTED_OUT,
    STATUS_CALLBACK_PATH,
    fit_sms_body,
    honour_opt_out,
)
from portal.settings import Settings

#: Twilio MessageStatus values by how far along they are; a receipt never moves backwards.
STATUS_RANK: dict[str, int] = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "canceled": 4,
    "read": 5,
}
#: Twilio's default opt-out and opt-in keywords: Twilio blocks (or unblocks) the number
#: itself and sends the confirmation
#: (https://help.twilio.com/articles/223134027-Twilio-support-for-opt-out-keywords-SMS-STOP-filtering-).
OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
OPT_IN_KEYWORDS = frozenset({"START", "UNSTOP"})
#: The same words in the shipped languages, as customers type them on their own keyboards
#: ("ΣΤΟΠ", "СТОП"), without accents. Twilio does not know them, so the portal confirms.
LOCAL_OPT_OUT_KEYWORDS = frozenset(
    {"REZYGNUJ", "DEZABONARE", "СТОП", "ОТПИСАТЬСЯ", "ВІДПИСАТИСЯ", "ОТПИСВАНЕ", "ΣΤΟΠ",
     "ΔΙΑΚΟΠΗ", "ΑΠΕΓΓΡΑΦΗ"}
)  # fmt: skip
LOCAL_OPT_IN_KEYWORDS = frozenset({"СТАРТ", "ΕΝΑΡΞΗ"})
HELP_KEYWORDS = frozenset({"HELP", "INFO"})
#: How long a customer's WhatsApp message lets the shop answer in free text.
WHATSAPP_WINDOW = timedelta(hours=24)
#: A HELP reply must name how to reach the shop, so it may run a segment longer.
HELP_SEGMENTS = 3


async def _verified_form(request: Request) -> dict[str, str] | None:
    """The POSTed parameters when the signature matches, else None."""
    settings = request.app.state.settings
    token = getattr(settings, "twilio_auth_token", None)
    signature = request.headers.get("x-twilio-signature", "")
    form = await request.form()
    params = {key: value for key, value in form.multi_items() if isinstance(value, str)}
    url = f"{settings.public_base_url}{request.url.path}"
    if request.url.query:
        url += f"?{request.url.query}"
    if not token or not signature or not RequestValidator(token).validate(url, params, signature):
        return None
    return params


def _forbidden() -> Response:
    return Response("invalid signature", status_code=403, media_type="text/plain")


def _twiml(text: str | None = None) -> Response:
    reply = MessagingResponse()
    if text:
        reply.message(text)
    return Response(str(reply), media_type="application/xml")


async def status_callback(request: Request) -> Response:
    """Record a delivery receipt (queued, sent, delivered, undelivered, failed) on a message."""
    form = await _verified_form(request)
    if form is None:
        return _forbidden()
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    status = (form.get("MessageStatus") or form.get("SmsStatus") or "").lower()
    if not sid or status not in STATUS_RANK:
        return Response(status_code=200)
    message = await OutboxMessage.filter(provider_id=sid).first()
    if message is None:
        return Response(status_code=200)
    error_code = form.get("ErrorCode") or ""
    update: dict[str, Any] = {"delivery_status": status}
    if status == "delivered":
        update["state"] = MessageState.DELIVERED
    elif status in ("undelivered", "failed"):
        update["state"] = MessageState.FAILED
        update["error"] = f"twilio {status}" + (f" (error {error_code})" if error_code else "")
    earlier = [name for name, rank in STATUS_RANK.items() if rank < STATUS_RANK[status]]
    changed = (
        await rows.this(message)
        .filter(Q(delivery_status__isnull=True) | Q(delivery_status__in=earlier))
        .update(**update)
    )
    if changed and error_code == str(OPTED_OUT) and message.customer_id:
        await honour_opt_out(message.customer_id)
    return Response(status_code=200)


def _keyword(body: str) -> str:
    """The reply as one keyword: trimmed, upper case, accents dropped ("Διακοπή")."""
    word = unicodedata.normalize("NFD", body.strip().strip(".!").strip().upper())
    return "".join(char for char in word if not unicodedata.combining(char))


async def _status_reply(settings: Settings, customers: list[Customer], body: str) -> str | None:
    """The current status of a shipment of these customers whose number is in ``body``."""
    text = re.sub(r"[\s-]", "", body.upper())
    shipments = (
        await Shipment.filter(order__customer_id__in=[c.id for c in customers])
        .select_related("order", "merchant")
        .order_by("-id")
    )
    by_id: dict[int | None, Customer] = {c.id: c for c in customers}
    for shipment in shipments:
        number = shipment.tracking_number.upper()
        if len(number) < 6 or number not in text:
            continue
        customer = by_id.get(shipment.order.customer_id) if shipment.order else None
        locale = pick_locale(
            customer.locale if customer else None, shipment.merchant.default_locale
        )
        words = phrases.words(locale)
        reply = words["sms_status"].format(
            number=shipment.tracking_number,
            carrier=carrier_name(shipment.carrier_key, locale),
            status=phrases.status_words(shipment.status, locale),
        )
        if eta := format_eta(shipment.estimated_delivery, locale):
            reply += " " + words["sms_eta"].format(eta=eta)
        return fit_sms_body(reply, make_short_tracking_link(settings, shipment), locale=locale)
    return None


def _confirmation(customers: list[Customer], key: str) -> str | None:
    """``sms_stopped`` or ``sms_started`` in the customer's language, for a keyword
    Twilio does not confirm itself; None when the number is no customer's."""
    if not customers:
        return None
    customer = customers[0]
    locale = pick_locale(customer.locale, customer.merchant.default_locale)
    return fit_sms_body(
        phrases.words(locale)[key].format(merchant=customer.merchant.name), locale=locale
    )


def _help_reply(settings: Settings, customers: list[Customer]) -> str:
    customer = customers[0] if customers else None
    merchant = customer.merchant if customer else None
    locale = pick_locale(
        customer.locale if customer else None, merchant.default_locale if merchant else None
    )
    words = phrases.words(locale)
    name = (
        merchant.name
        if merchant
        else (getattr(settings, "mail_from", "").partition("<")[0].strip() or "Doorstep")
    )
    reply = words["sms_help"].format(merchant=name)
    brand = (merchant.branding or {}) if merchant else {}
    contact = brand.get("support_phone") or brand.get("support_email") or brand.get("support_url")
    if contact:
        reply += " " + words["sms_help_contact"].format(contact=contact)
    return fit_sms_body(reply, max_segments=HELP_SEGMENTS, locale=locale)


async def inbound_message(request: Request) -> Response:
    """Handle a customer's text or WhatsApp message: STOP/START keywords, HELP, or a
    tracking number. A WhatsApp message also opens WhatsApp's 24-hour window, inside which
    the shop may answer in free text."""
    form = await _verified_form(request)
    if form is None:
        return _forbidden()
    settings = request.app.state.settings
    sender = form.get("From") or ""
    on_whatsapp = sender.startswith(whatsapp.PREFIX)
    channel = Channel.WHATSAPP if on_whatsapp else Channel.SMS
    source = ConsentSource.WHATSAPP_REPLY if on_whatsapp else ConsentSource.SMS_REPLY
    phone = _to_e164(whatsapp.strip_address(sender))
    body = form.get("Body") or ""
    customers = (
        await Customer.filter(phone=phone).select_related("merchant").order_by("-id")
        if phone
        else []
    )
    if on_whatsapp and phone:
        await Customer.filter(phone=phone).update(
            whatsapp_window_until=datetime.now(UTC) + WHATSAPP_WINDOW
        )
    keyword = _keyword(body)
    if keyword in OPT_OUT_KEYWORDS | LOCAL_OPT_OUT_KEYWORDS:
        # Twilio blocks the number itself on its own keywords and sends the confirmation;
        # we stop queueing, and confirm the words Twilio does not know.
        if phone:
            await consent.record_for_phone(
                None, phone, False, source, detail=keyword, channel=channel
            )
        if keyword in LOCAL_OPT_OUT_KEYWORDS:
            return _twiml(_confirmation(customers, "sms_stopped"))
        return _twiml()
    if keyword in OPT_IN_KEYWORDS | LOCAL_OPT_IN_KEYWORDS:
        if phone:
            await consent.record_for_phone(
                None, phone, True, source, detail=keyword, channel=channel
            )
        if keyword in LOCAL_OPT_IN_KEYWORDS:
            return _twiml(_confirmation(customers, "sms_started"))
        return _twiml()
    if keyword in HELP_KEYWORDS:
        return _twiml(_help_reply(settings, customers))
    if customers and (reply := await _status_reply(settings, customers, body)):
        return _twiml(reply)
    return _twiml()


routes = [
    Route(STATUS_CALLBACK_PATH, status_callback, methods=["POST"]),
    Route(INBOUND_PATH, inbound_message, methods=["POST"]),
]
