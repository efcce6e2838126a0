"""Claims end to end over HTTP: "Report a problem" from a signed tracking link, the
workspace's queue and resolutions, the customer told at each step, the carrier export."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from starlette.applications import Starlette

from carriers.base import Reason, Status
from carriers.sandbox.journey import label_hour_of, make_number
from portal.core.links import make_tracking_link
from portal.http import build_client
from portal.models import (
    Claim,
    DomainEvent,
    Order,
    OutboxMessage,
    Role,
    Shipment,
    StaffUser,
    Survey,
    TrackingEvent,
)
from portal.models.claims import ClaimState
from portal.settings import Settings
from portal.tracking.sweep import poll_once
from tests import factories
from tests.admin.helpers import csrf, sign_in
from tests.returns_page.helpers import png

EMAIL = "ola@example.test"


async def _parcel(settings: Settings, status: Status, reason: Reason | None = None) -> Shipment:
    shop = await factories.merchant(slug="claims-shop", time_zone="Europe/Warsaw")
    buyer = await factories.customer(shop, email=EMAIL, name="Ola", locale="pl")
    order = await factories.order(shop, customer=buyer, email=EMAIL, number="#7001",
                                  currency="PLN", ship_name="Ola", ship_city="Kraków")  # fmt: skip
    await factories.order_item(order, sku="LAMP", title="Lamp", unit_price=Decimal("120.00"))
    return await factories.shipment(
        shop, order=order, status=status, reason=reason, shipped_at=datetime.now(UTC)
    )


def _path(settings: Settings, shipment: Shipment) -> str:
    return make_tracking_link(settings, shipment).removeprefix(settings.public_base_url)


def _csrf_field(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the form carries a CSRF token"
    return found.group(1)


async def _report(
    web: httpx.AsyncClient, settings: Settings, shipment: Shipment, **fields: str
) -> httpx.Response:
    page = await web.get(f"{_path(settings, shipment)}/problem")
    assert page.status_code == 200
    url = f"{_path(settings, shipment)}/problem"
    files = {"photos": ("box.png", png(), "image/png")}
    items = {name: "1" for name in re.findall(r'name="(quantity-\d+)"', page.text)}
    token = {"csrf_token": _csrf_field(page.text)}
    return await web.post(url, data={**token, **items, **fields}, files=files)


@asynccontextmanager
async def _signed_in(app: Starlette, staff: StaffUser) -> AsyncIterator[httpx.AsyncClient]:
    """The workspace, ``staff`` signed in."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as admin:
        assert (await sign_in(admin, staff)).status_code == 303
        yield admin


async def _returned_to_sender_claim(web: httpx.AsyncClient, settings: Settings) -> Claim:
    """A parcel the carrier took back to the shop, and the customer's claim for it."""
    shipment = await _parcel(settings, Status.RETURNED_TO_SENDER)
    await _report(web, settings, shipment, kind="returned_to_sender", description="Sent back")
    return await Claim.get(shipment_id=shipment.id)


@asynccontextmanager
async def _claim_page(app: Starlette, claim: Claim) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """The shop's owner signed in on the claim's page: the workspace and the page's CSRF
    token."""
    owner = await factories.staff_user(await claim.merchant, role=Role.OWNER)
    async with _signed_in(app, owner) as admin:
        yield admin, await csrf(admin, f"/admin/claims/{claim.id}")


async def test_the_tracking_page_offers_report_a_problem_for_a_lost_parcel(
    web: httpx.AsyncClient, settings: Settings
) -> None:
    shipment = await _parcel(settings, Status.EXCEPTION, Reason.LOST)
    page = await web.get(_path(settings, shipment))
    assert re.search(r'href="/t/[^"]+/problem"', page.text)
    anonymous = await web.get(f"/track/{shipment.tracking_number}")
    assert "/problem" not in anonymous.text, "a tracking number alone never opens a claim"


async def test_a_not_received_claim_needs_the_customers_statement(
    web: httpx.AsyncClient, settings: Settings
) -> None:
    shipment = await _parcel(settings, Status.DELIVERED)
    refused = await _report(web, settings, shipment, kind="not_received", description="Nothing")
    assert refused.status_code == 400
    assert await Claim.all().count() == 0
    opened = await _report(
        web, settings, shipment, kind="not_received", description="Nothing", statement="yes"
    )
    assert opened.status_code == 200, opened.text[-3000:]
    claim = await Claim.get()
    assert claim.not_received_statement and len(claim.photo_paths) == 1


async def test_a_parcel_on_its_way_cannot_be_claimed_as_lost(
    web: httpx.AsyncClient, settings: Settings
) -> None:
    shipment = await _parcel(settings, Status.IN_TRANSIT)
    page = await web.get(f"{_path(settings, shipment)}/problem")
    assert 'name="kind"' not in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', (await web.get("/returns")).text)
    assert token
    forged = await web.post(
        f"{_path(settings, shipment)}/problem",
        data={"csrf_token": token.group(1), "kind": "lost", "description": "Where is it?"},
    )
    assert forged.status_code == 400 and await Claim.all().count() == 0


async def test_a_lost_parcel_claim_ends_in_a_reship_whose_new_shipment_is_tracked(
    app: Starlette, web: httpx.AsyncClient, settings: Settings
) -> None:
    shipment = await _parcel(settings, Status.EXCEPTION, Reason.LOST)
    opened = await _report(web, settings, shipment, kind="lost", description="Stuck for two weeks")
    assert opened.status_code == 200
    claim = await Claim.get(shipment_id=shipment.id)
    assert claim.state == ClaimState.SUBMITTED
    assert claim.items == [
        {"order_item_id": claim.items[0]["order_item_id"], "sku": "LAMP", "title": "Lamp",
         "quantity": 1}
    ]  # fmt: skip

    owner = await factories.staff_user(await shipment.merchant, role=Role.OWNER)
    async with _signed_in(app, owner) as admin:
        queue = await admin.get("/admin/claims")
        assert claim.number in queue.text
        export = (await admin.get(f"/admin/claims/{claim.id}/export.json")).json()
        assert export["parcel"]["tracking_number"] == shipment.tracking_number
        assert export["declared_value"] == "120.00" and export["photos"] == 1
        token = await csrf(admin, f"/admin/claims/{claim.id}")
        await admin.post(f"/admin/claims/{claim.id}/review", data={"csrf_token": token})
        number = make_number(1, label_hour_of(datetime.now(UTC) - timedelta(days=5)), 11)
        done = await admin.post(
            f"/admin/claims/{claim.id}/reship",
            data={"csrf_token": token, "tracking_number": number, "carrier": "sandbox"},
        )
        assert done.status_code == 303, done.text
        again = await admin.post(
            f"/admin/claims/{claim.id}/refund", data={"csrf_token": token, "amount": "10"}
        )
        assert again.status_code == 409, "a resolved claim is not resolved twice"
        twice = await admin.post(
            f"/admin/claims/{claim.id}/reship",
            data={"csrf_token": token, "tracking_number": "12", "carrier": "sandbox"},
        )
        assert twice.status_code == 409, "refused for its state before its number is read"

    await claim.refresh_from_db()
    assert claim.state == ClaimState.RESHIPPED
    replacement = await Shipment.get(id=claim.replacement_shipment_id)
    order = await Order.get(id=replacement.order_id)
    assert order.number == f"#7001-{claim.number}" and order.customer_id == claim.customer_id

    # tracked like any other parcel: the sweep polls it and the carrier delivers it
    await factories.carrier_account(
        await shipment.merchant, settings=settings,
        base_url_override=f"{settings.public_base_url}/_sandbox/carrier",
    )  # fmt: skip
    async with build_client(settings) as client:
        await poll_once(settings, client=client, now=datetime.now(UTC))
    await replacement.refresh_from_db()
    assert replacement.status == Status.DELIVERED

    kinds = await DomainEvent.filter(subject_type="claim").values_list("kind", flat=True)
    assert sorted(kinds) == ["claim.in_review", "claim.reshipped", "claim.submitted"]
    told = await OutboxMessage.filter(trigger__startswith="claim_").order_by("id")
    assert [m.trigger for m in told] == ["claim_submitted", "claim_in_review", "claim_reshipped"]
    assert all(m.recipient == EMAIL and m.locale == claim.locale for m in told)
    assert number in told[-1].body_text
    survey = await Survey.get(shipment_id=shipment.id)
    assert survey.questions[0] == "ces_delivery" and "nps" not in survey.questions


@pytest.mark.parametrize("action", ["refund", "reject"])
async def test_refund_and_rejection_need_their_amount_or_reason(
    app: Starlette, web: httpx.AsyncClient, settings: Settings, action: str
) -> None:
    claim = await _returned_to_sender_claim(web, settings)
    async with _claim_page(app, claim) as (admin, token):
        field = "amount" if action == "refund" else "reason"
        empty = await admin.post(
            f"/admin/claims/{claim.id}/{action}", data={"csrf_token": token, field: ""}
        )
        assert empty.status_code == 400
        value = "119.99" if action == "refund" else "Delivered to the shop's address you gave"
        done = await admin.post(
            f"/admin/claims/{claim.id}/{action}", data={"csrf_token": token, field: value}
        )
        assert done.status_code == 303
    await claim.refresh_from_db()
    if action == "refund":
        assert claim.state == ClaimState.REFUNDED and claim.refund_amount == Decimal("119.99")
    else:
        assert claim.state == ClaimState.REJECTED
        told = await OutboxMessage.get(trigger="claim_rejected")
        assert value in told.body_text


async def test_another_merchants_staff_cannot_see_a_claim(
    app: Starlette, web: httpx.AsyncClient, settings: Settings
) -> None:
    shipment = await _parcel(settings, Status.EXCEPTION, Reason.DAMAGED)
    await _report(web, settings, shipment, kind="damaged", description="Crushed box")
    claim = await Claim.get()
    stranger = await factories.staff_user(await factories.merchant(), role=Role.OWNER)
    async with _signed_in(app, stranger) as admin:
        assert (await admin.get(f"/admin/claims/{claim.id}")).status_code == 404
        assert (await admin.get(f"/admin/claims/{claim.id}/export.json")).status_code == 404


async def test_a_customer_who_kept_text_messages_only_still_gets_the_claims_steps_by_email(
    web: httpx.AsyncClient, settings: Settings
) -> None:
    """Regression: a claim's steps have no text-message template, and a customer who had
    ticked SMS only on the tracking page got a 500 and no claim (the composer looked for
    claim_submitted.sms.*). Found by tests/real_shop/test_aftercare.py."""
    shipment = await _parcel(settings, Status.DELIVERED)
    await Order.filter(id=shipment.order_id).update(channels=["sms"])

    opened = await _report(web, settings, shipment, kind="damaged", description="Torn")

    assert opened.status_code == 200
    told = await OutboxMessage.get(trigger="claim_submitted")
    assert (told.channel, told.recipient) == ("email", EMAIL)


async def test_the_claim_page_refuses_a_refund_above_the_order_by_the_amount_field(
    app: Starlette, web: httpx.AsyncClient, settings: Settings
) -> None:
    claim = await _returned_to_sender_claim(web, settings)
    async with _claim_page(app, claim) as (admin, token):
        above = await admin.post(
            f"/admin/claims/{claim.id}/refund", data={"csrf_token": token, "amount": "120.01"}
        )

    assert above.status_code == 400
    field = re.search(r'<input id="refund-amount"[^>]*>\s*<p id="refund-amount-error"[^>]*>([^<]*)',
                      above.text)  # fmt: skip
    assert field, "the message sits by the amount field"
    assert "at most 120.00 PLN" in field.group(1)
    assert 'value="120.01"' in above.text and 'aria-describedby="refund-amount-error"' in above.text
    await claim.refresh_from_db()
    assert claim.state == ClaimState.SUBMITTED and claim.refund_amount is None


async def test_the_claim_page_writes_its_scans_on_the_shops_clock_and_the_download_keeps_iso(
    app: Starlette, web: httpx.AsyncClient, settings: Settings
) -> None:
    """A scan at 23:30 UTC on 30 November is "Dec 1, 2026, 12:30 AM" on the Warsaw shop's
    page (it read "2026-11-30T23:30:00+00:00"); the download for the carrier's form keeps
    the ISO instant, as the API does."""
    late = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    claim = await _returned_to_sender_claim(web, settings)
    await TrackingEvent.create(
        shipment_id=claim.shipment_id, occurred_at=late, status=Status.RETURNED_TO_SENDER,
        description="Back at the depot", dedupe_key="back",
    )  # fmt: skip
    async with _claim_page(app, claim) as (admin, _token):
        page = (await admin.get(f"/admin/claims/{claim.id}")).text
        export = (await admin.get(f"/admin/claims/{claim.id}/export.json")).json()

    assert f'<time datetime="{late.isoformat()}">Dec 1, 2026, 12:30\u202fAM</time>' in page
    assert "2026-11-30" not in re.sub(r'datetime="[^"]*"', "", page)
    assert [s["occurred_at"] for s in export["parcel"]["scans"]][-1:] == [late.isoformat()]
