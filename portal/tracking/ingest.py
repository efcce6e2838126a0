"""The one ingest path: polls, pushes and refreshes all write carrier results through here.

One transaction per call writes the new events, the shipments' new picture and their
domain events (``shipment.status_changed``, ``shipment.delayed``), whose listeners run in
the same transaction. The work per call is a constant number of statements whatever the
number of shipments — lock and read the shipments, read their known event keys and their
merchants' expiry setting, insert events, update shipments (and, only for those whose
pickup point changed, their point), insert the domain events
(:func:`portal.events.emit_many`) — plus whatever their listeners do per event. The
merging rules themselves are in :mod:`portal.tracking.merge`.

A poll result marked ``unchanged`` (its adapter found the digest of the answer it merged
last, ``shipment.poll_digest``) is not merged again: its known keys are not read and only
the poll is recorded (or the shipment expires, as a merge would have expired it). Pushes
clear the digest, so the next poll after one is parsed in full.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from carriers.base import Status, TrackingResult
from portal import events
from portal.event_catalogue import ShipmentDelayed, ShipmentStatusChanged
from portal.models import EventSource, Shipment
from portal.settings import Settings
from portal.tracking import cadence, expiry, store
from portal.tracking.merge import Merge, ShipmentState, merge, merge_unchanged, might_expire

#: Sources that are a carrier call we made: they reset the poll bookkeeping.
_POLLED = frozenset({EventSource.POLL, EventSource.REFRESH})


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    """What one result changed."""

    shipment_id: int
    new_events: int = 0
    old_status: Status | None = None
    new_status: Status | None = None
    delayed: bool = False

    @property
    def status_changed(self) -> bool:
        return self.old_status != self.new_status


def _schedule(after: ShipmentState, source: EventSource, now: datetime, rand: cadence.Rand) -> None:
    """Poll bookkeeping after a result. Only the sweep, which has just asked the carrier,
    may push ``next_poll_at`` later; pushes and refreshes only bring it forward (or end
    polling), so they never put off a poll that was due."""
    if source in _POLLED:
        after.last_polled_at = now
        after.poll_failures = 0
        after.last_error = None
    wanted = cadence.next_poll_at(
        after.status,
        after.last_event_at,
        now,
        after.poll_failures,
        since=after.created_at,
        rand=rand,
    )
    if source is EventSource.POLL or wanted is None or after.next_poll_at is None:
        after.next_poll_at = wanted
    else:
        after.next_poll_at = min(after.next_poll_at, wanted)


def _domain_events(result: Merge, source: EventSource, now: datetime) -> list[events.EventSpec]:
    """The domain events one merge calls for: a status change, a delay, both or none."""
    after = result.after
    specs = []
    change = result.status_change
    if change is not None:
        specs.append(
            events.EventSpec(
                merchant_id=after.merchant_id,
                kind=events.SHIPMENT_STATUS_CHANGED,
                subject_type="shipment",
                subject_id=after.id,
                payload=ShipmentStatusChanged(
                    old_status=change.old.value,
                    new_status=change.new.value,
                    reason=change.reason.value if change.reason else None,
                    occurred_at=change.occurred_at.isoformat(),
                    tracking_number=after.tracking_number,
                    carrier_key=after.carrier_key,
                    source=source.value,
                ),
                occurred_at=change.occurred_at,
            )
        )
    if result.delay is not None:
        window = (after.eta_window_start, after.eta_window_end)
        specs.append(
            events.EventSpec(
                merchant_id=after.merchant_id,
                kind=events.SHIPMENT_DELAYED,
                subject_type="shipment",
                subject_id=after.id,
                payload=ShipmentDelayed(
                    old_eta=result.delay.old.isoformat(),
                    new_eta=result.delay.new.isoformat(),
                    eta_window_start=window[0].isoformat() if window[0] else None,
                    eta_window_end=window[1].isoformat() if window[1] else None,
                    tracking_number=after.tracking_number,
                    carrier_key=after.carrier_key,
                    source=source.value,
                ),
                occurred_at=now,
            )
        )
    return specs


async def _ingest(
    items: Sequence[tuple[int, TrackingResult]],
    source: EventSource,
    now: datetime,
    rand: cadence.Rand,
    settings: Settings,
) -> list[tuple[IngestOutcome, ShipmentState | None]]:
    ids = sorted({shipment_id for shipment_id, _ in items})
    async with in_transaction() as conn:
        states = await store.load_states(conn, ids)
        loaded = dict(states)  # merges replace states, never change them
        # An unchanged answer (same digest as the one merged last) needs no known keys.
        known = await store.load_known_keys(
            conn, sorted({shipment_id for shipment_id, r in items if not r.unchanged})
        )
        days = await store.load_expiry_days(conn, (s.merchant_id for s in states.values()))
        candidates = {
            shipment_id
            for shipment_id, result in items
            if (s := states.get(shipment_id)) is not None
            and might_expire(s, result, now, days[s.merchant_id])
        }
        reactivated = await expiry.reactivated_at(conn, sorted(candidates))

        merges: list[Merge | None] = []
        for shipment_id, result in items:
            state = states.get(shipment_id)
            if state is None:  # deleted meanwhile
                merges.append(None)
                continue
            if result.unchanged:
                if result.digest is None or result.digest != state.poll_digest:
                    # Something else wrote the shipment since the claim read its digest
                    # (a push, a correction): nothing to merge, so it is due again at once
                    # and polled in full.
                    after = state.copy()
                    after.next_poll_at = now
                    states[shipment_id] = after
                    merges.append(Merge(after=after))
                    continue
                merged = merge_unchanged(
                    state,
                    now=now,
                    expire_after_days=days[state.merchant_id],
                    reactivated_at=reactivated.get(shipment_id),
                )
            else:
                merged = merge(
                    state,
                    result,
                    known[shipment_id],
                    now=now,
                    expire_after_days=days[state.merchant_id],
                    reactivated_at=reactivated.get(shipment_id),
                )
                # Only our own carrier calls vouch for a digest; a push's answer is not
                # the one a poll gets, so after it the next poll is parsed in full.
                merged.after.poll_digest = result.digest if source in _POLLED else None
            _schedule(merged.after, source, now, rand)
            known[shipment_id].update(merged.new_keys)
            states[shipment_id] = merged.after  # a later item for the same shipment folds on
            merges.append(merged)

        await store.insert_events(
            conn,
            (
                (m.after.id, k, e)
                for m in merges
                if m is not None
                for k, e in zip(m.new_keys, m.new_events, strict=True)
            ),
            source=source,
            now=now,
        )
        await store.save_states(conn, states.values(), now=now, before=loaded)
        moved_points = {m.after.id for m in merges if m is not None and m.pickup_changed}
        await store.save_pickup_points(conn, [states[i] for i in sorted(moved_points)])
        await events.emit_many(
            [
                spec
                for merged in merges
                if merged is not None
                for spec in _domain_events(merged, source, now)
            ],
            using_db=conn,
            settings=settings,
        )

    outcomes: list[tuple[IngestOutcome, ShipmentState | None]] = []
    for (shipment_id, _), done in zip(items, merges, strict=True):
        if done is None:
            outcomes.append((IngestOutcome(shipment_id), None))
            continue
        change = done.status_change
        outcomes.append(
            (
                IngestOutcome(
                    shipment_id,
                    new_events=len(done.new_events),
                    old_status=change.old if change else done.after.status,
                    new_status=done.after.status,
                    delayed=done.delay is not None,
                ),
                done.after,
            )
        )
    return outcomes


async def ingest_many(
    items: Sequence[tuple[int, TrackingResult]],
    *,
    source: EventSource,
    now: datetime,
    settings: Settings,
    rand: cadence.Rand = random.random,
) -> list[IngestOutcome]:
    """Ingest results for many shipments (by id) in one transaction; outcomes in order.

    The bulk path for sweeps and pushes. Several results for one shipment fold in order.
    """
    if not items:
        return []
    return [outcome for outcome, _ in await _ingest(items, source, now, rand, settings)]


async def ingest(
    shipment: Shipment,
    result: TrackingResult,
    *,
    source: EventSource,
    now: datetime,
    settings: Settings,
    rand: cadence.Rand = random.random,
) -> IngestOutcome:
    """Ingest one result for ``shipment`` and bring the instance up to date with it."""
    [(outcome, after)] = await _ingest([(shipment.id, result)], source, now, rand, settings)
    if after is not None:
        for name in ShipmentState.fields():
            setattr(shipment, name, getattr(after, name))
    return outcome
