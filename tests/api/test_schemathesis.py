"""schemathesis drives the real API (a live `portal serve` on loopback) from its own OpenAPI
document: no 5xx, and every response matches the documented status, headers and schema.

Its "positive data acceptance" check is left out: the API validates some fields beyond what
JSON Schema can say (a phone number must parse, a locale must be a shipped language), so a
schema-valid request may rightly get a 422.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from tests.conftest import _free_port, running_server


@pytest.fixture(scope="module")
def api_server(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[str, str]]:
    root = tmp_path_factory.mktemp("schemathesis")
    shutil.copyfile(sqlite_template, root / "api.sqlite3")  # migrated once for the session
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PORTAL_VAR_DIR": str(root / "var"),
        "PORTAL_DATABASE_URL": f"sqlite://{root}/api.sqlite3",
        "PORTAL_PUBLIC_BASE_URL": base,
        "PORTAL_LOG_LEVEL": "WARNING",
    }

    def portal(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "portal.cli", *args],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout

    portal("demo")
    key = portal("apikey", "create", "--merchant", "demo", "--name", "schemathesis").split()[-1]
    command = [sys.executable, "-m", "portal.cli", "serve", "--port", str(port)]
    with running_server(command, base=base, env=env):
        yield base, key


def test_the_api_keeps_its_documented_promises(api_server: tuple[str, str]) -> None:
    """Every documented operation, 20 generated requests each (schemathesis' own checks)."""
    base, key = api_server
    api = schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json")
    checked = []
    for result in api.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=20,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        )
        def check(case: Any) -> None:
            case.call_and_validate(
                base_url=base,
                headers={"Authorization": f"Bearer {key}"},
                excluded_checks=[positive_data_acceptance],
            )

        check()
        checked.append(operation.label)
    assert len(checked) >= 8, checked
