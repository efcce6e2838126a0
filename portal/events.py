"""Domain events: written in the transaction of their cause, handed to listeners inside it.

A listener (notifications, returns, surveys, outgoing webhooks) receives the event and a
:class:`ListenerContext`: the transaction's connection, so whatever it writes (an outbox
message, a return transition) commits or rolls back together with the cause; the settings
of the process that caused it (links in messages, time zones), passed down by the caller
rather than read from a global; and the moment of emission, one clock for the whole batch.
Listeners register with :func:`listen`; the modules that hold them are named in
:data:`LISTENER_MODULES` so that every process (web or worker) has the same set.

Every kind is declared in :mod:`portal.event_catalogue` with its payload type; :func:`emit`
and :func:`listen` refuse a kind it lacks.

:func:`emit_many` is the bulk form for callers that cause many events at once (a poll
sweep): the rows go in with a constant number of statements, then each event's listeners
run in input order, exactly as :func:`emit` would have run them one by one.
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from portal.event_catalogue import SHIPMENT_DELAYED, SHIPMENT_STATUS_CHANGED, kind_of
from portal.models import DomainEvent
from portal.settings import Settings

__all__ = [
    "SHIPMENT_DELAYED",
    "SHIPMENT_STATUS_CHANGED",
    "BatchListener",
    "EventSpec",
    "Listener",
    "ListenerContext",
    "emit",
    "emit_many",
    "listen",
    "listen_batch",
]

#: Rows per INSERT on SQLite (its bound-parameter limit is 32,766 in current builds).
_SQLITE_CHUNK = 1000


@dataclass(frozen=True, slots=True)
class ListenerContext:
    """What a listener may use besides the event: nothing is read from process globals."""

    #: The cause's transaction; every write of a listener goes through it.
    conn: BaseDBAsyncClient
    settings: Settings
    #: When the events were emitted (the same for every event of one emit_many).
    now: datetime


Listener = Callable[[DomainEvent, ListenerContext], Awaitable[None]]
#: Takes every event of its kinds that one emit (or emit_many) records, in order, so it
#: can read what it needs for all of them in one query instead of one per event.
BatchListener = Callable[[Sequence[DomainEvent], ListenerContext], Awaitable[None]]

#: Modules whose import registers listeners; add yours here. The order is the order in
#: which listeners of one kind run, whichever module was imported first (exchanges move
#: stock before a resolved return's messages and webhooks describe it; a resolved
#: return's or claim's message is queued before the survey it prompts, so the customer
#: reads that it is resolved before being asked how it went). tests/test_event_catalogue.py
#: finds any module that registers a listener without being named here.
LISTENER_MODULES: tuple[str, ...] = (
    "portal.returns.exchanges",
    "portal.returns.credit",
    "portal.tracking.prediction",
    "portal.notifications.triggers",
    "portal.webhooks_out.listener",
    "portal.webhooks_out.episode_listener",
    "portal.returns.tracking_listener",
    "portal.returns.notifications",
    "portal.webhooks_out.returns_listener",
    "portal.surveys.follow_up",
    "portal.webhooks_out.survey_listener",
    "portal.platforms.writeback",
    "portal.attention.raising",
    "portal.webhooks_out.withdrawal_listener",
    "portal.claims.messages",
    "portal.surveys.scheduling",
    "portal.webhooks_out.claim_listener",
    "portal.webhooks_out.privacy_listener",
)

_listeners: dict[str, list[Listener]] = defaultdict(list)
_batch_listeners: dict[str, list[BatchListener]] = defaultdict(list)
_loaded = False


def listen(*kinds: str) -> Callable[[Listener], Listener]:
    """Register the decorated coroutine for ``kinds`` (``"*"`` for every kind)."""

    _check(kinds)

    def register(func: Listener) -> Listener:
        for kind in kinds:
            if func not in _listeners[kind]:
                _listeners[kind].append(func)
                _listeners[kind].sort(key=_rank)
        return func

    return register


def listen_batch(*kinds: str) -> Callable[[BatchListener], BatchListener]:
    """Register the decorated coroutine for ``kinds`` (``"*"`` for every kind) as a batch
    listener: it gets the events of those kinds from one :func:`emit` or :func:`emit_many`
    call as one sequence (in emission order), after the per-event listeners ran."""

    _check(kinds)

    def register(func: BatchListener) -> BatchListener:
        for kind in kinds:
            if func not in _batch_listeners[kind]:
                _batch_listeners[kind].append(func)
                _batch_listeners[kind].sort(key=_rank)
        return func

    return register


def _rank(func: Callable[..., Any]) -> int:
    """A listener's place: its module's in :data:`LISTENER_MODULES` (a module not named
    there, a test's, last); the sort is stable, so one module's keep their order."""
    module = getattr(func, "__module__", "")
    return LISTENER_MODULES.index(module) if module in LISTENER_MODULES else len(LISTENER_MODULES)


def _check(kinds: Sequence[str]) -> None:
    for kind in kinds:
        if kind != "*":
            kind_of(kind)


def ensure_listeners_loaded() -> None:
    global _loaded
    if not _loaded:
        for module in LISTENER_MODULES:
            importlib.import_module(module)
        _loaded = True


@dataclass(frozen=True, slots=True)
class EventSpec:
    """One domain event to record with :func:`emit_many` (``emit``'s arguments)."""

    merchant_id: int
    kind: str
    subject_type: str
    subject_id: int
    payload: Mapping[str, Any] = field(default_factory=dict)
    occurred_at: datetime | None = None


async def _notify(recorded: Sequence[DomainEvent], ctx: ListenerContext) -> None:
    """Per-event listeners event by event, then each batch listener once with its events."""
    for event in recorded:
        for listener in (*_listeners.get(event.kind, ()), *_listeners.get("*", ())):
            await listener(event, ctx)
    if not _batch_listeners:
        return
    batches: dict[BatchListener, list[DomainEvent]] = {}
    for event in recorded:
        for listener in (*_batch_listeners.get(event.kind, ()), *_batch_listeners.get("*", ())):
            batch = batches.setdefault(listener, [])
            if not batch or batch[-1] is not event:
                batch.append(event)
    for listener, batch in batches.items():
        await listener(batch, ctx)


async def emit(
    *,
    merchant_id: int,
    kind: str,
    subject_type: str,
    subject_id: int,
    payload: Mapping[str, Any],
    using_db: BaseDBAsyncClient,
    settings: Settings,
    occurred_at: datetime | None = None,
    now: datetime | None = None,
) -> DomainEvent:
    """Record a domain event and run its listeners in the caller's transaction.

    ``kind`` must be declared in :mod:`portal.event_catalogue` (``payload`` is its
    TypedDict); ``settings`` are the caller's, handed to the listeners with ``now`` (the
    wall clock unless the caller has its own).
    """
    kind_of(kind)
    ensure_listeners_loaded()
    stamp = datetime.now(UTC)
    event = await DomainEvent.create(
        merchant_id=merchant_id,
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        payload=dict(payload),
        occurred_at=occurred_at or stamp,
        using_db=using_db,
    )
    await _notify([event], ListenerContext(conn=using_db, settings=settings, now=now or stamp))
    return event


_COLUMNS = ("merchant_id", "kind", "subject_type", "subject_id", "payload", "occurred_at")


def _row(spec: EventSpec, now: datetime) -> list[Any]:
    payload = DomainEvent._meta.fields_map["payload"].to_db_value(spec.payload, DomainEvent)
    occurred_at = (spec.occurred_at or now).astimezone(UTC)
    return [spec.merchant_id, spec.kind, spec.subject_type, spec.subject_id, payload, occurred_at]


async def _insert_postgres(
    conn: BaseDBAsyncClient, rows: list[list[Any]], now: datetime
) -> list[int]:
    """Ids drawn from the table's sequence first, then one INSERT over arrays: which id
    belongs to which row never depends on the order RETURNING happens to use."""
    _, drawn = await conn.execute_query(
        "SELECT nextval(pg_get_serial_sequence('domain_event', 'id')) AS id "
        "FROM generate_series(1, $1)",
        [len(rows)],
    )
    ids = [int(r["id"]) for r in drawn]
    columns = list(zip(*rows, strict=True))
    await conn.execute_query(
        "INSERT INTO domain_event (id, merchant_id, kind, subject_type, subject_id, payload, "
        "occurred_at, created_at) SELECT v.*, $8 FROM unnest($1::bigint[], $2::int[], "
        "$3::varchar[], $4::varchar[], $5::int[], $6::jsonb[], $7::timestamptz[]) AS v",
        [ids, *(list(c) for c in columns), now],
    )
    return ids


async def _insert_sqlite(
    conn: BaseDBAsyncClient, rows: list[list[Any]], now: datetime
) -> list[int]:
    """Multi-row INSERTs; SQLite gives a statement's rows ascending rowids in VALUES order."""
    ids: list[int] = []
    marks = "(" + ", ".join("?" * (len(_COLUMNS) + 1)) + ")"
    for start in range(0, len(rows), _SQLITE_CHUNK):
        chunk = rows[start : start + _SQLITE_CHUNK]
        sql = (
            f"INSERT INTO domain_event ({', '.join(_COLUMNS)}, created_at) VALUES "
            f"{', '.join([marks] * len(chunk))} RETURNING id"
        )
        values = [v for row in chunk for v in (*row, now)]
        _, returned = await conn.execute_query(sql, values)
        ids += sorted(int(r["id"]) for r in returned)
    return ids


async def emit_many(
    specs: Sequence[EventSpec],
    *,
    using_db: BaseDBAsyncClient,
    settings: Settings,
    now: datetime | None = None,
) -> list[DomainEvent]:
    """Record many domain events in a constant number of statements, then run each one's
    listeners in input order, in the caller's transaction. Returns the events in order."""
    if not specs:
        return []
    for spec in specs:
        kind_of(spec.kind)
    ensure_listeners_loaded()
    stamp = datetime.now(UTC)
    rows = [_row(spec, stamp) for spec in specs]
    if using_db.capabilities.dialect == "postgres":
        ids = await _insert_postgres(using_db, rows, stamp)
    else:
        ids = await _insert_sqlite(using_db, rows, stamp)
    # Built as the ORM builds a row it read (half the CPU of ``DomainEvent(...)``, which
    # checks every keyword; a sweep makes thousands).
    recorded = [
        DomainEvent._init_from_db(
            id=event_id,
            merchant_id=spec.merchant_id,
            kind=spec.kind,
            subject_type=spec.subject_type,
            subject_id=spec.subject_id,
            payload=dict(spec.payload),
            occurred_at=row[-1],
            created_at=stamp,
            processed_at=None,
        )
        for event_id, spec, row in zip(ids, specs, rows, strict=True)
    ]
    await _notify(recorded, ListenerContext(conn=using_db, settings=settings, now=now or stamp))
    return recorded
