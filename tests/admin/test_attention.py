"""The attention queue screen: the merchant's open items only, filters by kind, carrier
and age, counts in the navigation, and "resolved" / "contacted the carrier" recorded with
who and when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from portal.models import AttentionItem, AttentionKind, Merchant, Shipment
from tests import factories
from tests.admin.helpers import signed_in_owner


async def _item(
    shop: Merchant, kind: AttentionKind, *, carrier: str = "sandbox", days: float = 0
) -> AttentionItem:
    parcel: Shipment = await factories.shipment(shop, carrier_key=carrier, status="exception")
    since = datetime.now(UTC) - timedelta(days=days)
    return await AttentionItem.create(
        merchant=shop,
        kind=kind,
        shipment=parcel,
        carrier_key=carrier,
        since=since,
        episode=f"{kind.value}:shipment:{parcel.id}:{since.isoformat()}",
        detail={"reason": "address_issue"},
    )


async def test_the_queue_shows_only_the_merchants_open_items(
    client: httpx.AsyncClient, db: str
) -> None:
    user, _ = await signed_in_owner(client)
    shop = await user.merchant
    mine = await _item(shop, AttentionKind.EXCEPTION)
    closed = await _item(shop, AttentionKind.LATE)
    await AttentionItem.filter(id=closed.id).update(closed_at=datetime.now(UTC))
    await _item(await factories.merchant(), AttentionKind.EXCEPTION)  # another shop's
    page = await client.get("/admin/attention")
    assert page.status_code == 200
    assert [i.id for i in page.context["items"]] == [mine.id]
    # Human words, not codes.
    assert "Exception" in page.text and "Address issue" in page.text
    assert "address_issue" not in page.text


async def test_filters_by_kind_carrier_and_age(client: httpx.AsyncClient, db: str) -> None:
    user, _ = await signed_in_owner(client)
    shop = await user.merchant
    late_dhl = await _item(shop, AttentionKind.LATE, carrier="dhl", days=5)
    stuck_new = await _item(shop, AttentionKind.STUCK, days=0.1)
    cases = (
        ({"kind": "late"}, [late_dhl]),
        ({"kind": "stuck"}, [stuck_new]),
        ({"carrier": "dhl"}, [late_dhl]),
        ({"age": "3"}, [late_dhl]),
        ({"age": "7"}, []),
        ({"kind": "nonsense", "age": "-1"}, [stuck_new, late_dhl]),
    )
    for params, expected in cases:
        page = await client.get("/admin/attention", params=params)
        assert [i.id for i in page.context["items"]] == [i.id for i in expected], params


async def test_the_navigation_counts_open_items(client: httpx.AsyncClient, db: str) -> None:
    user, _ = await signed_in_owner(client)
    shop = await user.merchant
    for kind in (AttentionKind.LATE, AttentionKind.LATE, AttentionKind.EXCEPTION):
        await _item(shop, kind)
    await _item(await factories.merchant(), AttentionKind.LATE)
    page = await client.get("/admin/shipments")
    assert page.context["attention_total"] == 3
    assert page.context["attention_counts"] == {AttentionKind.LATE: 2, AttentionKind.EXCEPTION: 1}
    assert '<span class="count">3' in page.text


async def test_resolving_records_who_and_when_and_leaves_the_queue(
    client: httpx.AsyncClient, db: str
) -> None:
    user, token = await signed_in_owner(client)
    shop = await user.merchant
    item = await _item(shop, AttentionKind.LATE, carrier="dhl")
    contacted = await client.post(
        f"/admin/attention/{item.id}/contacted",
        data={"csrf_token": token, "carrier": "dhl"},
    )
    assert contacted.status_code == 303
    assert contacted.headers["location"] == "/admin/attention?carrier=dhl&done=contacted"
    await item.refresh_from_db()
    assert item.carrier_contacted_by == user.email and item.carrier_contacted_at is not None
    assert item.is_open
    resolved = await client.post(f"/admin/attention/{item.id}/resolve", data={"csrf_token": token})
    assert resolved.headers["location"] == "/admin/attention?done=resolved"
    await item.refresh_from_db()
    assert item.resolved_by == user.email and item.resolved_at is not None
    assert (await client.get("/admin/attention")).context["items"] == []
    again = await client.post(f"/admin/attention/{item.id}/resolve", data={"csrf_token": token})
    assert again.headers["location"] == "/admin/attention?done=already"


async def test_another_shops_item_cannot_be_touched(client: httpx.AsyncClient, db: str) -> None:
    _, token = await signed_in_owner(client)
    theirs = await _item(await factories.merchant(), AttentionKind.LATE)
    for action in ("resolve", "contacted"):
        response = await client.post(
            f"/admin/attention/{theirs.id}/{action}", data={"csrf_token": token}
        )
        assert response.status_code == 404
    await theirs.refresh_from_db()
    assert theirs.resolved_at is None and theirs.carrier_contacted_at is None


async def test_the_queue_needs_a_signed_in_user(client: httpx.AsyncClient, db: str) -> None:
    response = await client.get("/admin/attention")
    assert response.status_code == 303
