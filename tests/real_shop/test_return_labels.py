"""A return label prints the customer's and the shop's addresses in their own script.

The shop is made with ``portal merchant create``, ``portal user create`` and ``portal
apikey create`` on an empty database (no demo); its carrier account, orders, parcels, policy
and returns go through ``/api/v1``, and the customer downloads the label from the return's
page as a browser does. DHL is faked with respx at its real address in its documented shape
(https://developer.dhl.com/api-reference/shipment-tracking;
:class:`tests.real_shop.helpers.FakeDhl`). The label is read back as a PDF reader extracts
its text (pypdf), so a transliteration or a lost letter fails.
"""

from __future__ import annotations

import io
import re
from typing import Any

import httpx
import pytest
from pypdf import PdfReader
from starlette.applications import Starlette

from tests.api.conftest import api_client
from tests.conftest import client_for
from tests.real_shop.helpers import (
    DHL_API_KEY,
    EMAIL,
    KRAKOW,
    Outside,
    book_parcel,
    csrf_in,
    dhl_number,
    poll_when_due,
    sign_up,
)

pytestmark = pytest.mark.slow  # three `portal` processes

SOFIA = {"name": "Магазин Мария - Връщания", "line1": "гр. София, ул. Граф Игнатиев 15",
         "postal_code": "1000", "city": "София", "country": "bg"}  # fmt: skip
THESSALONIKI = {"name": "Γιώργος Παπαδόπουλος", "line1": "Μοναστηρίου 150",
                "city": "Θεσσαλονίκη", "postal_code": "546 27", "country": "GR"}  # fmt: skip
LODZ = {"name": "Grzegorz Brzęczyszczykiewicz", "line1": "ul. Żółkiewskiego 7",
        "city": "Łódź", "postal_code": "90-001", "country": "PL"}  # fmt: skip


async def _delivered_order(
    api: httpx.AsyncClient, app: Starlette, outside: Outside, http: httpx.AsyncClient,
    number: str, address: dict[str, str], waybill: str,
) -> None:  # fmt: skip
    """The checkout sends an order for one tee to ``address``; DHL delivers it."""
    order = await api.post(
        "/api/v1/orders",
        json={"number": number, "currency": "EUR", "shipping_address": address,
              "customer": {"email": EMAIL, "name": address["name"]},
              "items": [{"sku": "TEE-M", "title": "Tee", "quantity": 1, "unit_price": "29.00"}]},
    )  # fmt: skip
    assert order.status_code == 201, order.text
    parcel_id = await book_parcel(api, waybill, number)
    outside.dhl.scan(waybill, "delivered", "Delivered", KRAKOW)
    await poll_when_due(app, http, parcel_id)


async def _label_text(app: Starlette, slug: str, order_number: str) -> tuple[str, int]:
    """The customer finds the order on the shop's returns page, which shows the return under
    way, and downloads its label: the label's text and its size in bytes."""
    async with client_for(app) as customer:
        start = await customer.get(f"/returns?shop={slug}")
        found = await customer.post(
            f"/returns?shop={slug}",
            data={"order": order_number, "contact": EMAIL, "csrf_token": csrf_in(start.text)},
        )
        assert found.status_code == 303, found.text
        page = await customer.get(found.headers["location"])
        link = re.search(r'href="(/returns/[^"/]+/label\.pdf)"', page.text)
        assert link, page.text
        label = await customer.get(link.group(1))
    assert label.status_code == 200 and label.headers["content-type"] == "application/pdf"
    return PdfReader(io.BytesIO(label.content)).pages[0].extract_text(), len(label.content)


def _lines(address: dict[str, Any]) -> list[str]:
    return [address["name"], address["line1"], f"{address['postal_code']} {address['city']}",
            address["country"].upper()]  # fmt: skip


async def test_labels_print_greek_polish_and_bulgarian_addresses_as_written(
    shop_app: Starlette, outside: Outside, http: httpx.AsyncClient
) -> None:
    shop = await sign_up(shop_app, "maria", "Магазин Мария", country="BG")
    async with api_client(shop_app, shop.api_key) as api:
        connected = await api.post(
            "/api/v1/carrier-accounts",
            json={"carrier": "dhl", "name": "DHL", "credentials": {"api_key": DHL_API_KEY}},
        )
        assert connected.status_code == 201, connected.text
        await _delivered_order(api, shop_app, outside, http, "G-1", THESSALONIKI,
                               dhl_number("340434181"))  # fmt: skip
        await _delivered_order(api, shop_app, outside, http, "P-1", LODZ,
                               dhl_number("340434182"))  # fmt: skip
        made = await api.patch(
            "/api/v1/return-policy",
            json={"return_address": SOFIA, "auto_approve": {"enabled": True}},
        )
        assert made.status_code == 201, made.text
        for number in ("G-1", "P-1"):
            taken = await api.post(
                "/api/v1/returns",
                json={"order_number": number, "method": "drop_off_label",
                      "items": [{"sku": "TEE-M", "quantity": 1, "resolution": "refund"}]},
            )  # fmt: skip
            assert taken.status_code == 201, taken.text
            assert taken.json()["state"] == "awaiting_shipment", taken.json()

    for number, sender in (("G-1", THESSALONIKI), ("P-1", LODZ)):
        printed, size = await _label_text(shop_app, shop.slug, number)
        lines = printed.splitlines()
        assert lines[3:12] == [*_lines(sender), "TO", *_lines(SOFIA)], printed
        assert size < 50_000, size  # 33 to 39 kB before, in Helvetica; the font adds 5 to 10
