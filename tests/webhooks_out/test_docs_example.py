"""The verifier printed in docs/api.md accepts what the sender signs, and nothing else."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from portal.webhooks_out import signing

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
SECRET = "whsec_example"
NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def _documented_verify() -> Any:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    source = next(b for b in blocks if "def verify(" in b)
    namespace: dict[str, Any] = {}
    exec(compile(source, str(DOC), "exec"), namespace)  # our own document
    return namespace["verify"]


def test_the_documented_verifier_matches_the_sender() -> None:
    verify = _documented_verify()
    body = b'{"id":"evt_1","topic":"ping"}'
    header = signing.sign(SECRET, body, NOW)
    now = NOW.timestamp()
    assert verify(SECRET, header, body, now)
    assert verify(SECRET, f"{header},v1=deadbeef", body, now)
    assert not verify(SECRET, header, body + b" ", now)
    assert not verify("whsec_other", header, body, now)
    assert not verify(SECRET, header, body, now + 301)
    assert not verify(SECRET, None, body, now)
