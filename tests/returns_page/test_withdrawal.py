"""The withdrawal function over HTTP: offered on the order page, two steps, a statement
recorded with its return and its acknowledgement, and the statutory limits enforced."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import httpx
import pytest
import time_machine
from starlette.applications import Starlette

from portal import i18n
from portal.core import links
from portal.models import (
    DomainEvent,
    Order,
    OutboxMessage,
    ReturnItem,
    ReturnRequest,
    Shipment,
    Withdrawal,
)
from portal.models.returns import ReturnKind, ReturnState
from portal.returns import withdrawal_rules as rules
from portal.returns_page import withdrawal as withdrawal_page
from tests.returns_page.helpers import EMAIL, Shop, csrf_of, find, hidden_fields


@pytest.fixture
def midday() -> Iterator[None]:
    """Noon UTC today, 13:00 in Warsaw: the same day on the shop's clock as in UTC, so a
    period counted in days ends where the test says whatever the hour the suite runs at
    (after 23:00 UTC, Warsaw is already a day further)."""
    noon = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    with time_machine.travel(noon, tick=True):
        yield


async def _in_eu(shop: Shop, shipping: str = "9.99") -> None:
    shop.merchant.country = "PL"
    await shop.merchant.save()
    await Order.filter(id=shop.order.id).update(shipping_total=Decimal(shipping))


async def _statement(web: httpx.AsyncClient, shop: Shop, **quantities: int) -> httpx.Response:
    page = await web.get(f"/withdraw/orders/{shop.order.id}")
    data = {
        "csrf_token": csrf_of(page.text),
        "name": "Ada Lovelace",
        "email": EMAIL,
        **{f"quantity-{getattr(shop, k).id}": str(v) for k, v in quantities.items()},
    }
    return await web.post(f"/withdraw/orders/{shop.order.id}", data=data)


async def _confirm(web: httpx.AsyncClient, shop: Shop, checked: httpx.Response) -> httpx.Response:
    return await web.post(
        f"/withdraw/orders/{shop.order.id}/confirm", data=hidden_fields(checked.text)
    )


async def test_the_order_page_offers_the_withdrawal_function(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    await _in_eu(shop)
    await find(web, "#5001", EMAIL)
    page = await web.get(f"/returns/orders/{shop.order.id}")
    assert "Withdraw from contract here" in page.text
    assert f'href="/withdraw/orders/{shop.order.id}"' in page.text


async def test_a_shop_outside_the_eu_offers_no_withdrawal_function(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    await find(web, "#5001", EMAIL)
    page = await web.get(f"/returns/orders/{shop.order.id}")
    assert "Withdraw from contract here" not in page.text
    form = await web.get(f"/withdraw/orders/{shop.order.id}")
    assert "not covered by the EU right of withdrawal" in form.text


async def test_the_policy_switch_turns_the_right_off_for_a_shop_in_the_eu(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    await _in_eu(shop)
    shop.policy.eu_consumer_law = False
    await shop.policy.save()
    await find(web, "#5001", EMAIL)
    assert (
        "Withdraw from contract here"
        not in (await web.get(f"/returns/orders/{shop.order.id}")).text
    )


async def test_a_shop_without_a_return_policy_still_answers_200_with_the_withdrawal_offer(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    """The statutory offer is the page's point: a full page load must not call it missing."""
    await _in_eu(shop)
    await shop.policy.delete()
    await find(web, "#5001", EMAIL)
    page = await web.get(f"/returns/orders/{shop.order.id}")
    assert page.status_code == 200
    assert "does not take returns online" in page.text
    assert f'href="/withdraw/orders/{shop.order.id}"' in page.text
    fragment = await web.get(f"/returns/orders/{shop.order.id}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "Withdraw from contract here" in fragment.text


async def test_a_shop_without_a_return_policy_or_withdrawal_right_answers_404(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    """Outside the EU the page has nothing to offer, and says so with its status."""
    await shop.policy.delete()
    await find(web, "#5001", EMAIL)
    page = await web.get(f"/returns/orders/{shop.order.id}")
    assert page.status_code == 404
    assert "does not take returns online" in page.text
    assert "Withdraw from contract here" not in page.text
    fragment = await web.get(f"/returns/orders/{shop.order.id}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "does not take returns online" in fragment.text


async def test_the_form_asks_no_reason_and_an_unknown_visitor_finds_the_order_first(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    await _in_eu(shop)
    stranger = await web.get(f"/withdraw/orders/{shop.order.id}")
    assert stranger.status_code == 404
    await find(web, "#5001", EMAIL)
    form = await web.get(f"/withdraw/orders/{shop.order.id}")
    assert form.status_code == 200
    assert 'name="name"' in form.text and 'name="email"' in form.text
    assert "reason" not in form.text.lower().split("no reason")[0].split("<form")[1]


async def test_a_withdrawal_is_confirmed_recorded_and_acknowledged(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    await _in_eu(shop)
    await find(web, "#5001", EMAIL)
    checked = await _statement(web, shop, tee=2, socks=1, final=1)
    assert checked.status_code == 200
    assert "Confirm withdrawal here" in checked.text
    assert await Withdrawal.all().count() == 0, "nothing is recorded before the confirmation"
    done = await _confirm(web, shop, checked)
    assert done.status_code == 200
    statement = await Withdrawal.get(order_id=shop.order.id)
    assert statement.name == "Ada Lovelace" and statement.email == EMAIL
    assert sorted(i["quantity"] for i in statement.items) == [1, 1, 2]
    request = await ReturnRequest.get(id=statement.return_request_id)
    assert request.kind == ReturnKind.WITHDRAWAL
    assert request.state == ReturnState.AWAITING_SHIPMENT
    assert request.label_expires_at is None, "a withdrawal never expires with its label"
    # 2 × 30 + 5 + 12 (final sale: still withdrawn) + 9.99 delivery; no restocking, no fee
    assert request.refund_total == Decimal("86.99") and request.fees_total == Decimal("0")
    ack = await OutboxMessage.get(id=statement.acknowledgement_id)
    assert ack.recipient == EMAIL and ack.trigger == "withdrawal_received"
    assert "Ada Lovelace" in ack.body_text and "#5001" in ack.body_text
    assert "2 × Tee" in ack.body_text and "Briefs" in ack.body_text
    assert done.context["submitted"] in ack.body_text  # type: ignore[attr-defined]
    assert await DomainEvent.filter(kind="withdrawal.submitted").count() == 1
    about_it = await OutboxMessage.filter(unique_key__startswith=f"return:{request.id}:")
    assert about_it == [], "no 'your return is approved' after the acknowledgement"


async def test_a_second_confirmation_of_the_same_statement_records_one(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    await _in_eu(shop)
    await find(web, "#5001", EMAIL)
    checked = await _statement(web, shop, socks=1)
    await _confirm(web, shop, checked)
    await _confirm(web, shop, checked)
    assert await Withdrawal.all().count() == 1
    assert await ReturnRequest.filter(kind=ReturnKind.WITHDRAWAL).count() == 1


async def test_a_partial_withdrawal_keeps_the_delivery_cost(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    await _in_eu(shop)
    await find(web, "#5001", EMAIL)
    await _confirm(web, shop, await _statement(web, shop, socks=1))
    request = await ReturnRequest.get(kind=ReturnKind.WITHDRAWAL)
    assert request.refund_total == Decimal("5.00")


async def test_the_return_cost_is_kept_only_when_the_policy_puts_it_on_the_customer(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    await _in_eu(shop)
    shop.policy.withdrawal_customer_pays_return = True
    await shop.policy.save()
    await find(web, "#5001", EMAIL)
    await _confirm(web, shop, await _statement(web, shop, tee=1))
    request = await ReturnRequest.get(kind=ReturnKind.WITHDRAWAL)
    assert (request.refund_total, request.fees_total) == (Decimal("26.00"), Decimal("4.00"))


async def test_day_15_after_delivery_is_refused_with_the_day_the_period_ended(
    midday: None, web: httpx.AsyncClient, shop: Shop
) -> None:
    await _in_eu(shop)
    # delivered at noon Warsaw time 15 days ago: the period's last day was yesterday
    delivered = datetime.now(UTC).replace(hour=11, minute=0) - timedelta(days=15)
    await Shipment.filter(order_id=shop.order.id).update(delivered_at=delivered)
    await find(web, "#5001", EMAIL)
    form = await web.get(f"/withdraw/orders/{shop.order.id}")
    last_day = (delivered + timedelta(days=14)).strftime("%B %-d, %Y")
    assert f"The withdrawal period for this order ended on {last_day}." in form.text
    page = await web.get(f"/returns/orders/{shop.order.id}")
    assert "Withdraw from contract here" not in page.text
    refused = await web.post(
        f"/withdraw/orders/{shop.order.id}/confirm",
        data={
            "csrf_token": csrf_of(page.text),
            "name": "Ada",
            "email": EMAIL,
            f"quantity-{shop.socks.id}": "1",
        },
    )
    assert refused.status_code == 400
    assert f"ended on {last_day}" in refused.text
    assert await Withdrawal.all().count() == 0


async def test_day_14_after_delivery_is_still_in_time(
    midday: None, web: httpx.AsyncClient, shop: Shop
) -> None:
    await _in_eu(shop)
    delivered = datetime.now(UTC).replace(hour=11, minute=0) - timedelta(days=14)
    await Shipment.filter(order_id=shop.order.id).update(delivered_at=delivered)
    await find(web, "#5001", EMAIL)
    await _confirm(web, shop, await _statement(web, shop, socks=1))
    assert await Withdrawal.all().count() == 1


async def test_an_unsealed_hygiene_item_cannot_be_withdrawn_but_a_sealed_one_can(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    await _in_eu(shop)
    shop.final.statutory_exception = "sealed_hygiene"
    shop.final.unsealed = True
    await shop.final.save()
    shop.socks.statutory_exception = "sealed_hygiene"
    await shop.socks.save()
    await find(web, "#5001", EMAIL)
    form = await web.get(f"/withdraw/orders/{shop.order.id}")
    assert f'name="quantity-{shop.final.id}"' not in form.text
    assert "has been unsealed" in form.text
    forged = await _statement(web, shop, final=1)
    assert forged.status_code == 400 and "cannot be withdrawn" in forged.text
    await _confirm(web, shop, await _statement(web, shop, socks=1))
    withdrawn = await ReturnItem.filter(return_request__kind=ReturnKind.WITHDRAWAL).values_list(
        "order_item_id", flat=True
    )
    assert withdrawn == [shop.socks.id]


async def test_the_signed_link_in_a_message_opens_the_form(
    returns_app: Starlette, web: httpx.AsyncClient, shop: Shop
) -> None:
    await _in_eu(shop)
    settings = returns_app.state.settings
    url = links.withdrawal_url(settings, shop.merchant.id, shop.order.id)
    opened = await web.get(url.removeprefix(settings.public_base_url))
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/withdraw/orders/{shop.order.id}"
    assert (await web.get(opened.headers["location"])).status_code == 200
    forged = await web.get("/withdraw/start/not-a-token")
    assert forged.status_code == 400


async def test_the_tracking_pages_order_view_offers_it_too(
    returns_app: Starlette, web: httpx.AsyncClient, shop: Shop
) -> None:
    await _in_eu(shop)
    settings = returns_app.state.settings
    parcel = await Shipment.get(order_id=shop.order.id)
    page = await web.get(
        links.make_tracking_link(settings, parcel).removeprefix(settings.public_base_url)
    )
    found = re.search(r'href="(/withdraw/start/[^"]+)"[^>]*>Withdraw from contract here', page.text)
    assert found, "the order tier shows the withdrawal function"
    opened = await web.get(found.group(1))
    assert opened.headers["location"] == f"/withdraw/orders/{shop.order.id}"
    assert (await web.get(opened.headers["location"])).status_code == 200


async def test_before_delivery_the_offer_names_the_shops_own_period(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    await _in_eu(shop)
    await Shipment.filter(order_id=shop.order.id).update(delivered_at=None)
    shop.policy.withdrawal_days = 30
    await shop.policy.save()
    await find(web, "#5001", EMAIL)
    page = await web.get(f"/returns/orders/{shop.order.id}")
    assert "Your 30-day withdrawal period starts when the last item is delivered" in page.text


@pytest.mark.parametrize("locale", ["bg", "ru", "uk", "en"])
def test_the_period_s_last_day_ends_its_sentence_with_one_full_stop(locale: str) -> None:
    token = i18n.set_locale(locale)
    try:
        period = SimpleNamespace(last_day=date(2026, 12, 21))
        said = withdrawal_page.refusal_words(rules.Refusal.PERIOD_ENDED, period)  # type: ignore[arg-type]
    finally:
        i18n.reset_locale(token)
    assert said.endswith(".") and not said.endswith(".."), said
    assert "2026" in said
