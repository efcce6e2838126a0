"""Survey tests: settings wired into the listeners that read them."""

from __future__ import annotations

import pytest

from portal.settings import Settings
from tests.surveys.helpers import make_settings


@pytest.fixture
def settings() -> Settings:
    return make_settings()
