"""A Ukrainian customer's Nova Poshta parcel, from the carrier's API to the tracking page.

The shop has nothing but its own Nova Poshta account; the poll sweep asks Nova Poshta
(faked at the HTTP layer with the answers of https://developers.novaposhta.ua/view/model/a99d2f28-8512-11ec-8ced-005056b2dbe1/method/a9ae7bc9-8512-11ec-8ced-005056b2dbe1
and the warehouses method, fixtures in tests/fixtures/nova_poshta/) with the customer's
phone, and the page in Ukrainian words each scan our way first, with Nova Poshta's own text
as the detail, and shows the branch the parcel waits at with its opening hours.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import httpx
import respx

from portal import i18n
from portal.models import Shipment
from portal.settings import Settings
from portal.tracking.sweep import sweep_once
from tests import factories
from tests.carriers.helpers import load_fixture

NUMBER = "20450912345678"
API = "https://api.novaposhta.ua/v2.0/json/"
SCANNED = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def answer(request: httpx.Request) -> httpx.Response:
    called = json.loads(request.content)["calledMethod"]
    fixture = "at_branch.json" if called == "getStatusDocuments" else "warehouses.json"
    return httpx.Response(200, json=load_fixture("nova_poshta", fixture))


async def test_a_ukrainian_page_shows_nova_poshtas_branch_and_our_words_first(
    db: str, web: httpx.AsyncClient
) -> None:
    shop = await factories.merchant(name="Lviv Socks", time_zone="Europe/Kyiv")
    await factories.carrier_account(
        shop, carrier_key="nova_poshta", credentials={"api_key": "np-api-key"}
    )
    buyer = await factories.customer(
        shop, name="Олена Коваленко", locale="uk", phone="050 123 4567", country="UA"
    )
    order = await factories.order(shop, customer=buyer, ship_country="UA")
    shipment = await factories.shipment(
        shop, order=order, carrier_key="nova_poshta", tracking_number=NUMBER, next_poll_at=SCANNED
    )

    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(API).mock(side_effect=answer)
        async with httpx.AsyncClient() as client:
            await sweep_once(Settings.from_env(), client=client, now=SCANNED)

    asked = [json.loads(call.request.content) for call in route.calls]
    tracking = next(a for a in asked if a["calledMethod"] == "getStatusDocuments")
    assert tracking["methodProperties"]["Documents"] == [
        {"DocumentNumber": NUMBER, "Phone": "380501234567"}
    ], "the recipient's phone goes with the number, so Nova Poshta answers in full"
    assert (await Shipment.get(id=shipment.id)).status == "available_for_pickup"

    text = (await web.get(f"/track/{NUMBER}", params={"lang": "uk"})).text
    uk = i18n.translations("uk")
    ours = uk.ugettext("Ready for pickup")
    assert ours != "Ready for pickup"
    assert re.search(
        re.escape(f'<span class="event-label">{ours}</span>')
        + r"\s*<span class=\"event-carrier-text\"><span class=\"visually-hidden\">"
        + re.escape(uk.ugettext("In the carrier's words:"))
        + r" </span>Прибув на відділення</span>",
        text,
    ), "our status first, Nova Poshta's words as the detail"
    assert "Відділення №12" in text
    assert uk.ugettext("Opening hours") in text
    assert "Пн–Пт 08:00–20:00; Сб 09:00–17:00; Нд вихідний" in text, "the branch's hours"
    assert "Ready for pickup" not in text
