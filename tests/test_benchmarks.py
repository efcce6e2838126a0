"""The benchmarks still run end to end (tiny sizes, SQLite): they are scripts, timed by hand."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from benchmarks import chaos, dispatch, poll_sweep, timeline
from tests.conftest import POSTGRES_URL


async def test_the_poll_sweep_benchmark_runs_on_sqlite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = f"sqlite://{tmp_path / 'sweep.sqlite3'}"
    assert await poll_sweep.main(["--shipments", "200", "--database", database]) == 0
    out = capsys.readouterr().out
    assert "first sync (all new)" in out and "steady state (nothing new)" in out
    assert "peak RSS" in out and "reproduce: python -m benchmarks.poll_sweep" in out
    rows = [
        line.split()
        for line in out.splitlines()
        if line.startswith("200 ") and "..." not in line and "CPU s per" not in line
    ]
    assert len(rows) == 4 and all(row[-8] == "200" for row in rows)  # all 200 persisted
    assert "CPU s per 1,000 shipments, portal + PostgreSQL" in out


async def test_the_dispatch_benchmark_runs_on_sqlite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = f"sqlite://{tmp_path / 'dispatch.sqlite3'}"
    argv = ["--messages", "30", "--rounds", "2", "--database", database]
    assert await dispatch.main(argv) == 0
    out = capsys.readouterr().out
    assert "dispatcher, email" in out and "dispatcher, SMS (twilio)" in out
    rows = [line.split() for line in out.splitlines() if "dispatcher" in line]
    assert [row[3] if row[0] == "email" else row[4] for row in rows] == ["30", "30"]
    assert "e-mails received 120 of 120, duplicated Message-IDs 0" in out
    assert "email ratio per round:" in out and "sms ratio per round:" in out


async def test_the_store_backfill_benchmark_runs_on_sqlite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from benchmarks import platform_backfill

    database = f"sqlite://{tmp_path / 'backfill.sqlite3'}"
    argv = ["--orders", "150", "--rounds", "1", "--database", database, "--profile", "5"]
    assert await platform_backfill.main(argv) == 0
    out = capsys.readouterr().out
    assert "A: import (sync_connection)" in out and "B: bare loop (same pages)" in out
    assert "profile of one import" in out and "(portal / stub / PostgreSQL)" in out
    assert (
        "ratio A/B per round" in out and "reproduce: python -m benchmarks.platform_backfill" in out
    )


@pytest.mark.skipif(not POSTGRES_URL, reason="the chaos benchmark needs PostgreSQL")
async def test_the_chaos_benchmark_runs_and_counts_nothing_lost(
    capsys: pytest.CaptureFixture[str],
) -> None:
    database = POSTGRES_URL.rsplit("/", 1)[0] + "/doorstep_chaos_smoke"
    argv = ["--messages", "40", "--shipments", "30", "--kills", "1", "--outage", "2"]
    argv += ["--outage-at", "3", "--chaos-window", "4", "--limit", "120", "--database", database]
    assert await chaos.main(argv) == 0
    out = capsys.readouterr().out
    rows = [line.rpartition("  ") for line in out.splitlines() if "  " in line]
    values = {label.strip(): value.strip() for label, _, value in rows}
    assert values["messages lost (never sent)"] == "0"
    assert values["shipments lost (never polled)"] == "0"
    assert "SIGTERM (exit 0" in out


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


async def test_the_late_watch_benchmark_runs_on_postgres(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """PostgreSQL only (generate_series); its own database. A steady run reads nothing."""
    import os

    from benchmarks import late_watch

    url = os.environ.get("PORTAL_TEST_POSTGRES", "")
    if not url:
        pytest.skip("PORTAL_TEST_POSTGRES is not set")
    database = url.rsplit("/", 1)[0] + "/" + url.rsplit("/", 1)[1] + "_late_bench"
    assert await late_watch.main(["--due", "500", "--late", "20", "--database", database]) == 0
    out = capsys.readouterr().out
    rows = {line.split("  ")[0]: line.split() for line in out.splitlines() if "run (" in line}
    assert rows["first run (late_at)"][3:5] == ["20", "20"]  # opened, rows read
    assert rows["steady run (late_at)"][3:5] == ["0", "0"]
    assert "reproduce: python -m benchmarks.late_watch" in out


@pytest.mark.skipif(not POSTGRES_URL, reason="the scale benchmark needs PostgreSQL")
async def test_the_scale_benchmark_runs_workers_and_counts_no_duplicates(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from benchmarks import scale

    database = POSTGRES_URL.rsplit("/", 1)[0] + "/doorstep_scale_smoke"
    argv = ["--messages", "20", "--shipments", "50", "--workers", "1", "2"]
    assert await scale.main([*argv, "--limit", "120", "--database", database]) == 0
    out = capsys.readouterr().out
    rows = [
        line.split()
        for line in out.splitlines()
        if line[:2] in ("1 ", "2 ") and "worker(s)" not in line
    ]
    assert [row[0] for row in rows] == ["1", "2"]
    assert all("(limit)" not in " ".join(row) and row[-1] == "0" for row in rows)


def test_the_timeline_benchmark_times_two_ways_of_writing_the_same_html(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["timeline", "--calls", "3", "--rounds", "1"])
    timeline.main()  # exits when the two ways write different HTML
    out = capsys.readouterr().out
    assert "structured, then laid out" in out and "one pass (the page's)" in out


def test_the_first_label_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import first_label

    assert first_label.main(["--rounds", "1"]) == 0
    out = capsys.readouterr().out
    assert "cold     first label" in out and "started  first label" in out
    assert "reproduce: python -m benchmarks.first_label" in out
