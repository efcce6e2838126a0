"""PUT/GET/DELETE /api/v1/whatsapp-templates: a shop maps its approved Twilio templates
without the workspace, under the same rules as the WhatsApp templates screen."""

from __future__ import annotations

import httpx

from portal.models import Merchant, WhatsAppTemplate
from tests import factories

SID = "HX" + "0123456789abcdef" * 2
BODY = {"content_sid": SID, "variables": ["customer_name", "order_number"]}


async def test_it_creates_then_replaces_a_template_by_kind_and_language(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    created = await api.put("/api/v1/whatsapp-templates/delivered/pl", json=BODY)
    assert created.status_code == 201
    assert created.json()["kind"] == "delivered" and created.json()["locale"] == "pl"
    assert created.json()["variables"] == ["customer_name", "order_number"]
    other_sid = "HX" + "f" * 32
    replaced = await api.put(
        "/api/v1/whatsapp-templates/delivered/pl", json={"content_sid": other_sid}
    )
    assert replaced.status_code == 200 and replaced.json()["variables"] == []
    stored = await WhatsAppTemplate.get(merchant_id=shop.id, trigger="delivered", locale="pl")
    assert stored.content_sid == other_sid
    listed = (await api.get("/api/v1/whatsapp-templates")).json()["data"]
    assert [(t["kind"], t["locale"], t["content_sid"]) for t in listed] == [
        ("delivered", "pl", other_sid)
    ]
    one = await api.get("/api/v1/whatsapp-templates/delivered/pl")
    assert one.status_code == 200 and one.json()["content_sid"] == other_sid


async def test_a_bad_content_sid_or_variable_is_a_field_error(api: httpx.AsyncClient) -> None:
    bad_sid = await api.put(
        "/api/v1/whatsapp-templates/delivered/en", json={"content_sid": "HX123"}
    )
    assert bad_sid.status_code == 422
    assert bad_sid.json()["errors"] == [
        {
            "pointer": "/content_sid",
            "detail": "must be a Content SID: HX followed by 32 hex digits",
        }
    ]
    bad_variable = await api.put(
        "/api/v1/whatsapp-templates/delivered/en",
        json={"content_sid": SID, "variables": ["customer_name", "return_number"]},
    )
    assert bad_variable.status_code == 422
    assert bad_variable.json()["errors"][0]["pointer"] == "/variables/1"
    assert not await WhatsAppTemplate.all().exists()


async def test_unknown_kinds_languages_and_email_only_kinds_are_refused(
    api: httpx.AsyncClient,
) -> None:
    unknown = await api.put("/api/v1/whatsapp-templates/teleported/xx", json=BODY)
    assert unknown.status_code == 422
    problems = {e["parameter"]: e["detail"] for e in unknown.json()["errors"]}
    assert set(problems) == {"kind", "locale"}
    assert "return_approved" in problems["kind"] and "pl" in problems["locale"]
    claim = await api.put(
        "/api/v1/whatsapp-templates/claim_submitted/en", json={"content_sid": SID}
    )
    assert claim.status_code == 422 and "e-mail only" in claim.json()["errors"][0]["detail"]
    assert not await WhatsAppTemplate.all().exists()


async def test_it_deletes_a_template(api: httpx.AsyncClient) -> None:
    await api.put("/api/v1/whatsapp-templates/survey/en", json=BODY)
    deleted = await api.delete("/api/v1/whatsapp-templates/survey/en")
    assert deleted.status_code == 204 and deleted.content == b""
    assert (await api.delete("/api/v1/whatsapp-templates/survey/en")).status_code == 404
    assert (await api.get("/api/v1/whatsapp-templates/survey/en")).status_code == 404


async def test_another_merchants_templates_are_not_seen_or_touched(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    theirs = await WhatsAppTemplate.create(
        merchant=await factories.merchant(), trigger="delivered", locale="en", content_sid=SID
    )
    assert (await api.get("/api/v1/whatsapp-templates")).json()["data"] == []
    assert (await api.get("/api/v1/whatsapp-templates/delivered/en")).status_code == 404
    assert (await api.delete("/api/v1/whatsapp-templates/delivered/en")).status_code == 404
    mine = await api.put("/api/v1/whatsapp-templates/delivered/en", json=BODY)
    assert mine.status_code == 201
    await theirs.refresh_from_db()
    assert theirs.content_sid == SID and theirs.variables == []
