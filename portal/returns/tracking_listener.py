"""Carrier scans of a return parcel move its return: in transit, then received.

A batch listener on ``shipment.status_changed`` (one query per poll sweep) that runs
inside the tracking engine's transaction (the listener's connection), so the scan and
the return's move commit together. Scans that arrive out of order or twice are
ignored, never an error: a tracking poll must not fail because of a return.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from portal import events, sql_ids
from portal.models import DomainEvent, ReturnRequest
from portal.models.returns import ReturnState as S
from portal.models.tracking import Direction
from portal.returns import states

log = logging.getLogger(__name__)

#: Carrier status -> the return state it leads to.
TARGETS: dict[str, S] = {
    "in_transit": S.IN_TRANSIT,
    "out_for_delivery": S.IN_TRANSIT,
    "available_for_pickup": S.IN_TRANSIT,
    "delivered": S.RECEIVED,
}


@events.listen_batch(events.SHIPMENT_STATUS_CHANGED)
async def on_return_scans(batch: Sequence[DomainEvent], ctx: events.ListenerContext) -> None:
    """One query for the whole batch (a poll sweep emits many), then each scan in order."""
    relevant = [e for e in batch if str(e.payload.get("new_status")) in TARGETS]
    if not relevant:
        return
    if not await _any_return_leg(ctx, sorted({e.subject_id for e in relevant})):
        return  # a sweep's batch of outbound parcels: no model query built for 500 ids
    linked = await ReturnRequest.filter(
        return_shipment_id__in={e.subject_id for e in relevant},
        return_shipment__direction=Direction.RETURN,
    ).using_db(ctx.conn)
    by_shipment: dict[int, list[ReturnRequest]] = {}
    for request in linked:
        if request.return_shipment_id is not None:  # always, by the filter above
            by_shipment.setdefault(request.return_shipment_id, []).append(request)
    for event in relevant:
        for request in by_shipment.get(event.subject_id, ()):
            if request.merchant_id == event.merchant_id:
                await _advance(request, event, ctx)


async def _any_return_leg(ctx: events.ListenerContext, shipment_ids: list[int]) -> bool:
    conn = ctx.conn
    sql = "SELECT 1 FROM return_request WHERE " + sql_ids.in_ids(
        conn, "return_shipment_id", len(shipment_ids)
    )
    _, rows = await conn.execute_query(sql + " LIMIT 1", sql_ids.ids_param(conn, shipment_ids))
    return bool(rows)


async def _advance(request: ReturnRequest, event: DomainEvent, ctx: events.ListenerContext) -> None:
    status = str(event.payload.get("new_status"))
    target = TARGETS[status]
    if not states.can_move(S(request.state), target):
        return
    tracking = event.payload.get("tracking_number") or ""
    note = f"{event.payload.get('carrier_key') or ''} {tracking}: {status}".strip()
    try:
        await states.transition(
            request, target, actor="carrier", note=note, using_db=ctx.conn, settings=ctx.settings
        )
    except states.StaleReturn:
        log.info("return %s moved meanwhile; scan ignored", request.number)
