"""Fixtures for notification tests: settings wired into the listener, a real SMTP sink."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from portal.settings import Settings
from tests.notifications.helpers import SmtpSink, free_port, listening, make_settings


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    with listening(SmtpSink(port=free_port())) as sink:
        yield sink
