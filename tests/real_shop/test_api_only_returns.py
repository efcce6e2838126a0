"""A shop that never opens the workspace sets its return policy through the REST API, and
its customers' returns follow it.

The shop is made with ``portal merchant create``, ``portal user create`` and ``portal
apikey create`` on an empty database (no demo, no policy); its carrier account, order,
parcel and policy go through ``/api/v1``. DHL is faked with respx at its real address in
its documented shape (https://developer.dhl.com/api-reference/shipment-tracking;
:class:`tests.real_shop.helpers.FakeDhl`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from babel.dates import format_date
from starlette.applications import Starlette

from tests import factories
from tests.api.conftest import api_client, make_key
from tests.conftest import client_for
from tests.real_shop.helpers import (
    DHL_API_KEY,
    EMAIL,
    KRAKOW,
    LEIPZIG,
    Outside,
    book_parcel,
    csrf_in,
    dhl_number,
    place_order,
    poll_when_due,
    sign_in_as,
    sign_up,
)

pytestmark = pytest.mark.slow  # several `portal` processes

RETURNS_ADDRESS = {
    "name": "Returns",
    "line1": "ul. Magazynowa 7",
    "city": "Kraków",
    "postal_code": "30-798",
    "country": "pl",
}
RETURN = {
    "order_number": "P-1",
    "items": [{"sku": "TEE-M", "quantity": 1, "resolution": "refund"}],
}


async def test_a_shop_sets_its_return_policy_through_the_api_and_takes_a_return(
    shop_app: Starlette, outside: Outside, http: httpx.AsyncClient
) -> None:
    shop = await sign_up(shop_app, "policy", "Policy Wear")
    rival = await factories.merchant(slug="south", name="South Wear")
    waybill = dhl_number("340434174")
    async with api_client(shop_app, shop.api_key) as api:
        connected = await api.post(
            "/api/v1/carrier-accounts",
            json={"carrier": "dhl", "name": "DHL", "credentials": {"api_key": DHL_API_KEY}},
        )
        assert connected.status_code == 201, connected.text
        await place_order(api, "P-1")
        parcel_id = await book_parcel(api, waybill, "P-1")
        outside.dhl.scan(waybill, "transit", "Processed", LEIPZIG)
        outside.dhl.scan(waybill, "delivered", "Delivered", KRAKOW)
        await poll_when_due(shop_app, http, parcel_id)

        # A new shop has no policy: nothing can be returned online.
        assert (await api.get("/api/v1/return-policy")).status_code == 404
        assert (await api.post("/api/v1/returns", json=RETURN)).status_code == 422

        # Checked as the screen checks it: a fee in tenths of a cent, a reason the shop
        # does not have, and labels without an address to send parcels back to. Nothing
        # is made.
        refused = await api.patch(
            "/api/v1/return-policy",
            json={"return_shipping_fee": "4.999", "fee_waivers": {"reasons": ["damaged"]}},
        )
        assert refused.status_code == 422, refused.text
        assert {e["pointer"] for e in refused.json()["errors"]} == {
            "/return_shipping_fee",
            "/fee_waivers/reasons",
            "/return_address/line1",
            "/return_address/city",
            "/return_address/country",
        }
        assert (await api.get("/api/v1/return-policy")).status_code == 404

        # The policy made: the screen's defaults and what was sent.
        made = await api.patch(
            "/api/v1/return-policy",
            json={
                "return_shipping_fee": "4.95",
                "auto_approve": {"enabled": True, "max_value": "100.00"},
                "return_address": RETURNS_ADDRESS,
            },
        )
        assert made.status_code == 201, made.text
        policy = made.json()
        assert (policy["window_days"], policy["methods"]) == (30, ["drop_off_label", "drop_off_qr"])
        assert policy["return_shipping_fee"] == "4.95"
        assert policy["auto_approve"] == {
            "enabled": True,
            "reasons": None,
            "max_value": "100",
            "max_returns_per_customer": None,
            "history_days": 90,
        }
        assert policy["return_address"]["country"] == "PL"
        assert (await api.get("/api/v1/return-policy")).json() == policy

        # A change names only what changes; the rest stays.
        changed = await api.patch("/api/v1/return-policy", json={"window_days": 14})
        assert changed.status_code == 200, changed.text
        assert changed.json() == {**policy, "window_days": 14}

        # A customer's return, taken by phone, follows it: approved at once, fee charged.
        taken = await api.post("/api/v1/returns", json=RETURN)
        assert taken.status_code == 201, taken.text
        assert taken.json()["state"] == "awaiting_shipment", taken.json()
        assert taken.json()["fees_total"] == "4.95"

    # The workspace's screen shows the same policy.
    async with client_for(shop_app) as staff:
        await sign_in_as(staff, shop.owner_email, shop.owner_password)
        page = await staff.get("/admin/returns/policy")
        shown = page.context["values"]  # type: ignore[attr-defined]
        assert (shown["window_days"], shown["auto_mode"], shown["address_line1"]) == (
            "14",
            "auto",
            "ul. Magazynowa 7",
        )

    # Another shop's key reads and changes that shop's policy (none yet), never this one.
    async with api_client(shop_app, await make_key(rival)) as theirs:
        assert (await theirs.get("/api/v1/return-policy")).status_code == 404
        own = await theirs.patch(
            "/api/v1/return-policy", json={"window_days": 3, "methods": ["in_store"]}
        )
        assert own.status_code == 201, own.text
    async with api_client(shop_app, shop.api_key) as api:
        assert (await api.get("/api/v1/return-policy")).json()["window_days"] == 14


async def test_a_shop_sets_the_eu_right_of_withdrawal_through_the_api(
    shop_app: Starlette, outside: Outside, http: httpx.AsyncClient
) -> None:
    """Directive 2011/83/EU Art. 9: 14 days at least from delivery of the last item; a
    shop may give longer, and may switch the right on or off whatever its country."""
    shop = await sign_up(shop_app, "lawful", "Lawful Wear", country="PL", locale="en")
    waybill = dhl_number("340434175")
    async with api_client(shop_app, shop.api_key) as api:
        connected = await api.post(
            "/api/v1/carrier-accounts",
            json={"carrier": "dhl", "name": "DHL", "credentials": {"api_key": DHL_API_KEY}},
        )
        assert connected.status_code == 201, connected.text
        await place_order(api, "W-1")
        parcel_id = await book_parcel(api, waybill, "W-1")
        outside.dhl.scan(waybill, "delivered", "Delivered", KRAKOW)
        await poll_when_due(shop_app, http, parcel_id)
        delivered_on = datetime.now(ZoneInfo("Europe/Warsaw")).date()

        # Made with nothing said about it: the law's 14 days, by the shop's country.
        made = await api.patch("/api/v1/return-policy", json={"methods": ["in_store"]})
        assert made.status_code == 201, made.text
        law = ("eu_consumer_law", "withdrawal_days", "withdrawal_customer_pays_return")
        assert [made.json()[name] for name in law] == [None, 14, False]

        # Never under the law's 14 days, at most a year; nothing changes.
        for days in (13, 366, "30"):
            refused = await api.patch("/api/v1/return-policy", json={"withdrawal_days": days})
            assert refused.status_code == 422, refused.text
            assert [e["pointer"] for e in refused.json()["errors"]] == ["/withdrawal_days"]

        changed = await api.patch(
            "/api/v1/return-policy",
            json={"withdrawal_days": 30, "withdrawal_customer_pays_return": True},
        )
        assert changed.status_code == 200, changed.text
        assert [changed.json()[name] for name in law] == [None, 30, True]
        assert (await api.get("/api/v1/return-policy")).json() == changed.json()

    # The customer's order page offers the withdrawal for the shop's 30 days.
    async with client_for(shop_app) as customer:
        start = await customer.get(f"/returns?shop={shop.slug}")
        found = await customer.post(
            f"/returns?shop={shop.slug}",
            data={"order": "W-1", "contact": EMAIL, "csrf_token": csrf_in(start.text)},
        )
        assert found.status_code == 303, found.text
        order_page = await customer.get(found.headers["location"])
        last_day = format_date(delivered_on + timedelta(days=30), "long", locale="en")
        assert f"You can withdraw until {last_day}." in order_page.text

        # Switched off for this shop in the EU: no offer.
        async with api_client(shop_app, shop.api_key) as api:
            off = await api.patch("/api/v1/return-policy", json={"eu_consumer_law": False})
            assert off.json()["eu_consumer_law"] is False
        order_page = await customer.get(found.headers["location"])
        assert "Withdraw from contract here" not in order_page.text

    # The workspace's screen shows what the API set.
    async with client_for(shop_app) as staff:
        await sign_in_as(staff, shop.owner_email, shop.owner_password)
        shown = (await staff.get("/admin/returns/policy")).context["values"]  # type: ignore[attr-defined]
        assert [shown[name] for name in law] == ["off", "30", True]
