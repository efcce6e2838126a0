"""Bounded fan-out for adapters whose carrier takes one number (or one batch) per call."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


async def map_bounded(
    call: Callable[[Item], Awaitable[Result]], items: Iterable[Item], *, limit: int
) -> list[Result]:
    """``await call(item)`` for every item, at most ``limit`` at once; results in order.

    The first failure cancels the calls still running or waiting and is raised as
    itself (not as an ExceptionGroup), so callers see the typed carrier error.
    """
    gate = asyncio.Semaphore(max(1, limit))

    async def one(item: Item) -> Result:
        async with gate:
            return await call(item)

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(item)) for item in items]
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None
    return [task.result() for task in tasks]
