"""Shared helpers for admin tests: the app with the admin routes, CSRF tokens, sign-in."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from starlette.applications import Starlette

from portal import admin
from portal.app import create_app
from portal.models import Merchant, Role, StaffUser
from portal.settings import Settings
from tests import factories
from tests.conftest import make_settings

PASSWORD = "correct horse battery staple"


def admin_app(tmp_path: Path, database_url: str, **env: str) -> Starlette:
    app = create_app(make_settings(tmp_path, database_url=database_url, **env), manage_db=False)
    app.router.routes.extend(admin.routes)
    return app


def settings_of(app: Starlette) -> Settings:
    return app.state.settings  # type: ignore[no-any-return]


async def csrf(client: httpx.AsyncClient, path: str = "/admin/login") -> str:
    page = await client.get(path)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, f"{path} carries a CSRF field"
    return match.group(1)


async def sign_in(
    client: httpx.AsyncClient, user: StaffUser, password: str = PASSWORD
) -> httpx.Response:
    token = await csrf(client)
    return await client.post(
        "/admin/login", data={"email": user.email, "password": password, "csrf_token": token}
    )


async def signed_in_owner(
    client: httpx.AsyncClient, shop: Merchant | None = None
) -> tuple[StaffUser, str]:
    """An owner signed in on ``client``; returns the user and a CSRF token for posts."""
    shop = shop or await factories.merchant()
    user = await factories.staff_user(shop, role=Role.OWNER)
    response = await sign_in(client, user)
    assert response.status_code == 303, response.text
    return user, await csrf(client, "/admin/account")
