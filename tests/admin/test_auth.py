"""require_staff: sessions, roles, CSRF on admin forms, and ids that are not numbers."""

from __future__ import annotations

import httpx

from portal.admin.auth import session_version
from portal.models import Merchant, Role
from tests import factories
from tests.admin.helpers import sign_in, signed_in_owner


def test_the_session_version_follows_the_password_hash() -> None:
    assert session_version("a") != session_version("b")
    assert session_version("a") == session_version("a")


async def test_an_admin_form_without_the_csrf_token_is_refused(
    client: httpx.AsyncClient, db: str
) -> None:
    user, _token = await signed_in_owner(client)
    response = await client.post("/admin/settings", data={"name": "Hacked"})
    assert response.status_code == 403
    assert (await Merchant.get(id=user.merchant_id)).name != "Hacked"  # type: ignore[attr-defined]


async def test_an_htmx_post_with_the_header_token_goes_through(
    client: httpx.AsyncClient, db: str
) -> None:
    _user, token = await signed_in_owner(client)
    response = await client.post(
        "/admin/paste", data={"numbers": "1Z999AA10123456784"}, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 200


async def test_staff_see_the_workspace_but_not_owner_pages(
    client: httpx.AsyncClient, db: str
) -> None:
    user = await factories.staff_user(role=Role.STAFF)
    await sign_in(client, user)
    for path in ("/admin/shipments", "/admin/orders", "/admin/settings", "/admin/imports"):
        assert (await client.get(path)).status_code == 200, path
    assert (await client.get("/admin/carriers")).status_code == 403
    assert (await client.get("/admin/carriers/new?carrier=sandbox")).status_code == 403


async def test_the_session_cookie_is_httponly_and_lax(client: httpx.AsyncClient, db: str) -> None:
    user = await factories.staff_user()
    response = await sign_in(client, user)
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
