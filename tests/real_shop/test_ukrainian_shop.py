"""A Ukrainian shop, from an empty database to its customer's tracking page in Ukrainian:
``portal merchant create --locale uk --country UA`` (and its owner and API key, in their
own processes, no demo), its Ukrposhta account through ``/api/v1/carrier-accounts``, an
order and a parcel with a Ukrposhta barcode through the API, the worker's poll, and the
page showing the post office the parcel waits at.

Ukrposhta is faked with respx at its real address, ``POST
https://www.ukrposhta.ua/status-tracking/0.0.1/statuses/with-not-found`` with the
StatusTracking bearer token, answering in the shapes of its Status tracking API
documentation (https://dev.ukrposhta.ua/documentation; tests/fixtures/ukrposhta, whose
SOURCE.md cites each shape).
"""

from __future__ import annotations

import json
import re

import httpx
import pytest
import respx
from starlette.applications import Starlette

from portal import i18n
from tests.api.conftest import api_client
from tests.carriers.helpers import load_fixture
from tests.conftest import client_for
from tests.real_shop.helpers import add_tested_carrier, sign_up, worker_pass

pytestmark = pytest.mark.slow  # several `portal` processes

STATUSES = "https://www.ukrposhta.ua/status-tracking/0.0.1/statuses/with-not-found"
TOKEN = "c22bfca9-83cf-45b6-a598-74c02d86a2ca"
BARCODE = "0500100031143"  # the documentation's example barcode


async def test_a_ukrainian_shops_ukrposhta_parcel_waits_at_its_post_office_in_ukrainian(
    shop_app: Starlette, http: httpx.AsyncClient
) -> None:
    # ``portal merchant create`` in Ukrainian for Ukraine, an owner and an API key.
    shop = await sign_up(shop_app, "lviv-socks", "Львівські шкарпетки", country="UA",
                         locale="uk", time_zone="Europe/Kyiv")  # fmt: skip
    asked: list[httpx.Request] = []
    answers = iter(["not_found.json", "at_office.json"])

    def ukrposhta(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        return httpx.Response(200, json=load_fixture("ukrposhta", next(answers)))

    async with api_client(shop_app, shop.api_key) as api, respx.mock() as mock:
        mock.post(url__startswith=STATUSES).mock(side_effect=ukrposhta)

        # The shop connects its Ukrposhta account; the test asks about a barcode that
        # does not exist, and "not found" proves the token works.
        account = await add_tested_carrier(api, "ukrposhta", "Укрпошта", {"api_token": TOKEN})
        assert account["credentials"] == {"api_token": True}

        # Its checkout sends an order to Odesa and registers the parcel's barcode.
        order = await api.post(
            "/api/v1/orders",
            json={
                "number": "ЛШ-1001",
                "currency": "UAH",
                "customer": {"email": "olena@example.test", "name": "Олена Коваленко",
                             "phone": "+380 50 123 45 67", "locale": "uk",
                             "email_consent": True},
                "shipping_address": {"name": "Олена Коваленко", "line1": "вул. Дерибасівська 5",
                                     "city": "Одеса", "postal_code": "65026", "country": "UA"},
                "items": [{"sku": "SOCK-39", "title": "Шкарпетки", "quantity": 2,
                           "unit_price": "150.00"}],
            },
        )  # fmt: skip
        assert order.status_code == 201, order.text
        parcel = await api.post(
            "/api/v1/shipments",
            json={"tracking_number": BARCODE, "carrier": "ukrposhta", "order_number": "ЛШ-1001"},
        )
        assert parcel.status_code == 201, parcel.text
        parcel_id = parcel.json()["id"]

        # The worker's poll asks Ukrposhta, in Ukrainian (no lang), with the shop's token.
        await worker_pass(shop_app, http)
        shown = (await api.get(f"/api/v1/shipments/{parcel_id}")).json()
        assert shown["status"] == "available_for_pickup", shown
        assert shown["pickup_point"]["point_id"] == "65501"
        assert shown["pickup_point"]["kind"] == "post_office"

    assert [r.headers["Authorization"] for r in asked] == [f"Bearer {TOKEN}"] * 2
    assert [str(r.url) for r in asked] == [STATUSES] * 2
    assert json.loads(asked[-1].content) == [BARCODE]

    # The customer's tracking page, in Ukrainian: our words first, Ukrposhta's as the
    # detail, and the post office to collect the parcel from.
    async with client_for(shop_app) as customer:
        page = await customer.get(f"/track/{BARCODE}", params={"lang": "uk"})
    assert page.status_code == 200 and '<html lang="uk"' in page.text, page.text[:300]
    uk = i18n.translations("uk")
    ready, office = uk.ugettext("Ready for pickup"), uk.ugettext("Post office")
    assert ready != "Ready for pickup" and office != "Post office"
    assert re.search(
        re.escape(f'<span class="event-label">{ready}</span>')
        + r"\s*<span class=\"event-carrier-text\"><span class=\"visually-hidden\">"
        + re.escape(uk.ugettext("In the carrier's words:"))
        + r" </span>Надходження до відділення</span>",
        page.text,
    ), "our status first, Ukrposhta's words as the detail"
    pickup = page.text[page.text.index('class="pickup pickup-post_office"') :]
    assert uk.ugettext("Where to collect it") in pickup
    assert f'<span class="pickup-kind">{office}</span>' in pickup
    assert '<strong class="pickup-name">ОДЕСА 501</strong>' in pickup
    assert '<span class="pickup-id">65501</span>' in pickup
    assert "Ready for pickup" not in page.text
