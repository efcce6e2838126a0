"""The workspace's Stores screen: connect, see the status line, test, and only one's own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from starlette.applications import Starlette

from portal.models import Platform, PlatformConnection
from portal.platforms.backfill import sync_connection
from tests import factories
from tests.admin.helpers import admin_app, signed_in_owner
from tests.conftest import client_for
from tests.platforms.fake_baselinker import BASELINKER_HOST, BASELINKER_TOKEN, FakeBaseLinker
from tests.platforms.fakes import (
    PRESTA,
    PRESTA_KEY,
    SHOPIFY_GRAPHQL,
    SHOPIFY_SECRET,
    SHOPIFY_TOKEN,
    FakePresta,
    FakeShopify,
)


@pytest.fixture
def app(tmp_path: Path, database_url: str, db: str) -> Starlette:
    return admin_app(tmp_path, database_url)


@pytest.fixture
def store() -> FakeShopify:
    return FakeShopify()


@pytest.fixture
async def http(store: FakeShopify) -> AsyncIterator[httpx.AsyncClient]:
    with respx.mock(assert_all_called=False) as mock:
        mock.post(SHOPIFY_GRAPHQL).mock(side_effect=store.answer)
        async with httpx.AsyncClient() as client:
            yield client


FORM = {"platform": "shopify", "access_token": SHOPIFY_TOKEN, "app_secret": SHOPIFY_SECRET}


async def test_the_owner_connects_tests_and_sees_a_pause(
    app: Starlette, store: FakeShopify, http: httpx.AsyncClient
) -> None:
    async with client_for(app) as staff:
        _owner, token = await signed_in_owner(staff)
        empty = await staff.get("/admin/stores")
        assert empty.template.name == "admin/stores.html"  # type: ignore[attr-defined]
        assert empty.context["stores"] == []  # type: ignore[attr-defined]

        wrong = await staff.post(
            "/admin/stores", data={**FORM, "shop_url": "shop.example.com", "csrf_token": token}
        )
        assert wrong.status_code == 400
        assert "myshopify.com address" in wrong.text
        assert not await PlatformConnection.exists()

        done = await staff.post(
            "/admin/stores", data={**FORM, "shop_url": "snowdevil", "csrf_token": token}
        )
        assert done.status_code == 303, done.text
        page = await staff.get("/admin/stores")
        ((connection, line),) = page.context["stores"]  # type: ignore[attr-defined]
        assert (line["webhooks"], line["paused"], line["last_error"]) == (8, None, None)

        tested = await staff.post(
            f"/admin/stores/{connection.id}/test",
            data={"csrf_token": token},
            headers={"HX-Request": "true"},
        )
        assert "Connected to Snowdevil." in tested.text

        store.token = "shpat_revoked"
        await sync_connection(connection, app.state.settings, http)
        paused = await staff.get("/admin/stores")
        assert "Paused: credentials rejected" in paused.text
        assert "The store refused the credentials (HTTP 401)." in paused.text


async def test_a_store_s_own_words_in_its_last_error_are_shown_as_text_not_markup(
    app: Starlette,
) -> None:
    """A store's error text (Shopify quotes the refused query back) reaches the owner's
    screen as text: translating a known sentence must not make a store's words markup,
    nor a format string (a "%" in them must not break the page)."""
    shop = await factories.merchant()
    await PlatformConnection.create(
        merchant=shop,
        platform=Platform.SHOPIFY,
        shop_url="https://mine.myshopify.com",
        credentials_encrypted="x",
        last_error='Shopify refused the query: <img src=x onerror="alert(1)"> 100% of "%s"',
    )
    async with client_for(app) as staff:
        await signed_in_owner(staff, shop)
        page = await staff.get("/admin/stores")
    assert page.status_code == 200
    assert '<img src=x onerror="alert(1)">' not in page.text
    assert "Shopify refused the query: &lt;img src=x onerror=" in page.text, page.text
    assert "100% of &#34;%s&#34;" in page.text, page.text


async def test_another_shops_store_is_not_found(app: Starlette, http: httpx.AsyncClient) -> None:
    theirs = await PlatformConnection.create(
        merchant=await factories.merchant(),
        platform=Platform.SHOPIFY,
        shop_url="https://other.myshopify.com",
        credentials_encrypted="x",
    )
    async with client_for(app) as staff:
        _owner, token = await signed_in_owner(staff)
        for action in ("test", "sync", "settings"):
            answer = await staff.post(
                f"/admin/stores/{theirs.id}/{action}", data={"csrf_token": token}
            )
            assert answer.status_code == 404


async def test_the_owner_connects_a_prestashop_store_with_its_webservice_key(
    app: Starlette,
) -> None:
    presta = FakePresta()
    with respx.mock(assert_all_called=False) as mock:
        mock.route(host="sklep.example.pl").mock(side_effect=presta.answer)
        async with client_for(app) as staff:
            _owner, token = await signed_in_owner(staff)
            form = await staff.get("/admin/stores")
            assert 'name="api_key"' in form.text
            assert "PrestaShop sends no webhooks" in form.text

            wrong = await staff.post(
                "/admin/stores",
                data={"platform": "prestashop", "shop_url": PRESTA, "api_key": "WRONG",
                      "csrf_token": token},
            )  # fmt: skip
            assert wrong.status_code == 400
            assert "refused these credentials" in wrong.text
            done = await staff.post(
                "/admin/stores",
                data={"platform": "prestashop", "shop_url": PRESTA, "api_key": PRESTA_KEY,
                      "csrf_token": token},
            )  # fmt: skip
            assert done.status_code == 303, done.text
            page = await staff.get("/admin/stores")
            ((connection, line),) = page.context["stores"]  # type: ignore[attr-defined]
            assert (connection.platform, line["webhooks"], line["paused"]) == (
                Platform.PRESTASHOP, 0, None,
            )  # fmt: skip
            assert 'name="write_returns"' not in page.text  # no documented refund to write

            tested = await staff.post(
                f"/admin/stores/{connection.id}/test",
                data={"csrf_token": token},
                headers={"HX-Request": "true"},
            )
            assert "Connected to Sklep Demo." in tested.text
            await staff.post(
                f"/admin/stores/{connection.id}/settings",
                data={"csrf_token": token, "write_tracking": "1", "write_returns": "1"},
            )
            saved = await PlatformConnection.get(id=connection.id)
            assert (saved.write_tracking, saved.write_returns) == (True, False)


async def test_the_owner_connects_a_baselinker_account_with_its_api_token(
    app: Starlette,
) -> None:
    base = FakeBaseLinker()
    with respx.mock(assert_all_called=False) as mock:
        mock.route(host=BASELINKER_HOST).mock(side_effect=base.answer)
        async with client_for(app) as staff:
            _owner, token = await signed_in_owner(staff)
            form = await staff.get("/admin/stores")
            assert 'name="api_token"' in form.text
            assert "BaseLinker sends no webhooks" in form.text

            wrong = await staff.post(
                "/admin/stores",
                data={"platform": "baselinker", "api_token": "1-23-ABC", "csrf_token": token},
            )
            assert wrong.status_code == 400
            assert "refused these credentials" in wrong.text
            # No address to give: the connection is the account.
            done = await staff.post(
                "/admin/stores",
                data={"platform": "baselinker", "api_token": BASELINKER_TOKEN,
                      "csrf_token": token},
            )  # fmt: skip
            assert done.status_code == 303, done.text
            page = await staff.get("/admin/stores")
            ((connection, line),) = page.context["stores"]  # type: ignore[attr-defined]
            assert (connection.platform, connection.shop_url, line["paused"]) == (
                Platform.BASELINKER, "https://api.baselinker.com", None,
            )  # fmt: skip
            # Nothing is written back to BaseLinker: neither setting is offered or kept.
            assert 'name="write_tracking"' not in page.text
            assert 'name="write_returns"' not in page.text
            tested = await staff.post(
                f"/admin/stores/{connection.id}/test",
                data={"csrf_token": token},
                headers={"HX-Request": "true"},
            )
            assert "Connected to BaseLinker." in tested.text
            await staff.post(
                f"/admin/stores/{connection.id}/settings",
                data={"csrf_token": token, "write_tracking": "1", "write_returns": "1"},
            )
            saved = await PlatformConnection.get(id=connection.id)
            assert (saved.write_tracking, saved.write_returns) == (False, False)


async def connected_baselinker(staff: httpx.AsyncClient) -> tuple[PlatformConnection, str]:
    """A new owner signed in who connected a BaseLinker account on the screen: the
    connection and the owner's CSRF token."""
    owner, token = await signed_in_owner(staff)
    connected = await staff.post(
        "/admin/stores",
        data={"platform": "baselinker", "api_token": BASELINKER_TOKEN, "csrf_token": token},
    )
    assert connected.status_code == 303, connected.text
    return await PlatformConnection.get(merchant_id=owner.merchant_id), token


async def test_the_owner_chooses_the_baselinker_status_a_delivered_parcel_moves_its_order_to(
    app: Starlette,
) -> None:
    base = FakeBaseLinker()
    theirs = await PlatformConnection.create(
        merchant=await factories.merchant(),
        platform=Platform.BASELINKER,
        shop_url="https://api.baselinker.com",
        credentials_encrypted="x",
    )
    with respx.mock(assert_all_called=False) as mock:
        mock.route(host=BASELINKER_HOST).mock(side_effect=base.answer)
        async with client_for(app) as staff:
            mine, token = await connected_baselinker(staff)

            # The picker: the account's statuses (getOrderStatusList), and off, chosen.
            page = await staff.get("/admin/stores")
            assert page.context["statuses"] == {  # type: ignore[attr-defined]
                mine.id: {"1051": "New orders", "1052": "To be paid (courier)",
                          "1053": "Shipped", "1054": "Delivered"},
            }  # fmt: skip
            picker = f'id="delivered-{mine.id}" name="delivered_status"'
            assert f'<label for="delivered-{mine.id}">' in page.text and picker in page.text
            assert "selected" not in page.text  # the first option, off

            chosen = await staff.post(
                f"/admin/stores/{mine.id}/settings",
                data={"csrf_token": token, "delivered_status": "1054"},
            )
            assert chosen.status_code == 303
            saved = await PlatformConnection.get(id=mine.id)
            assert (saved.delivered_status_id, saved.write_tracking) == (1054, True)
            page = await staff.get("/admin/stores")
            assert '<option value="1054" selected>Delivered</option>' in page.text

            # A status the account lacks: refused with the API's checks, nothing changes.
            refused = await staff.post(
                f"/admin/stores/{mine.id}/settings",
                data={"csrf_token": token, "delivered_status": "9999"},
            )
            assert refused.status_code == 400
            assert "Choose one of the account&#39;s order statuses, or Off." in refused.text
            assert f'aria-describedby="delivered-{mine.id}-error"' in refused.text
            assert (await PlatformConnection.get(id=mine.id)).delivered_status_id == 1054

            # Another shop's store: not found, and not listed.
            other = await staff.post(
                f"/admin/stores/{theirs.id}/settings",
                data={"csrf_token": token, "delivered_status": "1054"},
            )
            assert other.status_code == 404
            assert (await PlatformConnection.get(id=theirs.id)).delivered_status_id is None

            # Off: nothing is written back any more.
            await staff.post(
                f"/admin/stores/{mine.id}/settings",
                data={"csrf_token": token, "delivered_status": "none"},
            )
            saved = await PlatformConnection.get(id=mine.id)
            assert (saved.delivered_status_id, saved.write_tracking) == (None, False)


def status_reads(route: respx.Route) -> int:
    """How many times the screen asked BaseLinker for the account's order statuses."""
    return sum(
        parse_qs(call.request.content.decode())["method"] == ["getOrderStatusList"]
        for call in route.calls
    )


async def test_the_picker_reads_baselinker_s_statuses_once_an_hour_or_when_asked(
    app: Starlette,
) -> None:
    """getOrderStatusList (https://api.baselinker.com/index.php?method=getOrderStatusList)
    answered in its documented shape; a refused token in BaseLinker's documented ERROR
    answer (tests/fixtures/baselinker/SOURCE.md)."""
    base = FakeBaseLinker()
    with respx.mock(assert_all_called=False) as mock:
        route = mock.route(host=BASELINKER_HOST).mock(side_effect=base.answer)
        async with client_for(app) as staff:
            mine, token = await connected_baselinker(staff)
            picker = f'id="delivered-{mine.id}" name="delivered_status"'

            # Never read, and BaseLinker does not answer: no picker, the reason.
            base.token = "3001234-REVOKED"
            page = await staff.get("/admin/stores")
            assert page.status_code == 200 and picker not in page.text
            assert "order statuses could not be read: BaseLinker refused the token" in page.text

            # Read once, then drawn from what was read: two renders, one call.
            base.token = BASELINKER_TOKEN
            before = status_reads(route)
            first = await staff.get("/admin/stores")
            second = await staff.get("/admin/stores")
            assert status_reads(route) == before + 1
            assert first.context["statuses"] == second.context["statuses"] == {  # type: ignore[attr-defined]
                mine.id: {"1051": "New orders", "1052": "To be paid (courier)",
                          "1053": "Shipped", "1054": "Delivered"},
            }  # fmt: skip

            # Saving a choice reads them (to check it), and the screen uses that read.
            before = status_reads(route)
            await staff.post(
                f"/admin/stores/{mine.id}/settings",
                data={"csrf_token": token, "delivered_status": "1054"},
            )
            await staff.get("/admin/stores")
            assert status_reads(route) == before + 1

            # The refresh control reads them now.
            before = status_reads(route)
            refreshed = await staff.post(
                f"/admin/stores/{mine.id}/statuses", data={"csrf_token": token}
            )
            assert refreshed.status_code == 200 and picker in refreshed.text
            assert status_reads(route) == before + 1

            # BaseLinker fails the refresh: the last known list, the choice, and a notice.
            base.token = "3001234-REVOKED"
            failed = await staff.post(
                f"/admin/stores/{mine.id}/statuses", data={"csrf_token": token}
            )
            assert failed.status_code == 200
            assert '<option value="1054" selected>Delivered</option>' in failed.text
            assert (
                "order statuses could not be read again (BaseLinker refused the token"
                in failed.text
            )
            assert (await PlatformConnection.get(id=mine.id)).delivered_status_id == 1054

            # An hour on, the screen reads them again; failing, it still draws the list.
            await PlatformConnection.filter(id=mine.id).update(
                order_statuses_read_at=datetime.now(UTC) - timedelta(hours=1, minutes=1)
            )
            before = status_reads(route)
            stale = await staff.get("/admin/stores")
            assert status_reads(route) == before + 1
            assert stale.status_code == 200 and picker in stale.text
            assert "could not be read again" in stale.text

            # Another shop's store: not found.
            theirs = await PlatformConnection.create(
                merchant=await factories.merchant(),
                platform=Platform.BASELINKER,
                shop_url="https://api.baselinker.com",
                credentials_encrypted="x",
            )
            other = await staff.post(
                f"/admin/stores/{theirs.id}/statuses", data={"csrf_token": token}
            )
            assert other.status_code == 404
