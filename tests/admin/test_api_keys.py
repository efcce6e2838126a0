"""API keys in the workspace: owners only, the key shown once, revoked after confirming."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from portal.models import ApiKey, Role
from portal.security import api_key_matches
from tests import factories
from tests.admin.helpers import csrf, sign_in, signed_in_owner


async def _create(client: httpx.AsyncClient, token: str, name: str = "Warehouse") -> httpx.Response:
    return await client.post("/admin/api-keys", data={"name": name, "csrf_token": token})


async def test_an_owner_creates_a_key_and_sees_it_once(client: httpx.AsyncClient) -> None:
    user, token = await signed_in_owner(client)
    response = await _create(client, token)
    assert response.status_code == 200
    assert response.template.name == "admin/api_key_created.html"  # type: ignore[attr-defined]
    assert response.headers["cache-control"] == "no-store"
    plaintext = response.context["plaintext"]  # type: ignore[attr-defined]
    assert plaintext in response.text
    key = await ApiKey.get(merchant_id=user.merchant_id)  # type: ignore[attr-defined]
    assert key.name == "Warehouse"
    assert api_key_matches(key.key_hash, plaintext)
    listing = await client.get("/admin/api-keys")
    assert plaintext not in listing.text
    assert key.prefix in listing.text
    assert [k.id for k in listing.context["keys"]] == [key.id]  # type: ignore[attr-defined]


async def test_a_nameless_key_is_refused(client: httpx.AsyncClient) -> None:
    _, token = await signed_in_owner(client)
    response = await _create(client, token, name="  ")
    assert response.status_code == 400
    assert "name" in response.context["errors"]  # type: ignore[attr-defined]
    assert await ApiKey.all().count() == 0


async def test_the_created_key_works_on_the_api_until_revoked(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    from portal.api import build_mount

    app.router.routes.insert(0, build_mount())
    _, token = await signed_in_owner(client)
    plaintext = (await _create(client, token)).context["plaintext"]  # type: ignore[attr-defined]
    auth = {"Authorization": f"Bearer {plaintext}"}
    assert (await client.get("/api/v1/orders", headers=auth)).status_code == 200
    key = await ApiKey.get()
    confirm = await client.get(f"/admin/api-keys/{key.id}/revoke")
    assert confirm.template.name == "admin/api_key_revoke.html"  # type: ignore[attr-defined]
    revoked = await client.post(f"/admin/api-keys/{key.id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 303
    assert (await ApiKey.get(id=key.id)).revoked_at is not None
    assert (await client.get("/api/v1/orders", headers=auth)).status_code == 401


async def test_revoking_needs_the_csrf_token(client: httpx.AsyncClient) -> None:
    _, token = await signed_in_owner(client)
    await _create(client, token)
    key = await ApiKey.get()
    response = await client.post(f"/admin/api-keys/{key.id}/revoke", data={})
    assert response.status_code == 403
    assert (await ApiKey.get(id=key.id)).revoked_at is None


async def test_another_merchants_key_is_404(client: httpx.AsyncClient) -> None:
    _, token = await signed_in_owner(client)
    theirs = await factories.merchant()
    other = await ApiKey.create(merchant=theirs, name="x", prefix="abcdefabcdef", key_hash="0" * 64)
    assert (await client.get(f"/admin/api-keys/{other.id}/revoke")).status_code == 404
    response = await client.post(f"/admin/api-keys/{other.id}/revoke", data={"csrf_token": token})
    assert response.status_code == 404
    assert (await ApiKey.get(id=other.id)).revoked_at is None
    assert (await client.get("/admin/api-keys/nope/revoke")).status_code == 404
    listing = await client.get("/admin/api-keys")
    assert listing.context["keys"] == []  # type: ignore[attr-defined]


async def test_staff_who_are_not_owners_get_403(client: httpx.AsyncClient) -> None:
    shop = await factories.merchant()
    user = await factories.staff_user(shop, role=Role.STAFF)
    await sign_in(client, user)
    token = await csrf(client, "/admin/account")
    assert (await client.get("/admin/api-keys")).status_code == 403
    assert (await _create(client, token)).status_code == 403
    assert await ApiKey.all().count() == 0


async def test_signed_out_visitors_go_to_the_sign_in_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/admin/api-keys")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login")
