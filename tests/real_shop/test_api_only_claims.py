"""A shop whose helpdesk lives outside Doorstep works its customers' claims through the REST
API: the ``claim.*`` webhooks open a ticket, the API lists and reads the claim, and the
helpdesk sends a replacement, which Doorstep tracks and tells the customer about.

The shop is made with ``portal merchant create``, ``portal user create`` and ``portal
apikey create`` on an empty database (no demo); its carrier account, order, parcel and
webhook endpoint go through ``/api/v1``. The customer reports the parcel from the link in
Doorstep's own e-mail, on the tracking page, as a real customer would. DHL is faked with
respx at its real address in its documented shape
(https://developer.dhl.com/api-reference/shipment-tracking;
:class:`tests.real_shop.helpers.FakeDhl`); the helpdesk's receiver is faked at its address
and checks each delivery's signature as docs/api.md tells a receiver to; e-mail goes to a
real SMTP server (aiosmtpd).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
import respx
from starlette.applications import Starlette

from portal.webhooks_out import sender
from portal.webhooks_out.signing import verify_signature
from tests import factories
from tests.api.conftest import api_client, make_key
from tests.conftest import client_for
from tests.notifications.helpers import SmtpSink
from tests.real_shop.helpers import (
    DHL_API_KEY,
    EMAIL,
    KRAKOW,
    LEIPZIG,
    Outside,
    book_parcel,
    csrf_in,
    dhl_number,
    drain_outbox,
    parcel_behind,
    place_order,
    poll_when_due,
    sign_up,
    tracking_link_in,
)

pytestmark = pytest.mark.slow  # several `portal` processes

HELPDESK = "https://helpdesk.lamps.test/hooks/doorstep"
ORDER = "LH-1001"
PARCEL = dhl_number("340434201")
REPLACEMENT = dhl_number("340434202")


@dataclass
class Helpdesk:
    """The shop's helpdesk receiver: checks the signature with the endpoint's secret (set
    once the endpoint is registered) and keeps what it accepted."""

    secret: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)

    def answer(self, request: httpx.Request) -> httpx.Response:
        signed = request.headers.get("Doorstep-Signature")
        if not verify_signature(self.secret, signed, request.content, datetime.now(UTC)):
            return httpx.Response(400, text="bad signature")
        self.received.append(json.loads(request.content))
        return httpx.Response(200, json={"ticket": len(self.received)})

    def topics(self) -> list[str]:
        return [payload["topic"] for payload in self.received]

    def claim(self, topic: str) -> dict[str, Any]:
        (payload,) = [p for p in self.received if p["topic"] == topic]
        return dict(payload["data"]["claim"])


def _text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


async def test_a_helpdesk_reships_a_claim_through_the_api(
    shop_app: Starlette, outside: Outside, http: httpx.AsyncClient, smtp_sink: SmtpSink
) -> None:
    shop = await sign_up(shop_app, "lamps", "Lamp House")
    rival = await factories.merchant(slug="rival-lamps", name="Rival Lamps")
    helpdesk = Helpdesk()
    settings = shop_app.state.settings

    with respx.mock(assert_all_called=False) as receiver:
        receiver.post(HELPDESK).mock(side_effect=helpdesk.answer)
        async with api_client(shop_app, shop.api_key) as api, client_for(shop_app) as customer:
            connected = await api.post(
                "/api/v1/carrier-accounts",
                json={"carrier": "dhl", "name": "DHL", "credentials": {"api_key": DHL_API_KEY}},
            )
            assert connected.status_code == 201, connected.text
            hooked = await api.post(
                "/api/v1/webhook-endpoints", json={"url": HELPDESK, "topics": ["claim.*"]}
            )
            assert hooked.status_code == 201, hooked.text
            helpdesk.secret = hooked.json()["secret"]

            # The order ships and DHL marks it delivered; the customer is told by e-mail.
            await place_order(api, ORDER, sms_consent=False)
            parcel_id = await book_parcel(api, PARCEL, ORDER)
            outside.dhl.scan(PARCEL, "transit", "Processed", LEIPZIG)
            outside.dhl.scan(PARCEL, "delivered", "Delivered", KRAKOW)
            await poll_when_due(shop_app, http, parcel_id)
            # (DHL's scans are stamped a second or two ahead: the message is due then.)
            await drain_outbox(shop_app, http, now=datetime.now(UTC) + timedelta(minutes=1))
            assert smtp_sink.messages, "the customer was told about the parcel"
            link = tracking_link_in(_text(smtp_sink.messages[-1]))
            assert parcel_behind(shop_app, link) == parcel_id

            # It never reached her: she reports it from the link, as the page asks.
            page = await customer.get(f"{link}/problem")
            assert page.status_code == 200, page.text
            (item,) = re.findall(r'name="(quantity-\d+)"', page.text)
            reported = await customer.post(
                f"{link}/problem",
                data={"csrf_token": csrf_in(page.text), "kind": "not_received",
                      item: "1", "statement": "yes",
                      "description": "Marked delivered, but nothing came; the neighbours "
                                     "have nothing either."},
            )  # fmt: skip
            assert reported.status_code == 200, reported.text

            # The helpdesk hears of it and finds it among the open claims.
            await sender.deliver_once(settings, client=http)
            assert helpdesk.topics() == ["claim.submitted"]
            opened = (await api.get("/api/v1/claims", params={"open": "true"})).json()
            (claim,) = opened["data"]
            number = claim["number"]
            assert claim == helpdesk.claim("claim.submitted")
            assert (claim["kind"], claim["state"], claim["order_number"]) == (
                "not_received",
                "submitted",
                ORDER,
            )
            assert claim["not_received_statement"] is True
            assert claim["parcel"]["tracking_number"] == PARCEL
            assert claim["parcel"]["status"] == "delivered"
            assert claim["declared_value"] == "29.00"

            # It reviews the claim and sends a replacement; a retry with the same key
            # is the same answer, not a second parcel.
            reviewed = await api.post(f"/api/v1/claims/{number}/actions/review", json={})
            assert reviewed.status_code == 200, reviewed.text
            reship = {"tracking_number": REPLACEMENT, "carrier": "dhl"}
            key = {"Idempotency-Key": f"ticket-{number}-reship"}
            sent = await api.post(
                f"/api/v1/claims/{number}/actions/reship", json=reship, headers=key
            )
            assert sent.status_code == 200, sent.text
            again = await api.post(
                f"/api/v1/claims/{number}/actions/reship", json=reship, headers=key
            )
            assert again.headers["Idempotent-Replayed"] == "true"
            assert sent.json()["state"] == "reshipped"
            assert sent.json()["resolution"]["replacement_tracking_number"] == REPLACEMENT
            refund = await api.post(
                f"/api/v1/claims/{number}/actions/refund", json={"amount": "29.00"}
            )
            assert (refund.status_code, refund.json()["state"]) == (409, "reshipped")

            # The replacement is a shipment like any other, and DHL's scans reach it.
            found = await api.get("/api/v1/shipments", params={"tracking_number": REPLACEMENT})
            (replacement,) = found.json()["data"]
            assert replacement["order_number"] == f"{ORDER}-{number}"
            outside.dhl.scan(REPLACEMENT, "transit", "Processed", LEIPZIG)
            await poll_when_due(shop_app, http, replacement["id"])
            tracked = (await api.get(f"/api/v1/shipments/{replacement['id']}")).json()
            assert tracked["status"] == "in_transit", tracked
            scans = (await api.get(f"/api/v1/shipments/{replacement['id']}/events")).json()
            assert [s["status"] for s in scans["data"]] == ["in_transit"]

            # The helpdesk's ticket follows each step; the reship carries the claim as the
            # API reads it.
            await sender.deliver_once(settings, client=http)
            assert helpdesk.topics() == ["claim.submitted", "claim.in_review", "claim.reshipped"]
            now = (await api.get(f"/api/v1/claims/{number}")).json()
            assert helpdesk.claim("claim.reshipped") == now

        # The customer read each step by e-mail; the replacement's link opens its tracking.
        await drain_outbox(shop_app, http, now=datetime.now(UTC) + timedelta(minutes=1))
        about = [m for m in smtp_sink.messages if number in str(m["Subject"])]
        assert len(about) == 3, [str(m["Subject"]) for m in smtp_sink.messages]
        assert all(EMAIL in str(m["To"]) for m in about)
        last = _text(about[-1])
        assert REPLACEMENT in last
        assert parcel_behind(shop_app, tracking_link_in(last)) == replacement["id"]

    # Another shop's key sees none of it.
    async with api_client(shop_app, await make_key(rival)) as theirs:
        assert (await theirs.get("/api/v1/claims")).json() == {"data": [], "next_cursor": None}
        assert (await theirs.get(f"/api/v1/claims/{number}")).status_code == 404
        rejected = await theirs.post(
            f"/api/v1/claims/{number}/actions/reject", json={"reason": "Not ours"}
        )
        assert rejected.status_code == 404
