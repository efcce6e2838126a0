"""The bare httpx loop with and without ``sniffio``: what httpcore's failed import costs.

httpcore asks ``sniffio`` which async library runs it every time it creates or takes a
lock (``httpcore/_synchronization.py``); without the package that is a failed import —
a walk of every ``sys.path`` entry — several times per request. ``sniffio`` is now a
dependency; this benchmark shows what it buys.

The "without" rounds run in a child process that hides ``sniffio`` behind a meta-path
finder which asks the remaining finders for a name that does not exist (the same walk a
missing package costs) and then raises ``ModuleNotFoundError``. Both kinds of rounds
POST the dispatch benchmark's SMS form to the Twilio-shaped stub, one request at a time,
on one ``httpx.AsyncClient``; they alternate (A, B, A, B …) and each prints requests/s
and the client's CPU seconds per 1,000 requests (``time.process_time``), plus the stub's.

    .venv/bin/python -m benchmarks.httpx_loop [--requests 5000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.abc
import importlib.machinery
import json
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from types import ModuleType

from benchmarks.common import free_port, machine_load, served, table
from benchmarks.cpu import ProcessCpu


class _HideSniffio(importlib.abc.MetaPathFinder):
    """Makes ``import sniffio`` fail the way it does when the package is not installed."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "sniffio":
            return None
        for finder in sys.meta_path:
            if finder is not self:
                finder.find_spec("sniffio_not_installed", path, target)  # type: ignore[attr-defined]
        raise ModuleNotFoundError("No module named 'sniffio'", name="sniffio")


async def _loop(base: str, count: int) -> dict[str, float]:
    import httpx

    from benchmarks.dispatch import SID, SMS_BODY, TOKEN

    url = f"{base}/2010-04-01/Accounts/{SID}/Messages.json"
    form = {"To": "+12025550100", "From": "+15017122661", "Body": SMS_BODY}
    async with httpx.AsyncClient() as client:
        for _ in range(50):  # warm-up: connection, imports
            (await client.post(url, data=form, auth=(SID, TOKEN))).raise_for_status()
        cpu, began = time.process_time(), time.perf_counter()
        for _ in range(count):
            response = await client.post(url, data=form, auth=(SID, TOKEN))
            response.raise_for_status()
            response.json()
        return {
            "seconds": time.perf_counter() - began,
            "cpu": time.process_time() - cpu,
        }


def _child(base: str, count: int, hide: bool) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.httpx_loop", "child", base,
         "--requests", str(count), *(["--hide-sniffio"] if hide else [])],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    result: dict[str, float] = json.loads(out)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.httpx_loop")
    parser.add_argument("mode", nargs="?", default="compare", choices=["compare", "child"])
    parser.add_argument("base", nargs="?")
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--hide-sniffio", action="store_true")
    args = parser.parse_args(argv)
    if args.mode == "child":
        if args.hide_sniffio:
            sys.modules.pop("sniffio", None)
            sys.meta_path.insert(0, _HideSniffio())
        print(json.dumps(asyncio.run(_loop(args.base, args.requests))))
        return 0

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    results: dict[str, list[dict[str, float]]] = {"without sniffio": [], "with sniffio": []}
    with served(["benchmarks.twilio_stub", "--port", str(port)], f"{base}/health") as stub_pid:
        stub = ProcessCpu(stub_pid)
        for _ in range(args.rounds):
            for name in results:
                before = stub.seconds()
                result = _child(base, args.requests, hide=name.startswith("without"))
                result["stub_cpu"] = stub.seconds() - before
                results[name].append(result)
    rows: list[list[object]] = [
        ["pass", "req/s min/med/max", "client CPU s/1k", "stub CPU s/1k", "vs without"]
    ]
    medians: dict[str, float] = {}
    for name, runs in results.items():
        rates = sorted(args.requests / r["seconds"] for r in runs)
        medians[name] = statistics.median(rates)
        client_cpu = statistics.median(r["cpu"] for r in runs) * 1000 / args.requests
        stub_cpu = statistics.median(r["stub_cpu"] for r in runs) * 1000 / args.requests
        rows.append(
            [
                name,
                f"{rates[0]:,.0f} / {medians[name]:,.0f} / {rates[-1]:,.0f}",
                f"{client_cpu:.3f}",
                f"{stub_cpu:.3f}",
                f"{medians[name] / medians['without sniffio']:.2f}",
            ]
        )
    print(f"bare httpx loop, {args.requests:,} POSTs a round, {args.rounds} rounds interleaved")
    print(table(rows))
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine_load()} at the end")
    print("reproduce: python -m benchmarks.httpx_loop " + shlex.join(argv or sys.argv[1:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
