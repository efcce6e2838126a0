"""Raise and close attention items from domain events, inside the cause's transaction.

One episode, one item: the row's ``episode`` key (kind, subject, start) is unique per
merchant and rows go in with ``ON CONFLICT DO NOTHING``, so an event delivered twice, or
two processes seeing the same cause, add nothing. What ends an episode:

- ``delivered`` or ``returned_to_sender`` ends *late*, *stuck*, *exception* and
  *failed attempt*;
- any other status change ends *stuck* (the parcel was scanned) and an *exception* or
  *failed attempt* it moved away from;
- a ``shipment.stuck`` with another start ends the previous *stuck* (a scan came between).

*Returned to sender*, *unhappy answer* and *claim* items end only when a person resolves
them. Only outbound parcels are queued: a return parcel's problems belong to the returns
queue. The status-change listener takes a sweep's whole batch so that a thousand status
changes cost a handful of statements, not thousands.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from carriers.base import Status
from portal import events, sql_ids
from portal.event_catalogue import (
    SHIPMENT_EPISODE_ENDED,
    SHIPMENT_LATE,
    SHIPMENT_STATUS_CHANGED,
    SHIPMENT_STUCK,
    SURVEY_FOLLOW_UP,
)
from portal.models import AttentionItem, AttentionKind, Direction, DomainEvent, Shipment, Survey

#: Statuses that open an item of the same name.
STATUS_KINDS: dict[str, AttentionKind] = {
    Status.EXCEPTION: AttentionKind.EXCEPTION,
    Status.FAILED_ATTEMPT: AttentionKind.FAILED_ATTEMPT,
    Status.RETURNED_TO_SENDER: AttentionKind.RETURNED_TO_SENDER,
}
#: Statuses that end a parcel's journey towards the customer.
JOURNEY_OVER = frozenset({Status.DELIVERED, Status.RETURNED_TO_SENDER})
#: Kinds any scan ends (a new status means the carrier has it moving again).
ENDED_BY_A_SCAN = (AttentionKind.STUCK, AttentionKind.EXCEPTION, AttentionKind.FAILED_ATTEMPT)
ENDED_BY_THE_JOURNEY = (AttentionKind.LATE, *ENDED_BY_A_SCAN)


def episode_key(kind: AttentionKind, subject: str, subject_id: int, since: datetime) -> str:
    """The key that makes an item unique per merchant: same cause, same start, same item."""
    return f"{kind.value}:{subject}:{subject_id}:{since.astimezone(UTC).isoformat()}"


def _moment(raw: Any, fallback: datetime) -> datetime:
    if isinstance(raw, str):
        try:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            return fallback
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return fallback


def _shipment_id(event: DomainEvent) -> int:
    raw = (event.payload or {}).get("shipment_id")
    return raw if isinstance(raw, int) else event.subject_id


async def _outbound(
    ids: Iterable[int], merchant_ids: set[int], conn: BaseDBAsyncClient
) -> dict[int, tuple[int, str]]:
    """shipment id -> (merchant id, carrier key) for the outbound shipments among ``ids``.

    Written by hand, as the two reads below: a sweep calls them with 500 ids, and the ORM
    builds a term per id (more CPU than the query)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    sql = (
        "SELECT id, merchant_id, carrier_key FROM shipment WHERE "
        f"{sql_ids.in_ids(conn, 'id', len(wanted))} AND direction = '{Direction.OUTBOUND.value}'"
    )
    _, rows = await conn.execute_query(sql, sql_ids.ids_param(conn, wanted))
    return {
        int(r["id"]): (int(r["merchant_id"]), str(r["carrier_key"]))
        for r in rows
        if r["merchant_id"] in merchant_ids
    }


async def _close(
    shipment_ids: set[int], kinds: Sequence[AttentionKind], now: datetime, conn: BaseDBAsyncClient
) -> None:
    if shipment_ids:
        await (
            AttentionItem.filter(shipment_id__in=shipment_ids, kind__in=kinds, closed_at=None)
            .using_db(conn)
            .update(closed_at=now)
        )


async def _with_open_items(shipment_ids: set[int], conn: BaseDBAsyncClient) -> set[int]:
    """Those of ``shipment_ids`` with an open item a scan or the journey's end may close."""
    if not shipment_ids:
        return set()
    wanted = sorted(shipment_ids)
    kinds = ", ".join(f"'{kind.value}'" for kind in ENDED_BY_THE_JOURNEY)
    sql = (
        "SELECT DISTINCT shipment_id FROM attention_item WHERE "
        f"{sql_ids.in_ids(conn, 'shipment_id', len(wanted))} AND closed_at IS NULL "
        f"AND kind IN ({kinds})"
    )
    _, rows = await conn.execute_query(sql, sql_ids.ids_param(conn, wanted))
    return {int(r["shipment_id"]) for r in rows}


async def _open(items: list[AttentionItem], conn: BaseDBAsyncClient) -> None:
    if items:
        await AttentionItem.bulk_create(items, ignore_conflicts=True, using_db=conn)


@events.listen_batch(SHIPMENT_STATUS_CHANGED)
async def on_status_changed(batch: Sequence[DomainEvent], ctx: events.ListenerContext) -> None:
    """Close what the new statuses end, then open an item for each problem status."""
    known = await _outbound((e.subject_id for e in batch), {e.merchant_id for e in batch}, ctx.conn)
    last: dict[int, DomainEvent] = {}
    for event in batch:
        if known.get(event.subject_id, (None,))[0] == event.merchant_id:
            last[event.subject_id] = event
    journey_over: set[int] = set()
    by_status: dict[str, set[int]] = {}
    for shipment_id, event in last.items():
        new_status = str(event.payload.get("new_status") or "")
        if new_status in JOURNEY_OVER:
            journey_over.add(shipment_id)
        else:
            by_status.setdefault(new_status, set()).add(shipment_id)
    # Most parcels of a batch have nothing open: find those that do with one read rather
    # than one UPDATE per status for all of them.
    open_for = await _with_open_items(set(last), ctx.conn)
    journey_over &= open_for
    by_status = {status: ids & open_for for status, ids in by_status.items() if ids & open_for}
    await _close(journey_over, ENDED_BY_THE_JOURNEY, ctx.now, ctx.conn)
    for status, ids in by_status.items():
        ended = [k for k in ENDED_BY_A_SCAN if k.value != status]
        await _close(ids, ended, ctx.now, ctx.conn)
    opening = []
    for shipment_id, event in last.items():
        kind = STATUS_KINDS.get(str(event.payload.get("new_status") or ""))
        if kind is None:
            continue
        since = _moment(event.payload.get("occurred_at"), event.occurred_at)
        reason = event.payload.get("reason")
        opening.append(
            AttentionItem(
                merchant_id=event.merchant_id,
                kind=kind,
                shipment_id=shipment_id,
                carrier_key=known[shipment_id][1],
                since=since,
                episode=episode_key(kind, "shipment", shipment_id, since),
                detail={"reason": reason} if reason else {},
            )
        )
    await _open(opening, ctx.conn)


@events.listen_batch(SHIPMENT_LATE, SHIPMENT_STUCK)
async def on_late_or_stuck(batch: Sequence[DomainEvent], ctx: events.ListenerContext) -> None:
    """One item per episode; a stuck parcel's new episode ends the one before it."""
    known = await _outbound(
        (_shipment_id(e) for e in batch), {e.merchant_id for e in batch}, ctx.conn
    )
    opening = []
    for event in batch:
        shipment_id = _shipment_id(event)
        if known.get(shipment_id, (None,))[0] != event.merchant_id:
            continue
        kind = AttentionKind.LATE if event.kind == SHIPMENT_LATE else AttentionKind.STUCK
        payload = event.payload or {}
        since = _moment(
            payload.get("episode_started_at") or payload.get("since"), event.occurred_at
        )
        episode = episode_key(kind, "shipment", shipment_id, since)
        if kind is AttentionKind.STUCK:
            await (
                AttentionItem.filter(
                    shipment_id=shipment_id, kind=kind, closed_at=None, episode__not=episode
                )
                .using_db(ctx.conn)
                .update(closed_at=ctx.now)
            )
        opening.append(
            AttentionItem(
                merchant_id=event.merchant_id,
                kind=kind,
                shipment_id=shipment_id,
                carrier_key=known[shipment_id][1],
                since=since,
                episode=episode,
                detail={},
            )
        )
    await _open(opening, ctx.conn)


@events.listen(SHIPMENT_EPISODE_ENDED)
async def on_episode_ended(event: DomainEvent, ctx: events.ListenerContext) -> None:
    """The tracking engine says a late or stuck episode is over: its item closes."""
    kinds = {"late": AttentionKind.LATE, "stuck": AttentionKind.STUCK}
    kind = kinds.get(str((event.payload or {}).get("kind", "")))
    if kind is None:
        return
    await (
        AttentionItem.filter(
            merchant_id=event.merchant_id,
            shipment_id=_shipment_id(event),
            kind=kind,
            closed_at=None,
        )
        .using_db(ctx.conn)
        .update(closed_at=ctx.now)
    )


@events.listen(SURVEY_FOLLOW_UP)
async def on_follow_up(event: DomainEvent, ctx: events.ListenerContext) -> None:
    """An unhappy answer (a survey that calls for a follow-up): once per survey."""
    survey = await (
        Survey.filter(id=event.subject_id, merchant_id=event.merchant_id).using_db(ctx.conn).first()
    )
    if survey is None:
        return
    carrier_key = None
    if survey.shipment_id is not None:
        carrier_key = await (
            Shipment.filter(id=survey.shipment_id)
            .using_db(ctx.conn)
            .first()
            .values_list("carrier_key", flat=True)
        )
    payload = event.payload or {}
    await _open(
        [
            AttentionItem(
                merchant_id=event.merchant_id,
                kind=AttentionKind.UNHAPPY_ANSWER,
                survey_id=survey.id,
                shipment_id=survey.shipment_id,
                carrier_key=carrier_key,
                since=event.occurred_at,
                episode=f"{AttentionKind.UNHAPPY_ANSWER.value}:survey:{survey.id}",
                detail={
                    "question": payload.get("question"),
                    "score": payload.get("score"),
                    "outcome": payload.get("outcome"),
                },
            )
        ],
        ctx.conn,
    )
