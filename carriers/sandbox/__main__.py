"""Run the sandbox carrier on its own: ``python -m carriers.sandbox --port 8900``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import UTC, datetime

from carriers.sandbox.journey import DEFAULT_EPOCH


def _epoch(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m carriers.sandbox", description="Serve the sandbox carrier's tracking API."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument(
        "--epoch",
        type=_epoch,
        default=DEFAULT_EPOCH,
        help="instant label hours count from (ISO 8601, default %(default)s)",
    )
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every call")
    parser.add_argument(
        "--fault-rate", type=float, default=0.0, help="share of calls (0..1) that fail"
    )
    parser.add_argument("--fault-status", type=int, default=503, choices=(429, 500, 502, 503, 504))
    parser.add_argument("--seed", type=int, default=0, help="seed for which calls fail")
    parser.add_argument("--log-level", default="warning")
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    import uvicorn

    from carriers.sandbox.server import create_app

    app = create_app(
        epoch=args.epoch,
        latency=args.latency,
        fault_rate=args.fault_rate,
        fault_status=args.fault_status,
        seed=args.seed,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False)


if __name__ == "__main__":
    main()
