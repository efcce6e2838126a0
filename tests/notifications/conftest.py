"""Fixtures for notification tests: settings wired into the listener, a real SMTP sink."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller

from portal.settings import Settings
from tests.notifications.helpers import SmtpSink, free_port, make_settings


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
