"""CPU a web process spends on its first return label, with and without the start-up
preparation of the label font (docs/returns.md, *The label's font*).

Each measurement is a fresh process (the font is made once a process), run in turn:
``cold`` builds the app and makes a label, as a process did before the app prepared the
font; ``started`` builds the app, runs its start-up (lifespan) and waits for the font
thread, then makes a label. Both then make a second label. CPU seconds of the process
(``time.process_time``), so the figure does not move with what else runs on the machine.

    python -m benchmarks.first_label [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

from benchmarks.common import machine_load

MODES = ("cold", "started")
TEXT_FROM = ["Grzegorz Brzęczyszczykiewicz", "ul. Żółkiewskiego 7", "90-001 Łódź", "PL"]
TEXT_TO = ["Магазин Мария - Връщания", "гр. София, ул. Граф Игнатиев 15", "1000 София", "BG"]


async def _start(app: object) -> None:
    from portal.returns.label_font import THREAD_NAME

    async with app.router.lifespan_context(app):  # type: ignore[attr-defined]
        for thread in threading.enumerate():
            if thread.name == THREAD_NAME:
                thread.join()


def one(mode: str) -> tuple[float, float, float]:
    """(start-up CPU, first label CPU, second label CPU) of this process, in seconds."""
    from portal.app import create_app
    from portal.returns.labels import LabelText, label_pdf
    from portal.settings import Settings

    text = LabelText(
        number="R-ABC234", from_lines=TEXT_FROM, to_lines=TEXT_TO, drop_off_by=date(2026, 12, 16)
    )
    url = "https://shop.example/returns/drop-off/R-ABC234/token"
    began = time.process_time()
    with tempfile.TemporaryDirectory() as var:
        app = create_app(Settings(secret_key="bench-" * 8, var_dir=Path(var)), manage_db=False)
        if mode == "started":
            asyncio.run(_start(app))
    started = time.process_time()
    label_pdf(text, url)
    first = time.process_time()
    label_pdf(text, url)
    return started - began, first - started, time.process_time() - first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--one", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(" ".join(f"{value:.4f}" for value in one(args.one)))
        return 0
    runs: dict[str, list[tuple[float, ...]]] = {mode: [] for mode in MODES}
    for _ in range(args.rounds):  # interleaved: cold, started, cold, started…
        for mode in MODES:
            out = subprocess.run(
                [sys.executable, "-m", "benchmarks.first_label", "--one", mode],
                check=True, capture_output=True, text=True,
            ).stdout  # fmt: skip
            runs[mode].append(tuple(float(v) for v in out.split()[-3:]))
    print(f"CPU s of one process, {args.rounds} rounds: min / median / max")
    for mode in MODES:
        for column, name in enumerate(("start-up", "first label", "second label")):
            values = [run[column] for run in runs[mode]]
            print(
                f"{mode:8} {name:13} {min(values):.3f} / {statistics.median(values):.3f} / "
                f"{max(values):.3f}"
            )
    print(machine_load())
    print(f"reproduce: python -m benchmarks.first_label --rounds {args.rounds}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
