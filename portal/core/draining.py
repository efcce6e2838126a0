"""Stopping a worker without losing or repeating work, and keeping leases alive meanwhile.

A worker asked to stop (SIGTERM) lets the unit of work it is running finish, starts no new
one, and hands back at once whatever it had claimed but not started: the units check
:func:`stop_requested` before each piece of work they could still give back (a carrier
call, a message send). The flag is per process, which is what a signal addresses.

Claims carry short leases (30 s) so a killed worker's work comes back within a minute;
:class:`Heartbeat` renews them for as long as the claimer is still working on them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from types import TracebackType

log = logging.getLogger(__name__)

_stop = {"requested": False}


def request_stop() -> None:
    """Ask every unit in this process to finish what it started and start nothing new."""
    _stop["requested"] = True


def stop_requested() -> bool:
    return _stop["requested"]


def reset() -> None:
    """Forget an earlier stop (a new worker starts, or a test begins)."""
    _stop["requested"] = False


class Heartbeat:
    """Calls ``renew`` every ``every`` seconds while the ``async with`` block runs.

    A failed renewal is logged and tried again at the next beat: the work goes on, and if
    the database stays away the lease lapses, which is what a lease is for.
    """

    def __init__(self, renew: Callable[[], Awaitable[object]], every: float, name: str) -> None:
        self.renew, self.every, self.name = renew, every, name
        self.beats = 0
        self._task: asyncio.Task[None] | None = None

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            try:
                await self.renew()
                self.beats += 1
            except Exception as exc:  # the database may be away; the lease will tell
                log.warning("%s: lease renewal failed: %r", self.name, exc)

    async def __aenter__(self) -> Heartbeat:
        self._task = asyncio.create_task(self._beat())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task])
