"""Domain events: written in the transaction of their cause, handed to listeners inside it.

A listener (notifications, returns, surveys, outgoing webhooks) receives the event and
the transaction's connection, so whatever it writes (an outbox message, a return
transition) commits or rolls back together with the cause. Listeners register with
:func:`listen`; the modules that hold them are named in :data:`LISTENER_MODULES` so that
every process (web or worker) has the same set.
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from portal.models import DomainEvent

#: Kinds emitted by the tracking engine and the returns flow.
SHIPMENT_STATUS_CHANGED = "shipment.status_changed"
SHIPMENT_DELAYED = "shipment.delayed"

Listener = Callable[[DomainEvent, BaseDBAsyncClient], Awaitable[None]]

#: Modules whose import registers listeners; add yours here.
LISTENER_MODULES: tuple[str, ...] = ("portal.notifications.triggers",)

_listeners: dict[str, list[Listener]] = defaultdict(list)
_loaded = False


def listen(*kinds: str) -> Callable[[Listener], Listener]:
    """Register the decorated coroutine for ``kinds`` (``"*"`` for every kind)."""

    def register(func: Listener) -> Listener:
        for kind in kinds:
            if func not in _listeners[kind]:
                _listeners[kind].append(func)
        return func

    return register


def ensure_listeners_loaded() -> None:
    global _loaded
    if not _loaded:
        for module in LISTENER_MODULES:
            importlib.import_module(module)
        _loaded = True


async def emit(
    *,
    merchant_id: int,
    kind: str,
    subject_type: str,
    subject_id: int,
    payload: dict[str, Any],
    using_db: BaseDBAsyncClient,
    occurred_at: datetime | None = None,
) -> DomainEvent:
    """Record a domain event and run its listeners in the caller's transaction."""
    ensure_listeners_loaded()
    event = await DomainEvent.create(
        merchant_id=merchant_id,
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        payload=payload,
        occurred_at=occurred_at or datetime.now(UTC),
        using_db=using_db,
    )
    for listener in (*_listeners.get(kind, ()), *_listeners.get("*", ())):
        await listener(event, using_db)
    return event
