"""A customer's data: exported as one document and erased everywhere (portal/privacy.py),
from the API, the workspace and the CLI.

The erasure test builds a customer's trail through the real paths (an order through the
API with an idempotency key, so the cached answer holds the e-mail; a withdrawal with its
acknowledgement and webhooks; a claim; a survey comment; consent changes; a carrier's
"signed by"), erases through the API, then reads every text and JSON column of every
model Tortoise knows and finds neither the e-mail, the phone nor the name.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from tortoise import Tortoise, fields

from carriers.base import Status
from portal import consent, privacy
from portal.claims import service as claims
from portal.models import (
    Channel,
    Claim,
    ConsentSource,
    Customer,
    Erasure,
    Merchant,
    Order,
    OrderItem,
    OutboxMessage,
    Role,
    Shipment,
    Survey,
    SurveyAnswer,
    WebhookEndpoint,
    Withdrawal,
)
from portal.models.surveys import Metric, Outcome
from portal.settings import Settings
from tests import factories
from tests.admin.helpers import csrf, sign_in
from tests.api.conftest import api_client, make_key
from tests.returns_page.helpers import csrf_of, withdraw

EMAIL = "marta.zielinska@example.test"
PHONE = "+48601555123"
NAME = "Marta Zielińska"


def _text_columns(model: Any) -> list[str]:
    return [
        name
        for name, field in model._meta.fields_map.items()
        if isinstance(field, fields.JSONField | fields.TextField | fields.CharField)
    ]


async def _mentions(*needles: str) -> list[str]:
    """Every (table, column) in which any needle appears, across every model."""
    found = []
    wanted = [n.lower() for n in needles]
    for model in Tortoise.apps["models"].values():
        for column in _text_columns(model):
            for value in await model.all().values_list(column, flat=True):
                if value is None:
                    continue
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                escaped = json.dumps(value) if not isinstance(value, str) else ""
                haystack = f"{text}\n{escaped}".lower()
                if any(n in haystack for n in wanted):
                    found.append(f"{model._meta.db_table}.{column}")
    return sorted(set(found))


async def _trail(app: Starlette, settings: Settings, shop: Merchant) -> Customer:
    """The customer's data left everywhere the portal writes it, through the real paths."""
    await WebhookEndpoint.create(
        merchant=shop, url="https://hooks.example.test/in", secret_encrypted="x", topics=["*"]
    )
    key = await make_key(shop)
    async with api_client(app, key) as api:
        order = {
            "number": "Z-1",
            "currency": "PLN",
            "shipping_total": "12.00",
            "customer": {"email": EMAIL, "phone": PHONE, "name": NAME, "locale": "pl"},
            "shipping_address": {"name": NAME, "line1": "ul. Polna 3", "city": "Gdańsk",
                                 "postal_code": "80-001", "country": "PL"},
            "items": [{"sku": "MUG", "title": "Mug", "quantity": 2, "unit_price": "30.00"}],
        }  # fmt: skip
        created = await api.post("/api/v1/orders", json=order, headers={"Idempotency-Key": "k1"})
        assert created.status_code == 201, created.text
    customer = await Customer.get(email=EMAIL)
    placed = await Order.get(number="Z-1")
    shipment = await factories.shipment(
        shop, order=placed, status=Status.DELIVERED, signed_by=NAME.upper()
    )
    await consent.record([customer], Channel.SMS, True, ConsentSource.WORKSPACE, detail=EMAIL)

    # a withdrawal through the customer's pages: statement, acknowledgement, return, webhooks
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as web:
        lookup = await web.get("/returns")
        await web.post(
            "/returns",
            data={"order": "Z-1", "contact": EMAIL, "csrf_token": csrf_of(lookup.text)},
        )
        form = await web.get(f"/withdraw/orders/{placed.id}")
        item = await OrderItem.get(order_id=placed.id)
        done = await withdraw(
            web, placed.id, form.text, name=NAME, email=EMAIL, quantities={item.id: 1}
        )
        assert done.status_code == 200
    await claims.submit(
        shipment,
        kind="damaged",
        description=f"Broken. Call me: {PHONE}, {NAME}",
        quantities={item.id: 1},
        photo_paths=[],
        not_received_statement=False,
        locale="pl",
        settings=settings,
    )
    survey = await Survey.create(
        merchant=shop, customer=customer, shipment=shipment, outcome=Outcome.SMOOTH,
        questions=["csat_delivery"], locale="pl", token_hash="h" * 64,
        expires_at=placed.placed_at, created_at=placed.placed_at,
    )  # fmt: skip
    await SurveyAnswer.create(
        survey=survey, merchant=shop, question="csat_delivery", metric=Metric.CSAT, score=5,
        comment=f"Great, {NAME}", outcome=Outcome.SMOOTH, carrier_key="sandbox",
        answered_at=placed.placed_at,
    )  # fmt: skip
    return customer


async def test_erasure_leaves_the_persons_email_phone_and_name_in_no_table(
    app: Starlette, settings: Settings
) -> None:
    shop = await factories.merchant(slug="zielony", country="PL", time_zone="Europe/Warsaw")
    customer = await _trail(app, settings, shop)
    assert await Withdrawal.all().count() == 1 and await Claim.all().count() == 1
    before = await _mentions(EMAIL, PHONE, NAME)
    expected = {
        "customer.email", "orders.ship_name", "outbox_message.body_text",
        "api_idempotency_record.body", "withdrawal.email", "claim.description",
        "survey_answer.comment", "shipment.signed_by", "webhook_delivery.payload",
    }  # fmt: skip
    assert expected <= set(before), "the trail reaches every kind of place"

    other_shop = await factories.merchant(slug="inny")
    twin = await factories.customer(other_shop, email=EMAIL, name=NAME)

    key = await make_key(shop)
    async with api_client(app, key) as api:
        erased = await api.post(f"/api/v1/customers/{customer.id}/erase")
        assert erased.status_code == 200, erased.text
        assert erased.json()["actor"].startswith("api_key:")

    await twin.refresh_from_db()
    assert twin.email == EMAIL, "another shop's customer with the same address is untouched"
    await twin.delete()
    assert await _mentions(EMAIL, PHONE, NAME) == []

    # the figures stay: the order, its items and prices, the return's refund, the score
    order = await Order.get(number="Z-1")
    assert order.customer_id == customer.id and order.ship_country == "PL"
    assert (await OrderItem.get(order_id=order.id)).unit_price == Decimal("30.00")
    assert (await SurveyAnswer.get()).score == 5
    record = await Erasure.get(customer_id=customer.id)
    assert record.actor.startswith("api_key:") and record.counts["customer"] == 1
    assert await OutboxMessage.filter(recipient=EMAIL).count() == 0


async def test_the_export_is_one_document_across_everything(
    app: Starlette, settings: Settings
) -> None:
    shop = await factories.merchant(slug="zielony", country="PL", time_zone="Europe/Warsaw")
    customer = await _trail(app, settings, shop)
    key = await make_key(shop)
    async with api_client(app, key) as api:
        found = (await api.get(f"/api/v1/customers/{customer.id}/export")).json()
        stranger = await api.get("/api/v1/customers/999999/export")
        assert stranger.status_code == 404
    assert found["customer"]["email"] == EMAIL and found["customer"]["phone"] == PHONE
    assert [o["number"] for o in found["orders"]] == ["Z-1"]
    assert found["orders"][0]["items"][0]["sku"] == "MUG"
    assert found["shipments"][0]["signed_by"] == NAME.upper()
    assert {m["trigger"] for m in found["messages"]} >= {"withdrawal_received", "claim_submitted"}
    assert found["returns"][0]["kind"] == "withdrawal"
    assert found["withdrawals"][0]["email"] == EMAIL
    assert found["claims"][0]["kind"] == "damaged"
    assert found["surveys"][0]["answers"][0]["score"] == 5
    assert [c["channel"] for c in found["consent_history"]][-1] == "sms"
    assert "token_hash" not in found["surveys"][0]


async def test_another_merchants_key_can_neither_export_nor_erase(
    app: Starlette, settings: Settings
) -> None:
    shop = await factories.merchant(slug="zielony", country="PL")
    customer = await factories.customer(shop, email=EMAIL, name=NAME)
    key = await make_key(await factories.merchant(slug="obcy"))
    async with api_client(app, key) as api:
        assert (await api.get(f"/api/v1/customers/{customer.id}/export")).status_code == 404
        assert (await api.post(f"/api/v1/customers/{customer.id}/erase")).status_code == 404
    await customer.refresh_from_db()
    assert customer.email == EMAIL


async def test_the_workspace_erases_only_for_an_owner_who_types_erase(
    app: Starlette, settings: Settings
) -> None:
    shop = await factories.merchant(slug="zielony", country="PL")
    customer = await factories.customer(shop, email=EMAIL, name=NAME)
    order = await factories.order(shop, customer=customer, email=EMAIL, ship_name=NAME)
    owner = await factories.staff_user(shop, role=Role.OWNER)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as admin:
        await sign_in(admin, owner)
        page = await admin.get(f"/admin/orders/{order.id}")
        assert f"/admin/customers/{customer.id}/export.json" in page.text
        download = await admin.get(f"/admin/customers/{customer.id}/export.json")
        assert download.json()["customer"]["email"] == EMAIL
        token = await csrf(admin, f"/admin/orders/{order.id}")
        url = f"/admin/customers/{customer.id}/erase?order={order.id}"
        kept = await admin.post(url, data={"csrf_token": token, "confirm": "yes"})
        assert kept.headers["location"].endswith("customer=not-confirmed")
        await customer.refresh_from_db()
        assert customer.email == EMAIL
        gone = await admin.post(url, data={"csrf_token": token, "confirm": "ERASE"})
        assert gone.headers["location"].endswith("customer=erased")
    await customer.refresh_from_db()
    assert customer.email is None and customer.name == ""
    assert (await Erasure.get()).actor == f"staff:{owner.id}"


def test_the_cli_refuses_to_erase_without_yes(tmp_path: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "portal.cli", "customer", "erase", "--merchant", "x", "--id", "1"],
        capture_output=True,
        text=True,
        env={
            "PORTAL_VAR_DIR": str(tmp_path),
            "PATH": "/usr/bin:/bin",
            "PORTAL_DATABASE_URL": f"sqlite://{tmp_path}/db.sqlite3",
        },
    )
    assert done.returncode != 0 and "--yes" in done.stderr
    assert privacy.ERASED == "[erased]"
    assert Shipment  # imported for the trail's types
