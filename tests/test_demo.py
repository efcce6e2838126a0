"""The demo shop: live parcels for the poller, and settled history that reads like the
live code paths left it (so analytics, the returns queue and survey results show truth)."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta

from carriers.base import Status
from carriers.sandbox.parse import parse_track_response
from carriers.sandbox.server import track_payload
from portal.demo import DEMO_IN_LOCKERS, DEMO_ORDERS, load_demo
from portal.demo_history import HISTORY_ORDERS
from portal.demo_predictions import WATCHED
from portal.models import (
    EventSource,
    Order,
    OrderItem,
    ReturnReason,
    ReturnRequest,
    ReturnTransition,
    Shipment,
    Survey,
    SurveyAnswer,
)
from portal.returns.states import can_move
from portal.settings import Settings
from portal.surveys.outcomes import question, questions_for
from portal.tracking.ingest import ingest_many

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


async def test_loading_twice_adds_nothing_the_second_time(db: str, settings: Settings) -> None:
    first = await load_demo(settings, now=NOW)
    counts = [await m.all().count() for m in (Order, Shipment, ReturnRequest, SurveyAnswer)]
    second = await load_demo(settings, now=NOW)

    assert first.created_orders == DEMO_ORDERS
    assert second.created_orders == second.created_shipments == 0
    assert counts[0] == DEMO_ORDERS + HISTORY_ORDERS + len(WATCHED)
    assert [await m.all().count() for m in (Order, Shipment, ReturnRequest, SurveyAnswer)] == counts


async def _history_parcels_are_settled_and_never_polled() -> None:
    history = await Shipment.filter(order__number__startswith="NW-H")

    assert len(history) == HISTORY_ORDERS
    assert all(s.next_poll_at is None for s in history)
    assert {s.status for s in history} <= {Status.DELIVERED, Status.EXCEPTION}
    delivered = [s for s in history if s.status is Status.DELIVERED]
    assert all(s.delivered_at and s.shipped_at and s.delivered_at > s.shipped_at for s in delivered)
    assert all(s.first_estimated_delivery is not None for s in history)
    assert len({s.carrier_key for s in history}) >= 3


async def _every_answer_belongs_to_a_question_its_outcome_asks() -> None:
    surveys = {s.id: s for s in await Survey.all()}
    answers = await SurveyAnswer.all()

    assert len(answers) > 100
    for answer in answers:
        survey = surveys[answer.survey_id]  # type: ignore[attr-defined]
        asked = [q.key for q in questions_for(survey.outcome)]
        assert survey.questions == asked
        assert answer.question in asked
        assert question(answer.question).accepts(answer.score)
        assert answer.outcome == survey.outcome
        assert answer.answered_at <= NOW
    assert not [s for s in surveys.values() if s.outcome == "exception"]


async def _returns_moved_only_along_allowed_transitions() -> None:
    requests = await ReturnRequest.all()

    assert requests
    for request in requests:
        moves = await ReturnTransition.filter(return_request=request).order_by("created_at", "id")
        assert moves[0].from_state is None and moves[0].to_state == "requested"
        for before, after in itertools.pairwise(moves):
            assert after.from_state == before.to_state
            assert can_move(before.to_state, after.to_state)
        assert moves[-1].to_state == request.state
        assert request.created_at <= NOW and all(m.created_at <= NOW for m in moves)
        assert request.state != "approved"  # approval and its label come together
    assert Counter(r.state for r in requests)["closed"] > 0


async def _demo_items_are_linked_to_variants_and_reasons_speak_every_language() -> None:

    assert not await OrderItem.filter(variant_id=None).exists()
    for reason in await ReturnReason.all():
        assert set(reason.labels) == {"en", "pl", "ro", "ru", "el", "uk", "bg"}


async def test_history_reads_as_the_live_code_would_have_left_it(
    db: str, settings: Settings
) -> None:
    await load_demo(settings, now=NOW)

    await _history_parcels_are_settled_and_never_polled()
    await _every_answer_belongs_to_a_question_its_outcome_asks()
    await _returns_moved_only_along_allowed_transitions()
    await _demo_items_are_linked_to_variants_and_reasons_speak_every_language()


async def test_some_demo_parcels_wait_in_a_locker_with_a_deadline(
    db: str, settings: Settings
) -> None:
    """What the sweep would ingest from the sandbox: two parcels wait in a locker, their
    deadline ahead, so the tracking page always has a pickup point to show."""
    await load_demo(settings, now=NOW)
    live = await Shipment.filter(carrier_key="sandbox", order__number__startswith="NW-1")
    results = parse_track_response(track_payload([s.tracking_number for s in live], NOW))
    await ingest_many(
        [(s.id, r) for s, r in zip(live, results, strict=True)],
        source=EventSource.POLL,
        now=NOW,
        settings=settings,
    )
    waiting = await Shipment.filter(
        status=Status.AVAILABLE_FOR_PICKUP, pickup_deadline__gt=NOW, id__in=[s.id for s in live]
    )
    lockers = [s for s in waiting if (s.pickup_point or {}).get("kind") == "locker"]
    assert len(lockers) >= DEMO_IN_LOCKERS
    assert all((s.pickup_point or {}).get("pickup_code") for s in lockers)


async def _live_parcels_as_ingested(settings: Settings) -> list[Shipment]:
    live = await Shipment.filter(carrier_key="sandbox", order__number__startswith="NW-1")
    results = parse_track_response(track_payload([s.tracking_number for s in live], NOW))
    await ingest_many(
        [(s.id, r) for s, r in zip(live, results, strict=True)],
        source=EventSource.POLL,
        now=NOW,
        settings=settings,
    )
    return await Shipment.filter(id__in=[s.id for s in live]).select_related("order")


async def test_no_demo_order_is_delivered_before_it_shipped(db: str, settings: Settings) -> None:
    await load_demo(settings, now=NOW)
    for parcel in await _live_parcels_as_ingested(settings):
        assert parcel.shipped_at is not None
        assert parcel.order.placed_at < parcel.shipped_at, parcel.tracking_number
        if parcel.delivered_at is not None:
            assert parcel.delivered_at > parcel.shipped_at, parcel.tracking_number


async def test_most_live_parcels_are_still_moving_at_the_first_check(
    db: str, settings: Settings
) -> None:
    from datetime import timedelta

    from carriers.sandbox.journey import journey

    await load_demo(settings, now=NOW)
    live = await _live_parcels_as_ingested(settings)
    delivered = [p for p in live if p.status is Status.DELIVERED]
    assert len(live) == DEMO_ORDERS
    assert len(delivered) <= DEMO_ORDERS // 2
    # Within the first two hours of a visit, several parcels get a new scan.
    later = NOW + timedelta(hours=2)
    scans = {p.tracking_number: len(journey(p.tracking_number, NOW)) for p in live}
    moving = [n for n, seen in scans.items() if len(journey(n, later)) > seen]
    assert len(moving) >= 3


async def test_the_history_has_predictions_to_measure_and_parcels_to_worry_about(
    db: str, settings: Settings
) -> None:
    from portal.analytics.accuracy import accuracy
    from portal.analytics.sql import Filters
    from portal.models import ShipmentAlert, TransitStat
    from portal.tracking.alerts import watch

    report = await load_demo(settings, now=NOW)
    figures = await accuracy(Filters(report.merchant.id, NOW - timedelta(days=130), NOW))
    assert {row.carrier_key for row in figures} >= {"ups", "dhl", "fedex", "usps"}
    for row in figures:
        assert row.ours.parcels > 0 and row.carrier.parcels > 0
    assert await TransitStat.filter(merchant_id=report.merchant.id).exists()

    await watch(settings, NOW + timedelta(minutes=5))
    alerts = await ShipmentAlert.filter(shipment__order__number__startswith="NW-L")
    assert sorted(str(a.kind) for a in alerts) == ["late", "late", "stuck"]
