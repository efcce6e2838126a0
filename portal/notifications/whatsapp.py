"""WhatsApp through Twilio's Messages API: approved templates, free text inside the window.

WhatsApp lets a business start a conversation only with a template WhatsApp approved;
Twilio names each approved template by a Content SID (``HX…``) and fills its ``{{1}}``,
``{{2}}``… from ``ContentVariables`` (https://www.twilio.com/docs/content/send-templates-created-with-the-content-template-builder).
Inside the 24-hour window that opens when the customer writes to the shop, free text is
allowed (https://www.twilio.com/docs/whatsapp/key-concepts#the-24-hour-window-or-24-hour-customer-service-window).

The composer decides which of the two a message is and stores it in the outbox row's
``payload`` (``content_sid`` and ``variables``) or ``body_text``; this channel only sends
what the row says, from ``whatsapp:<sender>`` to ``whatsapp:<customer>``. Delivery
receipts come back through the same Twilio status callback as SMS.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
from twilio.base.exceptions import TwilioRestException, TwilioServiceException

from portal.core.phones import to_e164
from portal.models import OutboxMessage
from portal.notifications.base import DeliveryError, Sent
from portal.notifications.sms import INVALID_NUMBER, STATUS_CALLBACK_PATH, SmsChannel, _classify
from portal.settings import Settings

PREFIX = "whatsapp:"
#: Twilio error codes for WhatsApp (https://www.twilio.com/docs/api/errors): free text
#: outside the 24-hour window, and a recipient who is not on WhatsApp.
OUTSIDE_WINDOW = 63016
NOT_ON_WHATSAPP = 63003
PERMANENT_CODES = frozenset({OUTSIDE_WINDOW, NOT_ON_WHATSAPP})
#: The longest free-text WhatsApp body Twilio accepts.
MAX_BODY = 1600


def whatsapp_configured(settings: Settings) -> bool:
    return bool(
        settings.twilio_account_sid
        and settings.twilio_auth_token
        and (settings.twilio_whatsapp_from or settings.twilio_messaging_service_sid)
    )


def address(phone: str) -> str:
    """``whatsapp:+48…`` for an E.164 number (idempotent)."""
    return phone if phone.startswith(PREFIX) else f"{PREFIX}{phone}"


def strip_address(value: str | None) -> str | None:
    """The phone number inside a ``whatsapp:`` address (or the value as it is)."""
    if value is None:
        return None
    return value.removeprefix(PREFIX)


def template_payload(
    content_sid: str, variable_names: Sequence[str], context: Mapping[str, Any]
) -> dict[str, Any]:
    """The payload of a template message: ``{{1}}`` is the first named variable, and so on.

    A variable the message does not know, or knows as empty, is sent as "-": WhatsApp
    refuses a template whose variable is empty.
    """
    variables: dict[str, str] = {}
    for index, name in enumerate(variable_names, start=1):
        value = _lookup(context, name)
        variables[str(index)] = str(value) if value not in (None, "") else "-"
    return {"content_sid": content_sid, "variables": variables}


def _lookup(context: Mapping[str, Any], dotted: str) -> Any:
    value: Any = context
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, Mapping) else getattr(value, part, None)
        if value is None:
            return None
    return value


class WhatsAppChannel(SmsChannel):
    """Sends WhatsApp messages through the same Twilio client as SMS."""

    def __init__(self, settings: Settings, http_client: httpx.AsyncClient | None = None) -> None:
        if not whatsapp_configured(settings):
            raise DeliveryError("Twilio WhatsApp is not configured", permanent=False)
        super().__init__(settings, http_client)

    async def send(self, message: OutboxMessage) -> Sent:
        to = to_e164(strip_address(message.recipient))
        if to is None:
            raise DeliveryError(
                f"not a valid phone number: {message.recipient!r}",
                permanent=True,
                code=INVALID_NUMBER,
            )
        payload = message.payload or {}
        content: dict[str, Any]
        if payload.get("content_sid"):
            content = {
                "content_sid": payload["content_sid"],
                "content_variables": json.dumps(payload.get("variables") or {}),
            }
        else:
            content = {"body": message.body_text[:MAX_BODY]}
        sender: dict[str, Any] = (
            {"from_": address(self.settings.twilio_whatsapp_from)}
            if self.settings.twilio_whatsapp_from
            else {"messaging_service_sid": self.settings.twilio_messaging_service_sid}
        )
        try:
            created = await self.client.messages.create_async(
                to=address(to),
                status_callback=f"{self.settings.public_base_url}{STATUS_CALLBACK_PATH}",
                **sender,
                **content,
            )
        except (TwilioRestException, TwilioServiceException) as exc:
            error = _classify(exc)
            if error.code in PERMANENT_CODES:
                error.permanent = True
            raise error from exc
        except httpx.TimeoutException as exc:
            raise DeliveryError(f"twilio timed out: {exc!r}", permanent=False) from exc
        except httpx.TransportError as exc:
            raise DeliveryError(f"twilio unreachable: {exc!r}", permanent=False) from exc
        if not created.sid:
            raise DeliveryError("twilio accepted the request without a message sid")
        return Sent(provider_id=str(created.sid), status=str(created.status or "queued"))
