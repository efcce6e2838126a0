"""A parcel's status written back to Shopify as a fulfilment event, once
(portal/platforms/shopify_tracking.py), faked at HTTP only: a ``fulfillmentEventCreate``
whose answer is lost (a 502, a timeout) is not sent again at once; the next attempt reads
the fulfilment's events and adopts the one Shopify made, or makes it when there is none.

Shapes, as shopify.dev documents them for the Admin API 2025-01:
``fulfillmentEventCreate`` (https://shopify.dev/docs/api/admin-graphql/2025-01/mutations/fulfillmentEventCreate),
``Fulfillment.events`` with each event's ``status`` and ``happenedAt``
(https://shopify.dev/docs/api/admin-graphql/2025-01/objects/Fulfillment,
https://shopify.dev/docs/api/admin-graphql/2025-01/objects/FulfillmentEvent), and the 502
Shopify's edge may answer (https://shopify.dev/docs/api/usage/response-codes).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import respx
from starlette.applications import Starlette

from portal.models import PlatformPush, PushState, Shipment
from portal.platforms.shopify_tracking import same_event
from portal.platforms.writeback import push_once
from portal.settings import Settings
from portal.tracking.sweep import sweep_until_idle
from tests.admin.helpers import admin_app
from tests.platforms.fakes import (
    DHL_NUMBER,
    DHL_TRACK_URL,
    SHOPIFY_GRAPHQL,
    FakeShopify,
    dhl_delivered,
    fixture,
    shopify_delivery,
)
from tests.platforms.test_shopify import connected, post_webhook

FULFILMENT = "gid://shopify/Fulfillment/123456"  # fixtures/shopify/fulfillments_create.json
BAD_GATEWAY = httpx.Response(502, json={"errors": "Bad Gateway"})


@pytest.fixture
def app(tmp_path: Path, database_url: str, db: str) -> Starlette:
    return admin_app(tmp_path, database_url, public_base_url="https://doorstep.example.com")


@pytest.fixture
def store() -> FakeShopify:
    return FakeShopify()


@pytest.fixture
async def http(store: FakeShopify) -> AsyncIterator[httpx.AsyncClient]:
    with respx.mock(assert_all_called=False) as mock:
        mock.post(SHOPIFY_GRAPHQL).mock(side_effect=store.answer)
        mock.get(DHL_TRACK_URL).mock(side_effect=dhl_delivered)
        async with httpx.AsyncClient() as client:
            yield client


async def delivered(app: Starlette, http: httpx.AsyncClient) -> None:
    """Order #9999 and its fulfilment come by webhook; DHL scans the parcel delivered, and
    the "Delivered" event waits in the write-back queue."""
    connection = await connected(app)
    for topic, name, key in (
        ("orders/create", "orders_create.json", "w-1"),
        ("fulfillments/create", "fulfillments_create.json", "w-2"),
    ):
        answer = await post_webhook(
            app, *shopify_delivery(topic, fixture("shopify", name), key), connection
        )
        assert answer.status_code == 200, answer.text
    await sweep_until_idle(app.state.settings, client=http)
    assert (await Shipment.get(tracking_number=DHL_NUMBER)).status == "delivered"


def asked(store: FakeShopify, operation: str) -> int:
    return sum(1 for name, _cost, _variables in store.asked if name == operation)


async def test_a_lost_answer_never_makes_a_second_delivered_event(
    app: Starlette, store: FakeShopify, http: httpx.AsyncClient
) -> None:
    settings: Settings = app.state.settings
    await delivered(app, http)
    # Shopify makes the event, then the edge answers 502.
    store.event_faults, store.event_made_then_lost = [BAD_GATEWAY], True

    await push_once(settings, client=http)
    push = await PlatformPush.get(kind="tracking")
    assert push.state == PushState.PENDING and "502" in (push.last_error or ""), push.last_error
    assert len(store.events) == 1, "not sent again at once: it may have been made"

    # The retry, after its backoff, reads the fulfilment's events and adopts Shopify's.
    await push_once(settings, client=http, now=datetime.now(UTC) + timedelta(hours=7))
    push = await PlatformPush.get(kind="tracking")
    assert push.state == PushState.DONE, push.last_error
    assert push.payload["shopify_event_id"] == "gid://shopify/FulfillmentEvent/944956395"
    assert [(e["fulfillmentId"], e["status"]) for e in store.events] == [
        (FULFILMENT, "DELIVERED")
    ], "one Delivered event on the store's timeline"
    assert asked(store, "FulfillmentEvents") == 1


#: A 200 carrying only top-level errors, as Shopify answers an internal error
#: (https://shopify.dev/docs/api/admin-graphql#status-and-error-codes).
INTERNAL_ERROR = httpx.Response(
    200,
    json={
        "errors": [
            {
                "message": "Internal error. Looks like something went wrong on our end.",
                "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": "1b2c3d4e"},
            }
        ]
    },
)


async def test_an_internal_error_after_the_event_was_made_never_makes_a_second(
    app: Starlette, store: FakeShopify, http: httpx.AsyncClient
) -> None:
    """Not only a 5xx: a 200 whose body holds no answer about the event may come after the
    event was made, so the next attempt looks before it sends again."""
    settings: Settings = app.state.settings
    await delivered(app, http)
    store.event_faults, store.event_made_then_lost = [INTERNAL_ERROR], True

    await push_once(settings, client=http)
    assert (await PlatformPush.get(kind="tracking")).state == PushState.PENDING
    await push_once(settings, client=http, now=datetime.now(UTC) + timedelta(hours=7))
    push = await PlatformPush.get(kind="tracking")
    assert push.state == PushState.DONE, push.last_error
    assert len(store.events) == 1, "one Delivered event on the store's timeline"
    assert asked(store, "FulfillmentEvents") == 1


async def test_a_timeout_before_shopify_made_it_makes_the_event_on_the_next_attempt(
    app: Starlette, store: FakeShopify, http: httpx.AsyncClient
) -> None:
    settings: Settings = app.state.settings
    await delivered(app, http)
    store.event_faults = [httpx.ReadTimeout("timed out")]

    await push_once(settings, client=http)
    assert store.events == [], "not sent again at once"
    assert (await PlatformPush.get(kind="tracking")).state == PushState.PENDING

    await push_once(settings, client=http, now=datetime.now(UTC) + timedelta(hours=7))
    push = await PlatformPush.get(kind="tracking")
    assert push.state == PushState.DONE, push.last_error
    [event] = store.events
    assert (event["status"], event["happenedAt"][:19]) == ("DELIVERED", "2026-11-21T10:32:00")
    assert asked(store, "FulfillmentEvents") == 1, "looked first, found none, made it"


async def test_an_event_written_at_once_reads_no_events_first(
    app: Starlette, store: FakeShopify, http: httpx.AsyncClient
) -> None:
    await delivered(app, http)
    await push_once(app.state.settings, client=http)
    assert len(store.events) == 1
    assert asked(store, "FulfillmentEvents") == 0, "only an unsure attempt costs a read"


def test_an_event_is_the_same_at_the_same_second_and_status() -> None:
    found = {"status": "DELIVERED", "happenedAt": "2026-11-21T10:32:00Z"}
    assert same_event(found, "DELIVERED", "2026-11-21T11:32:00.250000+01:00")
    assert not same_event(found, "IN_TRANSIT", "2026-11-21T10:32:00+00:00")
    assert not same_event(found, "DELIVERED", "2026-11-21T10:33:00+00:00")
    assert not same_event({"status": "DELIVERED"}, "DELIVERED", "2026-11-21T10:32:00+00:00")
