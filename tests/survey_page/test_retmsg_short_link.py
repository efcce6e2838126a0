"""A survey invited by text message carries the short link (``/s/<id>.<mac>``), which opens
and answers the same survey as the long one; the e-mail keeps the long link.

Twilio is faked at its HTTP API, with the response shaped as its Messages resource
documents it (https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource,
tests/fixtures/twilio/message_created.json).
"""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from portal.models import Channel, Survey, SurveyAnswer
from portal.notifications.dispatcher import dispatch_once
from portal.notifications.sms import sms_segments
from portal.settings import Settings
from portal.surveys import short_link
from portal.surveys.scheduling import invitation_link, new_token, schedule_due_surveys
from tests import factories
from tests.notifications.helpers import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    MESSAGES_URL,
    SERVICE_SID,
    TWILIO_BASE,
    twilio_payload,
)
from tests.survey_page.helpers import csrf, survey, tap
from tests.surveys.helpers import NOW, delivered

SHORT = re.compile(r"https?://[^ ]+/s/([0-9a-z]+\.[A-Za-z0-9_-]{14})$")


def _with_twilio(settings: Settings) -> Settings:
    return dataclasses.replace(
        settings,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_messaging_service_sid=SERVICE_SID,
        twilio_base_url=TWILIO_BASE,
    )


@respx.mock
async def test_an_sms_invitation_carries_the_short_link_that_opens_the_survey(
    settings: Settings, web: httpx.AsyncClient
) -> None:
    sms = _with_twilio(settings)
    route = respx.post(MESSAGES_URL).mock(
        return_value=httpx.Response(201, json=twilio_payload("message_created"))
    )
    shop = await factories.merchant(
        name="Магазин Дом и Градина", survey_settings={"channels": ["sms"]}
    )
    await delivered(shop, phone="+359888123456", sms_opt_in=True, locale="bg")
    await schedule_due_surveys(sms, None, now=NOW)
    async with httpx.AsyncClient() as http:
        assert (await dispatch_once(sms, http_client=http, now=NOW)).sent == 1
    body = parse_qs(route.calls.last.request.content.decode())["Body"][0]
    found = SHORT.search(body)
    assert found, body
    assert sms_segments(body)[1] <= 2
    made = await Survey.get()
    assert short_link.read(settings, found[1]) == made.id

    page = await web.get(f"/s/{found[1]}")
    assert page.status_code == 200
    assert page.template.name == "surveys/page.html"  # type: ignore[attr-defined]
    answered = await tap(web, found[1], made.questions[0], 5)
    assert answered.status_code == 200
    assert await SurveyAnswer.filter(survey_id=made.id).count() == 1


async def test_the_email_keeps_the_long_link_and_old_links_keep_working(
    settings: Settings, web: httpx.AsyncClient
) -> None:
    made, token = await survey()
    long = invitation_link(settings, made.id, token, Channel.EMAIL)
    assert long.endswith(f"/s/{token}")
    assert (await web.get(f"/s/{token}")).status_code == 200
    short = invitation_link(settings, made.id, token, Channel.WHATSAPP)
    assert len(short) < len(long) - 20
    assert (await web.get(short.removeprefix(settings.public_base_url))).status_code == 200


@pytest.mark.parametrize("forged", ["1.AAAAAAAAAAAAAA", "zz.", "1.abc"])
async def test_a_forged_short_link_is_a_plain_404(
    settings: Settings, web: httpx.AsyncClient, forged: str
) -> None:
    made, _ = await survey()
    other = short_link.token(dataclasses.replace(settings, secret_key="another-" * 5), made.id)
    for candidate in (forged, other, f"{short_link.token(settings, made.id + 1)}"):
        response = await web.get(f"/s/{candidate}")
        assert response.status_code == 404, candidate
    assert new_token()[0].count(".") == 0  # a random token is never read as a short one
    assert await SurveyAnswer.all().count() == 0


async def test_an_expired_survey_is_refused_by_its_short_link_as_by_its_long_one(
    settings: Settings, web: httpx.AsyncClient
) -> None:
    """The short link expires with the survey: the page says it has closed (410, as the long
    link's), and an answer posted through it is refused and not stored."""
    shop = await factories.merchant()
    _, live = await survey(shop)
    made, token = await survey(shop, expires_in=timedelta(seconds=-1))
    short = short_link.token(settings, made.id)
    long_page, short_page = await web.get(f"/s/{token}"), await web.get(f"/s/{short}")
    assert long_page.status_code == short_page.status_code == 410
    assert short_page.context["state"] == "expired"  # type: ignore[attr-defined]
    assert "This survey has closed" in short_page.text
    answered = await tap(web, short, made.questions[0], 5, csrf_token=await csrf(web, live))
    assert answered.status_code == 410
    assert not await SurveyAnswer.filter(survey_id=made.id).exists()
    assert (await Survey.get(id=made.id)).opened_at is None
