"""A parcel waiting at a locker: where, until when (in the customer's time and language),
a link to OpenStreetMap, and its pickup code only for a viewer who proved who they are."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx

from carriers.base import PickupKind, PickupPoint, Status
from portal import i18n
from portal.core import pickup
from portal.core.links import make_tracking_link
from portal.models import Shipment, TrackingEvent
from portal.opening_hours import localise_hours
from portal.tracking_page.presenter import map_url, pickup_view
from tests.tracking_page.conftest import NOW, Shop

NUMBER = "SBX00000000042"
LOCKER = PickupPoint(
    point_id="KRA01M",
    kind=PickupKind.LOCKER,
    name="Paczkomat KRA01M",
    street="ul. Floriańska 1",
    city="Kraków",
    postal_code="31-019",
    country="PL",
    latitude=50.0625,
    longitude=19.9396,
    opening_hours="24/7",
    pickup_deadline=datetime(2026, 11, 22, 19, 0, tzinfo=UTC),  # 20:00 in Warsaw
    pickup_code="482913",
)


async def at_locker(shop: Shop, point: PickupPoint = LOCKER, **fields: object) -> None:
    await Shipment.filter(id=shop.shipment.id).update(
        status=fields.pop("status", Status.AVAILABLE_FOR_PICKUP),
        pickup_point=pickup.to_json(point),
        pickup_deadline=point.pickup_deadline,
        updated_at=NOW,
        **fields,
    )


async def test_a_number_alone_shows_the_point_and_deadline_but_no_code(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    await at_locker(shop)
    response = await web.get(f"/track/{NUMBER}")
    assert response.status_code == 200
    [view] = response.context["shipments"]
    assert view.pickup is not None and view.pickup.code is None
    text = response.text
    for shown in ("Parcel locker", "Paczkomat KRA01M", "ul. Floriańska 1", "31-019 Kraków", "24/7"):
        assert shown in text, shown
    assert "Collect by" in text
    assert 'datetime="2026-11-22T20:00:00+01:00"' in text, "the deadline in Warsaw time"
    assert "https://www.openstreetmap.org/?mlat=50.062500&amp;mlon=19.939600#map=18/" in text
    assert "482913" not in text
    assert "<iframe" not in text and "tile.openstreetmap" not in text, "a link, no map tiles"


async def test_the_number_tier_fragment_has_no_code_either(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    await at_locker(shop)
    page = await web.get(f"/track/{NUMBER}")
    status_url = re.search(r'hx-get="([^"]+)"', page.text)
    assert status_url
    fragment = await web.get(status_url.group(1))
    assert "Paczkomat KRA01M" in fragment.text and "482913" not in fragment.text


async def test_a_signed_link_shows_the_pickup_code(web: httpx.AsyncClient, shop: Shop) -> None:
    await at_locker(shop)
    settings = web._transport.app.app.state.settings  # type: ignore[attr-defined]
    link = make_tracking_link(settings, shop.shipment)
    response = await web.get(link.replace(settings.public_base_url, ""))
    assert response.context["tier"] == "order"
    assert "Pickup code" in response.text and "482913" in response.text
    status_url = re.search(r'hx-get="(/t/[^"]+/status)"', response.text)
    assert status_url
    assert "482913" in (await web.get(status_url.group(1))).text


async def test_the_page_speaks_polish(web: httpx.AsyncClient, shop: Shop) -> None:
    await at_locker(shop)
    response = await web.get(f"/track/{NUMBER}", params={"lang": "pl"})
    text = response.text
    assert "Paczkomat" in text and "Odbierz do" in text
    assert "listopada 2026" in text and "20:00" in text


async def test_the_point_goes_once_the_parcel_is_collected(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    await at_locker(shop, status=Status.DELIVERED, delivered_at=NOW)
    response = await web.get(f"/track/{NUMBER}")
    assert response.context["shipments"][0].pickup is None
    assert "Paczkomat KRA01M" not in response.text


def test_without_coordinates_the_map_link_searches_the_address() -> None:
    shop_point = PickupPoint("P-77", PickupKind.SHOP, name="Kiosk", street="Rynek 5", city="Kraków")
    assert map_url(shop_point) == (
        "https://www.openstreetmap.org/search?query=Rynek%205%2C%20Krak%C3%B3w"
    )
    assert map_url(PickupPoint("P-78")) is None


def test_the_deadline_reads_in_the_customers_zone_and_language() -> None:
    shipment = Shipment(status=Status.AVAILABLE_FOR_PICKUP, pickup_point=pickup.to_json(LOCKER))
    view = pickup_view(shipment, zone=ZoneInfo("Europe/Bucharest"), locale="ro", show_code=True)
    assert view is not None
    assert view.deadline_iso == "2026-11-22T21:00:00+02:00"
    assert view.deadline_text is not None and "noiembrie" in view.deadline_text
    assert view.code == "482913"


async def test_a_ukrainian_page_reads_in_ukrainian_with_the_carriers_text_as_detail(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    branch = PickupPoint(
        point_id="1",
        kind=PickupKind.SHOP,
        name="Відділення №1",
        street="вул. Пирогівський шлях, 135",
        city="Київ",
        postal_code="03026",
        country="UA",
        opening_hours="Пн–Сб 08:00–21:00",
    )
    await at_locker(shop, branch)
    await TrackingEvent.create(
        shipment=shop.shipment,
        occurred_at=NOW,
        status=Status.AVAILABLE_FOR_PICKUP,
        carrier_code="7",
        description="Прибув у відділення",
        city="Київ",
        country="UA",
        dedupe_key="np-7",
    )
    response = await web.get(f"/track/{NUMBER}", params={"lang": "uk"})
    text = response.text
    assert '<html lang="uk">' in text
    uk = i18n.translations("uk")
    ours = uk.ugettext("Ready for pickup")
    assert ours != "Ready for pickup", "the Ukrainian catalogue words the status"
    assert re.search(
        re.escape(f'<span class="event-label">{ours}</span>')
        + r"\s*<span class=\"event-carrier-text\"><span class=\"visually-hidden\">"
        + re.escape(uk.ugettext("In the carrier's words:"))
        + r" </span>Прибув у відділення</span>",
        text,
    ), "our status first, the carrier's words as the detail"
    for shown in ("Відділення №1", "03026 Київ", "Пн–Сб 08:00–21:00", uk.ugettext("Opening hours")):
        assert shown in text, shown
    assert "Ready for pickup" not in text and "Opening hours" not in text


def test_an_offices_hours_read_with_the_days_of_the_customers_language() -> None:
    """Adapters write "Mon–Fri" (carriers.base); a Bulgarian page says "пн–пт"."""
    office = dataclasses.replace(
        LOCKER, kind=PickupKind.DEPOT, opening_hours="Mon–Fri 09:00–19:00, Sat 10:00–14:00"
    )
    shipment = Shipment(status=Status.AVAILABLE_FOR_PICKUP, pickup_point=pickup.to_json(office))
    shown = {
        locale: view.opening_hours
        for locale in ("bg", "en", "pl")
        if (
            view := pickup_view(
                shipment, zone=ZoneInfo("Europe/Sofia"), locale=locale, show_code=False
            )
        )
    }
    assert shown == {
        "bg": "пн–пт 09:00–19:00, сб 10:00–14:00",
        "en": "Mon–Fri 09:00–19:00, Sat 10:00–14:00",
        "pl": "pon.–pt. 09:00–19:00, sob. 10:00–14:00",
    }
    assert localise_hours("24/7", "bg") == "24/7"


def test_a_post_offices_holidays_read_in_the_customers_language() -> None:
    """Poczta Polska's hours end with "Sun & holidays" (carriers.poczta_polska): a Polish
    page says "niedz. i święta", never the English word."""
    hours = "Mon–Fri 08:00-20:00; Sat 09:00-14:00; Sun & holidays (nieczynne)"
    assert localise_hours(hours, "pl") == (
        "pon.–pt. 08:00-20:00; sob. 09:00-14:00; niedz. i święta (nieczynne)"
    )
    assert localise_hours(hours, "en") == hours
    assert "holidays" not in (localise_hours(hours, "uk") or "")
