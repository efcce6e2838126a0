"""``GET /settings`` and ``PATCH /settings``: a shop configured through the API alone reads
and changes everything the Settings screen holds — which channel each message goes on
included — under the screen's own checks; another shop's key sees only its own. (The logo
has its own file: test_settings_logo.py.)

The carrier is DHL, faked at the HTTP layer with its documented tracking response
(https://developer.dhl.com/api-reference/shipment-tracking, tests/fixtures/dhl/).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from starlette.applications import Starlette

from portal.admin import branding
from portal.models import Channel, Merchant, MessageState, OutboxMessage
from portal.settings import Settings
from tests import factories
from tests.api.conftest import api_client, make_key

DHL = "https://api-eu.dhl.com/track/shipments"
DELIVERED = json.loads(Path("tests/fixtures/dhl/delivered.json").read_text())


def delivered_now(number: str) -> dict[str, Any]:
    """DHL's documented "delivered" answer for ``number``, its scans moved so that the
    delivery happened just now (after the shipment was registered, so it is news)."""
    delivered_at = datetime.fromisoformat(DELIVERED["shipments"][0]["status"]["timestamp"])
    shift = datetime.now(UTC) - delivered_at

    def moved(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: (datetime.fromisoformat(v) + shift).isoformat() if k == "timestamp" else moved(v)
                for k, v in value.items()
            }
        return [moved(v) for v in value] if isinstance(value, list) else value

    answer: dict[str, Any] = moved(DELIVERED)
    answer["shipments"][0]["id"] = number
    return answer


async def deliver_an_order(api: httpx.AsyncClient, number: str, tracking_number: str) -> int:
    """Through the API: an order from a customer who agreed to texts, its DHL parcel, and
    a refresh that finds it delivered. Answers the shipment's id."""
    customer = {"email": "ann@example.test", "phone": "+48 601 234 567", "sms_consent": True}
    order = {
        "number": number,
        "currency": "PLN",
        "customer": customer,
        "shipping_address": {"name": "Ann", "line1": "Main 1", "city": "Kraków", "country": "PL"},
        "items": [{"sku": "MUG", "title": "Mug", "unit_price": "9.50"}],
    }
    assert (await api.post("/api/v1/orders", json=order)).status_code == 201
    parcel = {"tracking_number": tracking_number, "carrier": "dhl", "order_number": number}
    created = await api.post("/api/v1/shipments", json=parcel)
    assert created.status_code == 201
    shipment_id: int = created.json()["id"]
    with respx.mock() as carrier:
        carrier.get(DHL).respond(json=delivered_now(tracking_number))
        refreshed = await api.post(f"/api/v1/shipments/{shipment_id}/refresh")
    assert refreshed.status_code == 200
    assert refreshed.json()["status"] == "delivered"
    return shipment_id


async def channels_queued(shipment_id: int) -> list[str]:
    messages = await OutboxMessage.filter(shipment_id=shipment_id).order_by("channel")
    assert all(m.trigger == "delivered" and m.state is MessageState.PENDING for m in messages)
    return [m.channel.value for m in messages]


async def test_a_shop_with_only_an_api_key_turns_on_texts_for_deliveries(
    api: httpx.AsyncClient, shop: Merchant, api_settings: Settings
) -> None:
    """A new shop (no demo, no screen visited) tells customers of a delivery by e-mail
    only; once it adds SMS to the delivered message through the API, the next delivery
    is queued as a text too, through the same outbox path as every message."""
    await factories.carrier_account(
        shop, carrier_key="dhl", settings=api_settings, credentials={"api_key": "k"}
    )
    before = await api.get("/api/v1/settings")
    assert before.json()["notification_rules"]["delivered"] == ["email"]
    first = await deliver_an_order(api, "A-1", "00340434161094015902")

    changed = await api.patch(
        "/api/v1/settings", json={"notification_rules": {"delivered": ["email", "sms"]}}
    )
    second = await deliver_an_order(api, "A-2", "00340434161094015919")

    assert changed.status_code == 200
    assert changed.json()["notification_rules"]["delivered"] == ["email", "sms"]
    assert await channels_queued(first) == ["email"]
    assert await channels_queued(second) == ["email", "sms"]
    text = await OutboxMessage.get(shipment_id=second, channel=Channel.SMS)
    assert text.recipient == "+48601234567"


async def test_a_new_shop_reads_every_setting_as_it_works_now(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    response = await api.get("/api/v1/settings")

    assert response.status_code == 200
    settings = response.json()
    assert settings["name"] == shop.name
    assert (settings["default_locale"], settings["time_zone"]) == ("en", "UTC")
    assert (settings["quiet_hours_start"], settings["quiet_hours_end"]) == ("21:00", "08:00")
    assert settings["quiet_hours_channels"] == ["sms", "whatsapp"]
    assert settings["channel_order"] == ["email", "sms"]
    assert settings["support_email"] == ""
    assert (settings["expire_after_days"], settings["history_retention_months"]) == (30, 13)
    rules = settings["notification_rules"]
    assert (rules["out_for_delivery"], rules["delivered"]) == (["email", "sms"], ["email"])
    assert rules["claim_submitted"] == ["email"]
    assert "survey" not in rules and "withdrawal_received" not in rules


async def test_a_shop_changes_its_message_settings(api: httpx.AsyncClient, shop: Merchant) -> None:
    change = {
        "name": "Acme",
        "support_email": "help@acme.test",
        "default_locale": "pl",
        "time_zone": "Europe/Warsaw",
        "quiet_hours_start": "22:00",
        "quiet_hours_end": "07:30",
        "quiet_hours_channels": ["whatsapp", "email", "sms"],
        "channel_order": ["whatsapp", "sms", "email"],
        "primary_color": "#1F5FBF",
        "expire_after_days": 21,
    }
    response = await api.patch("/api/v1/settings", json=change)

    assert response.status_code == 200
    body = response.json()
    assert body["quiet_hours_channels"] == ["email", "sms", "whatsapp"]
    assert body["primary_color"] == "#1f5fbf"
    assert (await api.get("/api/v1/settings")).json() == body
    await shop.refresh_from_db()
    assert (shop.name, shop.default_locale, shop.time_zone) == ("Acme", "pl", "Europe/Warsaw")
    assert shop.channel_order == ["whatsapp", "sms", "email"]
    assert shop.branding == {"support_email": "help@acme.test", "primary_color": "#1f5fbf"}


async def test_rules_not_sent_keep_their_channels(api: httpx.AsyncClient, shop: Merchant) -> None:
    """Surveys choose their channels on their own screen; a survey rule saved long ago and
    the kinds a PATCH does not name are left as they were."""
    await Merchant.filter(id=shop.id).update(
        notification_rules={"survey": ["sms"], "shipped": ["sms"]}
    )
    response = await api.patch(
        "/api/v1/settings", json={"notification_rules": {"delivered": [], "return_approved": []}}
    )

    rules = response.json()["notification_rules"]
    assert (rules["delivered"], rules["return_approved"], rules["shipped"]) == ([], [], ["sms"])
    assert rules["out_for_delivery"] == ["email", "sms"]
    await shop.refresh_from_db()
    assert shop.notification_rules == {
        "survey": ["sms"],
        "shipped": ["sms"],
        "delivered": [],
        "return_approved": [],
    }


async def test_null_takes_a_kind_back_to_its_default_channels(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    """``null`` drops the shop's choice for that kind only: it shows (and is sent on) its
    default channels again, and the kinds not named keep theirs."""
    await api.patch(
        "/api/v1/settings",
        json={"notification_rules": {"delivered": ["email", "sms"], "shipped": []}},
    )
    reset = await api.patch("/api/v1/settings", json={"notification_rules": {"delivered": None}})
    unknown = await api.patch("/api/v1/settings", json={"notification_rules": {"nope": None}})
    whole = await api.patch("/api/v1/settings", json={"notification_rules": None})

    assert reset.status_code == 200
    rules = reset.json()["notification_rules"]
    assert (rules["delivered"], rules["shipped"]) == (["email"], [])
    await shop.refresh_from_db()
    assert shop.notification_rules == {"shipped": []}
    assert unknown.status_code == whole.status_code == 422
    assert [e["pointer"] for e in unknown.json()["errors"]] == ["/notification_rules/nope"]
    assert [e["pointer"] for e in whole.json()["errors"]] == ["/notification_rules"]


async def test_bad_values_are_refused_each_with_its_pointer_and_nothing_changes(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    before = (await api.get("/api/v1/settings")).json()
    response = await api.patch(
        "/api/v1/settings",
        json={
            "name": "Acme",
            "time_zone": "Mars/Base",
            "quiet_hours_start": "25:00",
            "channel_order": [],
            "notification_rules": {"delivered": ["email", "sms"]},
        },
    )

    assert response.status_code == 422
    assert {e["pointer"]: e["detail"] for e in response.json()["errors"]} == {
        "/time_zone": "Enter a time zone like Europe/Warsaw.",
        "/quiet_hours_start": "Enter a time as HH:MM, for example 21:00.",
        "/channel_order": "Offer at least one channel.",
    }
    assert (await api.get("/api/v1/settings")).json() == before


@pytest.mark.parametrize(
    "change",
    [
        {"survey": ["email"]},
        {"delivered": ["sms", "sms"]},
        {"delivered": ["fax"]},
        {"delivered": "email"},
    ],
)
async def test_rules_the_screen_does_not_offer_are_refused(
    api: httpx.AsyncClient, change: dict[str, Any]
) -> None:
    response = await api.patch("/api/v1/settings", json={"notification_rules": change})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["pointer"].startswith(f"/notification_rules/{next(iter(change))}")


def _form(**changes: str) -> dict[str, str]:
    """The Settings screen's form as a browser sends it, with ``changes``."""
    form = {
        "name": "Acme",
        "default_locale": "en",
        "time_zone": "UTC",
        "quiet_hours_start": "21:00",
        "quiet_hours_end": "08:00",
        "expire_after_days": "30",
        "channels_form": "1",
        "offer_email": "1",
    }
    return {**form, **changes}


@pytest.mark.parametrize(
    ("field", "sent", "typed"),
    [
        ("name", "   ", "   "),
        ("name", "x" * 201, "x" * 201),
        ("primary_color", "#eeeeee", "#eeeeee"),
        ("accent_color", "blue", "blue"),
        ("support_email", "help", "help"),
        ("support_url", "ftp://acme.test", "ftp://acme.test"),
        ("support_phone", "call us", "call us"),
        ("default_locale", "xx", "xx"),
        ("time_zone", "Mars/Base", "Mars/Base"),
        ("quiet_hours_end", "8:00", "8:00"),
        ("expire_after_days", 366, "366"),
        ("history_retention_months", 2, "2"),
        ("channel_order", [], {"offer_email": ""}),
    ],
)
async def test_the_api_refuses_what_the_screen_refuses(
    api: httpx.AsyncClient, field: str, sent: Any, typed: Any
) -> None:
    """In the screen's words, except where the schema states the limit itself (a language
    from the list, a number within bounds): then in the schema's, naming the limit."""
    form = _form(**typed) if isinstance(typed, dict) else _form(**{field: typed})
    _clean, screen_errors = branding.validate(form)

    response = await api.patch("/api/v1/settings", json={field: sent})

    assert list(screen_errors) == [field]
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["pointer"] == f"/{field}"
    if field not in ("default_locale", "expire_after_days", "history_retention_months"):
        assert error["detail"] == screen_errors[field]


async def test_a_change_with_nothing_in_it_is_refused(api: httpx.AsyncClient) -> None:
    response = await api.patch("/api/v1/settings", json={})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"pointer": "/", "detail": "send at least one setting"}]
    assert (await api.patch("/api/v1/settings", json={"logo": "x.png"})).status_code == 422


async def test_a_shop_changes_its_own_retention(api: httpx.AsyncClient, shop: Merchant) -> None:
    other = await factories.merchant()

    response = await api.patch("/api/v1/settings", json={"history_retention_months": 6})

    assert response.status_code == 200
    assert response.json()["history_retention_months"] == 6
    await shop.refresh_from_db()
    await other.refresh_from_db()
    assert (shop.history_retention_months, other.history_retention_months) == (6, 13)


async def test_a_retention_out_of_bounds_is_refused(api: httpx.AsyncClient, shop: Merchant) -> None:
    for months in (2, 121, "twelve", 12.5):
        response = await api.patch("/api/v1/settings", json={"history_retention_months": months})
        assert response.status_code == 422, months
    await shop.refresh_from_db()
    assert shop.history_retention_months == 13


async def test_another_shops_key_neither_sees_nor_changes_them(
    api: httpx.AsyncClient, api_app: Starlette, shop: Merchant
) -> None:
    other = await factories.merchant(name="Other shop")
    await api.patch(
        "/api/v1/settings",
        json={"name": "Acme", "notification_rules": {"delivered": ["email", "sms"]}},
    )

    async with api_client(api_app, await make_key(other)) as theirs:
        seen = (await theirs.get("/api/v1/settings")).json()
        changed = await theirs.patch(
            "/api/v1/settings", json={"notification_rules": {"delivered": []}}
        )

    assert seen["name"] == "Other shop"
    assert seen["notification_rules"]["delivered"] == ["email"]
    assert changed.json()["notification_rules"]["delivered"] == []
    mine = (await api.get("/api/v1/settings")).json()
    assert (mine["name"], mine["notification_rules"]["delivered"]) == ("Acme", ["email", "sms"])
