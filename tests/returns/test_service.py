"""Creating, approving, cancelling and expiring return requests on real databases."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from portal.models import DomainEvent, ReturnItem, ReturnReason, ReturnRequest, ReturnTransition
from portal.models.returns import ReturnState as S
from portal.returns import service
from portal.returns.service import ReturnRefused, Selection
from tests import factories
from tests.conftest import make_settings
from tests.returns.helpers import delivered_order, shop_with_policy


async def _states(request: ReturnRequest) -> list[str]:
    rows = await ReturnTransition.filter(return_request_id=request.id).order_by("id")
    return [row.to_state.value for row in rows]


async def test_a_request_is_priced_written_and_auto_approved(db: str) -> None:
    shop, _ = await shop_with_policy(
        return_shipping_fee=Decimal("4.00"), restocking_fee_percent=Decimal("10")
    )
    order = await delivered_order(shop)
    item = await factories.order_item(order, quantity=2, unit_price=Decimal("30.00"))
    request = await service.create_return(
        order,
        [Selection(item.id, 2, "refund")],
        method="drop_off_qr",
        submission_key="k1",
        settings=factories.app_settings(),
    )
    assert re.fullmatch(r"R-[A-Z2-9]{6}", request.number)
    saved = await ReturnRequest.get(id=request.id)
    assert saved.state == S.AWAITING_SHIPMENT
    assert (saved.refund_total, saved.fees_total) == (Decimal("50.00"), Decimal("10.00"))
    assert saved.label_expires_at is not None
    assert await _states(request) == ["requested", "approved", "awaiting_shipment"]
    line = await ReturnItem.get(return_request_id=request.id)
    assert (line.quantity, line.amount) == (2, Decimal("54.00"))
    kinds = [e.kind for e in await DomainEvent.filter(subject_id=request.id).order_by("id")]
    assert kinds == ["return.requested", "return.approved", "return.awaiting_shipment"]


async def test_a_request_breaking_an_auto_approve_rule_goes_to_review(db: str) -> None:
    shop, _ = await shop_with_policy(auto_approve_rules={"max_value": "10.00"})
    order = await delivered_order(shop)
    item = await factories.order_item(order)
    request = await service.create_return(
        order, [Selection(item.id, 1, "refund")], settings=factories.app_settings()
    )
    assert (await ReturnRequest.get(id=request.id)).state == S.NEEDS_REVIEW
    last = await ReturnTransition.filter(return_request_id=request.id).order_by("-id").first()
    assert last is not None and last.note == "max_value"


async def test_a_keep_item_return_resolves_at_once(db: str) -> None:
    shop, _ = await shop_with_policy(keep_item_threshold=Decimal("10.00"))
    order = await delivered_order(shop)
    item = await factories.order_item(order, unit_price=Decimal("8.00"))
    request = await service.create_return(
        order, [Selection(item.id, 1, "keep_item")], settings=factories.app_settings()
    )
    saved = await ReturnRequest.get(id=request.id)
    assert (saved.state, saved.refund_total) == (S.RESOLVED, Decimal("8.00"))
    assert saved.label_expires_at is None


REFUSALS = [
    ("final-sale", {"final_sale": True}, Selection(0, 1, "refund"), "final_sale"),
    ("too-many", {"quantity": 1}, Selection(0, 2, "refund"), "quantity"),
    ("zero", {}, Selection(0, 0, "refund"), "quantity"),
    ("resolution-not-offered", {}, Selection(0, 1, "keep_item"), "resolution"),
    ("unknown-reason", {}, Selection(0, 1, "refund", reason_code="nope"), "reason"),
    ("photo-required", {}, Selection(0, 1, "refund", reason_code="damaged"), "photo_required"),
    ("comment-required", {}, Selection(0, 1, "refund", reason_code="other"), "comment_required"),
    ("a-heading", {}, Selection(0, 1, "refund", reason_code="fit"), "reason"),
    (
        "exchange-without-variant",
        {},
        Selection(0, 1, "exchange", exchange_variant_id=999),
        "resolution",
    ),
]


@pytest.mark.parametrize(
    ("item_fields", "choice", "code"), [pytest.param(*c[1:], id=c[0]) for c in REFUSALS]
)
async def test_a_selection_against_the_policy_is_refused(
    db: str, item_fields: dict[str, object], choice: Selection, code: str
) -> None:
    shop, _ = await shop_with_policy()
    await ReturnReason.create(merchant=shop, code="damaged", requires_photo=True)
    await ReturnReason.create(merchant=shop, code="other", requires_comment=True)
    fit = await ReturnReason.create(merchant=shop, code="fit")
    await ReturnReason.create(merchant=shop, code="too_small", parent=fit)
    order = await delivered_order(shop)
    item = await factories.order_item(order, **item_fields)
    with pytest.raises(ReturnRefused) as refused:
        await service.create_return(
            order, [Selection(item.id, *_rest(choice))], settings=factories.app_settings()
        )
    assert refused.value.errors == {item.id: code}
    assert await ReturnRequest.all().count() == 0


def _rest(choice: Selection) -> tuple[object, ...]:
    return (
        choice.quantity,
        choice.resolution,
        choice.reason_code,
        choice.comment,
        choice.photo_path,
        choice.exchange_variant_id,
    )


async def test_a_reason_with_its_evidence_is_accepted(db: str) -> None:
    shop, _ = await shop_with_policy()
    await ReturnReason.create(merchant=shop, code="damaged", requires_photo=True, waives_fees=True)
    order = await delivered_order(shop)
    item = await factories.order_item(order)
    choice = Selection(item.id, 1, "refund", reason_code="damaged", photo_path="r/1.jpg")
    request = await service.create_return(order, [choice], settings=factories.app_settings())
    assert (await ReturnItem.get(return_request_id=request.id)).photo_path == "r/1.jpg"


async def test_units_already_in_a_return_cannot_be_returned_again(db: str) -> None:
    shop, _ = await shop_with_policy()
    order = await delivered_order(shop)
    item = await factories.order_item(order, quantity=3)
    await service.create_return(
        order, [Selection(item.id, 2, "refund")], settings=factories.app_settings()
    )
    with pytest.raises(ReturnRefused) as refused:
        await service.create_return(
            order, [Selection(item.id, 2, "refund")], settings=factories.app_settings()
        )
    assert refused.value.errors == {item.id: "quantity"}
    await service.create_return(
        order, [Selection(item.id, 1, "refund")], settings=factories.app_settings()
    )
    with pytest.raises(ReturnRefused) as again:
        await service.create_return(
            order, [Selection(item.id, 1, "refund")], settings=factories.app_settings()
        )
    assert again.value.errors == {item.id: "fully_returned"}


async def test_a_cancelled_return_frees_its_units(db: str) -> None:
    shop, _ = await shop_with_policy()
    order = await delivered_order(shop)
    item = await factories.order_item(order)
    first = await service.create_return(
        order, [Selection(item.id, 1, "refund")], settings=factories.app_settings()
    )
    await service.cancel(first, settings=factories.app_settings())
    assert (await ReturnRequest.get(id=first.id)).state == S.CANCELLED
    second = await service.create_return(
        order, [Selection(item.id, 1, "refund")], settings=factories.app_settings()
    )
    assert second.id != first.id


async def test_a_closed_window_refuses_the_whole_selection(db: str) -> None:
    shop, _ = await shop_with_policy(window_days=1)
    order = await delivered_order(shop)
    item = await factories.order_item(order)
    with pytest.raises(ReturnRefused) as refused:
        await service.create_return(
            order, [Selection(item.id, 1, "refund")], settings=factories.app_settings()
        )
    assert refused.value.errors == {item.id: "window_closed"}


async def test_without_a_policy_nothing_can_be_returned(db: str) -> None:
    shop = await factories.merchant()
    order = await delivered_order(shop)
    item = await factories.order_item(order)
    with pytest.raises(ReturnRefused, match="no_policy"):
        await service.create_return(
            order, [Selection(item.id, 1, "refund")], settings=factories.app_settings()
        )


async def test_a_method_the_policy_does_not_offer_is_refused(db: str) -> None:
    shop, _ = await shop_with_policy(methods=["drop_off_qr"])
    order = await delivered_order(shop)
    item = await factories.order_item(order)
    with pytest.raises(ReturnRefused, match="method"):
        await service.create_return(
            order,
            [Selection(item.id, 1, "refund")],
            method="in_store",
            settings=factories.app_settings(),
        )


async def test_a_double_submission_creates_one_request(db: str) -> None:
    shop, _ = await shop_with_policy()
    order = await delivered_order(shop)
    item = await factories.order_item(order, quantity=5)
    choice = [Selection(item.id, 1, "refund")]
    results = await asyncio.gather(
        *(
            service.create_return(
                order, choice, submission_key="form-abc", settings=factories.app_settings()
            )
            for _ in range(4)
        )
    )
    assert len({r.id for r in results}) == 1
    assert await ReturnRequest.all().count() == 1
    assert await ReturnItem.all().count() == 1


async def test_an_rma_clash_is_retried_with_a_new_number(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop, _ = await shop_with_policy()
    order = await delivered_order(shop)
    item = await factories.order_item(order, quantity=2)
    numbers = iter(["R-AAAAAA", "R-AAAAAA", "R-BBBBBB"])
    monkeypatch.setattr(service, "new_rma_number", lambda: next(numbers))
    first = await service.create_return(
        order, [Selection(item.id, 1, "refund")], settings=factories.app_settings()
    )
    second = await service.create_return(
        order, [Selection(item.id, 1, "refund")], settings=factories.app_settings()
    )
    assert (first.number, second.number) == ("R-AAAAAA", "R-BBBBBB")


async def test_a_returning_customer_over_the_limit_goes_to_review(db: str) -> None:
    shop, _ = await shop_with_policy(auto_approve_rules={"max_returns_per_customer": 1})
    order = await delivered_order(shop)
    item = await factories.order_item(order, quantity=2)
    first = await service.create_return(
        order, [Selection(item.id, 1, "refund")], settings=factories.app_settings()
    )
    second = await service.create_return(
        order, [Selection(item.id, 1, "refund")], settings=factories.app_settings()
    )
    assert (await ReturnRequest.get(id=first.id)).state == S.AWAITING_SHIPMENT
    assert (await ReturnRequest.get(id=second.id)).state == S.NEEDS_REVIEW


async def test_a_merchant_approves_or_rejects_a_reviewed_request(db: str) -> None:
    shop, _ = await shop_with_policy(auto_approve_rules={})
    order = await delivered_order(shop)
    item = await factories.order_item(order, quantity=2)
    one = await service.create_return(
        order, [Selection(item.id, 1, "refund")], settings=factories.app_settings()
    )
    two = await service.create_return(
        order, [Selection(item.id, 1, "refund")], settings=factories.app_settings()
    )
    await service.approve(one, actor="staff:3", note="fine", settings=factories.app_settings())
    await service.reject(two, actor="staff:3", note="worn", settings=factories.app_settings())
    assert (await ReturnRequest.get(id=one.id)).state == S.AWAITING_SHIPMENT
    assert (await ReturnRequest.get(id=two.id)).state == S.REJECTED
    assert await _states(one) == ["requested", "needs_review", "approved", "awaiting_shipment"]


async def test_unused_labels_expire_in_the_sweep(db: str, tmp_path: Path) -> None:
    shop, _ = await shop_with_policy()
    order = await delivered_order(shop)
    item = await factories.order_item(order, quantity=2)
    settings = make_settings(tmp_path, database_url=db)
    old = await service.create_return(order, [Selection(item.id, 1, "refund")], settings=settings)
    fresh = await service.create_return(order, [Selection(item.id, 1, "refund")], settings=settings)
    past = datetime.now(UTC) - timedelta(minutes=1)
    await ReturnRequest.filter(id=old.id).update(label_expires_at=past)
    async with httpx.AsyncClient() as client:
        assert await service.expire_unused_labels(settings, client) is False
    assert (await ReturnRequest.get(id=old.id)).state == S.EXPIRED
    assert (await ReturnRequest.get(id=fresh.id)).state == S.AWAITING_SHIPMENT
    last = await ReturnTransition.filter(return_request_id=old.id).order_by("-id").first()
    assert last is not None and (last.actor, last.note) == ("system", "label unused")
