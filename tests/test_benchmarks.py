"""The benchmarks still run end to end (tiny sizes, SQLite): they are scripts, timed by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import dispatch, poll_sweep


async def test_the_poll_sweep_benchmark_runs_on_sqlite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = f"sqlite://{tmp_path / 'sweep.sqlite3'}"
    assert await poll_sweep.main(["--shipments", "200", "--database", database]) == 0
    out = capsys.readouterr().out
    assert "first sync (all new)" in out and "steady state (nothing new)" in out
    assert "peak RSS" in out and "reproduce: python -m benchmarks.poll_sweep" in out
    rows = [
        line.split() for line in out.splitlines() if line.startswith("200 ") and "..." not in line
    ]
    assert len(rows) == 3 and all(row[-6] == "200" for row in rows)  # all 200 persisted


async def test_the_dispatch_benchmark_runs_on_sqlite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = f"sqlite://{tmp_path / 'dispatch.sqlite3'}"
    assert await dispatch.main(["--messages", "30", "--database", database]) == 0
    out = capsys.readouterr().out
    assert "dispatcher, email" in out and "dispatcher, SMS (twilio)" in out
    rows = [line.split() for line in out.splitlines() if "dispatcher" in line]
    assert [row[-3] for row in rows] == ["30", "30"]


async def test_the_predict_benchmark_runs_on_postgres(capsys: pytest.CaptureFixture[str]) -> None:
    """PostgreSQL only (it fills the history with generate_series); its own database."""
    import os

    from benchmarks import predict

    url = os.environ.get("PORTAL_TEST_POSTGRES", "")
    if not url:
        pytest.skip("PORTAL_TEST_POSTGRES is not set")
    database = url.rsplit("/", 1)[0] + "/" + url.rsplit("/", 1)[1] + "_predict_bench"
    argv = ["--settled", "3000", "--sweep", "200", "--rounds", "1", "--database", database]
    assert await predict.main(argv) == 0
    out = capsys.readouterr().out
    assert "nightly recomputation on PostgreSQL, 3,000 settled parcels counted" in out
    assert "median CPU per shipment" in out and "reproduce: python -m benchmarks.predict" in out
