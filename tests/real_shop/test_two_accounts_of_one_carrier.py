"""A shop with two DHL accounts (one per warehouse) whose parcels come from a CSV import and
from its WooCommerce store: each parcel is polled with the right account's key, and the
workspace's shipment page shows and changes the account.

The shop is made with ``portal merchant create``, ``portal user create`` and ``portal
apikey create`` on an empty database (no demo); its accounts are connected through
``/api/v1/carrier-accounts`` and one is made the carrier's default with ``portal carrier
default``; the CSV goes through the workspace's import screens; the store is connected
with ``portal connect``'s code and synced by the worker's job function. Outside is faked
with respx at the real addresses, in the documented shapes:

- DHL Unified Tracking, ``GET https://api-eu.dhl.com/track/shipments`` with the
  ``DHL-API-Key`` header (https://developer.dhl.com/api-reference/shipment-tracking;
  :class:`tests.real_shop.helpers.FakeDhl`), noting which key asked about which number;
- the WooCommerce REST API v3 and the Shipment Tracking extension's
  ``_wc_shipment_tracking_items`` order meta (https://woocommerce.github.io/woocommerce-rest-api-docs/#retrieve-an-order,
  https://woocommerce.com/document/shipment-tracking/#section-8;
  :class:`tests.platforms.fakes.FakeWoo`, fixtures in tests/fixtures/woocommerce).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import respx
from starlette.applications import Starlette

from portal.cli import connect_store
from portal.models import PlatformConnection, Shipment
from portal.platforms.backfill import sync_connection
from portal.tracking.sweep import sweep_until_idle
from tests.api.conftest import api_client
from tests.conftest import client_for
from tests.platforms.fakes import WOO, WOO_KEY, WOO_SECRET, FakeWoo, connect_args, woo_order
from tests.real_shop.helpers import (
    DHL_TRACK_URL,
    KRAKOW,
    LEIPZIG,
    FakeDhl,
    dhl_number,
    portal_command,
    sign_in_as,
    sign_up,
)

pytestmark = pytest.mark.slow  # several `portal` processes

EXPRESS_KEY = "dhl-express-warehouse-north-key"
SOUTH_KEY = "dhl-parcel-warehouse-south-key"


class Dhl:
    """DHL as :class:`FakeDhl` serves it, noting (waybill, API key) of every call."""

    def __init__(self) -> None:
        self.world = FakeDhl()
        self.asked: list[tuple[str, str]] = []

    def answer(self, request: httpx.Request) -> httpx.Response:
        number = request.url.params["trackingNumber"]
        self.asked.append((number, request.headers["DHL-API-Key"]))
        return httpx.Response(200, json=self.world.payload(number))

    def keys_for(self, number: str) -> set[str]:
        return {key for n, key in self.asked if n == number}


@pytest.fixture
def dhl() -> Dhl:
    return Dhl()


@pytest.fixture
def store() -> FakeWoo:
    return FakeWoo()


@pytest.fixture
def outside(dhl: Dhl, store: FakeWoo) -> Iterator[None]:
    with respx.mock(assert_all_called=False) as mock:
        mock.get(DHL_TRACK_URL).mock(side_effect=dhl.answer)
        mock.route(host="shop.example.com").mock(side_effect=store.answer)
        yield


def woo_order_shipped(n: int, number: str, provider: str) -> dict[str, object]:
    """A store order whose parcel the Shipment Tracking extension names: ``provider`` is
    what the shop picked in WooCommerce ("DHL Express", or plain "DHL")."""
    order = woo_order(n, datetime.now(UTC) - timedelta(days=1))
    order["meta_data"] = [
        {
            "id": 900 + n,
            "key": "_wc_shipment_tracking_items",
            "value": [
                {
                    "tracking_provider": provider,
                    "custom_tracking_provider": "",
                    "custom_tracking_link": "",
                    "tracking_number": number,
                    "date_shipped": "1669075200",
                    "tracking_id": f"9f7e2a1ce2b5a4d2f5e3c1d4b2a4f8{n:02d}",
                }
            ],
        }
    ]
    return order


async def carrier(app: Starlette, *args: str) -> str:
    settings = app.state.settings
    return await portal_command(settings.database_url, Path(settings.var_dir), "carrier", *args)


async def import_csv(staff: httpx.AsyncClient, token: str, text: str) -> str:
    """The workspace's import: upload, read the preview, confirm. Returns the preview."""
    uploaded = await staff.post(
        "/admin/imports",
        data={"csrf_token": token},
        files={"file": ("orders.csv", text.encode(), "text/csv")},
    )
    assert uploaded.status_code == 303, uploaded.text
    where = uploaded.headers["location"]
    preview = await staff.get(where)
    assert preview.status_code == 200
    done = await staff.post(f"{where}/confirm", data={"csrf_token": token})
    assert done.status_code == 200, done.text
    return preview.text


async def test_parcels_from_a_csv_import_and_a_store_are_polled_with_the_right_dhl_account(
    shop_app: Starlette, outside: None, dhl: Dhl, store: FakeWoo
) -> None:
    shop = await sign_up(shop_app, "twin", "Twin Wear")
    settings = shop_app.state.settings
    csv_named, csv_unnamed, csv_unknown = (dhl_number(f"3404342{n:02d}") for n in (1, 2, 3))
    woo_express, woo_plain = dhl_number("340434211"), dhl_number("340434212")
    for number in (csv_named, csv_unnamed, csv_unknown, woo_express, woo_plain):
        dhl.world.scan(number, "transit", "Processed", LEIPZIG)

    async with (
        api_client(shop_app, shop.api_key) as api,
        client_for(shop_app) as staff,
        httpx.AsyncClient() as http,
    ):
        # Two DHL accounts, one per warehouse; the south one is made the default.
        ids = {}
        for name, key in (("DHL Express", EXPRESS_KEY), ("DHL Warehouse South", SOUTH_KEY)):
            made = await api.post(
                "/api/v1/carrier-accounts",
                json={"carrier": "dhl", "name": name, "credentials": {"api_key": key}},
            )
            assert made.status_code == 201, made.text
            assert made.json()["default"] is False
            ids[name] = made.json()["id"]
        express, south = ids["DHL Express"], ids["DHL Warehouse South"]
        marked = json.loads(
            await carrier(shop_app, "default", "--merchant", "twin", "--id", str(south))
        )
        assert (marked["id"], marked["default"]) == (south, True)
        listed = (await api.get("/api/v1/carrier-accounts")).json()["data"]
        assert [(a["name"], a["default"]) for a in listed] == [
            ("DHL Express", False),
            ("DHL Warehouse South", True),
        ]

        # A CSV import: a row naming the Express account (any case), a row naming none,
        # and a row naming an account the shop does not have, which is refused.
        token = await sign_in_as(staff, shop.owner_email, shop.owner_password)
        header = "order_number,order_date,email,sku,title,quantity,unit_price,"
        header += "tracking_number,carrier,carrier_account\n"
        preview = await import_csv(
            staff,
            token,
            header
            + f"C-1,2026-11-02,a@example.test,TEE,Tee,1,29,{csv_named},dhl,dhl express\n"
            + f"C-2,2026-11-02,b@example.test,TEE,Tee,1,29,{csv_unnamed},dhl,\n"
            + f"C-3,2026-11-02,c@example.test,TEE,Tee,1,29,{csv_unknown},dhl,DHL Paris\n",
        )
        assert "No carrier account of this shop for the row" in preview
        imported = {
            s.tracking_number: s.carrier_account_id
            for s in await Shipment.filter(tracking_number__in=[csv_named, csv_unnamed])
        }
        assert imported == {csv_named: express, csv_unnamed: None}
        assert not await Shipment.filter(tracking_number=csv_unknown).exists()

        # The WooCommerce store: the provider the shop picked names the account when it is
        # an account's name; plain "DHL" names none.
        store.orders = [
            woo_order_shipped(1, woo_express, "DHL Express"),
            woo_order_shipped(2, woo_plain, "DHL"),
        ]
        args = connect_args(
            "woocommerce", merchant="twin", url=WOO, key=WOO_KEY, secret=WOO_SECRET,
            no_webhooks=True,
        )  # fmt: skip
        said = await connect_store(args, settings, http)
        assert said[0] == f"Connected woocommerce store {WOO} (2 orders)."
        report = await sync_connection(await PlatformConnection.get(), settings, http)
        assert (report.shipments_created, report.unplaced) == (2, [])
        synced = {
            s.tracking_number: s.carrier_account_id
            for s in await Shipment.filter(tracking_number__in=[woo_express, woo_plain])
        }
        assert synced == {woo_express: express, woo_plain: None}

        # The worker's sweep: a named parcel with its account's key, the others with the
        # default's; each parcel asked with one key only.
        await sweep_until_idle(settings, client=http)
        assert {n: dhl.keys_for(n) for n in (csv_named, csv_unnamed, woo_express, woo_plain)} == {
            csv_named: {EXPRESS_KEY},
            csv_unnamed: {SOUTH_KEY},
            woo_express: {EXPRESS_KEY},
            woo_plain: {SOUTH_KEY},
        }
        for number in (csv_named, csv_unnamed, woo_express, woo_plain):
            assert (await Shipment.get(tracking_number=number)).status == "in_transit"

        # The shipment page says which account polls the parcel and why.
        parcel = await Shipment.get(tracking_number=woo_plain)
        page = await staff.get(f"/admin/shipments/{parcel.id}")
        assert page.context["polled_by"].id == south
        assert page.context["tracking_problem"] is None
        assert f'data-account="{south}"' in page.text
        assert "DHL Warehouse South (the default for this carrier)" in page.text
        assert [a.id for a in page.context["carrier_accounts"]] == [express, south]

        # Staff move it to the Express account there: asked at once with that key.
        dhl.world.scan(woo_plain, "delivered", "Delivered", KRAKOW)
        moved = await staff.post(
            f"/admin/shipments/{parcel.id}/account",
            data={"csrf_token": token, "carrier_account": str(express)},
        )
        assert moved.status_code == 303
        assert moved.headers["location"].endswith("?done=account")
        assert dhl.asked[-1] == (woo_plain, EXPRESS_KEY)
        shown = (await api.get(f"/api/v1/shipments/{parcel.id}")).json()
        assert (shown["carrier_account_id"], shown["status"]) == (express, "delivered")
        page = await staff.get(f"/admin/shipments/{parcel.id}")
        assert page.context["polled_by"].id == express
        assert re.search(rf'<option value="{express}" selected>DHL Express</option>', page.text)

        # Another shop's account id, or nonsense, is refused and nothing moves.
        for sent in ("999999", "south"):
            refused = await staff.post(
                f"/admin/shipments/{parcel.id}/account",
                data={"csrf_token": token, "carrier_account": sent},
            )
            assert refused.headers["location"].endswith("?done=unknown_account")
        assert (await Shipment.get(id=parcel.id)).carrier_account_id == express

        # Without a default, a parcel naming no account waits, and the page says so truly:
        # two accounts, none chosen; staff choose one there.
        unmarked = await api.patch(f"/api/v1/carrier-accounts/{south}", json={"default": False})
        assert unmarked.json()["default"] is False
        waiting = await Shipment.get(tracking_number=csv_unnamed)
        page = await staff.get(f"/admin/shipments/{waiting.id}")
        assert page.context["tracking_problem"].code == "carrier_account_not_chosen"
        assert 'data-problem="carrier_account_not_chosen"' in page.text
        assert page.context["polled_by"] is None
        shown = (await api.get(f"/api/v1/shipments/{waiting.id}")).json()
        assert shown["tracking_problem"]["message"].startswith("The shop has 2 dhl carrier")
        chosen = await staff.post(
            f"/admin/shipments/{waiting.id}/account",
            data={"csrf_token": token, "carrier_account": str(south)},
        )
        assert chosen.status_code == 303
        page = await staff.get(f"/admin/shipments/{waiting.id}")
        assert page.context["tracking_problem"] is None
        assert page.context["polled_by"].id == south

        # The Carrier accounts screen makes the Express account the default: the south
        # one is no longer, so a carrier never has two.
        made_default = await staff.post(
            f"/admin/carriers/{express}/default", data={"csrf_token": token}
        )
        assert made_default.status_code == 303
        listed = (await api.get("/api/v1/carrier-accounts")).json()["data"]
        assert [(a["name"], a["default"]) for a in listed] == [
            ("DHL Express", True),
            ("DHL Warehouse South", False),
        ]
        screen = await staff.get("/admin/carriers")
        assert screen.text.count("data-default") == 1
