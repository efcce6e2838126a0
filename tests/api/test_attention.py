"""``GET /attention`` lists the shop's open items; ``POST /attention/{id}/resolve`` resolves
one and records the API key as who did it. Other shops' items do not exist here."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from portal.models import AttentionItem, AttentionKind, Merchant
from tests import factories


async def _item(shop: Merchant, kind: AttentionKind, carrier: str = "sandbox") -> AttentionItem:
    parcel = await factories.shipment(shop, carrier_key=carrier)
    return await AttentionItem.create(
        merchant=shop, kind=kind, shipment=parcel, carrier_key=carrier,
        since=datetime(2026, 12, 1, tzinfo=UTC), episode=f"{kind.value}:{parcel.id}",
        detail={"reason": "lost"},
    )  # fmt: skip


async def test_the_list_has_the_shops_open_items_only(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    late = await _item(shop, AttentionKind.LATE, carrier="dhl")
    exception = await _item(shop, AttentionKind.EXCEPTION)
    done = await _item(shop, AttentionKind.STUCK)
    await AttentionItem.filter(id=done.id).update(closed_at=datetime.now(UTC))
    await _item(await factories.merchant(), AttentionKind.LATE)
    body = (await api.get("/api/v1/attention")).json()
    assert [i["id"] for i in body["data"]] == [exception.id, late.id]
    assert body["data"][1]["kind"] == "late" and body["data"][1]["carrier"] == "dhl"
    assert [i["id"] for i in (await api.get("/api/v1/attention?kind=late")).json()["data"]] == [
        late.id
    ]
    by_carrier = (await api.get("/api/v1/attention?carrier=dhl")).json()["data"]
    assert [i["id"] for i in by_carrier] == [late.id]
    assert (await api.get("/api/v1/attention?kind=bogus")).status_code == 422


async def test_resolving_records_the_key_and_is_idempotent(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    item = await _item(shop, AttentionKind.LATE)
    first = await api.post(f"/api/v1/attention/{item.id}/resolve")
    assert first.status_code == 200
    assert first.json()["resolved_by"] == "API key test"
    again = await api.post(f"/api/v1/attention/{item.id}/resolve")
    assert again.status_code == 200
    assert again.json()["resolved_at"] == first.json()["resolved_at"]
    assert (await api.get("/api/v1/attention")).json()["data"] == []


async def test_an_ended_episode_cannot_be_resolved(api: httpx.AsyncClient, shop: Merchant) -> None:
    item = await _item(shop, AttentionKind.STUCK)
    await AttentionItem.filter(id=item.id).update(closed_at=datetime.now(UTC))
    assert (await api.post(f"/api/v1/attention/{item.id}/resolve")).status_code == 409


async def test_another_shops_item_is_not_found(api: httpx.AsyncClient, shop: Merchant) -> None:
    theirs = await _item(await factories.merchant(), AttentionKind.LATE)
    response = await api.post(f"/api/v1/attention/{theirs.id}/resolve")
    assert response.status_code == 404
    await theirs.refresh_from_db()
    assert theirs.resolved_at is None
