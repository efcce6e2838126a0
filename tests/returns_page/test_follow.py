"""Following a return: its page, who may see it, cancelling until it ships, the label."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime

import httpx
import pytest
from starlette.applications import Starlette

from portal.core import links
from portal.models import ReturnRequest, ReturnTransition
from portal.models.returns import ReturnState as S
from portal.returns import label_font, states
from portal.returns.service import Selection, create_return
from tests import factories
from tests.conftest import client_for
from tests.returns_page.helpers import Shop, make_shop, open_order


async def _booked(shop: Shop, method: str = "drop_off_qr") -> ReturnRequest:
    return await create_return(
        shop.order,
        [Selection(shop.tee.id, 1, "refund", "too_small")],
        method=method,
        settings=factories.app_settings(),
    )


async def test_the_page_shows_state_timeline_items_and_amounts(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    row = await _booked(shop)
    await open_order(web, shop)
    page = await web.get(f"/returns/{row.number}")
    assert page.status_code == 200
    states_shown = [step.state for step in page.context["steps"]]  # type: ignore[attr-defined]
    # Each line says what happened: "Approved" once, then the label is ready.
    assert states_shown == ["Requested", "Approved", "Ready for you to send"]
    assert [line.title for line in page.context["lines"]] == ["Tee"]  # type: ignore[attr-defined]
    assert page.context["refund_total"] == "€23.00"  # type: ignore[attr-defined]  # 30 - 3 - 4
    assert page.context["cancellable"] and page.context["send_by"]  # type: ignore[attr-defined]


async def test_a_return_under_review_says_so(web: httpx.AsyncClient, db: str) -> None:
    shop = await make_shop(auto_approve_rules={})
    row = await _booked(shop)
    await open_order(web, shop)
    page = await web.get(f"/returns/{row.number}")
    assert page.context["state"] == "Under review by the shop"  # type: ignore[attr-defined]
    assert page.context["under_review"] and not page.context["sendable"]  # type: ignore[attr-defined]
    assert (await web.get(f"/returns/{row.number}/label.pdf")).status_code == 404


async def test_cancelling_works_until_the_parcel_ships(web: httpx.AsyncClient, shop: Shop) -> None:
    from tests.returns_page.helpers import csrf_of

    first = await _booked(shop)
    page = await open_order(web, shop)
    token = csrf_of(page.text)
    cancelled = await web.post(f"/returns/{first.number}/cancel", data={"csrf_token": token})
    assert cancelled.status_code == 303
    assert (await ReturnRequest.get(id=first.id)).state == S.CANCELLED
    after = await web.get(f"/returns/{first.number}")
    assert after.context["state"] == "Cancelled" and not after.context["cancellable"]  # type: ignore[attr-defined]

    second = await _booked(shop)
    await states.transition(
        second, S.IN_TRANSIT, actor="carrier", settings=factories.app_settings()
    )
    refused = await web.post(f"/returns/{second.number}/cancel", data={"csrf_token": token})
    assert refused.status_code == 409
    assert "can no longer be cancelled" in refused.context["message"]  # type: ignore[attr-defined]
    assert (await ReturnRequest.get(id=second.id)).state == S.IN_TRANSIT
    assert not refused.context["cancellable"]  # type: ignore[attr-defined]


async def test_one_customer_cannot_see_anothers_return(returns_app: Starlette, shop: Shop) -> None:
    theirs = await make_shop(slug="other", email="bo@example.test")
    row = await _booked(theirs)
    async with client_for(returns_app) as web:
        await open_order(web, shop)  # access to their own order only
        for path in (f"/returns/{row.number}", f"/returns/{row.number}/label.pdf"):
            answer = await web.get(path)
            assert answer.status_code == 404
            # only the language menu's links back to the address asked for may name it
            assert row.number not in re.sub(r'href="[^"]*"', "", answer.text)
        page = await web.get("/returns")
        from tests.returns_page.helpers import csrf_of

        token = csrf_of(page.text)
        refused = await web.post(f"/returns/{row.number}/cancel", data={"csrf_token": token})
        assert refused.status_code == 404
        assert (await ReturnRequest.get(id=row.id)).state == S.AWAITING_SHIPMENT
        assert (await web.get(f"/returns/orders/{theirs.order.id}")).context.get("items") is None  # type: ignore[attr-defined]


async def test_a_follow_link_gives_access_to_its_return(web: httpx.AsyncClient, shop: Shop) -> None:
    row = await _booked(shop)
    settings = web._transport.app.app.state.settings  # type: ignore[attr-defined]
    link = links.follow_url(settings, shop.merchant.id, row.number)
    opened = await web.get(link.removeprefix(settings.public_base_url))
    assert opened.status_code == 303 and opened.headers["location"] == f"/returns/{row.number}"
    assert (await web.get(opened.headers["location"])).status_code == 200


async def test_a_forged_follow_link_is_refused(web: httpx.AsyncClient, shop: Shop) -> None:
    row = await _booked(shop)
    settings = web._transport.app.app.state.settings  # type: ignore[attr-defined]
    other = links.follow_token(settings, shop.merchant.id, "R-OTHER1")
    for token in (other, links.follow_token(settings, shop.merchant.id, row.number)[:-3] + "abc"):
        answer = await web.get(f"/returns/{row.number}/{token}")
        assert answer.status_code == 404
    assert (await web.get(f"/returns/{row.number}")).status_code == 404


async def test_the_customer_adds_the_tracking_number_from_the_drop_off(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    """With a plain form post: a number no carrier recognises asks for the carrier and
    saves nothing; a recognised one links a return parcel that is polled from now on."""
    from tests.returns_page.helpers import csrf_of

    row = await _booked(shop)
    page = await open_order(web, shop)
    token = csrf_of(page.text)
    shown = await web.get(f"/returns/{row.number}")
    assert shown.context["parcel_open"] and shown.context["parcel"] is None  # type: ignore[attr-defined]

    unknown = await web.post(
        f"/returns/{row.number}/parcel", data={"csrf_token": token, "tracking_number": "ABCDEFGH12"}
    )
    assert unknown.status_code == 422
    assert "choose the carrier" in unknown.context["parcel_problem"]  # type: ignore[attr-defined]
    assert (await ReturnRequest.get(id=row.id)).return_shipment_id is None  # type: ignore[attr-defined]

    saved = await web.post(
        f"/returns/{row.number}/parcel",
        data={"csrf_token": token, "tracking_number": "1Z999AA10123456784", "carrier": ""},
    )
    assert saved.status_code == 303
    after = await web.get(saved.headers["location"])
    assert "we follow your parcel" in after.context["message"]  # type: ignore[attr-defined]
    parcel = after.context["parcel"]  # type: ignore[attr-defined]
    assert (parcel.tracking_number, parcel.carrier_key) == ("1Z999AA10123456784", "ups")
    assert parcel.direction == "return" and parcel.next_poll_at is not None


async def test_another_customer_cannot_add_a_parcel(returns_app: Starlette, shop: Shop) -> None:
    row = await _booked(shop)
    async with client_for(returns_app) as stranger:
        home = await stranger.get("/returns")
        match = re.search(r'name="csrf_token" value="([^"]+)"', home.text)
        assert match
        response = await stranger.post(
            f"/returns/{row.number}/parcel",
            data={"csrf_token": match.group(1), "tracking_number": "1Z999AA10123456784"},
        )
    assert response.status_code == 404
    assert (await ReturnRequest.get(id=row.id)).return_shipment_id is None  # type: ignore[attr-defined]


async def test_looking_the_order_up_again_shows_the_open_return_and_its_label(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    from tests.returns_page.helpers import EMAIL, find

    row = await _booked(shop)
    found = await find(web, shop.order.number, EMAIL)
    assert found.status_code == 303
    assert found.headers["location"] == f"/returns/{row.number}?open=1"
    page = await web.get(found.headers["location"])
    assert f"You already started return {row.number} for this order." in page.text
    assert f"/returns/{row.number}/label.pdf" in page.text
    assert f'href="/returns/orders/{shop.order.id}"' in page.text  # another item, if wanted
    assert await ReturnRequest.filter(order_id=shop.order.id).count() == 1


async def test_a_cancelled_return_does_not_stop_a_new_one(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    from tests.returns_page.helpers import EMAIL, find

    row = await _booked(shop)
    await states.transition(row, S.CANCELLED, actor="customer", settings=factories.app_settings())
    found = await find(web, shop.order.number, EMAIL)
    assert found.headers["location"] == f"/returns/orders/{shop.order.id}"


async def test_the_drop_off_deadline_is_a_day_not_a_minute(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    from datetime import UTC, datetime

    row = await _booked(shop)
    # 14:37 in Warsaw on 17 December: the 16th is the last whole day to hand it in.
    await ReturnRequest.filter(id=row.id).update(
        label_expires_at=datetime(2026, 12, 17, 13, 37, tzinfo=UTC)
    )
    await open_order(web, shop)
    page = await web.get(f"/returns/{row.number}")
    assert page.context["send_by"] == "December 16, 2026"  # type: ignore[attr-defined]
    assert "Hand the parcel in by December 16, 2026." in page.text
    assert "13:37" not in page.text and "14:37" not in page.text


async def test_no_label_is_issued_without_the_shops_return_address(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    from portal.models import ReturnPolicy

    row = await _booked(shop)
    await ReturnPolicy.filter(merchant_id=shop.merchant.id).update(return_address={})
    await open_order(web, shop)
    page = await web.get(f"/returns/{row.number}")
    assert "The shop has not given the address returns go to yet" in page.text
    assert f"/returns/{row.number}/label.pdf" not in page.text
    label = await web.get(f"/returns/{row.number}/label.pdf")
    assert label.status_code == 409
    assert label.headers["content-type"].startswith("text/html")


async def test_labels_after_start_up_do_not_make_the_font_again(
    returns_app: Starlette, web: httpx.AsyncClient, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The web app prepares the labels' font when it starts, in a thread (fontTools, the
    font's coverage and the whole font: about a second of CPU the first customer to ask
    for a label waited through); each label then only subsets it, to the same bytes."""
    monkeypatch.setattr(label_font, "_whole", None)  # as in a process that has made no label
    label_font.coverage.cache_clear()
    read_by: list[str] = []
    read = label_font._file

    def reading() -> bytes:
        read_by.append(threading.current_thread().name)
        return read()

    monkeypatch.setattr(label_font, "_file", reading)
    row = await _booked(shop)
    await open_order(web, shop)
    async with returns_app.router.lifespan_context(returns_app):
        for thread in threading.enumerate():
            if thread.name == label_font.THREAD_NAME:
                thread.join(timeout=60)
        assert read_by == [label_font.THREAD_NAME] * 2, "coverage and whole font, at start"
        first = await web.get(f"/returns/{row.number}/label.pdf")
        second = await web.get(f"/returns/{row.number}/label.pdf")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert len(read_by) == 2, "the labels did not make the font again"


async def test_the_history_reads_the_locales_own_clock(web: httpx.AsyncClient, shop: Shop) -> None:
    """Each step's time is the locale's CLDR time, as on the tracking page: a Greek customer
    reads 12-hour "μ.μ." times on both, a Polish one 24-hour times (Warsaw, 13:05 UTC)."""
    row = await _booked(shop)
    await ReturnTransition.filter(return_request_id=row.id).update(
        created_at=datetime(2026, 12, 7, 13, 5, tzinfo=UTC)
    )
    await open_order(web, shop)
    written = {}
    for lang in ("el", "pl", "en"):
        page = await web.get(f"/returns/{row.number}?lang={lang}")
        written[lang] = {step.when for step in page.context["steps"]}  # type: ignore[attr-defined]
    assert written == {
        "el": {"7 Δεκεμβρίου 2026 - 2:05\u202fμ.μ."},
        "pl": {"7 grudnia 2026 14:05"},
        "en": {"December 7, 2026, 2:05\u202fPM"},
    }
