"""Lighthouse on the pages customers land on from a shop's e-mails: the tracking page and
the returns start page score at least 95 for accessibility and best practices and 90 for
performance (Lighthouse's phone profile, simulated throttling).

Lighthouse comes from npm (package.json pins a version that runs on Node.js 20) and drives
Debian's Chromium through ``CHROME_PATH``; each audit takes several seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CHROMIUM, Demo

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
MINIMUM = {"accessibility": 0.95, "best-practices": 0.95, "performance": 0.90}


def _audit(url: str, out: Path) -> dict[str, Any]:
    if not LIGHTHOUSE.exists() or not CHROMIUM.exists():
        if os.environ.get("CI"):
            raise RuntimeError("CI needs npm's lighthouse (npm ci) and Debian's chromium")
        pytest.skip("lighthouse (npm ci) or Debian's chromium is not installed")
    command = [
        str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}",
        "--only-categories=accessibility,best-practices,performance",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
    ]  # fmt: skip
    env = {**os.environ, "CHROME_PATH": str(CHROMIUM)}
    subprocess.run(command, env=env, check=True, timeout=240, capture_output=True)
    report: dict[str, Any] = json.loads(out.read_text())
    return report


def _scores(report: dict[str, Any]) -> dict[str, float]:
    return {key: category["score"] for key, category in report["categories"].items()}


def _failing(report: dict[str, Any]) -> list[str]:
    """Audits that cost points, to say what to fix when a score is too low."""
    return [
        f"{key}: {audit.get('displayValue', '')}"
        for key, audit in report["audits"].items()
        if audit.get("score") is not None
        and audit["score"] < 0.9
        and audit.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings")
    ]


@pytest.mark.parametrize("page", ["tracking", "returns"])
def test_lighthouse_scores_the_customer_landing_pages_highly(
    demo: Demo, tmp_path: Path, page: str
) -> None:
    moving = next(
        (n for status, n in demo.numbers.items() if status != "delivered"),
        next(iter(demo.numbers.values())),
    )
    path = f"/track/{moving}" if page == "tracking" else "/returns?shop=demo"
    report = _audit(f"{demo.base}{path}", tmp_path / "report.json")
    scores = _scores(report)
    low = {key: scores[key] for key, minimum in MINIMUM.items() if scores[key] < minimum}
    assert not low, (path, scores, _failing(report))
