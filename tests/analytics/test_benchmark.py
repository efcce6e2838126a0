"""The analytics benchmark still runs end to end (tiny size, SQLite); it is timed by hand
on PostgreSQL (see benchmarks/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import analytics


async def test_the_analytics_benchmark_runs_on_sqlite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = f"sqlite://{tmp_path / 'analytics.sqlite3'}"
    assert await analytics.main(["--rows", "400", "--runs", "1", "--database", database]) == 0
    out = capsys.readouterr().out
    assert "survey_answer 400" in out and "shipment 400" in out
    timed = [line for line in out.splitlines() if line.startswith(("on-time", "satisfaction by"))]
    # Each query: 90 days, year, year for ups, year ending 12 hours into a day.
    assert len(timed) == 4 + 5 * 4
    assert "full rebuild (portal analytics rebuild)" in out
    assert "incremental run (a day of changes)" in out
    assert "baseline: SELECT count(*) FROM survey_answer (400 rows)" in out
    assert "reproduce: python -m benchmarks.analytics --rows 400" in out


def test_rows_are_shared_out_between_the_merchants() -> None:
    owners = [analytics._owner(i, 1000) for i in range(1000)]
    assert [owners.count(n) for n in range(1, 6)] == [600, 100, 100, 100, 100]
