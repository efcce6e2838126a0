"""Return reasons by product category, for a shop that sets itself up through the REST API:
a customer returning shoes is asked "Too small / Too large", one returning a charger
"Defective / Not compatible", and neither can give the other's reason — not on the returns
page, not with a forged form, not through ``POST /api/v1/returns``.

The shop is made with the ``portal`` commands on an empty database (no demo, no reasons, no
policy), as in :mod:`tests.real_shop.test_api_only_reasons`; its carrier account, orders,
parcels, policy and reasons go through ``/api/v1``, its customer returns on the returns
pages, and its owner edits a reason's categories on the workspace's reasons screen. DHL is
faked with respx at its real address in its documented shape
(:class:`tests.real_shop.helpers.FakeDhl`).
"""

from __future__ import annotations

import html as markup
import re

import httpx
import pytest
from starlette.applications import Starlette

from tests.api.conftest import api_client
from tests.conftest import client_for
from tests.real_shop.helpers import (
    EMAIL,
    KRAKOW,
    Outside,
    book_parcel,
    dhl_number,
    poll_when_due,
    sign_in_as,
    sign_up,
)
from tests.real_shop.test_api_only_reasons import REASONS, open_for_returns
from tests.returns_page.helpers import csrf_of, draft_of, find, resolve_and_confirm

pytestmark = pytest.mark.slow  # the `portal` commands run in their own processes

#: The order's lines: running shoes, a phone charger, and socks the shop never categorised.
SHOE = {"sku": "RUN-42", "title": "Running shoes", "category": "shoes"}
CHARGER = {"sku": "USB-C-20W", "title": "Phone charger", "category": "chargers"}
SOCKS = {"sku": "SOCK-3", "title": "Socks"}
REFUSED_HERE = "This reason does not apply to this item. Choose one from its list."


def menus_of(html: str) -> dict[str, list[tuple[str, str]]]:
    """Each item's reason menu on the returns page, by the item's title: (heading, code)
    per choice, in order."""
    menus = {}
    for title, body in re.findall(
        r'<fieldset class="card return-item[^"]*" id="item-\d+">\s*<legend>([^<]+)</legend>'
        r"(.*?)</fieldset>",
        html,
        re.S,
    ):
        select = re.search(r'<select id="reason-\d+"[^>]*>(.*?)</select>', body, re.S)
        menu, heading = [], ""  # no menu: no reason applies, none is asked
        for tag, label, code in re.findall(
            r'<(optgroup label="([^"]*)"|/optgroup|option value="([^"]*)")',
            select.group(1) if select else "",
        ):
            if tag.startswith("optgroup"):
                heading = markup.unescape(label)
            elif tag == "/optgroup":
                heading = ""
            elif code:
                menu.append((heading, code))
        menus[title.strip()] = menu
    return menus


def item_ids(html: str) -> dict[str, str]:
    """The page's item ids by title."""
    return {
        title.strip(): item_id
        for item_id, title in re.findall(r'id="item-(\d+)">\s*<legend>([^<]+)</legend>', html)
    }


async def deliver(
    app: Starlette, api: httpx.AsyncClient, outside: Outside, http: httpx.AsyncClient, number: str
) -> None:
    """The shop's checkout sends an order for shoes, a charger and socks; its DHL parcel is
    booked and delivered."""
    order = await api.post(
        "/api/v1/orders",
        json={
            "number": number,
            "currency": "EUR",
            "customer": {"email": EMAIL, "name": "Ann Nowak"},
            "shipping_address": {"name": "Ann Nowak", "line1": "ul. Długa 5",
                                 "city": "Kraków", "postal_code": "31-147", "country": "PL"},
            "items": [{**line, "quantity": 1, "unit_price": "20.00"}
                      for line in (SHOE, CHARGER, SOCKS)],
        },
    )  # fmt: skip
    assert order.status_code == 201, order.text
    waybill = dhl_number(f"{340434280 + len(outside.dhl.scans)}")
    parcel_id = await book_parcel(api, waybill, number)
    outside.dhl.scan(waybill, "delivered", "Delivered", KRAKOW)
    await poll_when_due(app, http, parcel_id)


async def items_page(customer: httpx.AsyncClient, slug: str, number: str) -> tuple[str, str]:
    """The customer finds the order: its items page's address and text."""
    found = await find(customer, number, EMAIL, slug)
    assert found.status_code == 303, found.text
    path = found.headers["location"]
    return path, (await customer.get(path)).text


async def test_each_item_is_offered_and_accepts_only_the_reasons_of_its_category(
    shop_app: Starlette, outside: Outside, http: httpx.AsyncClient
) -> None:
    shop = await sign_up(shop_app, "kinds", "Kinds Store")
    async with api_client(shop_app, shop.api_key) as api, client_for(shop_app) as customer:
        await open_for_returns(api)
        for number in ("K-1", "K-2"):
            await deliver(shop_app, api, outside, http, number)

        # Fit is for shoes (the sizes under it take its list); defective and not compatible
        # for chargers (and cables; the list is trimmed and says each once); a change of
        # mind for everything.
        made = {}
        for body in (
            {"code": "fit", "labels": {"en": "Doesn't fit", "pl": "Nie pasuje"},
             "categories": ["shoes"]},
            {"code": "too_small", "labels": {"en": "Too small", "pl": "Za mały"}, "parent": "fit"},
            {"code": "too_large", "labels": {"en": "Too large", "pl": "Za duży"}, "parent": "fit"},
            {"code": "defective", "labels": {"en": "Defective", "pl": "Wadliwy"},
             "categories": ["chargers"]},
            {"code": "not_compatible", "labels": {"en": "Not compatible", "pl": "Niepasujący"},
             "categories": [" chargers ", "cables", "chargers"]},
            {"code": "mind", "labels": {"en": "Changed my mind", "pl": "Zmiana zdania"}},
        ):  # fmt: skip
            response = await api.post(REASONS, json=body)
            assert response.status_code == 201, response.text
            made[body["code"]] = response.json()
        assert {code: r["categories"] for code, r in made.items()} == {
            "fit": ["shoes"],
            "too_small": [],  # its own list: none, so the heading's
            "too_large": [],
            "defective": ["chargers"],
            "not_compatible": ["chargers", "cables"],
            "mind": [],
        }

        # A blank category, one longer than a line item's, or not a list: refused with a
        # pointer at it, and nothing saved.
        listed = (await api.get(REASONS)).json()["data"]
        blank = await api.post(
            REASONS,
            json={"code": "worn", "labels": {"en": "Worn out"}, "categories": ["shoes", "  "]},
        )
        assert blank.status_code == 422, blank.text
        assert [e["pointer"] for e in blank.json()["errors"]] == ["/categories/1"]
        too_long = await api.patch(
            f"{REASONS}/{made['mind']['id']}", json={"categories": ["x" * 101]}
        )
        assert too_long.status_code == 422, too_long.text
        assert [e["pointer"] for e in too_long.json()["errors"]] == ["/categories/0"]
        not_a_list = await api.patch(f"{REASONS}/{made['mind']['id']}", json={"categories": "x"})
        assert [e["pointer"] for e in not_a_list.json()["errors"]] == ["/categories"]
        assert (await api.get(REASONS)).json()["data"] == listed

        # The returns page offers each item only its reasons; socks, with no category, get
        # only the reasons for everything.
        _path, page = await items_page(customer, shop.slug, "K-1")
        assert menus_of(page) == {
            "Running shoes": [
                ("Doesn't fit", "too_small"),
                ("Doesn't fit", "too_large"),
                ("", "mind"),
            ],
            "Phone charger": [("", "defective"), ("", "not_compatible"), ("", "mind")],
            "Socks": [("", "mind")],
        }
        customer.cookies.set("lang", "pl")
        _path, page = await items_page(customer, shop.slug, "K-1")
        assert 'label="Nie pasuje"' in page and "Wadliwy" in page
        assert menus_of(page)["Running shoes"] == [
            ("Nie pasuje", "too_small"),
            ("Nie pasuje", "too_large"),
            ("", "mind"),
        ]
        assert menus_of(page)["Phone charger"] == [
            ("", "defective"),
            ("", "not_compatible"),
            ("", "mind"),
        ]

        # A forged form giving the shoes a charger's reason is refused, in the customer's
        # language, and so is a heading.
        path, page = await items_page(customer, shop.slug, "K-1")
        ids = item_ids(page)
        shoe, charger = ids["Running shoes"], ids["Phone charger"]
        form = {"csrf_token": csrf_of(page), "draft": draft_of(page),
                f"quantity-{shoe}": "1", f"reason-{shoe}": "defective",
                f"quantity-{charger}": "1", f"reason-{charger}": "defective"}  # fmt: skip
        files = {"unused": ("", b"", "application/octet-stream")}
        forged = await customer.post(f"{path}/items", data=form, files=files)
        assert forged.status_code == 400, forged.text
        assert "Ten powód nie dotyczy tego produktu. Wybierz jeden z jego listy." in forged.text
        customer.cookies.set("lang", "en")
        forged = await customer.post(f"{path}/items", data=form, files=files)
        assert forged.status_code == 400
        assert f'id="item-{shoe}-error">{REFUSED_HERE}</p>' in forged.text
        assert f'id="item-{charger}-error"' not in forged.text
        heading = await customer.post(
            f"{path}/items", data={**form, f"reason-{shoe}": "fit"}, files=files
        )
        assert f'id="item-{shoe}-error">Choose why you are returning this item.' in heading.text

        # Each with its own reason, the return goes through and records them.
        options = await customer.post(
            f"{path}/items", data={**form, f"reason-{shoe}": "too_large"}, files=files
        )
        assert options.status_code == 200, options.text
        choices = {f"resolution-{shoe}": "refund", f"resolution-{charger}": "refund",
                   "method": "drop_off_qr"}  # fmt: skip
        number = await resolve_and_confirm(customer, path, options.text, choices)
        recorded = (await api.get(f"/api/v1/returns/{number}")).json()["items"]
        assert sorted(i["reason"] for i in recorded) == ["defective", "too_large"]

        # Taken by phone, the same rule: a charger's reason for shoes, a shoe size for the
        # uncategorised socks, are refused with a pointer at the line's reason.
        line = {"quantity": 1, "resolution": "refund"}
        wrong = await api.post(
            "/api/v1/returns",
            json={"order_number": "K-2",
                  "items": [{**line, "sku": SHOE["sku"], "reason": "not_compatible"},
                            {**line, "sku": CHARGER["sku"], "reason": "defective"},
                            {**line, "sku": SOCKS["sku"], "reason": "too_small"}]},
        )  # fmt: skip
        assert wrong.status_code == 422, wrong.text
        assert wrong.json()["errors"] == [
            {"pointer": "/items/0/reason",
             "detail": "reason_category: does not apply to this item's category"},
            {"pointer": "/items/2/reason",
             "detail": "reason_category: does not apply to this item's category"},
        ]  # fmt: skip
        right = await api.post(
            "/api/v1/returns",
            json={"order_number": "K-2",
                  "items": [{**line, "sku": SHOE["sku"], "reason": "too_small"},
                            {**line, "sku": SOCKS["sku"], "reason": "mind"}]},
        )  # fmt: skip
        assert right.status_code == 201, right.text

    # On the workspace's reasons screen the owner sees the categories the orders have, and
    # keeps "changed my mind" to shoes (typed with a blank and a repeat).
    async with client_for(shop_app) as staff:
        token = await sign_in_as(staff, shop.owner_email, shop.owner_password)
        mind = f"/admin/returns/reasons/{made['mind']['id']}"
        form_page = await staff.get(mind)
        assert form_page.context["known_categories"] == ["chargers", "shoes"]  # type: ignore[attr-defined]
        assert "Your orders have: chargers, shoes." in form_page.text
        fields = {"code": "mind", "label_en": "Changed my mind", "label_pl": "Zmiana zdania",
                  "parent": "", "csrf_token": token}  # fmt: skip
        too_long = await staff.post(mind, data={**fields, "categories": "shoes, " + "x" * 101})
        assert too_long.status_code == 400
        assert 'id="categories-error"' in too_long.text
        saved = await staff.post(mind, data={**fields, "categories": "shoes, , boots,shoes"})
        assert saved.status_code == 303, saved.text
        edited = await staff.get(mind)
        assert 'value="shoes, boots"' in edited.text
        listing = await staff.get("/admin/returns/reasons")
        assert "Only for: shoes, boots" in listing.text

    async with api_client(shop_app, shop.api_key) as api, client_for(shop_app) as customer:
        assert (await api.get(f"{REASONS}/{made['mind']['id']}")).json()["categories"] == [
            "shoes",
            "boots",
        ]
        await deliver(shop_app, api, outside, http, "K-3")
        _path, page = await items_page(customer, shop.slug, "K-3")
        menus = menus_of(page)
        assert menus["Running shoes"][-1] == ("", "mind")
        assert menus["Phone charger"] == [("", "defective"), ("", "not_compatible")]
        assert menus["Socks"] == []
        # With no reason that applies, the socks are returned without one.
        path = (await find(customer, "K-3", EMAIL, shop.slug)).headers["location"]
        socks = item_ids(page)["Socks"]
        options = await customer.post(
            f"{path}/items",
            data={"csrf_token": csrf_of(page), "draft": draft_of(page), f"quantity-{socks}": "1"},
            files={"unused": ("", b"", "application/octet-stream")},
        )
        assert options.status_code == 200, options.text
        assert f'name="resolution-{socks}"' in options.text
