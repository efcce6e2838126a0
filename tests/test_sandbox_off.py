"""In production, nothing offers, accepts or polls the sandbox carrier."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from portal.models import CarrierAccount
from portal.settings import Settings
from portal.tracking import accounts
from tests import factories
from tests.admin.helpers import admin_app, signed_in_owner
from tests.api.conftest import api_client, make_key
from tests.conftest import client_for, make_settings


@pytest.fixture
def off(tmp_path: Path, db: str) -> Settings:
    return make_settings(tmp_path, database_url=db, mode="production")


def test_the_sandbox_is_offered_only_where_it_is_on(tmp_path: Path, off: Settings) -> None:
    assert "sandbox" in accounts.offered(make_settings(tmp_path, sandbox_carrier="0"))
    assert "sandbox" not in accounts.offered(off)
    assert "dhl" in accounts.offered(off)


async def test_the_api_refuses_sandbox_shipments(tmp_path: Path, db: str) -> None:
    from portal.api import build_mount
    from portal.api.operations import ApiConfig
    from portal.app import create_app

    app = create_app(make_settings(tmp_path, database_url=db, mode="production"), manage_db=False)
    app.router.routes.insert(0, build_mount(ApiConfig()))
    shop = await factories.merchant()
    async with api_client(app, await make_key(shop)) as api:
        response = await api.post(
            "/api/v1/shipments", json={"tracking_number": "SBX00000000001", "carrier": "sandbox"}
        )
    assert response.status_code == 422
    assert "sandbox" not in response.json()["errors"][0]["detail"]


async def test_the_workspace_neither_lists_nor_creates_sandbox_accounts(
    tmp_path: Path, db: str
) -> None:
    app = admin_app(tmp_path, db, mode="production")
    async with client_for(app, base_url="https://testserver") as client:  # Secure cookies
        await signed_in_owner(client)
        page = await client.get("/admin/carriers")
        assert "sandbox" not in [key for key, _name in page.context["carriers"]]
        assert (await client.get("/admin/carriers/new?carrier=sandbox")).status_code == 404


async def test_an_old_sandbox_account_is_never_called(off: Settings, db: str) -> None:
    account: CarrierAccount = await factories.carrier_account(settings=off)
    async with httpx.AsyncClient() as client:
        with pytest.raises(KeyError, match="simulated"):
            accounts.build_adapter(account, off, client)
