"""Signed links open exactly one shipment or customer and cannot be forged."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine

from portal.core.links import (
    make_preferences_token,
    make_short_tracking_link,
    make_tracking_link,
    preferences_link,
    read_preferences_token,
    read_tracking_link,
)
from portal.settings import Settings
from tests.notifications.helpers import make_settings


@pytest.fixture
def settings() -> Settings:
    """Signing settings with a known public address (no database needed)."""
    return make_settings()


def _token(link: str) -> str:
    return link.rsplit("/", 1)[1]


def test_a_tracking_link_names_its_shipment(settings: Settings) -> None:
    link = make_tracking_link(settings, SimpleNamespace(id=42))
    assert link.startswith("https://portal.test/t/")
    assert len(link) < 80  # it has to fit in an SMS
    assert read_tracking_link(settings, _token(link), max_age=3600) == 42


def test_a_tampered_or_foreign_tracking_link_is_refused(settings: Settings) -> None:
    token = _token(make_tracking_link(settings, SimpleNamespace(id=42)))
    assert read_tracking_link(settings, token[:-2] + "xx", max_age=None) is None
    other = make_settings(secret_key="another-secret-key-of-sufficient-length!!")
    assert read_tracking_link(other, token, max_age=None) is None
    assert read_tracking_link(settings, "garbage", max_age=None) is None


def test_a_tracking_link_expires(settings: Settings) -> None:
    with time_machine.travel(datetime(2026, 1, 1, tzinfo=UTC), tick=False):
        token = _token(make_tracking_link(settings, SimpleNamespace(id=7)))
    with time_machine.travel(datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=2), tick=False):
        assert read_tracking_link(settings, token, max_age=86400) is None
        assert read_tracking_link(settings, token, max_age=3 * 86400) == 7


def test_links_survive_a_key_rotation(settings: Settings) -> None:
    token = _token(make_tracking_link(settings, SimpleNamespace(id=9)))
    prefs = make_preferences_token(settings, 3)
    rotated = replace(
        settings,
        secret_key="the-new-secret-key-after-rotation-0123456789",
        old_secret_keys=(settings.secret_key,),
    )
    assert read_tracking_link(rotated, token, max_age=None) == 9
    assert read_preferences_token(rotated, prefs) == 3


def test_a_preferences_link_names_its_customer(settings: Settings) -> None:
    link = preferences_link(settings, 5)
    assert link.startswith("https://portal.test/unsubscribe/")
    assert read_preferences_token(settings, _token(link)) == 5
    tracking = _token(make_tracking_link(settings, SimpleNamespace(id=5)))
    assert read_preferences_token(settings, tracking) is None  # salts keep purposes apart


def test_a_text_messages_tracking_link_is_short_and_opens_the_same_shipment(
    settings: Settings,
) -> None:
    long, short = (make(settings, SimpleNamespace(id=123456)) for make in (
        make_tracking_link, make_short_tracking_link))  # fmt: skip
    assert short.startswith("https://portal.test/t/")
    assert len(short) <= len(long) - 15
    assert read_tracking_link(settings, _token(short), max_age=3600) == 123456
    assert read_tracking_link(settings, _token(long), max_age=3600) == 123456


def test_a_short_tracking_link_is_refused_when_altered_or_old(settings: Settings) -> None:
    with time_machine.travel(datetime(2026, 1, 1, tzinfo=UTC), tick=False):
        token = _token(make_short_tracking_link(settings, SimpleNamespace(id=7)))
    shipment, issued, code = token.split(".")
    other_code = code[:-1] + ("A" if code[-1] != "A" else "B")
    for bad in (f"8.{issued}.{code}", f"{shipment}.{issued}.{other_code}", f"{shipment}..{code}"):
        assert read_tracking_link(settings, bad, max_age=None) is None
    with time_machine.travel(datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=2), tick=False):
        assert read_tracking_link(settings, token, max_age=86400) is None
        assert read_tracking_link(settings, token, max_age=3 * 86400) == 7
