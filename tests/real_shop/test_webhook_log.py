"""A shop's webhook receiver is down for a day: its systems (the REST API) and its owner
(the workspace) find the failed delivery in the endpoint's log, with the receiver's
status, the attempts made and the start of its answer, and resend it once the receiver
is back. Another shop's endpoint and deliveries stay out of reach.

The shop is made with ``portal merchant create``, ``portal user create`` and ``portal
apikey create`` on an empty database (``sign_up``); the endpoint is registered through
``POST /api/v1/webhook-endpoints``, and the delivery comes from a real event: the shop
changes an order's delivery preferences through the API. The receiver is the shop's own
server, faked with respx at its address; what it may answer and how Doorstep retries is
Doorstep's published contract (docs/api.md, "Answering, retries and failures": any 2xx
within 10 seconds is success, anything else is retried, 8 attempts in all). The sender
is the function the worker's webhook job runs, its clock moved on half a day a pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import respx
from starlette.applications import Starlette

from portal.models import WebhookDelivery, WebhookEndpoint
from portal.webhooks_out import admin, sender
from tests import factories
from tests.api.conftest import api_client
from tests.conftest import client_for
from tests.real_shop.helpers import csrf_in, sign_in_as, sign_up

RECEIVER = "https://erp.acme.test/doorstep"
TOPIC = "order.delivery_preferences_changed"


@dataclass
class ShopServer:
    """The shop's receiver: down (503 with a note) until ``up``, then ``204``."""

    up: bool = False
    event_ids: list[str] = field(default_factory=list)

    def answer(self, request: httpx.Request) -> httpx.Response:
        self.event_ids.append(request.headers["Doorstep-Event-Id"])
        if self.up:
            return httpx.Response(204)
        return httpx.Response(503, text="maintenance until 06:00")


async def _a_delivery_that_failed(
    app: Starlette, api: httpx.AsyncClient, server: ShopServer
) -> int:
    """Register the endpoint, cause one event, let the sender try for four days; the
    endpoint's id."""
    created = await api.post("/api/v1/webhook-endpoints", json={"url": RECEIVER, "topics": [TOPIC]})
    assert created.status_code == 201, created.text
    order = {
        "number": "A-1001",
        "currency": "EUR",
        "items": [{"sku": "TEE-M", "title": "Tee", "quantity": 1, "unit_price": "29.00"}],
    }
    assert (await api.post("/api/v1/orders", json=order)).status_code == 201
    changed = await api.put(
        "/api/v1/orders/A-1001/delivery-preferences", json={"safe_place": "Behind the gate"}
    )
    assert changed.status_code == 200
    start = datetime.now(UTC)
    async with httpx.AsyncClient() as http:
        for n in range(sender.MAX_ATTEMPTS):
            await sender.deliver_once(
                app.state.settings, client=http, now=start + timedelta(hours=13 * n)
            )
    assert len(server.event_ids) == sender.MAX_ATTEMPTS
    return int(created.json()["id"])


async def test_the_shops_systems_see_the_failed_delivery_and_resend_it(shop_app: Starlette) -> None:
    shop = await sign_up(shop_app, "acme", "Acme Wear")
    server = ShopServer()
    with respx.mock(assert_all_called=False) as mock:
        mock.post(RECEIVER).mock(side_effect=server.answer)
        async with api_client(shop_app, shop.api_key) as api:
            endpoint_id = await _a_delivery_that_failed(shop_app, api, server)
            log = f"/api/v1/webhook-endpoints/{endpoint_id}/deliveries"

            failed = (await api.get(log, params={"state": "failed"})).json()
            [row] = failed["data"]
            assert failed["next_cursor"] is None
            assert row["topic"] == TOPIC and row["state"] == "failed"
            assert row["attempts"] == sender.MAX_ATTEMPTS
            assert row["response_status"] == 503
            assert row["response_excerpt"] == "maintenance until 06:00"
            assert row["next_attempt_at"] is None and row["delivered_at"] is None
            assert row["event_id"] == server.event_ids[0]
            detail = (await api.get(f"{log}/{row['id']}")).json()
            assert detail["payload"]["topic"] == TOPIC
            assert detail["payload"]["data"]["new"]["safe_place"] == "Behind the gate"

            server.up = True
            resent = await api.post(f"{log}/{row['id']}/resend")
            assert resent.status_code == 201
            copy = resent.json()
            assert resent.headers["location"] == f"{log}/{copy['id']}"
            assert (copy["state"], copy["attempts"], copy["event_id"]) == (
                "pending",
                0,
                row["event_id"],
            )
            # Pending: already owed, so not resent twice.
            assert (await api.post(f"{log}/{copy['id']}/resend")).status_code == 409
            async with httpx.AsyncClient() as http:
                await sender.deliver_once(shop_app.state.settings, client=http)

            assert server.event_ids[-1] == row["event_id"]  # the receiver can drop a repeat
            listed = (await api.get(log)).json()["data"]
            assert [(d["id"], d["state"]) for d in listed] == [
                (copy["id"], "delivered"),
                (row["id"], "failed"),
            ]
            assert listed[0]["response_status"] == 204


async def test_another_shops_endpoint_and_deliveries_are_not_found(shop_app: Starlette) -> None:
    shop = await sign_up(shop_app, "acme", "Acme Wear")
    rival = await factories.merchant(slug="rival")
    theirs, _ = await admin.create_endpoint(
        shop_app.state.settings, merchant_id=rival.id, url=RECEIVER, topics_=["*"]
    )
    their_ping = await admin.send_test(rival.id, theirs.id)
    assert their_ping is not None
    async with api_client(shop_app, shop.api_key) as api:
        created = await api.post(
            "/api/v1/webhook-endpoints", json={"url": RECEIVER, "topics": ["*"]}
        )
        mine = created.json()["id"]
        for path in (
            f"/webhook-endpoints/{theirs.id}/deliveries",
            f"/webhook-endpoints/{theirs.id}/deliveries/{their_ping.id}",
            f"/webhook-endpoints/{mine}/deliveries/{their_ping.id}",
        ):
            assert (await api.get(f"/api/v1{path}")).status_code == 404, path
        for path in (
            f"/webhook-endpoints/{theirs.id}/deliveries/{their_ping.id}/resend",
            f"/webhook-endpoints/{mine}/deliveries/{their_ping.id}/resend",
        ):
            assert (await api.post(f"/api/v1{path}")).status_code == 404, path
        assert (await api.get(f"/api/v1/webhook-endpoints/{mine}/deliveries")).json() == {
            "data": [],
            "next_cursor": None,
        }
        # A cursor belongs to its endpoint's log.
        second = await api.post(
            "/api/v1/webhook-endpoints", json={"url": RECEIVER, "topics": ["*"]}
        )
        merchant_id = (await WebhookEndpoint.get(id=mine)).merchant_id
        pings = [await admin.send_test(merchant_id, mine) for _ in range(2)]
        log = f"/api/v1/webhook-endpoints/{mine}/deliveries"
        first = (await api.get(log, params={"limit": 1})).json()
        assert [d["id"] for d in first["data"]] == [pings[1].id]  # type: ignore[union-attr]
        rest = (await api.get(log, params={"limit": 1, "cursor": first["next_cursor"]})).json()
        assert [d["id"] for d in rest["data"]] == [pings[0].id]  # type: ignore[union-attr]
        other_log = f"/api/v1/webhook-endpoints/{second.json()['id']}/deliveries"
        misused = await api.get(other_log, params={"cursor": first["next_cursor"]})
        assert misused.status_code == 422
    assert await WebhookDelivery.filter(endpoint_id=theirs.id).count() == 1
    async with client_for(shop_app) as staff:
        await sign_in_as(staff, shop.owner_email, shop.owner_password)
        assert (await staff.get(f"/admin/webhooks/{theirs.id}")).status_code == 404


async def test_the_owner_sees_the_failed_delivery_in_the_workspace_and_resends_it(
    shop_app: Starlette,
) -> None:
    shop = await sign_up(shop_app, "acme", "Acme Wear")
    server = ShopServer()
    with respx.mock(assert_all_called=False) as mock:
        mock.post(RECEIVER).mock(side_effect=server.answer)
        async with api_client(shop_app, shop.api_key) as api:
            endpoint_id = await _a_delivery_that_failed(shop_app, api, server)
    endpoint = await WebhookEndpoint.get(id=endpoint_id)
    async with client_for(shop_app) as staff:
        await sign_in_as(staff, shop.owner_email, shop.owner_password)
        page = await staff.get(f"/admin/webhooks/{endpoint.id}", params={"state": "failed"})
        assert page.template.name == "admin/webhook.html"  # type: ignore[attr-defined]
        [failed] = page.context["deliveries"]  # type: ignore[attr-defined]
        assert (failed.response_status, failed.attempts) == (503, sender.MAX_ATTEMPTS)
        assert "maintenance until 06:00" in page.text
        action = f"/admin/webhooks/{endpoint.id}/deliveries/{failed.id}/resend"
        assert f'action="{action}"' in page.text
        assert (await staff.get(page.url, params={"state": "pending"})).context[  # type: ignore[attr-defined]
            "deliveries"
        ] == []

        resent = await staff.post(action, data={"csrf_token": csrf_in(page.text)})
        assert resent.status_code == 303
        assert resent.headers["location"] == f"/admin/webhooks/{endpoint.id}?done=resent"
        after = await staff.get(resent.headers["location"])
        assert "A copy of the delivery is queued" in after.text
        newest, original = after.context["deliveries"]  # type: ignore[attr-defined]
        assert (newest.state.value, newest.payload) == ("pending", failed.payload)
        assert original.id == failed.id

        await staff.post(
            f"/admin/webhooks/{endpoint.id}/disable", data={"csrf_token": csrf_in(after.text)}
        )
        refused = await staff.post(action, data={"csrf_token": csrf_in(after.text)})
        assert refused.headers["location"].endswith("?done=resend-disabled")
    assert await WebhookDelivery.filter(endpoint_id=endpoint.id).count() == 2
