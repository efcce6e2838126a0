"""The merchant's returns queue: filters, keyset pages, the detail page, every action and
every refused one, restocking at inspection, photos, and other shops' returns out of reach."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from carriers.base import Status
from portal.models import (
    Direction,
    Merchant,
    Order,
    ProductVariant,
    ReturnItem,
    ReturnRequest,
    ReturnTransition,
)
from portal.models.returns import ReturnState as S
from portal.returns import queue, service
from portal.returns.states import StaleReturn
from tests import factories
from tests.admin.helpers import signed_in_owner
from tests.admin.returns_helpers import return_for, review_shop

HTMX = {"HX-Request": "true", "HX-Target": "return-detail"}


async def _state(ret: ReturnRequest) -> S:
    return S((await ReturnRequest.get(id=ret.id)).state)


async def _last_move(ret: ReturnRequest) -> ReturnTransition:
    found = await ReturnTransition.filter(return_request_id=ret.id).order_by("-id").first()
    assert found is not None
    return found


async def _signed_in(client: httpx.AsyncClient) -> tuple[object, str, object]:
    shop = await review_shop()
    user, token = await signed_in_owner(client, shop)
    return shop, token, user


async def test_the_list_shows_only_the_merchants_returns(
    client: httpx.AsyncClient, db: str
) -> None:
    shop, _token, _user = await _signed_in(client)
    mine = await return_for(shop)
    await return_for(await review_shop())
    page = await client.get("/admin/returns")
    assert page.status_code == 200
    assert [r.id for r in page.context["returns"]] == [mine.id]
    assert mine.number in page.text


async def test_a_withdrawal_stands_out_in_the_list_and_on_its_page(
    client: httpx.AsyncClient, db: str
) -> None:
    """A statutory withdrawal is not a favour the shop may refuse: the owner sees which
    return is one, beside its number and on its page."""
    shop, _token, _user = await _signed_in(client)
    plain = await return_for(shop)
    withdrawn = await return_for(shop)
    await ReturnRequest.filter(id=withdrawn.id).update(kind="withdrawal")
    page = await client.get("/admin/returns")
    marked = page.text.split(withdrawn.number, 1)[1].split("</td>", 1)[0]
    unmarked = page.text.split(plain.number, 1)[1].split("</td>", 1)[0]
    assert "data-withdrawal" in marked and "Withdrawal from contract" in marked
    assert "data-withdrawal" not in unmarked
    detail = await client.get(f"/admin/returns/{withdrawn.id}")
    assert "Withdrawal from contract" in detail.text
    assert "data-withdrawal" not in (await client.get(f"/admin/returns/{plain.id}")).text


async def test_filters_by_state_reason_age_and_number(client: httpx.AsyncClient, db: str) -> None:
    shop, _token, _user = await _signed_in(client)
    small = await return_for(shop, reason="too_small")
    large = await return_for(shop, reason="too_large")
    await service.approve(large, actor="system", settings=factories.app_settings())
    old = await return_for(shop, reason="too_large")
    await ReturnRequest.filter(id=old.id).update(created_at=datetime.now(UTC) - timedelta(days=20))
    cases = {
        "state=awaiting_shipment": [large.id],
        "state=needs_review": [old.id, small.id],
        "reason=too_small": [small.id],
        "reason=too_large": [old.id, large.id],
        "older_than=14": [old.id],
        f"q={small.number}": [small.id],
        "state=bogus&older_than=-3": [old.id, large.id, small.id],
    }
    for query, expected in cases.items():
        page = await client.get(f"/admin/returns?{query}")
        assert [r.id for r in page.context["returns"]] == expected, query


async def test_pages_follow_a_keyset_cursor_and_htmx_gets_the_table(
    client: httpx.AsyncClient, db: str
) -> None:
    shop, _token, _user = await _signed_in(client)
    order = await factories.order(shop)
    made = [
        await ReturnRequest.create(merchant=shop, order=order, number=f"R-P{n:05d}")
        for n in range(53)
    ]
    first = await client.get("/admin/returns")
    assert len(first.context["returns"]) == 50
    second = await client.get(
        f"/admin/returns?after={first.context['next_cursor']}",
        headers={"HX-Request": "true", "HX-Target": "results"},
    )
    assert second.template.name == "admin/_returns_table.html"
    assert [r.id for r in second.context["returns"]] == [r.id for r in made[:3]][::-1]
    assert second.context["next_cursor"] is None


async def test_another_merchants_return_is_404_everywhere(
    client: httpx.AsyncClient, db: str
) -> None:
    _shop, token, _user = await _signed_in(client)
    theirs = await return_for(await review_shop(), reason="damaged_box")
    assert (await client.get(f"/admin/returns/{theirs.id}")).status_code == 404
    for action in ("approve", "reject", "receive", "inspect", "resolve", "close"):
        response = await client.post(
            f"/admin/returns/{theirs.id}/{action}", data={"csrf_token": token, "message": "no"}
        )
        assert response.status_code == 404, action
    assert await _state(theirs) == S.NEEDS_REVIEW
    assert (await client.get("/admin/returns/nope")).status_code == 404


async def test_the_detail_shows_items_amounts_history_and_actions(
    client: httpx.AsyncClient, db: str
) -> None:
    shop, _token, _user = await _signed_in(client)
    ret = await return_for(shop, quantity=2, reason="too_small")
    page = await client.get(f"/admin/returns/{ret.id}")
    assert page.status_code == 200
    context = page.context
    assert [row["reason"] for row in context["items"]] == ["Too small"]
    assert context["totals"]["refund"] == "$60.00"
    assert [t.to_state.value for t in context["history"]] == ["requested", "needs_review"]
    assert context["actions"] == {"approve", "reject"}
    assert f'action="/admin/returns/{ret.id}/approve"' in page.text


async def test_approving_records_the_staff_member_and_moves_it_on(
    client: httpx.AsyncClient, db: str
) -> None:
    shop, token, user = await _signed_in(client)
    ret = await return_for(shop)
    response = await client.post(
        f"/admin/returns/{ret.id}/approve", data={"csrf_token": token, "note": "regular"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/admin/returns/{ret.id}?done=approved"
    assert await _state(ret) == S.AWAITING_SHIPMENT
    approval = await ReturnTransition.get(return_request_id=ret.id, to_state=S.APPROVED)
    assert (approval.actor, approval.note) == (f"staff:{user.id}", "regular")  # type: ignore[attr-defined]
    page = await client.get(response.headers["location"])
    assert "Return approved." in page.text
    assert user.email in page.text  # type: ignore[attr-defined]


async def test_htmx_actions_get_the_fragment_with_the_outcome(
    client: httpx.AsyncClient, db: str
) -> None:
    shop, token, _user = await _signed_in(client)
    ret = await return_for(shop)
    response = await client.post(
        f"/admin/returns/{ret.id}/approve", data={"csrf_token": token}, headers=HTMX
    )
    assert response.status_code == 200
    assert response.template.name == "admin/_return_detail.html"
    assert 'role="status"' in response.text and "Return approved." in response.text


async def test_rejecting_needs_a_message_and_keeps_it(client: httpx.AsyncClient, db: str) -> None:
    shop, token, _user = await _signed_in(client)
    ret = await return_for(shop)
    empty = await client.post(
        f"/admin/returns/{ret.id}/reject", data={"csrf_token": token, "message": "  "}
    )
    assert empty.status_code == 400
    assert "Write a message that tells the customer why." in empty.text
    assert await _state(ret) == S.NEEDS_REVIEW
    done = await client.post(
        f"/admin/returns/{ret.id}/reject",
        data={"csrf_token": token, "message": "Worn items cannot be returned."},
    )
    assert done.status_code == 303
    saved = await ReturnRequest.get(id=ret.id)
    assert (saved.state, saved.merchant_note) == (S.REJECTED, "Worn items cannot be returned.")
    assert (await _last_move(ret)).note == "Worn items cannot be returned."


async def test_a_refused_move_says_why_and_changes_nothing(
    client: httpx.AsyncClient, db: str
) -> None:
    shop, token, _user = await _signed_in(client)
    ret = await return_for(shop)
    for action in ("receive", "resolve", "close"):
        response = await client.post(
            f"/admin/returns/{ret.id}/{action}", data={"csrf_token": token}
        )
        assert response.status_code == 409, action
        assert "This cannot be done while the return is “Needs review”." in response.text
    htmx = await client.post(
        f"/admin/returns/{ret.id}/close", data={"csrf_token": token}, headers=HTMX
    )
    assert htmx.status_code == 200 and 'role="alert"' in htmx.text
    assert await _state(ret) == S.NEEDS_REVIEW


async def test_two_staff_deciding_at_once_make_one_decision(
    client: httpx.AsyncClient, db: str
) -> None:
    shop, token, _user = await _signed_in(client)
    ret = await return_for(shop)
    approve = client.post(f"/admin/returns/{ret.id}/approve", data={"csrf_token": token})
    reject = client.post(
        f"/admin/returns/{ret.id}/reject", data={"csrf_token": token, "message": "No."}
    )
    responses = await asyncio.gather(approve, reject)
    assert sorted(r.status_code for r in responses) == [303, 409]
    decisions = await ReturnTransition.filter(
        return_request_id=ret.id, to_state__in=(S.APPROVED, S.REJECTED)
    ).count()
    assert decisions == 1


async def test_a_stale_copy_of_a_return_cannot_be_moved(db: str) -> None:
    shop = await review_shop()
    ret = await return_for(shop)
    seen = await ReturnRequest.get(id=ret.id)
    await service.reject(ret, actor="staff:1", note="first", settings=factories.app_settings())
    with pytest.raises(StaleReturn):
        await service.approve(seen, actor="staff:2", settings=factories.app_settings())


async def test_receiving_with_and_without_settling_now(client: httpx.AsyncClient, db: str) -> None:
    shop, token, user = await _signed_in(client)
    waits, settles = await return_for(shop), await return_for(shop)
    for ret in (waits, settles):
        await service.approve(ret, actor="system", settings=factories.app_settings())
    await client.post(f"/admin/returns/{waits.id}/receive", data={"csrf_token": token})
    response = await client.post(
        f"/admin/returns/{settles.id}/receive", data={"csrf_token": token, "issue_refund": "1"}
    )
    assert response.headers["location"].endswith("done=received_refunded")
    assert await _state(waits) == S.RECEIVED
    assert await _state(settles) == S.RESOLVED
    assert (await ReturnRequest.get(id=settles.id)).resolved_at is not None
    assert (await _last_move(settles)).actor == f"staff:{user.id}"  # type: ignore[attr-defined]


async def test_inspection_restocks_what_the_merchant_says_and_only_once(
    client: httpx.AsyncClient, db: str
) -> None:
    shop, token, _user = await _signed_in(client)
    shirt = await factories.variant(shop, stock=4)
    ret = await return_for(shop, quantity=2, variant=shirt)
    await service.approve(ret, actor="system", settings=factories.app_settings())
    await queue.mark_received(
        ret, actor="system", issue_refund=False, settings=factories.app_settings()
    )
    item_id = (await queue.returned_items(ret, None))[0].id
    missing = await client.post(f"/admin/returns/{ret.id}/inspect", data={"csrf_token": token})
    assert missing.status_code == 400
    assert "Choose the condition of this item." in missing.text
    form = {"csrf_token": token, f"condition_{item_id}": "as_new", f"restock_{item_id}": "1"}
    done = await client.post(f"/admin/returns/{ret.id}/inspect", data=form)
    assert done.status_code == 303
    assert (await ProductVariant.get(id=shirt.id)).stock == 6
    assert await _state(ret) == S.INSPECTED
    again = await client.post(f"/admin/returns/{ret.id}/inspect", data=form)
    assert again.status_code == 409
    assert (await ProductVariant.get(id=shirt.id)).stock == 6


async def test_an_item_not_restocked_leaves_stock_alone(client: httpx.AsyncClient, db: str) -> None:
    shop, token, _user = await _signed_in(client)
    shirt = await factories.variant(shop, stock=4)
    ret = await return_for(shop, variant=shirt)
    await service.approve(ret, actor="system", settings=factories.app_settings())
    await queue.mark_received(
        ret, actor="system", issue_refund=False, settings=factories.app_settings()
    )
    item_id = (await queue.returned_items(ret, None))[0].id
    await client.post(
        f"/admin/returns/{ret.id}/inspect",
        data={"csrf_token": token, f"condition_{item_id}": "damaged"},
    )
    assert (await ProductVariant.get(id=shirt.id)).stock == 4
    item = (await queue.returned_items(ret, None))[0]
    assert (item.condition, item.restock, item.inspected_at is not None) == ("damaged", False, True)


async def test_resolve_then_close(client: httpx.AsyncClient, db: str) -> None:
    shop, token, user = await _signed_in(client)
    ret = await return_for(shop)
    await service.approve(ret, actor="system", settings=factories.app_settings())
    await queue.mark_received(
        ret, actor="system", issue_refund=False, settings=factories.app_settings()
    )
    for action, state in (("resolve", S.RESOLVED), ("close", S.CLOSED)):
        response = await client.post(
            f"/admin/returns/{ret.id}/{action}", data={"csrf_token": token}
        )
        assert response.status_code == 303, action
        assert await _state(ret) == state
        assert (await _last_move(ret)).actor == f"staff:{user.id}"  # type: ignore[attr-defined]


async def test_approving_an_exchange_without_stock_is_refused(
    client: httpx.AsyncClient, db: str
) -> None:
    shop, token, _user = await _signed_in(client)
    bigger = await factories.variant(shop, stock=1)
    ret = await return_for(shop, resolution="exchange", exchange_to=bigger)
    await ProductVariant.filter(id=bigger.id).update(stock=0)
    response = await client.post(f"/admin/returns/{ret.id}/approve", data={"csrf_token": token})
    assert response.status_code == 409
    assert "out of stock" in response.text
    assert await _state(ret) == S.NEEDS_REVIEW


async def test_posts_without_the_csrf_token_are_refused(client: httpx.AsyncClient, db: str) -> None:
    shop, _token, _user = await _signed_in(client)
    ret = await return_for(shop)
    response = await client.post(f"/admin/returns/{ret.id}/approve", data={})
    assert response.status_code == 403
    assert await _state(ret) == S.NEEDS_REVIEW


async def test_the_photo_is_served_to_staff_from_the_var_dir_only(
    app: Starlette, client: httpx.AsyncClient, db: str
) -> None:
    shop, _token, _user = await _signed_in(client)
    var_dir: Path = app.state.settings.var_dir
    folder = var_dir / "uploads" / "returns"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "abc.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    (var_dir.parent / "secret.png").write_bytes(b"outside")
    ret = await return_for(shop, photo_path="uploads/returns/abc.png")
    item = (await queue.returned_items(ret, None))[0]
    photo = await client.get(f"/admin/returns/{ret.id}/items/{item.id}/photo")
    assert photo.status_code == 200
    assert photo.headers["content-type"] == "image/png"
    assert photo.content.startswith(b"\x89PNG")
    await ReturnItem.filter(id=item.id).update(photo_path="../secret.png")
    assert (await client.get(f"/admin/returns/{ret.id}/items/{item.id}/photo")).status_code == 404
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as stranger:
        response = await stranger.get(f"/admin/returns/{ret.id}/items/{item.id}/photo")
        assert response.status_code == 303


async def test_the_detail_shows_an_exchange_and_the_return_parcel(
    client: httpx.AsyncClient, db: str
) -> None:
    shop, _token, _user = await _signed_in(client)
    bigger = await factories.variant(shop, stock=3, price=Decimal("34.00"), sku="TEE-XL")
    ret = await return_for(shop, resolution="exchange", exchange_to=bigger)
    parcel = await factories.shipment(
        shop, direction=Direction.RETURN, status=Status.IN_TRANSIT, tracking_number="SBXBACK1"
    )
    await ReturnRequest.filter(id=ret.id).update(return_shipment_id=parcel.id)
    page = await client.get(f"/admin/returns/{ret.id}")
    (row,) = page.context["exchange_rows"]
    assert (row["difference"], row["available"]) == ("$4.00", 3)
    assert "TEE-XL" in page.text and "3 available" in page.text
    assert page.context["parcel_status"] == "In transit"
    assert f'href="/admin/shipments/{parcel.id}"' in page.text


async def test_staff_add_and_correct_the_return_parcel(client: httpx.AsyncClient, db: str) -> None:
    shop, token, _user = await _signed_in(client)
    ret = await return_for(shop)
    await service.approve(ret, actor="staff:1", settings=factories.app_settings())
    url = f"/admin/returns/{ret.id}/parcel"
    page = await client.get(f"/admin/returns/{ret.id}")
    assert 'name="tracking_number"' in page.text

    unknown = await client.post(url, data={"csrf_token": token, "tracking_number": "ABCDEFGH12"})
    assert unknown.status_code == 400
    assert "choose the carrier" in unknown.text
    assert not await ReturnRequest.filter(id=ret.id, return_shipment_id__isnull=False).exists()

    saved = await client.post(
        url, data={"csrf_token": token, "tracking_number": "1Z999AA10123456784", "carrier": ""}
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/admin/returns/{ret.id}?done=parcel"
    linked = await (await ReturnRequest.get(id=ret.id)).return_shipment
    assert linked is not None
    assert (linked.carrier_key, linked.direction) == ("ups", Direction.RETURN)

    await client.post(
        url, data={"csrf_token": token, "tracking_number": "1234567890", "carrier": "dhl"}
    )
    corrected = await (await ReturnRequest.get(id=ret.id)).return_shipment
    assert corrected is not None and corrected.id == linked.id
    assert (corrected.carrier_key, corrected.tracking_number) == ("dhl", "1234567890")


async def test_the_lists_write_the_day_on_the_shops_clock_as_the_workspaces_language_does(
    client: httpx.AsyncClient, db: str
) -> None:
    """A New York shop reads "Dec 7, 2026" in its returns and orders lists, not the ISO
    "2026-12-08" of UTC's day; the machine-readable instant stays in ``datetime``."""
    shop, _token, _user = await _signed_in(client)
    await Merchant.filter(id=shop.id).update(time_zone="America/New_York")
    mine = await return_for(shop)
    late_evening = datetime(2026, 12, 8, 3, 30, tzinfo=UTC)  # 22:30 on the 7th in New York
    await ReturnRequest.filter(id=mine.id).update(created_at=late_evening)
    await Order.filter(id=mine.order_id).update(placed_at=late_evening)

    for path in ("/admin/returns", "/admin/orders"):
        page = await client.get(path)
        assert page.status_code == 200
        assert ">Dec 7, 2026</time>" in page.text, path
        assert ">2026-12-08" not in page.text and ">2026-12-07" not in page.text, path
    client.headers["Accept-Language"] = "pl-PL,pl;q=0.9"
    page = await client.get("/admin/returns")
    assert '<html lang="pl"' in page.text and ">7 gru 2026</time>" in page.text
