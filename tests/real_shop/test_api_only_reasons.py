"""A shop that never opens the workspace sets its return reasons through the REST API
(``/api/v1/return-reasons``), and its customers' returns offer and record them.

The shop is made with ``portal merchant create``, ``portal user create`` and ``portal apikey
create`` on an empty database (no demo, no reasons, no policy); its carrier account,
orders, parcels, policy and reasons go through ``/api/v1``, and its customer returns on the
returns pages. The rival shop that must not see another's reasons comes from factories.
DHL is faked with respx at its real address in its documented shape
(https://developer.dhl.com/api-reference/shipment-tracking;
:class:`tests.real_shop.helpers.FakeDhl`).
"""

from __future__ import annotations

import re

import httpx
import pytest
from starlette.applications import Starlette

from tests import factories
from tests.api.conftest import api_client, make_key
from tests.conftest import client_for
from tests.real_shop.helpers import (
    DHL_API_KEY,
    EMAIL,
    KRAKOW,
    Outside,
    book_parcel,
    dhl_number,
    place_order,
    poll_when_due,
    sign_in_as,
    sign_up,
)
from tests.returns_page.helpers import csrf_of, draft_of, find, resolve_and_confirm

pytestmark = pytest.mark.slow  # the `portal` commands run in their own processes

REASONS = "/api/v1/return-reasons"
POLICY = {
    "return_shipping_fee": "4.95",
    "auto_approve": {"enabled": True},
    "methods": ["drop_off_qr"],
    "return_address": {"line1": "ul. Magazynowa 7", "city": "Kraków", "country": "PL"},
}


def menu_of(html: str) -> list[tuple[str, str, str]]:
    """The returns page's reason menu: (heading, code, label) per choice, in order."""
    found = re.search(r'<select id="reason-\d+"[^>]*>(.*?)</select>', html, re.S)
    if not found:  # no reason to give: the page asks for none
        return []
    menu, heading = [], ""
    for tag, value, text in re.findall(
        r'<(optgroup label="([^"]*)"|/optgroup|option value="([^"]+)"[^>]*>[^<]*)', found.group(1)
    ):
        if tag.startswith("optgroup"):
            heading = value
        elif tag == "/optgroup":
            heading = ""
        else:
            menu.append((heading, text, tag.rsplit(">", 1)[1]))
    return menu


async def open_for_returns(api: httpx.AsyncClient) -> None:
    """A DHL account and the return policy, through the API."""
    account = await api.post(
        "/api/v1/carrier-accounts",
        json={"carrier": "dhl", "name": "DHL", "credentials": {"api_key": DHL_API_KEY}},
    )
    assert account.status_code == 201, account.text
    assert (await api.patch("/api/v1/return-policy", json=POLICY)).status_code == 201


async def deliver(
    app: Starlette, api: httpx.AsyncClient, outside: Outside, http: httpx.AsyncClient, number: str
) -> None:
    """An order the shop's checkout sends, its DHL parcel booked and delivered."""
    waybill = dhl_number(f"{340434180 + len(outside.dhl.scans)}")
    await place_order(api, number)
    parcel_id = await book_parcel(api, waybill, number)
    outside.dhl.scan(waybill, "delivered", "Delivered", KRAKOW)
    await poll_when_due(app, http, parcel_id)


async def customer_returns(
    customer: httpx.AsyncClient, slug: str, number: str, reason: str, comment: str = ""
) -> str:
    """The customer finds the order on the returns page and returns the tee for a refund,
    giving ``reason``; the RMA number."""
    found = await find(customer, number, EMAIL, slug)
    assert found.status_code == 303, found.text
    order_path = found.headers["location"]
    items = await customer.get(order_path)
    (item_id,) = re.findall(r'name="quantity-(\d+)"', items.text)
    options = await customer.post(
        f"{order_path}/items",
        data={"csrf_token": csrf_of(items.text), "draft": draft_of(items.text),
              f"quantity-{item_id}": "1", f"reason-{item_id}": reason,
              f"comment-{item_id}": comment},
        files={"unused": ("", b"", "application/octet-stream")},
    )  # fmt: skip
    assert options.status_code == 200, options.text
    choices = {f"resolution-{item_id}": "refund", "method": "drop_off_qr"}
    return await resolve_and_confirm(customer, order_path, options.text, choices)


async def offered(customer: httpx.AsyncClient, slug: str, number: str) -> list[tuple[str, ...]]:
    """The reasons the returns page offers for the order's items."""
    found = await find(customer, number, EMAIL, slug)
    assert found.status_code == 303, found.text
    return [
        tuple(choice) for choice in menu_of((await customer.get(found.headers["location"])).text)
    ]


async def test_a_shop_sets_its_return_reasons_through_the_api_and_customers_give_them(
    shop_app: Starlette, outside: Outside, http: httpx.AsyncClient
) -> None:
    shop = await sign_up(shop_app, "reasons", "Reason Wear")
    rival = await factories.merchant(slug="south", name="South Wear")
    async with api_client(shop_app, shop.api_key) as api, client_for(shop_app) as customer:
        await open_for_returns(api)
        for number in ("R-1", "R-2", "R-3"):
            await deliver(shop_app, api, outside, http, number)

        # A new shop has no reasons: the customer's menu is empty.
        assert (await api.get(REASONS)).json() == {"data": []}
        assert await offered(customer, shop.slug, "R-1") == []

        # Its menu: a heading with two sizes under it, damaged (the shop's fault: no fees,
        # a few words needed) and a change of mind, in Polish too.
        made = {}
        for body in (
            {"code": "size", "labels": {"en": "Wrong size", "pl": "Zły rozmiar"}},
            {"code": "too_small", "labels": {"en": "Too small", "pl": "Za mały"}, "parent": "size"},
            {"code": "too_big", "labels": {"en": "Too big", "pl": "Za duży"}, "parent": "size"},
            {"code": "mind", "labels": {"en": "Changed my mind"}},
            {"code": "damaged", "labels": {"en": "Arrived damaged", "pl": "Uszkodzony"},
             "waives_fees": True, "requires_comment": True},
        ):  # fmt: skip
            response = await api.post(REASONS, json=body, headers={"Idempotency-Key": body["code"]})
            assert response.status_code == 201, response.text
            made[body["code"]] = response.json()
        # Damaged goes first; the sizes swap.
        assert (await api.patch(f"{REASONS}/{made['damaged']['id']}", json={"position": 0})).json()[
            "position"
        ] == 0
        await api.patch(f"{REASONS}/{made['too_big']['id']}", json={"position": 0})
        listed = (await api.get(REASONS)).json()["data"]
        assert [(r["code"], r["parent"], r["position"]) for r in listed] == [
            ("damaged", None, 0),
            ("size", None, 1),
            ("too_big", "size", 0),
            ("too_small", "size", 1),
            ("mind", None, 2),
        ]

        # Refused input changes nothing: a bad code, no English label, a parent under a
        # parent; a change that renames onto another's code.
        refused = await api.post(
            REASONS, json={"code": "Bad Code", "labels": {"pl": "Zły"}, "parent": "too_small"}
        )
        assert refused.status_code == 422, refused.text
        assert {e["pointer"] for e in refused.json()["errors"]} == {
            "/code",
            "/labels/en",
            "/parent",
        }
        clash = await api.patch(
            f"{REASONS}/{made['mind']['id']}", json={"code": "damaged", "active": False}
        )
        assert clash.json()["errors"] == [
            {"pointer": "/code", "detail": "Another reason already uses this code."}
        ]
        assert (await api.get(REASONS)).json()["data"] == listed

        # The customer's returns page offers them in that order, the sizes under their
        # heading, in the customer's language.
        assert await offered(customer, shop.slug, "R-1") == [
            ("", "damaged", "Arrived damaged"),
            ("Wrong size", "too_big", "Too big"),
            ("Wrong size", "too_small", "Too small"),
            ("", "mind", "Changed my mind"),
        ]
        customer.cookies.set("lang", "pl")
        assert await offered(customer, shop.slug, "R-1") == [
            ("", "damaged", "Uszkodzony"),
            ("Zły rozmiar", "too_big", "Za duży"),
            ("Zły rozmiar", "too_small", "Za mały"),
            ("", "mind", "Changed my mind"),  # no Polish label: the English one
        ]
        customer.cookies.set("lang", "en")

        # A return on the page records the reason and pays the return shipping fee.
        rma = await customer_returns(customer, shop.slug, "R-1", "too_small")
        page_return = (await api.get(f"/api/v1/returns/{rma}")).json()
        assert [i["reason"] for i in page_return["items"]] == ["too_small"]
        assert page_return["fees_total"] == "4.95"

        # One taken by phone: a heading is not a reason, damaged needs a few words; given,
        # the shop's fault costs the customer nothing.
        line = {"sku": "TEE-M", "quantity": 1, "resolution": "refund"}
        heading = await api.post(
            "/api/v1/returns",
            json={"order_number": "R-2", "items": [{**line, "reason": "size"}]},
        )
        assert heading.json()["errors"] == [
            {"pointer": "/items/0/reason", "detail": "reason: is not an active return reason"}
        ]
        silent = await api.post(
            "/api/v1/returns",
            json={"order_number": "R-2", "items": [{**line, "reason": "damaged"}]},
        )
        assert [e["pointer"] for e in silent.json()["errors"]] == ["/items/0/comment"]
        taken = await api.post(
            "/api/v1/returns",
            json={"order_number": "R-2",
                  "items": [{**line, "reason": "damaged", "comment": "Torn seam"}]},
        )  # fmt: skip
        assert taken.status_code == 201, taken.text
        assert [i["reason"] for i in taken.json()["items"]] == ["damaged"]
        assert taken.json()["fees_total"] == "0.00"

        # Given by returns, damaged is history: its code stays and it is not deleted, but
        # retired. The page stops offering it; the returns keep it.
        damaged = f"{REASONS}/{made['damaged']['id']}"
        assert (await api.get(damaged)).json()["used"] is True
        assert (await api.patch(damaged, json={"code": "broken"})).status_code == 422
        assert (await api.delete(damaged)).status_code == 409
        retired = await api.patch(damaged, json={"active": False})
        assert retired.status_code == 200 and retired.json()["active"] is False
        assert "damaged" not in [code for _h, code, _l in await offered(customer, shop.slug, "R-3")]
        number = taken.json()["number"]
        assert [
            i["reason"] for i in (await api.get(f"/api/v1/returns/{number}")).json()["items"]
        ] == ["damaged"]
        # One no return gave goes altogether.
        assert (await api.delete(f"{REASONS}/{made['mind']['id']}")).status_code == 204
        assert [code for _h, code, _l in await offered(customer, shop.slug, "R-3")] == [
            "too_big",
            "too_small",
        ]

        # Another shop's key sees only its own reasons (none) and reaches none of these.
        async with api_client(shop_app, await make_key(rival)) as theirs:
            assert (await theirs.get(REASONS)).json() == {"data": []}
            assert (await theirs.get(damaged)).status_code == 404
            assert (await theirs.patch(damaged, json={"active": True})).status_code == 404
            assert (await theirs.delete(f"{REASONS}/{made['too_big']['id']}")).status_code == 404
            own = await theirs.post(REASONS, json={"code": "damaged", "labels": {"en": "Broken"}})
            assert own.status_code == 201, own.text
        assert (await api.get(damaged)).json()["active"] is False

    # The workspace's reasons screen shows what the API set.
    async with client_for(shop_app) as staff:
        await sign_in_as(staff, shop.owner_email, shop.owner_password)
        page = await staff.get("/admin/returns/reasons")
        entries = page.context["entries"]  # type: ignore[attr-defined]
        assert [(e.reason.code, e.reason.active, e.used) for e in entries] == [
            ("damaged", False, True),
            ("size", True, False),
        ]
        assert [c.reason.code for c in entries[1].children] == ["too_big", "too_small"]
