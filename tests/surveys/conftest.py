"""Survey tests: settings wired into the listeners that read them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from portal.notifications import triggers
from portal.settings import Settings
from tests.surveys.helpers import make_settings


@pytest.fixture
def settings() -> Iterator[Settings]:
    value = make_settings()
    triggers.configure(value)
    yield value
    triggers.configure(None)
