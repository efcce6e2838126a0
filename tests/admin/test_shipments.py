"""Shipments: search, filters, keyset pages, detail, carrier pinning, refresh, reactivation,
and another merchant's shipments staying out of reach."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from carriers.base import Status
from portal.models import Channel, OutboxMessage, Shipment, TrackingEvent
from tests import factories
from tests.admin.helpers import signed_in_owner


async def test_the_list_shows_only_the_merchants_shipments(
    client: httpx.AsyncClient, db: str
) -> None:
    user, _token = await signed_in_owner(client)
    shop = await user.merchant
    mine = await factories.shipment(shop)
    await factories.shipment()  # another shop's
    page = await client.get("/admin/shipments")
    assert [s.id for s in page.context["shipments"]] == [mine.id]


async def test_search_by_tracking_order_and_email(client: httpx.AsyncClient, db: str) -> None:
    user, _token = await signed_in_owner(client)
    shop = await user.merchant
    order = await factories.order(shop, number="#A-77", email="ann@example.test")
    by_order = await factories.shipment(shop, order=order)
    other = await factories.shipment(shop, tracking_number="SBXFINDME0001")
    for q, expected in (("#A-77", by_order), ("ann@example.test", by_order), ("findme", other)):
        page = await client.get("/admin/shipments", params={"q": q})
        assert [s.id for s in page.context["shipments"]] == [expected.id], q


async def test_filters_by_status_carrier_exception_and_stale(
    client: httpx.AsyncClient, db: str
) -> None:
    user, _token = await signed_in_owner(client)
    shop = await user.merchant
    old = datetime.now(UTC) - timedelta(days=10)
    stale = await factories.shipment(shop, status=Status.IN_TRANSIT, last_event_at=old)
    problem = await factories.shipment(
        shop, status=Status.EXCEPTION, last_event_at=datetime.now(UTC), carrier_key="ups"
    )
    await factories.shipment(shop, status=Status.DELIVERED, last_event_at=old)
    assert [s.id for s in (await client.get("/admin/shipments?stale=1")).context["shipments"]] == [
        stale.id
    ]
    for query in ("exception=1", "status=exception", "carrier=ups"):
        page = await client.get(f"/admin/shipments?{query}")
        assert [s.id for s in page.context["shipments"]] == [problem.id], query


async def test_pages_follow_a_keyset_cursor(client: httpx.AsyncClient, db: str) -> None:
    user, _token = await signed_in_owner(client)
    shop = await user.merchant
    made = [await factories.shipment(shop) for _ in range(53)]
    first = await client.get("/admin/shipments")
    assert len(first.context["shipments"]) == 50
    cursor = first.context["next_cursor"]
    second = await client.get(f"/admin/shipments?after={cursor}")
    assert [s.id for s in second.context["shipments"]] == [s.id for s in made[:3]][::-1]
    assert second.context["next_cursor"] is None


async def test_htmx_gets_only_the_table(client: httpx.AsyncClient, db: str) -> None:
    await signed_in_owner(client)
    page = await client.get(
        "/admin/shipments", headers={"HX-Request": "true", "HX-Target": "results"}
    )
    assert page.template.name == "admin/_shipments_table.html"


async def test_detail_shows_timeline_and_messages(client: httpx.AsyncClient, db: str) -> None:
    user, _token = await signed_in_owner(client)
    shop = await user.merchant
    shipment = await factories.shipment(shop)
    await OutboxMessage.create(
        merchant=shop,
        shipment=shipment,
        channel=Channel.EMAIL,
        recipient="a@example.test",
        trigger="shipped",
        unique_key=f"shipment:{shipment.id}:shipped:email",
        scheduled_for=datetime.now(UTC),
    )
    page = await client.get(f"/admin/shipments/{shipment.id}")
    assert page.status_code == 200
    assert [m.trigger for m in page.context["messages"]] == ["shipped"]


async def test_pinning_the_carrier_resets_the_poll(client: httpx.AsyncClient, db: str) -> None:
    user, token = await signed_in_owner(client)
    shipment = await factories.shipment(
        await user.merchant, next_poll_at=datetime.now(UTC) + timedelta(days=1)
    )
    response = await client.post(
        f"/admin/shipments/{shipment.id}/carrier", data={"carrier": "ups", "csrf_token": token}
    )
    assert response.status_code == 303
    await shipment.refresh_from_db()
    assert shipment.carrier_key == "ups"
    assert shipment.carrier_pinned
    assert shipment.next_poll_at is not None and shipment.next_poll_at <= datetime.now(UTC)


async def test_refresh_now_makes_it_due(client: httpx.AsyncClient, db: str) -> None:
    user, token = await signed_in_owner(client)
    shipment = await factories.shipment(
        await user.merchant, next_poll_at=datetime.now(UTC) + timedelta(days=1)
    )
    response = await client.post(
        f"/admin/shipments/{shipment.id}/refresh", data={"csrf_token": token}
    )
    assert response.status_code == 303
    await shipment.refresh_from_db()
    assert shipment.next_poll_at is not None and shipment.next_poll_at <= datetime.now(UTC)


async def test_an_expired_shipment_is_reactivated(client: httpx.AsyncClient, db: str) -> None:
    user, token = await signed_in_owner(client)
    shipment = await factories.shipment(await user.merchant, status=Status.EXPIRED)
    response = await client.post(
        f"/admin/shipments/{shipment.id}/reactivate", data={"csrf_token": token}
    )
    assert response.headers["location"].endswith("done=reactivated")
    await shipment.refresh_from_db()
    assert shipment.status != Status.EXPIRED


async def test_another_merchants_shipment_is_404_everywhere(
    client: httpx.AsyncClient, db: str
) -> None:
    _user, token = await signed_in_owner(client)
    theirs = await factories.shipment(status=Status.EXPIRED)
    assert (await client.get(f"/admin/shipments/{theirs.id}")).status_code == 404
    assert (await client.get("/admin/shipments/not-a-number")).status_code == 404
    for action, data in (("carrier", {"carrier": "ups"}), ("refresh", {}), ("reactivate", {})):
        response = await client.post(
            f"/admin/shipments/{theirs.id}/{action}", data={**data, "csrf_token": token}
        )
        assert response.status_code == 404, action
    await theirs.refresh_from_db()
    assert theirs.carrier_key == "sandbox" and theirs.status == Status.EXPIRED
    page = await client.get("/admin/shipments", params={"q": theirs.tracking_number})
    assert page.context["shipments"] == []
    assert await Shipment.filter(id=theirs.id).exists()


async def test_detail_says_why_a_shipment_is_not_tracked(
    client: httpx.AsyncClient, db: str
) -> None:
    user, _token = await signed_in_owner(client)
    shop = await user.merchant
    shipment = await factories.shipment(shop, carrier_key="sandbox")
    page = await client.get(f"/admin/shipments/{shipment.id}")
    assert page.context["tracking_problem"].code == "no_carrier_account"
    assert 'data-problem="no_carrier_account"' in page.text


async def test_another_carrier_drops_the_wrong_history(client: httpx.AsyncClient, db: str) -> None:
    """Like PATCH /api/v1/shipments/{id}: scans read with the wrong carrier were someone
    else's parcel."""
    user, token = await signed_in_owner(client)
    shipment = await factories.shipment(await user.merchant, status=Status.IN_TRANSIT)
    await TrackingEvent.create(
        shipment=shipment, occurred_at=datetime.now(UTC), status=Status.IN_TRANSIT, dedupe_key="x"
    )
    await client.post(
        f"/admin/shipments/{shipment.id}/carrier", data={"carrier": "ups", "csrf_token": token}
    )
    await shipment.refresh_from_db()
    assert (shipment.carrier_key, shipment.status) == ("ups", Status.PENDING)
    assert not await TrackingEvent.filter(shipment_id=shipment.id).exists()
