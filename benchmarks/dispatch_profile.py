"""Where the dispatcher's CPU goes: one channel's messages under cProfile.

The same sinks and seed as ``benchmarks.dispatch`` (an aiosmtpd thread, the Twilio-shaped
stub process); ``--messages`` due messages after a warm-up of 200, sent by ``dispatch_once``
passes under ``cProfile.Profile(time.thread_time)``, so only the dispatcher's own thread is
counted (a wall-clock profile charges the GIL handed to the sink thread to ``socket.send``).

    .venv/bin/python -m benchmarks.dispatch_profile --channel email|sms [--messages 1000]
        [--database postgres://postgres@127.0.0.1:5432/<name>] [--top 45] [--sort tottime]
        [--output FILE]

The database is DROPPED and created afresh.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import time
from collections.abc import Sequence

from benchmarks.common import DEFAULT_POSTGRES, free_port, fresh_database, served
from benchmarks.dispatch import CountingSink, dispatch_all, make_settings, seed, settle_round


async def _run(args: argparse.Namespace) -> None:
    from aiosmtpd.controller import Controller

    from portal import db
    from portal.http import build_client

    sink = CountingSink()
    smtp_port, stub_port = free_port(), free_port()
    stub = f"http://127.0.0.1:{stub_port}"
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    settings = make_settings(args.database, smtp_port, stub)
    try:
        with served(["benchmarks.twilio_stub", "--port", str(stub_port)], f"{stub}/health"):
            await fresh_database(args.database)
            await db.connect(args.database)
            try:
                async with build_client(settings) as client:
                    await seed(200, args.channel)
                    await dispatch_all(settings, client, "warm-up")
                    await settle_round()
                    await seed(args.messages, args.channel)
                    profile = cProfile.Profile(time.thread_time)
                    began = time.thread_time()
                    profile.enable()
                    done = await dispatch_all(settings, client, "profiled")
                    profile.disable()
                    cpu = time.thread_time() - began
            finally:
                await db.disconnect()
    finally:
        controller.stop()
    print(
        f"{done.messages} {args.channel} messages, {1000 * cpu / max(done.messages, 1):.2f} ms "
        "of the dispatcher thread's CPU a message under the profiler"
    )
    if args.output:
        profile.dump_stats(args.output)
    pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.dispatch_profile")
    parser.add_argument("--channel", choices=("email", "sms"), default="email")
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--database", default=DEFAULT_POSTGRES, help="dropped and recreated!")
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--output", help="also write the raw profile here (pstats)")
    asyncio.run(_run(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
