"""A Russian Post parcel waiting at a post office shows the office's street and hours.

The shop is made with ``portal merchant create``, ``portal user create`` and ``portal
apikey create`` on an empty database; its Russian Post account (the tracking login, and the
optional Otpravka API token and key) goes through ``/api/v1/carrier-accounts``, its order and
parcel through ``/api/v1/orders`` and ``/api/v1/shipments``. The worker's sweep polls, its
dispatcher sends the e-mail to a real SMTP server. Russian Post is faked with respx at its
real addresses, in its documented shapes:

- the tracking service, SOAP 1.2 ``getOperationHistory`` at
  ``https://tracking.russianpost.ru/rtm34`` (https://tracking.pochta.ru/specification),
  answering tests/fixtures/russian_post/awaiting_pickup.xml with its dates moved to now;
- the Otpravka API's post office by index, ``GET
  https://otpravka-api.pochta.ru/postoffice/1.0/{postal-code}`` with ``Authorization:
  AccessToken …`` and ``X-User-Authorization: Basic …``
  (https://otpravka.pochta.ru/specification#/services-postoffice), answering
  tests/fixtures/russian_post/postoffice_663300.json (SOURCE.md there).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx
from starlette.applications import Starlette

from carriers.russian_post import OFFICES, clear_office_cache
from portal.models import Shipment
from tests.api.conftest import api_client
from tests.carriers.helpers import FIXTURES, load_fixture
from tests.conftest import client_for
from tests.notifications.helpers import SmtpSink
from tests.real_shop.helpers import (
    drain_outbox,
    mails_to,
    place_order,
    plain_text,
    poll_when_due,
    sign_up,
    tracking_link_in,
)

pytestmark = pytest.mark.slow  # three `portal` processes per shop

TRACKING = "https://tracking.russianpost.ru/rtm34"
OFFICE = "https://otpravka-api.pochta.ru/postoffice/1.0/663300"
BARCODE = "11155586001234"  # a domestic ШПИ (tests/fixtures/russian_post/SOURCE.md)
LOGIN, PASSWORD = "pochta-shop", "pochta-parol"
TOKEN, KEY = "otpravka-token-7c1d", "cG9jaHRhLXNob3A6b3RwcmF2a2E="
PYOTR = "pyotr.nikolaev@example.test"
STREET = "Ленинский пр-кт, 22"
#: A few minutes on: past any short hold the outbox puts on a fresh message (seen: ~40 s).
MESSAGE_DELAY = timedelta(minutes=5)


def waiting_at_the_office(request: httpx.Request) -> httpx.Response:
    """awaiting_pickup.xml for the barcode, its operations moved into the last few
    milliseconds, in order: the portal tells the customer nothing about news older than the
    parcel's registration, and here the whole journey happens after it."""
    assert f"<ns2:login>{LOGIN}</ns2:login>" in request.content.decode()
    xml = (FIXTURES / "russian_post" / "awaiting_pickup.xml").read_text(encoding="utf-8")
    xml = xml.replace("EA123456785RU", BARCODE)
    dates = re.findall(r"<ns3:OperDate>([^<]+)</ns3:OperDate>", xml)
    order = sorted(dates, key=datetime.fromisoformat)
    now = datetime.now(UTC)
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # milliseconds, as sent
    for raw in dates:
        moved = now - timedelta(milliseconds=len(order) - 1 - order.index(raw))
        moved = moved.astimezone(datetime.fromisoformat(raw).tzinfo)
        xml = xml.replace(raw, moved.isoformat(timespec="milliseconds"), 1)
    return httpx.Response(
        200, content=xml.encode(), headers={"Content-Type": "application/soap+xml"}
    )


def the_office() -> httpx.Response:
    return httpx.Response(200, json=load_fixture("russian_post", "postoffice_663300.json"))


@pytest.fixture
def russian_post() -> Iterator[respx.MockRouter]:
    clear_office_cache()
    with respx.mock(assert_all_called=False) as mock:
        mock.post(TRACKING).mock(side_effect=waiting_at_the_office)
        yield mock
    clear_office_cache()


async def open_shop(app: Starlette, slug: str, credentials: dict[str, str]) -> tuple[str, int]:
    """A new shop with a Russian Post account (through the API) and Pyotr's parcel
    registered; its API key and the parcel's id."""
    shop = await sign_up(app, slug, "Почтовый магазин", country="RU", locale="ru",
                         time_zone="Europe/Moscow")  # fmt: skip
    async with api_client(app, shop.api_key) as api:
        patched = await api.patch(
            "/api/v1/settings",
            json={"quiet_hours_start": "00:00", "quiet_hours_end": "00:00",
                  "notification_rules": {"ready_for_pickup": ["email"]}},
        )  # fmt: skip
        assert patched.status_code == 200, patched.text
        made = await api.post(
            "/api/v1/carrier-accounts",
            json={"carrier": "russian_post", "name": "Почта России", "credentials": credentials},
        )
        assert made.status_code == 201, made.text
        shown = made.json()["credentials"]
        assert shown == {
            f: f in credentials for f in ("login", "password", "otpravka_token", "otpravka_key")
        }
        assert TOKEN not in made.text and KEY not in made.text
        await place_order(api, "P-1", email=PYOTR, name="Пётр Николаев", phone="+79137654321")
        parcel = await api.post(
            "/api/v1/shipments",
            json={"tracking_number": BARCODE, "carrier": "russian_post", "order_number": "P-1"},
        )
        assert parcel.status_code == 201, parcel.text
        return shop.api_key, int(parcel.json()["id"])


async def test_a_parcel_at_a_post_office_shows_its_street_and_hours(
    shop_app: Starlette,
    russian_post: respx.MockRouter,
    smtp_sink: SmtpSink,
    http: httpx.AsyncClient,
) -> None:
    office = russian_post.get(OFFICE).mock(return_value=the_office())
    credentials = {
        "login": LOGIN,
        "password": PASSWORD,
        "otpravka_token": TOKEN,
        "otpravka_key": KEY,
    }
    api_key, parcel_id = await open_shop(shop_app, "pochta", credentials)

    await poll_when_due(shop_app, http, parcel_id)

    asked = office.calls.last.request
    assert asked.headers["Authorization"] == f"AccessToken {TOKEN}"
    assert asked.headers["X-User-Authorization"] == f"Basic {KEY}"
    async with api_client(shop_app, api_key) as api:
        shown = (await api.get(f"/api/v1/shipments/{parcel_id}")).json()
    assert shown["status"] == "available_for_pickup", shown
    point = shown["pickup_point"]
    assert (point["point_id"], point["street"], point["city"]) == ("663300", STREET, "Норильск")
    assert point["opening_hours"] == "Mon–Fri 08:00–20:00, Sat 09:00–13:00/14:00–18:00"

    # Pyotr's e-mail names the office with its street; his tracking page shows it too.
    await drain_outbox(shop_app, http, now=datetime.now(UTC) + MESSAGE_DELAY)
    [mail] = mails_to(smtp_sink, PYOTR)
    text = plain_text(mail)
    assert "Норильск Почтамт" in text and STREET in text, text
    assert "08:00–20:00" in text, text
    async with client_for(shop_app) as customer:
        page = await customer.get(tracking_link_in(text))
    assert page.status_code == 200
    pickup = page.text[page.text.index('class="pickup pickup-') :]
    assert STREET in pickup and "Норильск" in pickup and "08:00–20:00" in pickup, pickup[:2000]

    # A second poll asks the office no more: it is known.
    await poll_when_due(shop_app, http, parcel_id)
    assert office.call_count == 1


async def test_a_failing_office_lookup_leaves_the_index_and_is_retried_later(
    shop_app: Starlette,
    russian_post: respx.MockRouter,
    smtp_sink: SmtpSink,
    http: httpx.AsyncClient,
) -> None:
    office = russian_post.get(OFFICE).mock(
        side_effect=[httpx.Response(401, json={"code": "1001", "desc": "Unauthorized"}),
                     the_office()]
    )  # fmt: skip
    now = [1000.0]
    OFFICES.clock = lambda: now[0]
    try:
        credentials = {
            "login": LOGIN,
            "password": PASSWORD,
            "otpravka_token": TOKEN,
            "otpravka_key": KEY,
        }
        _, parcel_id = await open_shop(shop_app, "pochta-retry", credentials)

        await poll_when_due(shop_app, http, parcel_id)

        parcel = await Shipment.get(id=parcel_id)
        assert parcel.status == "available_for_pickup" and parcel.last_error is None
        assert parcel.poll_failures == 0
        assert parcel.pickup_point is not None
        assert (parcel.pickup_point["point_id"], parcel.pickup_point["street"]) == ("663300", None)
        await drain_outbox(shop_app, http, now=datetime.now(UTC) + MESSAGE_DELAY)
        [mail] = mails_to(smtp_sink, PYOTR)
        assert "Норильск Почтамт" in plain_text(mail), "the point is still named"

        # After the backoff, the next poll asks again and the street is filled in.
        now[0] += OFFICES.first_retry
        await poll_when_due(shop_app, http, parcel_id)
        parcel = await Shipment.get(id=parcel_id)
        assert office.call_count == 2
        assert parcel.pickup_point is not None and parcel.pickup_point["street"] == STREET
    finally:
        OFFICES.clock = time.monotonic


async def test_without_otpravka_credentials_no_office_is_looked_up(
    shop_app: Starlette,
    russian_post: respx.MockRouter,
    smtp_sink: SmtpSink,
    http: httpx.AsyncClient,
) -> None:
    office = russian_post.get(OFFICE).mock(return_value=the_office())
    _, parcel_id = await open_shop(shop_app, "pochta-plain", {"login": LOGIN, "password": PASSWORD})

    await poll_when_due(shop_app, http, parcel_id)

    parcel = await Shipment.get(id=parcel_id)
    assert parcel.status == "available_for_pickup"
    assert parcel.pickup_point is not None and parcel.pickup_point["street"] is None
    assert not office.called
