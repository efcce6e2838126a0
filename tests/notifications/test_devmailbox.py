"""The dev mailbox stands in for unconfigured transports in development only."""

from __future__ import annotations

from portal.models import Channel
from portal.notifications.devmailbox import use_for
from tests.notifications.helpers import make_settings, twilio_settings


def test_development_without_transports_uses_the_mailbox() -> None:
    settings = make_settings()
    assert use_for(settings, Channel.EMAIL) and use_for(settings, Channel.SMS)


def test_configured_transports_are_used_in_development() -> None:
    settings = twilio_settings(smtp_url="smtp://127.0.0.1:2525")
    assert not use_for(settings, Channel.EMAIL) and not use_for(settings, Channel.SMS)


def test_sms_without_twilio_uses_the_mailbox_even_with_smtp() -> None:
    settings = make_settings(smtp_url="smtp://127.0.0.1:2525")
    assert not use_for(settings, Channel.EMAIL) and use_for(settings, Channel.SMS)


def test_production_never_uses_the_mailbox() -> None:
    settings = make_settings(mode="production")
    assert not use_for(settings, Channel.EMAIL) and not use_for(settings, Channel.SMS)
