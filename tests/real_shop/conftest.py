"""Fixtures of the real-shop scenarios: the portal as a shop deploys it, and the outside
world (DHL, Twilio, a push service, an SMTP server) faked where it is outside."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import respx
from starlette.applications import Starlette

from portal import admin
from portal.api import build_mount
from portal.api.operations import ApiConfig
from portal.api.ratelimit import ApiKeyLimiter
from portal.app import create_app
from tests.conftest import make_settings
from tests.notifications.helpers import SmtpSink, free_port, listening
from tests.real_shop.helpers import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    DHL_TRACK_URL,
    MESSAGES_URL,
    PUBLIC_URL,
    PUSH_SERVICE,
    SERVICE_SID,
    VAPID,
    WHATSAPP_SENDER,
    FakeDhl,
    FakeTwilio,
    Outside,
    PushService,
)


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    with listening(SmtpSink(port=free_port())) as sink:
        yield sink


@pytest.fixture
def shop_app(tmp_path: Path, db: str, smtp_sink: SmtpSink) -> Iterator[Starlette]:
    """The portal as a shop deploys it: SMTP, Twilio (SMS and WhatsApp) and web push
    configured, API and workspace on."""
    settings = make_settings(
        tmp_path,
        database_url=db,
        public_base_url=PUBLIC_URL,
        smtp_url=f"smtp://127.0.0.1:{smtp_sink.port}",
        mail_from="Acme Wear <hello@shop.test>",
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_messaging_service_sid=SERVICE_SID,
        twilio_whatsapp_from=WHATSAPP_SENDER,
        vapid_public_key=VAPID.public_key,
        vapid_private_key=VAPID.private_key,
        vapid_subject="mailto:hello@shop.test",
    )
    app = create_app(settings, manage_db=False)
    limiter = ApiKeyLimiter(capacity=1000, period=60)
    app.router.routes.insert(0, build_mount(ApiConfig(limiter=limiter)))
    app.router.routes.extend(admin.routes)
    yield app


@pytest.fixture
def outside() -> Iterator[Outside]:
    world = Outside(FakeDhl(), FakeTwilio(), PushService())
    with respx.mock(assert_all_called=False) as mock:
        mock.get(DHL_TRACK_URL).mock(side_effect=world.dhl.answer)
        mock.post(MESSAGES_URL).mock(side_effect=world.twilio.answer)
        mock.post(url__startswith=PUSH_SERVICE).mock(side_effect=world.push.answer)
        yield world


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """The worker's outgoing HTTP client (respx answers for DHL, Twilio and push)."""
    async with httpx.AsyncClient(timeout=15.0) as client:
        yield client
