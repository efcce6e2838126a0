"""Survey events → ``survey.answered`` and ``survey.follow_up`` webhook deliveries.

``survey.answered``: every answer (a score, a changed score, a comment) is one delivery,
due at once, to each enabled endpoint subscribed to it.

``survey.follow_up``: once per survey, hung off its ``survey.follow_up`` domain event
(see :mod:`portal.surveys.follow_up`) and due at the same moment as the merchant's alert
e-mail, when the answers have settled. Like the e-mail, a delivery that has not been tried
yet is rewritten on every later answer, so it carries the last comment; it is withdrawn
if a corrected score no longer calls for a follow-up, and comes back if it does again.

Both carry the same data: the survey (id, outcome, locale, order, tracking and return
numbers), the answer the topic is about, all current answers, and ``follow_up``.
A replayed event writes nothing twice (one delivery per endpoint and event).
"""

from __future__ import annotations

from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from portal import events
from portal.models import (
    DeliveryState,
    DomainEvent,
    SurveyAnswer,
    WebhookDelivery,
    WebhookEndpoint,
)
from portal.surveys.facts import SurveyFacts, load_facts
from portal.surveys.follow_up import due_at, follow_up_event
from portal.webhooks_out import topics
from portal.webhooks_out.admin import envelope
from portal.webhooks_out.deliveries import write_deliveries


def _answer_json(answer: SurveyAnswer | None) -> dict[str, Any] | None:
    if answer is None:
        return None
    return {
        "question": answer.question,
        "metric": str(answer.metric),
        "score": answer.score,
        "comment": answer.comment,
    }


def survey_data(facts: SurveyFacts, answer: SurveyAnswer | None, follow_up: bool) -> dict[str, Any]:
    survey = facts.survey
    return {
        "survey": {
            "id": survey.id,
            "outcome": str(survey.outcome),
            "locale": survey.locale,
            "order_number": facts.order_number or None,
            "tracking_number": facts.tracking_number or None,
            "return_number": facts.return_number or None,
            "completed_at": survey.completed_at.isoformat() if survey.completed_at else None,
        },
        "answer": _answer_json(answer),
        "answers": [
            _answer_json(facts.answers[q.key]) for q in facts.questions if q.key in facts.answers
        ],
        "follow_up": follow_up,
    }


async def _subscribed(
    merchant_id: int, topic: str, conn: BaseDBAsyncClient
) -> list[WebhookEndpoint]:
    found = await WebhookEndpoint.filter(merchant_id=merchant_id, enabled=True).using_db(conn)
    return [endpoint for endpoint in found if topics.subscribed(endpoint.topics, topic)]


@events.listen(topics.SURVEY_ANSWERED)
async def enqueue_answer_deliveries(event: DomainEvent, ctx: events.ListenerContext) -> None:
    """One ``survey.answered`` delivery per subscribed endpoint; then the follow-up's."""
    conn = ctx.conn
    if not await WebhookEndpoint.filter(merchant_id=event.merchant_id).using_db(conn).exists():
        return  # most shops: nothing to write, nothing written before
    endpoints = await _subscribed(event.merchant_id, topics.SURVEY_ANSWERED, conn)
    facts = await load_facts(event.subject_id, event.merchant_id, conn)
    if facts is None:
        return
    if endpoints:
        payload = event.payload or {}
        answer = facts.answers.get(str(payload.get("question")))
        data = survey_data(facts, answer, bool(payload.get("follow_up")))
        chosen = [(endpoint, topics.SURVEY_ANSWERED) for endpoint in endpoints]
        await write_deliveries(event, chosen, data, conn)
    await sync_follow_up_deliveries(facts, ctx)


@events.listen(topics.SURVEY_FOLLOW_UP)
async def enqueue_follow_up_deliveries(event: DomainEvent, ctx: events.ListenerContext) -> None:
    """The survey's ``survey.follow_up`` deliveries, due when its answers settle."""
    facts = await load_facts(event.subject_id, event.merchant_id, ctx.conn)
    if facts is not None:
        await sync_follow_up_deliveries(facts, ctx)


async def sync_follow_up_deliveries(facts: SurveyFacts, ctx: events.ListenerContext) -> None:
    """Make the survey's untried ``survey.follow_up`` deliveries match its answers."""
    conn, now = ctx.conn, ctx.now
    marker = await follow_up_event(facts.survey.id, facts.merchant.id, conn)
    if marker is None:
        return
    untried = (
        Q(state=DeliveryState.PENDING)
        & Q(attempts=0)
        & (Q(lease_until__isnull=True) | Q(lease_until__lte=now))
    )
    if not facts.needs_follow_up:
        await WebhookDelivery.filter(untried, event=marker).using_db(conn).delete()
        return
    endpoints = await _subscribed(facts.merchant.id, topics.SURVEY_FOLLOW_UP, conn)
    if not endpoints:
        return
    due = due_at(facts, marker)
    payload = envelope(
        f"evt_{marker.id}",
        topics.SURVEY_FOLLOW_UP,
        marker.occurred_at,
        survey_data(facts, facts.low_answer(), True),
    )
    written = {
        row.endpoint_id: row for row in await WebhookDelivery.filter(event=marker).using_db(conn)
    }
    for endpoint in endpoints:
        if endpoint.id in written:
            await (
                WebhookDelivery.filter(
                    untried, id=written[endpoint.id].id, created_at=written[endpoint.id].created_at
                )
                .using_db(conn)
                .update(payload=payload, next_attempt_at=due)
            )
            continue
        await WebhookDelivery.create(
            endpoint=endpoint,
            event=marker,
            topic=topics.SURVEY_FOLLOW_UP,
            payload=payload,
            next_attempt_at=due,
            using_db=conn,
        )
