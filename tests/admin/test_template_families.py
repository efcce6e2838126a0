"""The template editor offers every message family beside the shipment updates (return
steps, the survey invitation, claim steps, the withdrawal receipt): each with its own
variables, defaults, channels, checking and preview."""

from __future__ import annotations

import httpx
import pytest

from portal.admin import template_families
from portal.claims import messages as claim_messages
from portal.models import Channel, NotificationTemplate
from portal.notifications import composer
from portal.notifications.base import LOCALES
from portal.returns import messages, withdrawal_messages
from portal.surveys import message as survey_message
from tests.admin.helpers import signed_in_owner

RETURN_EMAIL = "/admin/notifications/templates/return_approved/email/en"
RETURN_SMS = "/admin/notifications/templates/return_rejected/sms/ro"
SURVEY_EMAIL = "/admin/notifications/templates/survey/email/pl"
HTMX = {"HX-Request": "true"}


async def test_the_list_offers_return_and_survey_messages(
    client: httpx.AsyncClient, db: str
) -> None:
    await signed_in_owner(client)
    page = await client.get("/admin/notifications/templates")
    urls = [cell["url"] for row in page.context["rows"] for cell in row["cells"]]
    assert RETURN_EMAIL in urls and RETURN_SMS in urls and SURVEY_EMAIL in urls
    assert [key for key, _title, _rows in page.context["groups"]] == [
        "shipment",
        "return",
        "survey",
        "claim",
        "withdrawal",
    ]
    assert "Return approved" in page.text and "Survey invitation" in page.text


async def test_a_return_template_shows_its_default_and_variables(
    client: httpx.AsyncClient, db: str
) -> None:
    await signed_in_owner(client)
    page = await client.get(RETURN_EMAIL)
    assert page.status_code == 200
    assert page.context["default"] == messages.default_source("return_approved", "email", "en")
    assert [name for name, _ in page.context["variables"]] == list(messages.VARIABLES)
    preview = page.context["preview"]
    assert preview.rendered.subject == "Your return R-7KQ2MX is approved"
    assert "{{ return_number }}" in page.text


async def test_a_return_preview_renders_sms_and_refuses_shipment_variables(
    client: httpx.AsyncClient, db: str
) -> None:
    _user, token = await signed_in_owner(client)
    good = await client.post(
        f"{RETURN_SMS}/preview",
        data={"csrf_token": token, "body": "{{ return_number }}: {{ message }}"},
        headers=HTMX,
    )
    assert good.template.name == "admin/_template_preview.html"
    assert "R-7KQ2MX: The item shows signs of wear." in good.text
    assert good.context["preview"].segments == 1
    bad = await client.post(
        f"{RETURN_SMS}/preview",
        data={"csrf_token": token, "body": "Hi\n{{ tracking_number }}"},
        headers=HTMX,
    )
    assert "line 2: unknown variable &#39;tracking_number&#39;" in bad.text


async def test_a_saved_return_template_is_what_the_customer_gets(
    client: httpx.AsyncClient, db: str
) -> None:
    user, token = await signed_in_owner(client)
    refused = await client.post(
        RETURN_EMAIL, data={"csrf_token": token, "subject": "{{ eta }}", "body": "x"}
    )
    assert refused.status_code == 422
    saved = await client.post(
        RETURN_EMAIL,
        data={"csrf_token": token, "subject": "{{ return_number }} ok", "body": "Send it back."},
    )
    assert saved.status_code == 303
    row = await NotificationTemplate.get(merchant_id=user.merchant_id, trigger="return_approved")  # type: ignore[attr-defined]
    assert (row.channel, row.locale, row.subject) == (Channel.EMAIL, "en", "{{ return_number }} ok")


async def test_the_survey_invitation_is_edited_with_its_own_variables(
    client: httpx.AsyncClient, db: str
) -> None:
    user, token = await signed_in_owner(client)
    page = await client.get(SURVEY_EMAIL)
    assert page.context["default"] == survey_message.DEFAULT_EMAIL
    names = {name for name, _ in page.context["variables"]}
    assert set(survey_message.VARIABLES) <= names
    preview = await client.post(
        f"{SURVEY_EMAIL}/preview",
        data={
            "csrf_token": token,
            "subject": "{{ subject }}",
            "body": "{{ intro }} {{ survey_link }}",
        },
        headers=HTMX,
    )
    assert "Jak nam poszło?" in preview.text and "/s/sample" in preview.text
    refused = await client.post(
        SURVEY_EMAIL, data={"csrf_token": token, "subject": "Hi", "body": "{{ return_number }}"}
    )
    assert refused.status_code == 422
    await client.post(
        SURVEY_EMAIL, data={"csrf_token": token, "subject": "Ankieta", "body": "{{ intro }}"}
    )
    source = await composer.template_source(
        survey_message.SURVEYS,
        user.merchant_id,  # type: ignore[attr-defined]
        "survey",
        Channel.EMAIL,
        "pl",
    )
    assert (source.subject, source.body) == ("Ankieta", "{{ intro }}")


async def test_unknown_triggers_stay_not_found(client: httpx.AsyncClient, db: str) -> None:
    await signed_in_owner(client)
    for path in ("return_lost/email/en", "return_approved/fax/en", "survey/email/xx"):
        response = await client.get(f"/admin/notifications/templates/{path}")
        assert response.status_code == 404, path


@pytest.mark.parametrize("family", template_families.FAMILIES, ids=lambda f: f.key)
def test_every_default_passes_its_own_check(family: template_families.Family) -> None:
    assert family.channels, "every family has at least one channel"
    for trigger in family.triggers:
        for channel in family.channels:
            for locale in LOCALES:
                source = family.default(trigger, channel, locale)
                assert family.validate(source.body, trigger, channel) == [], (trigger, locale)


CLAIM_EMAIL = "/admin/notifications/templates/claim_rejected/email/pl"
WITHDRAWAL_EMAIL = "/admin/notifications/templates/withdrawal_received/email/en"


async def test_claims_and_the_withdrawal_receipt_are_offered_for_email_only(
    client: httpx.AsyncClient, db: str
) -> None:
    await signed_in_owner(client)
    page = await client.get("/admin/notifications/templates")
    groups = {key: rows for key, _title, rows in page.context["groups"]}
    claim_rows = [(row["trigger_name"], row["channel_name"]) for row in groups["claim"]]
    assert claim_rows == [(str(claim_messages.TRIGGER_NAMES[t]), "E-mail")
                          for t in claim_messages.TRIGGERS]  # fmt: skip
    assert [r["channel_name"] for r in groups["withdrawal"]] == ["E-mail"]
    assert "Claim rejected" in page.text and "Withdrawal acknowledged" in page.text
    for path in ("claim_rejected/sms/pl", "withdrawal_received/sms/en"):
        missing = await client.get(f"/admin/notifications/templates/{path}")
        assert missing.status_code == 404, "no text message is ever sent for these"


async def test_a_claim_template_is_edited_previewed_and_used(
    client: httpx.AsyncClient, db: str
) -> None:
    user, token = await signed_in_owner(client)
    page = await client.get(CLAIM_EMAIL)
    assert page.status_code == 200
    assert page.context["default"] == claim_messages.default_source("claim_rejected", "email", "pl")
    assert [n for n, _ in page.context["variables"]] == list(claim_messages.VARIABLES)
    assert "{{ claim_number }}" in page.text
    assert "C-7KQ2MX" in page.context["preview"].rendered.subject

    refused = await client.post(
        CLAIM_EMAIL,
        data={"csrf_token": token, "subject": "{{ return_number }}", "body": "Nie"},
    )
    assert refused.status_code == 422, "a return's variable is not a claim's"
    body = "Reklamacja {{ claim_number }}: {{ message }}"
    saved = await client.post(
        CLAIM_EMAIL, data={"csrf_token": token, "subject": "{{ claim_number }}", "body": body}
    )
    assert saved.status_code == 303
    source = await composer.template_source(
        claim_messages.CLAIMS,
        user.merchant_id,  # type: ignore[attr-defined]
        "claim_rejected",
        Channel.EMAIL,
        "pl",
    )
    assert (source.subject, source.body) == ("{{ claim_number }}", body)


async def test_the_withdrawal_receipt_previews_with_its_statement(
    client: httpx.AsyncClient, db: str
) -> None:
    _user, token = await signed_in_owner(client)
    body = "{{ withdrawer_name }} withdrew on {{ submitted_at }}:\n{{ withdrawn_items }}"
    preview = await client.post(
        f"{WITHDRAWAL_EMAIL}/preview",
        data={"csrf_token": token, "subject": "Received: {{ return_number }}", "body": body},
        headers=HTMX,
    )
    rendered = preview.context["preview"].rendered
    assert rendered.subject == "Received: R-7KQ2MX"
    assert "Anna Nowak withdrew on" in rendered.text and "1 × T-shirt (TEE-M)" in rendered.text
    default = withdrawal_messages.default_source("withdrawal_received", "email", "en")
    page = await client.get(WITHDRAWAL_EMAIL)
    assert page.context["default"] == default
