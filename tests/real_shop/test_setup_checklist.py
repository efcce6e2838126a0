"""A new shop learns what it still has to set up, on the workspace home and through the API,
and each step turns done as the shop does it through the API.

The shop is made with ``portal merchant create``, ``portal user create`` and ``portal
apikey create`` on an empty database (no demo). DHL is faked with respx at its real address
in its documented shape (https://developer.dhl.com/api-reference/shipment-tracking;
:class:`tests.real_shop.helpers.FakeDhl`), since connecting an account checks it there.
"""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from tests import factories
from tests.api.conftest import api_client, make_key
from tests.conftest import client_for
from tests.real_shop.helpers import DHL_API_KEY, Outside, place_order, sign_in_as, sign_up

pytestmark = pytest.mark.slow  # several `portal` processes

RETURNS_TO = {"line1": "ul. Magazynowa 7", "city": "Kraków", "country": "PL"}
REQUIRED = ["carrier_account", "orders", "contact", "return_policy", "return_reasons"]


async def open_steps(api: httpx.AsyncClient) -> list[str]:
    """The required steps ``GET /api/v1/setup`` still lists as open, in its order."""
    answer = await api.get("/api/v1/setup")
    assert answer.status_code == 200, answer.text
    setup = answer.json()
    still = [s["key"] for s in setup["steps"] if s["required"] and not s["done"]]
    assert setup["complete"] is (not still)
    return still


async def home_steps(staff: httpx.AsyncClient) -> dict[str, bool] | None:
    """The home's checklist (step key → done), or None when the panel is not shown."""
    page = await staff.get("/admin/")
    assert page.status_code == 200
    if not page.context["setup_steps"]:
        assert "Set up your shop" not in page.text
        return None
    assert 'id="setup-heading"' in page.text
    return {step.key: step.done for step in page.context["setup_steps"]}


async def test_a_new_shop_is_told_each_step_until_it_is_set_up(
    shop_app: Starlette, outside: Outside
) -> None:
    shop = await sign_up(shop_app, "fresh", "Fresh Wear")
    rival = await factories.merchant(slug="south", name="South Wear")
    async with (
        api_client(shop_app, shop.api_key) as api,
        client_for(shop_app) as staff,
        api_client(shop_app, await make_key(rival)) as theirs,
    ):
        await sign_in_as(staff, shop.owner_email, shop.owner_password)

        # Nothing is set up: every required step is open, on the API and on the home,
        # each open one a link to the screen that does it.
        setup = (await api.get("/api/v1/setup")).json()
        assert setup["complete"] is False
        assert [s["key"] for s in setup["steps"]] == [*REQUIRED, "branding"]
        assert [s["required"] for s in setup["steps"]] == [True] * 5 + [False]
        first = setup["steps"][0]
        assert first["api"] == {"method": "POST", "path": "/api/v1/carrier-accounts"}
        assert first["workspace"] == "/admin/carriers"
        assert await open_steps(api) == REQUIRED
        assert await home_steps(staff) == {key: False for key in [*REQUIRED, "branding"]}
        page = (await staff.get("/admin/")).text
        assert 'href="/admin/carriers"' in page and "To do" in page

        # A DHL account, checked at DHL when connected.
        connected = await api.post(
            "/api/v1/carrier-accounts",
            json={"carrier": "dhl", "name": "DHL", "credentials": {"api_key": DHL_API_KEY}},
        )
        assert connected.status_code == 201, connected.text
        assert await open_steps(api) == REQUIRED[1:]
        home = await home_steps(staff)
        assert home is not None and home["carrier_account"] is True
        assert "Done" in (await staff.get("/admin/")).text

        # Switched off, the account no longer counts; switched back on, it does.
        account = f"/api/v1/carrier-accounts/{connected.json()['id']}"
        assert (await api.patch(account, json={"enabled": False})).status_code == 200
        assert await open_steps(api) == REQUIRED
        assert (await api.patch(account, json={"enabled": True})).status_code == 200
        assert await open_steps(api) == REQUIRED[1:]

        # The checkout's first order.
        await place_order(api, "F-1")
        assert await open_steps(api) == REQUIRED[2:]

        # Where customers' replies go.
        settings = await api.patch("/api/v1/settings", json={"support_email": "help@fresh.test"})
        assert settings.status_code == 200, settings.text
        assert await open_steps(api) == REQUIRED[3:]

        # The return policy: the screen's defaults and where parcels come back to.
        policy = await api.patch("/api/v1/return-policy", json={"return_address": RETURNS_TO})
        assert policy.status_code == 201, policy.text
        assert await open_steps(api) == REQUIRED[4:]

        # A return reason: every required step is done and the panel goes, though the
        # optional branding step is still open.
        reason = await api.post(
            "/api/v1/return-reasons", json={"code": "size", "labels": {"en": "Wrong size"}}
        )
        assert reason.status_code == 201, reason.text
        assert await open_steps(api) == []
        done = (await api.get("/api/v1/setup")).json()
        assert done["complete"] is True
        assert [s["key"] for s in done["steps"] if not s["done"]] == ["branding"]
        assert await home_steps(staff) is None

        # The other shop set nothing up.
        assert await open_steps(theirs) == REQUIRED
