"""The WhatsApp templates screen: each message kind and language mapped to an approved
Twilio Content SID and the variables that fill it, for the signed-in shop only."""

from __future__ import annotations

import httpx

from portal.admin.whatsapp_templates import kinds, validate
from portal.models import WhatsAppTemplate
from tests import factories
from tests.admin.helpers import signed_in_owner

SID = "HX" + "ab" * 16


def form(**changes: str) -> dict[str, str]:
    data = {
        "trigger": "out_for_delivery",
        "locale": "pl",
        "content_sid": SID,
        "variables": "customer_name, order_number, tracking_link",
    }
    data.update(changes)
    return data


def test_a_mapping_names_a_content_sid_and_known_variables() -> None:
    clean, errors = validate(form())
    assert errors == {}
    assert clean["variables"] == ["customer_name", "order_number", "tracking_link"]


def test_bad_input_is_explained() -> None:
    _clean, errors = validate(
        form(content_sid="SM123", variables="customer_name, password", locale="xx")
    )
    assert set(errors) == {"content_sid", "variables", "locale"}
    assert "password" in errors["variables"]


def test_only_kinds_with_a_short_text_can_go_on_whatsapp() -> None:
    """A claim's steps and the withdrawal receipt go by e-mail only (no short text to fall
    back on inside the window): mapping a WhatsApp template to them is refused."""
    for trigger in ("claim_submitted", "withdrawal_received"):
        _clean, errors = validate(form(trigger=trigger, variables="customer_name"))
        assert set(errors) == {"trigger"}, trigger
    offered = [trigger for trigger, _name in kinds()]
    assert "return_approved" in offered and "survey" in offered
    assert not [k for k in offered if k.startswith(("claim_", "withdrawal_"))]


async def test_a_template_is_saved_replaced_and_deleted(client: httpx.AsyncClient, db: str) -> None:
    user, token = await signed_in_owner(client)
    other = await factories.merchant()
    theirs = await WhatsAppTemplate.create(
        merchant=other, trigger="delivered", locale="en", content_sid=SID
    )

    saved = await client.post("/admin/whatsapp", data={**form(), "csrf_token": token})
    assert saved.status_code == 303
    again = form(content_sid="HX" + "cd" * 16, variables="order_number")
    await client.post("/admin/whatsapp", data={**again, "csrf_token": token})

    [mine] = await WhatsAppTemplate.filter(merchant_id=user.merchant_id)  # type: ignore[attr-defined]
    assert (mine.content_sid, mine.variables) == ("HX" + "cd" * 16, ["order_number"])
    page = await client.get("/admin/whatsapp")
    assert mine.content_sid in page.text and SID not in page.text, "only the shop's own"

    refused = await client.post(f"/admin/whatsapp/{theirs.id}/delete", data={"csrf_token": token})
    assert refused.status_code == 404
    await client.post(f"/admin/whatsapp/{mine.id}/delete", data={"csrf_token": token})
    assert await WhatsAppTemplate.filter(id=mine.id).count() == 0
    assert await WhatsAppTemplate.filter(id=theirs.id).count() == 1


async def test_an_invalid_mapping_is_shown_back(client: httpx.AsyncClient, db: str) -> None:
    _user, token = await signed_in_owner(client)
    response = await client.post(
        "/admin/whatsapp", data={**form(content_sid="nope"), "csrf_token": token}
    )
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.text
    assert not await WhatsAppTemplate.exists()
