"""The items step: eligibility in plain words, reasons, and photo evidence checked."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from portal.models import OrderItem, ReturnReason, Shipment
from portal.returns_page import photos
from tests import factories
from tests.returns_page.helpers import (
    EMAIL,
    Shop,
    draft_of,
    find,
    make_shop,
    open_order,
    png,
    post_items,
    shown_text,
)


async def test_ineligible_items_say_why_in_plain_words(web: httpx.AsyncClient, shop: Shop) -> None:
    page = await open_order(web, shop)
    items = {i.title: i for i in page.context["items"]}  # type: ignore[attr-defined]
    assert items["Tee"].eligible and items["Tee"].max_quantity == 2
    assert not items["Briefs"].eligible
    assert "Final sale" in items["Briefs"].why_not and "Final sale" in page.text
    assert page.context["window"]  # type: ignore[attr-defined]


async def test_a_closed_window_names_the_day_it_closed(web: httpx.AsyncClient, db: str) -> None:
    shop = await make_shop(window_days=30)
    await Shipment.filter(order_id=shop.order.id).update(
        delivered_at=datetime(2026, 1, 10, 12, tzinfo=UTC)
    )
    page = await open_order(web, shop)
    tee = next(i for i in page.context["items"] if i.title == "Tee")  # type: ignore[attr-defined]
    assert tee.why_not == "The return window closed on February 9, 2026."


async def test_a_date_ending_a_sentence_has_one_final_dot_in_russian(
    web: httpx.AsyncClient, db: str
) -> None:
    shop = await make_shop(window_days=30)
    await Shipment.filter(order_id=shop.order.id).update(
        delivered_at=datetime(2026, 1, 10, 12, tzinfo=UTC)
    )
    await open_order(web, shop)
    page = await web.get(f"/returns/orders/{shop.order.id}?lang=ru")
    tee = next(i for i in page.context["items"] if i.title == "Tee")  # type: ignore[attr-defined]
    assert tee.why_not == "Срок возврата закончился 9 февраля 2026\u202fг."


async def test_reasons_nest_and_follow_the_language(web: httpx.AsyncClient, shop: Shop) -> None:
    page = await open_order(web, shop)
    assert '<optgroup label="Doesn’t fit">' in page.text
    polish = await web.get(f"/returns/orders/{shop.order.id}?lang=pl")
    assert '<optgroup label="Nie pasuje">' in polish.text and "Za mały" in polish.text
    assert "Something else" in polish.text  # no Polish label: the English one


async def test_an_already_returned_item_says_so(web: httpx.AsyncClient, shop: Shop) -> None:
    from portal.returns.service import Selection, create_return

    await create_return(
        shop.order,
        [Selection(shop.socks.id, 1, "refund", "too_small")],
        settings=factories.app_settings(),
    )
    found = await find(web, shop.order.number, EMAIL)
    assert found.headers["location"].endswith("?open=1")  # the open return, not a new one
    page = await web.get(f"/returns/orders/{shop.order.id}")
    socks = next(i for i in page.context["items"] if i.title == "Socks")  # type: ignore[attr-defined]
    # The return has not been sent yet: the item is in it, not "already returned".
    assert socks.why_not == "Already in one of your returns."


async def test_a_photo_reason_without_a_photo_keeps_what_was_typed(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    page = await open_order(web, shop)
    fields = {f"quantity-{shop.tee.id}": "1", f"reason-{shop.tee.id}": "damaged",
              f"comment-{shop.tee.id}": "Seam torn"}  # fmt: skip
    answer = await post_items(web, shop, page, fields)
    assert answer.status_code == 400
    tee = next(i for i in answer.context["items"] if i.id == shop.tee.id)  # type: ignore[attr-defined]
    assert tee.error == "This reason needs a photo of the item."
    assert tee.choice.comment == "Seam torn" and tee.choice.reason == "damaged"
    assert ">Seam torn</textarea>" in answer.text


async def test_bad_photos_are_refused_with_a_clear_message(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    page = await open_order(web, shop)
    fields = {f"quantity-{shop.tee.id}": "1", f"reason-{shop.tee.id}": "damaged",
              f"comment-{shop.tee.id}": "Seam torn"}  # fmt: skip
    cases = {
        "Send a photo as a JPEG, PNG or WebP file.": b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        "The photo is too large. Send a file of up to 8 MB.": png() + b"\0" * photos.MAX_BYTES,
        "The photo is too large. Send a picture of at most 6000 × 6000 pixels.": png(7000, 100),
    }
    for message, data in cases.items():
        files = {f"photo-{shop.tee.id}": ("photo.png", data, "image/png")}
        answer = await post_items(web, shop, page, fields, files)
        assert answer.status_code == 400
        tee = next(i for i in answer.context["items"] if i.id == shop.tee.id)  # type: ignore[attr-defined]
        assert tee.error == message
        assert tee.choice.comment == "Seam torn" and not tee.photo_kept
    stored = web._transport.app.app.state.settings.var_dir / photos.FOLDER  # type: ignore[attr-defined]
    assert not stored.exists() or not any(stored.iterdir())


async def test_a_good_photo_is_stored_outside_the_web_root_and_kept(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    page = await open_order(web, shop)
    files = {f"photo-{shop.tee.id}": ("IMG_1.png", png(), "image/png")}
    # The reason is missing: the step comes back, but the photo is not lost.
    fields = {f"quantity-{shop.tee.id}": "1", f"reason-{shop.tee.id}": ""}
    answer = await post_items(web, shop, page, fields, files)
    assert answer.status_code == 400
    assert "We have your photo" in answer.text
    fields[f"reason-{shop.tee.id}"] = "damaged"
    options = await post_items(web, shop, answer, fields)
    assert options.status_code == 200, options.text
    assert options.template.name == "returns/page.html"  # type: ignore[attr-defined]
    settings = web._transport.app.app.state.settings  # type: ignore[attr-defined]
    [saved] = (settings.var_dir / photos.FOLDER).iterdir()
    assert saved.suffix == ".png" and "IMG_1" not in saved.name
    assert saved.read_bytes() == png()
    assert draft_of(options.text)


async def test_a_comment_reason_needs_a_comment(web: httpx.AsyncClient, shop: Shop) -> None:
    page = await open_order(web, shop)
    fields = {f"quantity-{shop.tee.id}": "1", f"reason-{shop.tee.id}": "other"}
    answer = await post_items(web, shop, page, fields)
    tee = next(i for i in answer.context["items"] if i.id == shop.tee.id)  # type: ignore[attr-defined]
    assert tee.error == "This reason needs a few words about what happened."


async def test_nothing_chosen_asks_for_an_item(web: httpx.AsyncClient, shop: Shop) -> None:
    page = await open_order(web, shop)
    answer = await post_items(web, shop, page, {})
    assert answer.status_code == 400
    assert answer.context["message"] == "Choose at least one item to return."  # type: ignore[attr-defined]


async def test_more_than_the_returnable_quantity_is_refused(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    page = await open_order(web, shop)
    fields = {f"quantity-{shop.tee.id}": "3", f"reason-{shop.tee.id}": "too_small"}
    answer = await post_items(web, shop, page, fields)
    assert answer.status_code == 400
    assert "Choose a quantity the item allows." in answer.text


async def test_an_out_of_stock_variant_is_not_offered(web: httpx.AsyncClient, shop: Shop) -> None:
    page = await open_order(web, shop)
    fields = {f"quantity-{shop.tee.id}": "1", f"reason-{shop.tee.id}": "too_small"}
    options = await post_items(web, shop, page, fields)
    tee = next(i for i in options.context["items"] if i.id == shop.tee.id)  # type: ignore[attr-defined]
    offered = {v.id for v in tee.variants}
    assert offered == {shop.small.id, shop.large.id}
    assert shop.sold_out.id not in offered
    large = next(v for v in tee.variants if v.id == shop.large.id)
    assert (large.direction, large.difference) == ("more", "€4.00")
    assert "you pay €4.00 more" in options.text


async def test_steps_need_access_to_the_order(web: httpx.AsyncClient, shop: Shop) -> None:
    answer = await web.get(f"/returns/orders/{shop.order.id}")
    assert answer.status_code == 404
    assert answer.context.get("items") is None  # type: ignore[attr-defined]
    assert answer.context["message"] == "Find your order first to start a return."  # type: ignore[attr-defined]
    assert shop.tee.title not in shown_text(answer.text)


async def test_a_closed_window_is_not_first_announced_as_open(
    web: httpx.AsyncClient, db: str
) -> None:
    shop = await make_shop(window_days=30)
    await Shipment.filter(order_id=shop.order.id).update(
        delivered_at=datetime(2026, 1, 10, 12, tzinfo=UTC)
    )
    page = await open_order(web, shop)
    assert page.context["window"] == ""  # type: ignore[attr-defined]
    assert "You can start a return until" not in page.text
    assert "The return window closed on February 9, 2026." in page.text


async def test_an_over_long_comment_is_refused_with_a_clear_message(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    page = await open_order(web, shop)
    fields = {f"quantity-{shop.tee.id}": "1", f"reason-{shop.tee.id}": "too_small",
              f"comment-{shop.tee.id}": "word " * 60_000}  # fmt: skip
    answer = await post_items(web, shop, page, fields)
    assert answer.status_code == 400
    tee = next(i for i in answer.context["items"] if i.id == shop.tee.id)  # type: ignore[attr-defined]
    assert tee.error.startswith("Your comment has 299,999 characters; the shop reads up to 2,000.")
    assert len(tee.choice.comment) == 2000


async def test_a_body_too_large_to_read_gets_a_friendly_page(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    page = await open_order(web, shop)
    fields = {f"quantity-{shop.tee.id}": "1", f"comment-{shop.tee.id}": "x" * 2_000_000}
    answer = await post_items(web, shop, page, fields)
    assert answer.status_code == 413
    assert answer.context["step"] == "returns/_items.html"  # type: ignore[attr-defined]
    assert "What you sent is too large for us to read" in answer.text
    assert "<form" in answer.text


async def test_htmx_keeps_the_typed_form_when_the_body_is_too_large(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    page = await open_order(web, shop)
    fields = {f"quantity-{shop.tee.id}": "1", f"comment-{shop.tee.id}": "x" * 2_000_000}
    answer = await post_items(web, shop, page, fields, headers={"HX-Request": "true"})
    assert answer.status_code == 200
    assert answer.headers["HX-Reswap"] == "none"  # the form the customer typed stays
    assert 'id="form-problem" hx-swap-oob="true"' in answer.text
    assert "too large for us to read" in answer.text


async def test_a_reason_for_a_category_is_offered_whatever_its_case(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    """The shop typed "tees" on the reasons screen; its products say "Tees"."""
    await OrderItem.filter(id=shop.tee.id).update(category="Tees")
    await ReturnReason.create(
        merchant=shop.merchant, code="faded", labels={"en": "Faded"}, categories=["tees"]
    )
    page = await open_order(web, shop)
    menus = page.context["menus"]  # type: ignore[attr-defined]
    offered = {item: {g.option.code for g in menu} for item, menu in menus.items()}
    assert "faded" in offered[shop.tee.id]
    assert "faded" not in offered[shop.socks.id]  # no category: only reasons for every item
    chosen = await post_items(
        web,
        shop,
        page,
        {f"quantity-{shop.tee.id}": "1", f"reason-{shop.tee.id}": "faded"},
    )
    assert chosen.status_code == 200, chosen.text
    assert "does not apply to this item" not in chosen.text
