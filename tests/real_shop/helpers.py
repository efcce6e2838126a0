"""A shop that never loaded the demo: the outside world faked at HTTP, and the steps a shop
takes to set itself up, shared by the ``tests/test_real_shop_*.py`` scenarios.

Only the merchant, its owner and an API key come from factories, as a shop gets them at
sign-up; everything else goes through the workspace screens, the REST API and the
customer's pages. What is really outside is faked where it is outside:

- DHL's Unified Tracking API (``GET /track/shipments``) through respx, in its documented
  shape (https://developer.dhl.com/api-reference/shipment-tracking);
- Twilio's Messages API through respx, reached by the twilio library the portal uses, and
  Twilio's signed webhooks posted to the portal as Twilio posts them;
- e-mail to a real SMTP server (aiosmtpd);
- a browser's push service, a stub that decrypts what it receives with the browser's keys
  (RFC 8291) as the browser would.

The sweep and the dispatcher are the functions the worker and ``portal dispatch --once``
run. The fixtures are in this package's conftest.py.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import math
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import http_ece
import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02
from starlette.applications import Starlette
from twilio.request_validator import RequestValidator

from portal.core.links import read_tracking_link
from portal.models import MessageState, OutboxMessage, ReturnRequest, Role, Shipment
from portal.notifications.dispatcher import dispatch_once
from portal.notifications.webpush import generate_keys
from portal.tracking.sweep import sweep_until_idle
from tests import factories
from tests.admin.helpers import PASSWORD
from tests.api.conftest import api_client, make_key
from tests.conftest import client_for
from tests.notifications.helpers import SmtpSink, twilio_payload

ACCOUNT_SID = "AC" + "c" * 32
AUTH_TOKEN = "scenario-twilio-auth-token"
SERVICE_SID = "MG" + "d" * 32
WHATSAPP_SENDER = "+14155238886"
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
DHL_TRACK_URL = "https://api-eu.dhl.com/track/shipments"
DHL_API_KEY = "dhl-scenario-api-key"
PUBLIC_URL = "https://track.shop.test"
PUSH_SERVICE = "https://push.browser.test"
VAPID = generate_keys()

EMAIL = "ann@example.test"
PHONE = "+48601234567"
CET = timezone(timedelta(hours=1))


def dhl_number(first_nine: str) -> str:
    """A DHL Express waybill: nine digits and their value mod 7 as the check digit."""
    return first_nine + str(int(first_nine) % 7)


def place(country: str, postal_code: str, locality: str) -> dict[str, Any]:
    """A scan's ``location`` as DHL writes it."""
    return {
        "address": {"countryCode": country, "postalCode": postal_code, "addressLocality": locality}
    }


BONN = place("DE", "53113", "BONN - GERMANY")
LEIPZIG = place("DE", "04435", "LEIPZIG - GERMANY")
KRAKOW = place("PL", "31-147", "KRAKOW - POLAND")


# --- DHL Unified Tracking, faked at HTTP in its documented shape -----------------------


@dataclass
class FakeDhl:
    """The scans DHL knows per waybill, newest first, served as ``GET /track/shipments``.

    Scans are stamped when the test adds them (after the parcel is registered, whole
    seconds with an offset, as DHL writes them), so each poll returns the same history
    plus whatever happened since. ``eta`` is DHL's ``estimatedTimeOfDelivery`` per waybill.
    """

    scans: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    eta: dict[str, date] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def scan(self, number: str, code: str, status: str, location: dict[str, Any]) -> None:
        stamp = datetime.fromtimestamp(math.ceil(datetime.now(UTC).timestamp()), CET)
        known = self.scans.setdefault(number, [])
        if known:  # keep the history strictly ordered even within one second
            newest = datetime.fromisoformat(known[0]["timestamp"])
            stamp = max(stamp, newest + timedelta(seconds=1))
        event = {
            "timestamp": stamp.isoformat(),
            "location": location,
            "statusCode": code,
            "status": status,
            "description": f"{status} {location['address']['addressLocality']}",
        }
        known.insert(0, event)

    def payload(self, number: str) -> dict[str, Any]:
        events = self.scans[number]
        shipment: dict[str, Any] = {
            "id": number,
            "service": "express",
            "origin": BONN,
            "destination": KRAKOW,
            "status": events[0],
            "details": {
                "product": {"productName": "EXPRESS WORLDWIDE"},
                "totalNumberOfPieces": 1,
            },
            "events": events,
        }
        if number in self.eta:
            shipment["estimatedTimeOfDelivery"] = f"{self.eta[number].isoformat()}T18:00:00+01:00"
        if events[0]["statusCode"] == "delivered":
            shipment["details"]["proofOfDelivery"] = {
                "timestamp": events[0]["timestamp"],
                "signed": {"name": "A. NOWAK"},
            }
        return {
            "url": f"/shipments?trackingNumber={number}&offset=0&limit=5",
            "prevUrl": None,
            "nextUrl": None,
            "shipments": [shipment],
        }

    def answer(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["DHL-API-Key"] == DHL_API_KEY
        number = request.url.params["trackingNumber"]
        self.calls.append(number)
        if number not in self.scans:
            problem = {
                "title": "No result found",
                "status": 404,
                "detail": f"No shipment with the given tracking number {number}",
            }
            return httpx.Response(
                404, json=problem, headers={"content-type": "application/problem+json"}
            )
        return httpx.Response(200, json=self.payload(number))


# --- Twilio: the Messages API faked at HTTP, its webhooks posted as Twilio signs them --


@dataclass
class FakeTwilio:
    """Twilio's Messages API: a documented 201 per message, each with its own SID.

    SMS go from the messaging service with a ``Body``; WhatsApp messages from
    ``whatsapp:<sender>``, as an approved template (``ContentSid`` and
    ``ContentVariables``) or free text inside the customer's window.
    """

    sent: list[dict[str, str]] = field(default_factory=list)

    def answer(self, request: httpx.Request) -> httpx.Response:
        assert (
            request.headers["authorization"]
            == httpx.BasicAuth(ACCOUNT_SID, AUTH_TOKEN)._auth_header
        )
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        assert ("Body" in form) != ("ContentSid" in form), "free text or a template, not both"
        self.sent.append(form)
        sid = f"SM{len(self.sent):032x}"
        fixture = "message_created"
        overrides: dict[str, Any] = {"messaging_service_sid": SERVICE_SID}
        if form["To"].startswith("whatsapp:"):
            fixture, overrides = "whatsapp_message_created", {"from": form["From"]}
        body = twilio_payload(
            fixture,
            sid=sid,
            account_sid=ACCOUNT_SID,
            to=form["To"],
            body=form.get("Body", ""),
            uri=f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
            **overrides,
        )
        return httpx.Response(201, json=body)

    def texts(self) -> list[dict[str, str]]:
        return [f for f in self.sent if not f["To"].startswith("whatsapp:")]

    def whatsapp(self) -> list[dict[str, str]]:
        return [f for f in self.sent if f["To"].startswith("whatsapp:")]


async def twilio_inbound(
    client: httpx.AsyncClient, body: str, *, sender: str = PHONE, whatsapp: bool = False
) -> httpx.Response:
    """A customer's reply as Twilio posts it to the inbound webhook, signed with our token
    (https://www.twilio.com/docs/messaging/guides/webhook-request)."""
    address = f"whatsapp:{sender}" if whatsapp else sender
    to = f"whatsapp:{WHATSAPP_SENDER}" if whatsapp else "+48500100200"
    params = {
        "MessageSid": "SM" + os.urandom(16).hex(),
        "AccountSid": ACCOUNT_SID,
        "From": address,
        "To": to,
        "Body": body,
        "NumMedia": "0",
    }
    if whatsapp:
        params.update(ProfileName="Ann", WaId=sender.removeprefix("+"))
    path = "/webhooks/twilio/inbound"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(f"{PUBLIC_URL}{path}", params)
    return await client.post(path, data=params, headers={"X-Twilio-Signature": signature})


# --- a browser and its push service --------------------------------------------------------


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class Browser:
    """A browser's side of a push subscription: its key pair, auth secret and endpoint."""

    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    endpoint: str

    @classmethod
    def new(cls) -> Browser:
        endpoint = f"{PUSH_SERVICE}/wpush/v2/{os.urandom(8).hex()}"
        return cls(ec.generate_private_key(ec.SECP256R1()), os.urandom(16), endpoint)

    def subscription(self) -> dict[str, Any]:
        """``PushSubscription.toJSON()`` as the page's script posts it."""
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": _b64(point), "auth": _b64(self.auth)},
        }

    def decrypt(self, body: bytes) -> dict[str, Any]:
        plain = http_ece.decrypt(
            body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm"
        )
        decoded: dict[str, Any] = json.loads(plain)
        return decoded


@dataclass
class PushService:
    """The browser vendor's push service: takes ``aes128gcm`` bodies signed with VAPID."""

    received: list[httpx.Request] = field(default_factory=list)

    def answer(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["Content-Encoding"] == "aes128gcm"
        assert Vapid02.verify(request.headers["Authorization"]), "signed with the shop's key"
        self.received.append(request)
        return httpx.Response(201, headers={"Location": f"{request.url}/m/{len(self.received)}"})


@dataclass
class Outside:
    dhl: FakeDhl
    twilio: FakeTwilio
    push: PushService


# --- signing up: the ``portal`` command, as an operator runs it -------------------------


@dataclass(frozen=True)
class SignedUp:
    """What an operator hands a new shop: its owner's sign-in and an API key."""

    slug: str
    owner_email: str
    owner_password: str
    api_key: str
    #: What ``portal merchant create`` printed (the zone and language it chose, say).
    merchant_said: str = ""


async def portal_run(
    database_url: str, var_dir: Path, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``portal <args>`` against the test database in its own process (``stdin``
    typed into it); what it did."""
    environment = {
        **os.environ,
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_VAR_DIR": str(var_dir),
        "PORTAL_SECRET_KEY": "t" * 40,
        "PORTAL_LOG_LEVEL": "WARNING",
    }
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "portal.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        input=stdin,
    )


async def portal_command(
    database_url: str, var_dir: Path, *args: str, stdin: str | None = None
) -> str:
    """Run ``portal <args>`` against the test database in its own process; its output."""
    done = await portal_run(database_url, var_dir, *args, stdin=stdin)
    assert done.returncode == 0, (args, done.stderr)
    return done.stdout


async def sign_up(
    app: Starlette,
    slug: str,
    name: str,
    *,
    country: str = "",
    locale: str = "",
    time_zone: str = "Europe/Warsaw",
    password: str = "a long enough password",
) -> SignedUp:
    """``portal merchant create``, ``portal user create --role owner`` and ``portal apikey
    create``: a shop as the operator sets it up, nothing from factories. An empty
    ``country``, ``locale`` or ``time_zone`` is left out of ``merchant create``, which then
    chooses (the zone and language from the country: what it chose is ``merchant_said``)."""
    settings = app.state.settings
    url, var_dir = settings.database_url, Path(settings.var_dir)
    made = await portal_command(url, var_dir, "merchant", "create", "--slug", slug,
                                "--name", name,
                                *(["--time-zone", time_zone] if time_zone else []),
                                *(["--country", country] if country else []),
                                *(["--locale", locale] if locale else []))  # fmt: skip
    email = f"owner@{slug}.test"
    await portal_command(url, var_dir, "user", "create", "--merchant", slug, "--email", email,
                         "--password", password, "--role", "owner")  # fmt: skip
    printed = await portal_command(url, var_dir, "apikey", "create", "--merchant", slug,
                                   "--name", "checkout")  # fmt: skip
    return SignedUp(slug, email, password, printed.strip().splitlines()[-1], made)


async def sign_in_as(staff: httpx.AsyncClient, email: str, password: str) -> str:
    """The workspace's sign-in form; returns the session's CSRF token."""
    page = await staff.get("/admin/login")
    signed = await staff.post(
        "/admin/login",
        data={"email": email, "password": password, "csrf_token": csrf_in(page.text)},
    )
    assert signed.status_code == 303, signed.text
    return csrf_in((await staff.get("/admin/account")).text)


@dataclass(frozen=True)
class Opened:
    """A signed-up shop at work: its owner signed in (``token``: the session's CSRF
    token), a customer's browser and the shop's checkout on the API."""

    staff: httpx.AsyncClient
    customer: httpx.AsyncClient
    api: httpx.AsyncClient
    token: str


@contextlib.asynccontextmanager
async def open_with_dhl(app: Starlette, shop: SignedUp) -> AsyncIterator[Opened]:
    """The owner signs in and connects the shop's DHL account in the workspace (a shop
    without the workspace uses ``/api/v1/carrier-accounts``: test_api_only_carriers.py);
    a customer and the API come along."""
    async with (
        client_for(app) as staff,
        client_for(app) as customer,
        api_client(app, shop.api_key) as api,
    ):
        token = await sign_in_as(staff, shop.owner_email, shop.owner_password)
        await add_dhl_account(staff, token)
        yield Opened(staff, customer, api, token)


async def acme_signed_up() -> SignedUp:
    """Acme Wear (Europe/Warsaw) as sign-up leaves it, its merchant, owner and API key made
    by factories: quicker than three ``portal`` commands, for the scenarios about what
    comes after."""
    merchant = await factories.merchant(slug="acme", name="Acme Wear", time_zone="Europe/Warsaw")
    owner = await factories.staff_user(merchant, role=Role.OWNER, password=PASSWORD)
    return SignedUp(merchant.slug, owner.email, PASSWORD, await make_key(merchant))


# --- steps -----------------------------------------------------------------------------


async def worker_pass(
    app: Starlette, http: httpx.AsyncClient, *, now: datetime | None = None
) -> None:
    """What the worker does: poll what is due (at ``now``), then send what is due."""
    settings = app.state.settings
    await sweep_until_idle(settings, client=http, now=now)
    await drain_outbox(app, http, now=now)


async def drain_outbox(
    app: Starlette, http: httpx.AsyncClient, *, now: datetime | None = None
) -> None:
    """``portal dispatch --once`` (at ``now``) until nothing is due."""
    settings = app.state.settings
    for _ in range(10):  # one pass sends up to 100; a retry waits out its backoff
        if not (await dispatch_once(settings, http_client=http, now=now)).claimed:
            return
    raise AssertionError("the outbox never drained")


async def poll_when_due(app: Starlette, http: httpx.AsyncClient, shipment_id: int) -> None:
    """Let the clock reach the parcel's next poll, and run the worker then.

    The parcel must have been asked about and its answer stored: a walk that goes on after
    a poll the sweep gave back, or whose answer it could not store, would fail later on
    stale news with nothing to say why; this says what the sweep did instead.
    """
    shipment = await Shipment.get(id=shipment_id)
    assert shipment.next_poll_at is not None, "a travelling parcel stays scheduled"
    due = max(shipment.next_poll_at, datetime.now(UTC))
    report = await sweep_until_idle(app.state.settings, client=http, now=due)
    polled = await Shipment.get(id=shipment_id)
    assert polled.last_polled_at is not None and polled.last_polled_at >= due, (
        f"{polled.tracking_number} was not polled at {due.isoformat()}: sweep {report}; "
        f"last polled {polled.last_polled_at}, next poll {polled.next_poll_at}, "
        f"failures {polled.poll_failures}, last error {polled.last_error!r}"
    )
    await drain_outbox(app, http, now=due)


async def add_dhl_account(staff: httpx.AsyncClient, token: str) -> None:
    """The owner connects the shop's DHL account in the workspace."""
    carrier = await staff.post(
        "/admin/carriers/new?carrier=dhl",
        data={"carrier": "dhl", "name": "DHL Express", "cred_api_key": DHL_API_KEY,
              "cred_webhook_secret": "", "base_url_override": "", "csrf_token": token},
    )  # fmt: skip
    assert carrier.status_code == 303, carrier.text


async def save_settings(
    staff: httpx.AsyncClient,
    token: str,
    *,
    rules: dict[str, list[str]] | None = None,
    offer: list[str] | None = None,
    quiet: list[str] | None = None,
) -> None:
    """The settings screen posted as a browser posts it: what it shows, with ``rules``
    (trigger -> channels) changed, ``offer`` the offered channels in order, ``quiet`` the
    channels held in quiet hours; no quiet hours (this shop texts around the clock)."""
    page = await staff.get("/admin/settings")
    values = page.context["values"]  # type: ignore[attr-defined]
    shown = {trigger: list(channels) for trigger, channels in values["notification_rules"].items()}
    shown.update(rules or {})
    form: dict[str, Any] = {
        key: str(value)
        for key, value in values.items()
        if key not in ("notification_rules", "channel_order", "quiet_hours_channels")
    }
    form.update(quiet_hours_start="00:00", quiet_hours_end="00:00", csrf_token=token)
    form.update({f"rule_{t}_{c}": "1" for t, channels in shown.items() for c in channels})
    form["channels_form"] = "1"
    offered = offer if offer is not None else values["channel_order"]
    form.update({f"offer_{c}": "1" for c in offered})
    form.update({f"rank_{c}": str(rank) for rank, c in enumerate(offered, start=1)})
    held = quiet if quiet is not None else values["quiet_hours_channels"]
    form.update({f"quiet_{c}": "1" for c in held})
    saved = await staff.post("/admin/settings", data=form)
    assert saved.status_code == 303, saved.text


async def place_order(
    api: httpx.AsyncClient, number: str, *, whatsapp: bool = False, **customer: Any
) -> None:
    """The shop's checkout sends an order for one tee to Kraków."""
    person = {"email": EMAIL, "phone": "+48 601 234 567", "name": "Ann Nowak",
              "email_consent": True, "sms_consent": True, **customer}  # fmt: skip
    if whatsapp:
        person["whatsapp_consent"] = True
    order = await api.post(
        "/api/v1/orders",
        json={
            "number": number,
            "currency": "EUR",
            "customer": person,
            "shipping_address": {"name": "Ann Nowak", "line1": "ul. Długa 5",
                                 "city": "Kraków", "postal_code": "31-147", "country": "PL"},
            "items": [{"sku": "TEE-M", "title": "Tee", "quantity": 1, "unit_price": "29.00"}],
        },
    )  # fmt: skip
    assert order.status_code == 201, order.text


async def book_parcel(api: httpx.AsyncClient, number: str, order_number: str) -> int:
    """The shop registers the DHL waybill of the order's parcel; returns its id."""
    parcel = await api.post(
        "/api/v1/shipments",
        json={"tracking_number": number, "carrier": "dhl", "order_number": order_number},
    )
    assert parcel.status_code == 201, parcel.text
    return int(parcel.json()["id"])


def tracking_link_in(text: str) -> str:
    """The path of the signed tracking link a message carries (``/t/<token>``)."""
    found = re.search(rf"{re.escape(PUBLIC_URL)}(/t/[A-Za-z0-9._~-]+)", text)
    assert found, f"a signed tracking link in {text!r}"
    return found.group(1)


def parcel_behind(app: Starlette, url: str) -> int | None:
    """The parcel a signed tracking link (full URL, or its path) opens, if any."""
    found = re.search(r"/t/([A-Za-z0-9._~-]+)", url)
    if found is None:
        return None
    return read_tracking_link(app.state.settings, found.group(1), None)


def csrf_in(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page carries the session's CSRF token"
    return found.group(1)


async def sent_messages() -> list[tuple[str, str, str]]:
    """(family, channel, trigger) of every message the outbox sent, oldest first."""
    rows = await OutboxMessage.filter(state=MessageState.SENT).order_by("id")
    return [(row.unique_key.split(":")[0], str(row.channel), row.trigger) for row in rows]


def plain_text(message: EmailMessage) -> str:
    """The plain-text part of an e-mail the SMTP sink received."""
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())  # type: ignore[attr-defined]


#: The analytics screen's sections, each with its tables and headline figures.
ANALYTICS_SECTIONS = (
    "/admin/analytics",
    "/admin/analytics/delivery",
    "/admin/analytics/satisfaction",
)


async def analytics(staff: httpx.AsyncClient, first: date, last: date) -> dict[str, Any]:
    """Every table and headline figure of the analytics sections, as the screen has them."""
    shown: dict[str, Any] = {}
    for path in ANALYTICS_SECTIONS:
        page = await staff.get(path, params={"from": first.isoformat(), "to": last.isoformat()})
        assert page.status_code == 200, page.text
        context = page.context  # type: ignore[attr-defined]
        shown.update({table.key: table.export() for table in context["tables"]})
        shown.update({f.label: (f.value, f.detail) for f in context["figures"]})
    return shown


async def add_tested_carrier(
    api: httpx.AsyncClient, carrier: str, name: str, credentials: dict[str, str]
) -> dict[str, Any]:
    """docs/api.md, "Carrier accounts": the shop adds an account over the REST API and
    tests the connection, which must answer ``ok``; the account as the API shows it."""
    made = await api.post(
        "/api/v1/carrier-accounts",
        json={"carrier": carrier, "name": name, "credentials": credentials},
    )
    assert made.status_code == 201, made.text
    account: dict[str, Any] = made.json()
    tested = await api.post(f"/api/v1/carrier-accounts/{account['id']}/test")
    assert tested.status_code == 200, tested.text
    assert tested.json()["outcome"] == "ok", (carrier, tested.json())
    return account


def mails_to(sink: SmtpSink, address: str) -> list[EmailMessage]:
    """The e-mails the SMTP sink received for ``address``, oldest first."""
    return [m for m in sink.messages if address in str(m["To"])]


def preferences_path_in(text: str) -> str:
    """The path of the preferences link (``/unsubscribe/<token>``) an e-mail carries,
    without the punctuation a plain-text line may put after it."""
    found = re.search(r"https?://\S+/unsubscribe/\S+", text)
    assert found, f"a link to the preferences page in {text!r}"
    return httpx.URL(found.group(0).rstrip(">).")).path


async def opt_in_on_preferences_page(
    customer: httpx.AsyncClient,
    email_text: str,
    lang: str,
) -> httpx.Response:
    """The customer follows the preferences link in ``email_text``, finds the page in her
    language ``lang`` (``<html lang=…>``) and saves it with e-mail and texts ticked: how a
    walk's customer agrees to texts. The saved page."""
    path = preferences_path_in(email_text)
    form = await customer.get(path)
    assert form.status_code == 200 and f'<html lang="{lang}"' in form.text, form.text[:300]
    chosen = {"form": "preferences", "email_opt_in": "1", "sms_opt_in": "1"}
    saved = await customer.post(path, data=chosen)
    assert saved.status_code == 200, saved.text
    return saved


async def receive_inspect_resolve(
    staff: httpx.AsyncClient, token: str, refund: ReturnRequest
) -> str:
    """The owner works a one-item return on its screen: receives the parcel, inspects the
    item (as new) and resolves the return, each step a form post answered with a redirect;
    the screen's path."""
    path = f"/admin/returns/{refund.id}"
    [returned] = await refund.items.all()
    steps = [("receive", {}), ("inspect", {f"condition_{returned.id}": "as_new"}),
             ("resolve", {})]  # fmt: skip
    for step, data in steps:
        stepped = await staff.post(f"{path}/{step}", data={"csrf_token": token, **data})
        assert stepped.status_code == 303, (step, stepped.text)
    return path


#: Settings a walk's shop shares: texts for the pickup point and the delivery besides the
#: e-mails, and no quiet hours (the walks' shops text around the clock).
TEXTS_AROUND_THE_CLOCK: dict[str, Any] = {
    "quiet_hours_start": "00:00",
    "quiet_hours_end": "00:00",
    "notification_rules": {"ready_for_pickup": ["email", "sms"], "delivered": ["email", "sms"]},
}


async def configure_shop(
    api: httpx.AsyncClient,
    *,
    settings: dict[str, Any],
    policy: dict[str, Any],
    reasons: dict[str, dict[str, str]],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """docs/api.md, "Settings", "Return reasons" and "Return policy": a new shop sets itself
    up over the REST API, as every walk does with its own values. ``reasons`` maps each
    code to its labels by language, created in that order; the policy is the shop's
    first (201). The settings and the policy as the API answers them; each call's
    failure names the call."""
    patched = await api.patch("/api/v1/settings", json=settings)
    assert patched.status_code == 200, ("PATCH /api/v1/settings", patched.text)
    for code, labels in reasons.items():
        made = await api.post("/api/v1/return-reasons", json={"code": code, "labels": labels})
        assert made.status_code == 201, ("POST /api/v1/return-reasons", code, made.text)
    answered = await api.patch("/api/v1/return-policy", json=policy)
    assert answered.status_code == 201, ("PATCH /api/v1/return-policy", answered.text)
    shown: dict[str, Any] = patched.json()
    first: dict[str, Any] = answered.json()
    return shown, first
