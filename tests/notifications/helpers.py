"""Helpers for notification tests: settings, an SMTP sink handler, parcels, domain events."""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar

from aiosmtpd.controller import Controller
from tortoise.transactions import in_transaction

from portal import events
from portal.models import Customer, Merchant, Order, OutboxMessage, Shipment
from portal.settings import Settings
from tests import factories

SECRET = "notification-tests-secret-key-0123456789abcdef"


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "mode": "development",
        "secret_key": SECRET,
        "public_base_url": "https://portal.test",
        "mail_from": "Doorstep <no-reply@portal.test>",
    }
    values.update(overrides)
    return Settings(**values)


def released_after(when: datetime, quiet_end: datetime, window_minutes: int = 60) -> bool:
    """A message held by quiet hours leaves within the release window after they end."""
    return quiet_end <= when < quiet_end + timedelta(minutes=window_minutes)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SmtpSink:
    """An aiosmtpd handler that keeps what it receives and refuses chosen recipients."""

    port: int = 0
    received: list[tuple[Any, EmailMessage]] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    peers: list[Any] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        self.received.append((envelope, parsed))  # type: ignore[arg-type]
        self.peers.append(session.peer)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        return [message for _, message in self.received]


Sink = TypeVar("Sink", bound=SmtpSink)


@contextlib.contextmanager
def listening(sink: Sink, **options: Any) -> Iterator[Sink]:
    """``sink`` as a real SMTP server on 127.0.0.1, at its port, while the block runs
    (aiosmtpd's ``Controller``; ``options`` go to it, an authenticator say)."""
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port, **options)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


@dataclass
class Parcel:
    merchant: Merchant
    customer: Customer
    order: Order
    shipment: Shipment


async def parcel(
    *,
    merchant: dict[str, Any] | None = None,
    customer: dict[str, Any] | None = None,
    order: dict[str, Any] | None = None,
    shipment: dict[str, Any] | None = None,
) -> Parcel:
    """A merchant, a customer, their order and one outbound shipment."""
    shop = await factories.merchant(**(merchant or {}))
    buyer_fields = {"name": "Anna Nowak", "locale": "en", **(customer or {})}
    buyer = await factories.customer(shop, **buyer_fields)
    placed = await factories.order(shop, customer=buyer, **(order or {}))
    parcel_fields = {"tracking_number": f"1ZTEST{placed.id:012d}", **(shipment or {})}
    sent = await factories.shipment(shop, order=placed, **parcel_fields)
    return Parcel(shop, buyer, placed, sent)


async def emit_status(
    shipment: Shipment,
    new_status: str,
    *,
    old_status: str = "in_transit",
    reason: str | None = None,
    occurred_at: datetime | None = None,
    kind: str = events.SHIPMENT_STATUS_CHANGED,
    settings: Settings,
    **extra: Any,
) -> None:
    """Emit a shipment domain event the way the tracking engine does, in a transaction."""
    when = occurred_at or datetime.now(UTC)
    async with in_transaction() as conn:
        await events.emit(
            merchant_id=shipment.merchant_id,  # type: ignore[attr-defined]
            kind=kind,
            subject_type="shipment",
            subject_id=shipment.id,
            payload={
                "old_status": old_status,
                "new_status": new_status,
                "reason": reason,
                "tracking_number": shipment.tracking_number,
                "carrier_key": shipment.carrier_key,
                "occurred_at": when.isoformat(),
                **extra,
            },
            using_db=conn,
            occurred_at=when,
            settings=settings,
        )


FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "twilio"
ACCOUNT_SID = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
AUTH_TOKEN = "twilio-test-auth-token"
SERVICE_SID = "MGbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
TWILIO_BASE = "https://twilio.test"
MESSAGES_URL = f"{TWILIO_BASE}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


def twilio_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": AUTH_TOKEN,
        "twilio_messaging_service_sid": SERVICE_SID,
        "twilio_base_url": TWILIO_BASE,
    }
    values.update(overrides)
    return make_settings(**values)


def twilio_payload(name: str, **overrides: Any) -> dict[str, Any]:
    """A response body in Twilio's documented shape, from tests/fixtures/twilio/."""
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    data.update(overrides)
    return data


async def outbox_message(
    p: Parcel,
    *,
    channel: str = "email",
    trigger: str = "delivered",
    scheduled_for: datetime | None = None,
    **fields: Any,
) -> OutboxMessage:
    """A pending message for a parcel's customer, due now unless told otherwise."""
    recipient = p.customer.email if channel == "email" else p.customer.phone
    fields.setdefault("recipient", recipient or "")
    fields.setdefault("unique_key", f"shipment:{p.shipment.id}:{trigger}:{channel}")
    fields.setdefault("subject", "Your parcel has been delivered")
    fields.setdefault("body_text", "Hello,\n\nyour parcel has been delivered.")
    fields.setdefault("body_html", "<p>Hello,</p><p>your parcel has been delivered.</p>")
    return await OutboxMessage.create(
        merchant=p.merchant,
        customer=p.customer,
        shipment=p.shipment,
        channel=channel,
        trigger=trigger,
        scheduled_for=scheduled_for or datetime.now(UTC),
        **fields,
    )


def smtp_settings(sink: SmtpSink) -> Settings:
    """Settings that send e-mail to ``sink`` (an aiosmtpd controller on loopback)."""
    return make_settings(smtp_url=f"smtp://127.0.0.1:{sink.port}")


async def due_messages(p: Parcel, count: int, *, channel: str = "email") -> list[OutboxMessage]:
    """``count`` pending messages for a parcel's customer, due a second ago, each with its
    own trigger (so its own unique key), created one after another."""
    due = datetime.now(UTC) - timedelta(seconds=1)
    return [
        await outbox_message(p, channel=channel, trigger=f"t{n}", scheduled_for=due)
        for n in range(count)
    ]
