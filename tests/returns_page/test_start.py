"""Starting a return: the lookup, the signed start link, and access kept per order."""

from __future__ import annotations

import httpx
import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from portal.core import links
from portal.tracking_page.views import order_not_found_message
from tests.returns_page.helpers import EMAIL, Shop, find, make_shop


class IssuedLongAgo(TimestampSigner):
    def get_timestamp(self) -> int:
        return super().get_timestamp() - links.START_MAX_AGE - 60


async def test_the_lookup_form_is_a_full_page_with_a_csrf_field(web: httpx.AsyncClient) -> None:
    page = await web.get("/returns")
    assert page.status_code == 200
    assert page.template.name == "returns/page.html"  # type: ignore[attr-defined]
    assert 'name="csrf_token"' in page.text and 'id="returns-step"' in page.text


async def test_the_right_order_and_email_open_its_items(web: httpx.AsyncClient, shop: Shop) -> None:
    found = await find(web, "5001", EMAIL.upper())
    assert found.status_code == 303
    assert found.headers["location"] == f"/returns/orders/{shop.order.id}"
    items = await web.get(found.headers["location"])
    assert items.status_code == 200
    assert [i.title for i in items.context["items"]] == ["Tee", "Socks", "Briefs"]  # type: ignore[attr-defined]


async def test_the_postcode_works_as_well_as_the_email(web: httpx.AsyncClient, shop: Shop) -> None:
    assert (await find(web, "#5001", "31147")).status_code == 303


async def test_a_wrong_email_gets_the_plain_not_found_message(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    answer = await find(web, "#5001", "someone@example.test")
    assert answer.status_code == 404
    assert answer.context["message"] == order_not_found_message()  # type: ignore[attr-defined]
    assert (await web.get(f"/returns/orders/{shop.order.id}")).context["message"]  # type: ignore[attr-defined]


async def test_another_shops_order_reads_exactly_like_a_missing_one(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    other = await make_shop(slug="other", email="bo@example.test")
    elsewhere = await find(web, "#5001", "bo@example.test", shop="acme")
    nowhere = await find(web, "#9999", "bo@example.test", shop="acme")
    assert elsewhere.status_code == nowhere.status_code == 404
    assert elsewhere.context["message"] == nowhere.context["message"]  # type: ignore[attr-defined]
    assert other.order.number not in elsewhere.text.replace('value="#5001"', "")
    mine = await find(web, "#5001", EMAIL, shop="acme")
    assert mine.headers["location"] == f"/returns/orders/{shop.order.id}"


async def test_lookups_are_rate_limited_per_client(web: httpx.AsyncClient, shop: Shop) -> None:
    for _ in range(10):
        assert (await find(web, "#5001", "wrong@example.test")).status_code == 404
    limited = await find(web, "#5001", EMAIL)
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0


async def test_a_signed_start_link_opens_the_order(web: httpx.AsyncClient, shop: Shop) -> None:
    settings = web._transport.app.app.state.settings  # type: ignore[attr-defined]
    link = links.start_url(settings, shop.merchant.id, shop.order.id)
    answer = await web.get(link.removeprefix(settings.public_base_url))
    assert answer.status_code == 303
    assert (await web.get(answer.headers["location"])).status_code == 200


@pytest.mark.parametrize("kind", ["forged", "expired", "other_shop"])
async def test_a_forged_or_expired_start_link_is_refused(
    web: httpx.AsyncClient, shop: Shop, kind: str
) -> None:
    settings = web._transport.app.app.state.settings  # type: ignore[attr-defined]
    token = links.start_token(settings, shop.merchant.id, shop.order.id)
    expected = 400
    if kind == "forged":
        token = URLSafeTimedSerializer("x" * 40, salt=links.START_SALT).dumps(
            [shop.merchant.id, shop.order.id]
        )
    elif kind == "expired":
        token = URLSafeTimedSerializer(
            settings.secret_key, salt=links.START_SALT, signer=IssuedLongAgo
        ).dumps([shop.merchant.id, shop.order.id])
        expected = 410
    else:
        token = links.start_token(settings, shop.merchant.id + 1, shop.order.id)
        expected = 404
    answer = await web.get(f"/returns/start/{token}")
    assert answer.status_code == expected
    assert answer.context["message"]  # type: ignore[attr-defined]
    assert (await web.get(f"/returns/orders/{shop.order.id}")).context.get("items") is None  # type: ignore[attr-defined]
