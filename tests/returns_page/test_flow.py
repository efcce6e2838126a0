"""The whole flow with plain form posts (no JavaScript), and with htmx fragments."""

from __future__ import annotations

import asyncio
import io
from decimal import Decimal

import httpx
from pypdf import PdfReader

from portal.models import Exchange, ReturnItem, ReturnRequest
from portal.models.returns import ReturnState as S
from portal.returns import policy
from portal.returns.review import review_order
from tests.returns_page.helpers import Shop, open_order, post_items, post_step

HTMX = {"HX-Request": "true"}


async def _to_review(web: httpx.AsyncClient, shop: Shop, resolution: str = "refund",
                     extra: dict[str, str] | None = None) -> httpx.Response:  # fmt: skip
    page = await open_order(web, shop)
    fields = {f"quantity-{shop.tee.id}": "2", f"reason-{shop.tee.id}": "too_small",
              f"quantity-{shop.socks.id}": "1", f"reason-{shop.socks.id}": "too_large"}  # fmt: skip
    options = await post_items(web, shop, page, fields)
    assert options.status_code == 200, options.text
    choices = {f"resolution-{shop.tee.id}": resolution, f"resolution-{shop.socks.id}": "refund",
               "method": "drop_off_qr", **(extra or {})}  # fmt: skip
    review = await post_step(web, shop, options, "options", choices)
    assert review.status_code == 200, review.text
    assert review.context["step"] == "returns/_review.html"  # type: ignore[attr-defined]
    return review


async def test_the_whole_flow_works_with_plain_posts(web: httpx.AsyncClient, shop: Shop) -> None:
    review = await _to_review(web, shop)
    done = await post_step(web, shop, review, "confirm", {"note": "Thanks!"})
    assert done.status_code == 303
    page = await web.get(done.headers["location"])
    assert page.status_code == 200
    row = await ReturnRequest.get(order_id=shop.order.id)
    assert done.headers["location"] == f"/returns/{row.number}?new=1"
    assert (row.state, row.method, row.customer_note) == (
        S.AWAITING_SHIPMENT,
        "drop_off_qr",
        "Thanks!",
    )
    assert page.context["created"] and page.context["sendable"]  # type: ignore[attr-defined]
    assert "Your return is booked" in page.text and row.number in page.text
    assert page.context["state"] == "Approved: waiting for you to send it"  # type: ignore[attr-defined]
    assert 'src="data:image/svg+xml;base64,' in page.text
    assert f"/returns/{row.number}/label.pdf" in page.text
    label = await web.get(f"/returns/{row.number}/label.pdf")
    assert label.status_code == 200 and label.headers["content-type"] == "application/pdf"
    assert label.content.startswith(b"%PDF-1.4") and row.number.encode() in label.content
    printed = PdfReader(io.BytesIO(label.content)).pages[0].extract_text().splitlines()
    assert printed[3:12] == ["Ada Lovelace", "ul. Długa 5", "31-147 Kraków", "PL", "TO",
                             "Acme Returns", "ul. Zwrotna 1", "30-001 Kraków",
                             "PL"], printed  # fmt: skip


async def test_the_amounts_shown_are_the_policy_quote(web: httpx.AsyncClient, shop: Shop) -> None:
    review = await _to_review(web, shop, resolution="store_credit")
    found = await review_order(shop.order)
    lines = [
        policy.Line(found.items[shop.tee.id], 2, "store_credit", "too_small"),
        policy.Line(found.items[shop.socks.id], 1, "refund", "too_large"),
    ]
    expected = policy.quote(found.rules, lines, "EUR")
    quote = review.context["quote"]  # type: ignore[attr-defined]
    # Tee: 60 - 10% restocking = 54 + 10% bonus = 59.40 credit; socks 5 - 0.50 = 4.50,
    # minus the 4.00 return shipping = 0.50 refund; fees 6.00 + 0.50 + 4.00.
    assert (expected.credit_total, expected.refund_total, expected.fees_total) == (
        Decimal("59.40"),
        Decimal("0.50"),
        Decimal("10.50"),
    )
    assert (quote.credit_total, quote.refund_total, quote.fees_total) == (
        "€59.40",
        "€0.50",
        "€10.50",
    )
    assert quote.bonus == "10%"
    assert 'data-total="credit">€59.40' in review.text
    done = await post_step(web, shop, review, "confirm")
    row = await ReturnRequest.get(order_id=shop.order.id)
    assert done.status_code == 303
    assert (row.credit_total, row.refund_total, row.fees_total) == (
        expected.credit_total,
        expected.refund_total,
        expected.fees_total,
    )


async def test_amounts_follow_the_language(web: httpx.AsyncClient, shop: Shop) -> None:
    review = await _to_review(web, shop)
    polish = await post_step(web, shop, review, "review?lang=pl")
    assert polish.context["quote"].fees_total == "10,50\xa0€"  # type: ignore[attr-defined]


async def test_submitting_twice_creates_one_return(web: httpx.AsyncClient, shop: Shop) -> None:
    review = await _to_review(web, shop)
    first = await post_step(web, shop, review, "confirm")
    second = await post_step(web, shop, review, "confirm")
    assert first.headers["location"] == second.headers["location"]
    assert await ReturnRequest.filter(order_id=shop.order.id).count() == 1


async def test_two_submissions_at_once_create_one_return(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    review = await _to_review(web, shop)
    answers = await asyncio.gather(
        post_step(web, shop, review, "confirm"), post_step(web, shop, review, "confirm")
    )
    assert {a.status_code for a in answers} == {303}
    assert len({a.headers["location"] for a in answers}) == 1
    assert await ReturnRequest.filter(order_id=shop.order.id).count() == 1
    assert await ReturnItem.filter(return_request__order_id=shop.order.id).count() == 2


async def test_a_new_review_is_a_new_return(web: httpx.AsyncClient, shop: Shop) -> None:
    review = await _to_review(web, shop, extra={})
    again = await post_step(web, shop, review, "review")
    assert again.context["draft"] != review.context["draft"]  # type: ignore[attr-defined]


async def test_an_exchange_shows_the_price_difference_and_reserves_stock(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    extra = {f"variant-{shop.tee.id}": str(shop.large.id)}
    review = await _to_review(web, shop, resolution="exchange", extra=extra)
    assert "You pay €8.00 more for the new item." in review.text
    assert (await post_step(web, shop, review, "confirm")).status_code == 303
    exchange = await Exchange.get(new_variant_id=shop.large.id)
    assert exchange.price_difference == Decimal("8.00") and exchange.stock_reserved


async def test_an_exchange_needs_a_variant(web: httpx.AsyncClient, shop: Shop) -> None:
    page = await open_order(web, shop)
    fields = {f"quantity-{shop.tee.id}": "1", f"reason-{shop.tee.id}": "too_small"}
    options = await post_items(web, shop, page, fields)
    choices = {f"resolution-{shop.tee.id}": "exchange", "method": "drop_off_qr"}
    answer = await post_step(web, shop, options, "options", choices)
    assert answer.status_code == 400
    assert "Choose the size or colour you want instead." in answer.text


async def test_a_variant_that_sells_out_before_confirming_sends_the_customer_back(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    extra = {f"variant-{shop.tee.id}": str(shop.large.id)}
    review = await _to_review(web, shop, resolution="exchange", extra=extra)
    await type(shop.large).filter(id=shop.large.id).update(reserved=2)
    answer = await post_step(web, shop, review, "confirm")
    assert answer.status_code == 409
    assert answer.context["step"] == "returns/_options.html"  # type: ignore[attr-defined]
    assert not await ReturnRequest.filter(order_id=shop.order.id).exists()


async def test_keeping_a_cheap_item_needs_no_method(web: httpx.AsyncClient, shop: Shop) -> None:
    page = await open_order(web, shop)
    fields = {f"quantity-{shop.socks.id}": "1", f"reason-{shop.socks.id}": "too_small"}
    options = await post_items(web, shop, page, fields)
    socks = options.context["items"][0]  # type: ignore[attr-defined]
    assert "keep_item" in socks.resolutions
    review = await post_step(
        web, shop, options, "options", {f"resolution-{shop.socks.id}": "keep_item"}
    )
    assert review.status_code == 200 and review.context["method"] == ""  # type: ignore[attr-defined]
    done = await post_step(web, shop, review, "confirm")
    row = await ReturnRequest.get(order_id=shop.order.id)
    assert (row.state, row.method, row.refund_total) == (S.RESOLVED, None, Decimal("5.00"))
    page = await web.get(done.headers["location"])
    assert not page.context["sendable"] and not page.context["cancellable"]  # type: ignore[attr-defined]


async def test_a_method_is_needed_when_items_go_back(web: httpx.AsyncClient, shop: Shop) -> None:
    page = await open_order(web, shop)
    fields = {f"quantity-{shop.tee.id}": "1", f"reason-{shop.tee.id}": "too_small"}
    options = await post_items(web, shop, page, fields)
    answer = await post_step(web, shop, options, "options", {f"resolution-{shop.tee.id}": "refund"})
    assert answer.status_code == 400
    assert answer.context["message"] == "Choose how you will send the items back."  # type: ignore[attr-defined]


async def test_a_tampered_draft_is_refused(web: httpx.AsyncClient, shop: Shop) -> None:
    review = await _to_review(web, shop)
    page = review.text.replace('name="draft" value="', 'name="draft" value="x')
    forged = httpx.Response(200, text=page)
    answer = await post_step(web, shop, forged, "confirm")
    assert answer.status_code == 400
    assert answer.context["message"] == "This form has expired. Please choose your items again."  # type: ignore[attr-defined]
    assert not await ReturnRequest.filter(order_id=shop.order.id).exists()


async def test_back_buttons_keep_the_choices(web: httpx.AsyncClient, shop: Shop) -> None:
    review = await _to_review(web, shop, resolution="store_credit")
    options = await post_step(web, shop, review, "review", {"back": "1"})
    assert options.context["step"] == "returns/_options.html"  # type: ignore[attr-defined]
    tee = next(i for i in options.context["items"] if i.id == shop.tee.id)  # type: ignore[attr-defined]
    assert tee.choice.resolution == "store_credit"
    items = await post_step(web, shop, options, "options", {"back": "1"})
    tee = next(i for i in items.context["items"] if i.id == shop.tee.id)  # type: ignore[attr-defined]
    assert (tee.choice.quantity, tee.choice.reason) == (2, "too_small")


async def test_htmx_gets_each_step_as_a_fragment(web: httpx.AsyncClient, shop: Shop) -> None:
    from tests.returns_page.helpers import EMAIL, csrf_of

    start = await web.get("/returns")
    found = await web.post(
        "/returns",
        data={"order": "#5001", "contact": EMAIL},
        headers={**HTMX, "X-CSRF-Token": csrf_of(start.text)},
    )
    assert found.status_code == 200
    assert found.template.name == "returns/_items.html"  # type: ignore[attr-defined]
    assert found.headers["hx-push-url"] == f"/returns/orders/{shop.order.id}"
    assert "<html" not in found.text and 'id="step-heading" tabindex="-1" autofocus' in found.text
    fields = {f"quantity-{shop.tee.id}": "9", f"reason-{shop.tee.id}": "too_small"}
    wrong = await post_items(web, shop, found, fields, headers=HTMX)
    assert wrong.status_code == 200  # htmx swaps 2xx only: the problem is in the fragment
    assert wrong.template.name == "returns/_items.html"  # type: ignore[attr-defined]
    assert 'role="alert"' in wrong.text
    fields[f"quantity-{shop.tee.id}"] = "1"
    options = await post_items(web, shop, wrong, fields, headers=HTMX)
    assert options.template.name == "returns/_options.html"  # type: ignore[attr-defined]
    choices = {f"resolution-{shop.tee.id}": "refund", "method": "carrier_pickup"}
    review = await post_step(web, shop, options, "options", choices, headers=HTMX)
    assert review.template.name == "returns/_review.html"  # type: ignore[attr-defined]
    done = await post_step(web, shop, review, "confirm", headers=HTMX)
    assert done.template.name == "returns/_return.html"  # type: ignore[attr-defined]
    row = await ReturnRequest.get(order_id=shop.order.id)
    assert done.headers["hx-push-url"] == f"/returns/{row.number}?new=1"
    assert "Your return is booked" in done.text
    assert not done.context["sendable"]  # type: ignore[attr-defined]  # pickup: no label


async def test_opening_a_step_address_goes_back_to_the_items(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    await open_order(web, shop)
    answer = await web.get(f"/returns/orders/{shop.order.id}/options?lang=pl")
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/returns/orders/{shop.order.id}?lang=pl"


async def test_an_exchange_names_the_replacement_on_review_and_confirmation(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    extra = {f"variant-{shop.tee.id}": str(shop.large.id)}
    review = await _to_review(web, shop, resolution="exchange", extra=extra)
    assert "New item: size: L" in review.text
    done = await post_step(web, shop, review, "confirm")
    page = await web.get(done.headers["location"])
    assert "New item: size: L" in page.text
    polish = await web.get(done.headers["location"].split("?")[0] + "?lang=pl")
    assert "size:" not in polish.text  # the option's name is Polish too


async def test_a_free_exchange_mentions_no_fees(web: httpx.AsyncClient, shop: Shop) -> None:
    # The demo-like policy waives fees on exchanges: nothing is taken, so nothing is said.
    page = await open_order(web, shop)
    fields = {f"quantity-{shop.tee.id}": "1", f"reason-{shop.tee.id}": "too_small"}
    options = await post_items(web, shop, page, fields)
    choices = {f"resolution-{shop.tee.id}": "exchange",
               f"variant-{shop.tee.id}": str(shop.small.id), "method": "drop_off_qr"}  # fmt: skip
    review = await post_step(web, shop, options, "options", choices)
    assert review.status_code == 200, review.text
    assert not review.context["quote"].has_fees  # type: ignore[attr-defined]
    assert 'data-total="fees"' not in review.text
    assert "Fees are taken from the refund first" not in review.text
