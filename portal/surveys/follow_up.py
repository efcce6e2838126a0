"""Telling the shop when a customer's survey answers call for a follow-up (issue #8).

A detractor (NPS 0–6) or a hard experience (CES 1–2) makes the survey *need a follow-up*.
The first ``survey.answered`` event that finds it so records a ``survey.follow_up`` domain
event (once per survey: its time is when the follow-up became due, and the
``survey.follow_up`` webhooks hang off it) and writes ONE e-mail to the merchant's
support address to the outbox (key ``survey:<id>:follow_up:email``).

The e-mail waits until the answers settle: :data:`EDIT_GRACE` after completion, or, for a
survey that is never completed, after the first low answer. Because the outbox stores a
rendered message, every later answer or comment re-renders the pending one (an UPDATE
guarded by ``state = pending`` and no lease, so a message a dispatcher has claimed is
never touched) and moves it to the later due time; a customer who corrects the low score
within the grace cancels it, and one who lowers it again revives it. So the shop gets the
comment even when it was typed after the score, and never more than one alert.

Staff alerts ignore quiet hours (they go to a support inbox, not to a person's phone) and
have no customer on the message, so a customer's e-mail opt-out cannot cancel them (nor
a shipment: the parcel's message log shows what the customer was sent). With
no support e-mail set, nothing is written (logged at info); the webhook still fires.

Concurrency: the survey row is locked (PostgreSQL ``FOR UPDATE``; SQLite serialises
writers) before deciding, so two answers arriving at once cannot record two follow-ups.
"""

from __future__ import annotations

import logging
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from portal import events
from portal.event_catalogue import SURVEY_ANSWERED, SURVEY_FOLLOW_UP, SurveyFollowUp
from portal.models import Channel, DomainEvent, MessageState, OutboxMessage
from portal.surveys.answers import EDIT_GRACE
from portal.surveys.facts import SurveyFacts, load_facts
from portal.surveys.follow_up_message import render_alert
from portal.surveys.wording import support_contact

log = logging.getLogger(__name__)

FOLLOW_UP_TRIGGER = "survey_follow_up"
#: Why :func:`sync_alert` cancelled an alert; an alert cancelled for either may revive.
NO_LONGER_NEEDED = "the answers no longer call for a follow-up"
NO_SUPPORT_EMAIL = "the shop has no support e-mail"


def unique_key(survey_id: int) -> str:
    return f"survey:{survey_id}:follow_up:email"


def due_at(facts: SurveyFacts, marker: DomainEvent) -> datetime:
    """When the answers have settled: the grace after completion, else after the first
    low answer (the time of the ``survey.follow_up`` event)."""
    return (facts.survey.completed_at or marker.occurred_at) + EDIT_GRACE


async def follow_up_event(
    survey_id: int, merchant_id: int, conn: BaseDBAsyncClient
) -> DomainEvent | None:
    """The survey's ``survey.follow_up`` event, if it ever needed one."""
    return (
        await DomainEvent.filter(
            merchant_id=merchant_id,
            kind=SURVEY_FOLLOW_UP,
            subject_type="survey",
            subject_id=survey_id,
        )
        .using_db(conn)
        .order_by("id")
        .first()
    )


async def _lock_survey(survey_id: int, conn: BaseDBAsyncClient) -> None:
    if conn.capabilities.dialect == "postgres":
        await conn.execute_query("SELECT id FROM survey WHERE id = $1 FOR UPDATE", [survey_id])


def _unclaimed(now: datetime) -> Q:
    return Q(state=MessageState.PENDING) & (Q(lease_until__isnull=True) | Q(lease_until__lte=now))


async def _cancel(key: str, note: str, ctx: events.ListenerContext) -> None:
    await (
        OutboxMessage.filter(_unclaimed(ctx.now), unique_key=key)
        .using_db(ctx.conn)
        .update(state=MessageState.CANCELLED, error=note)
    )


async def sync_alert(facts: SurveyFacts, marker: DomainEvent, ctx: events.ListenerContext) -> None:
    """Make the alert in the outbox match the answers as they stand (see the module doc)."""
    conn = ctx.conn
    key = unique_key(facts.survey.id)
    if not facts.needs_follow_up:
        await _cancel(key, NO_LONGER_NEEDED, ctx)
        return
    recipient = support_contact(facts.merchant).email
    if not recipient:
        log.info("survey %s needs a follow-up; the shop has no support e-mail", facts.survey.id)
        await _cancel(key, NO_SUPPORT_EMAIL, ctx)
        return
    locale = facts.merchant.default_locale or "en"
    rendered = render_alert(ctx.settings, facts, locale)
    due = due_at(facts, marker)
    content = {
        "recipient": recipient,
        "locale": locale,
        "subject": rendered.subject[:500],
        "body_text": rendered.text,
        "body_html": rendered.html,
    }
    existing = await OutboxMessage.filter(unique_key=key).using_db(conn).first()
    if existing is None:
        await OutboxMessage.bulk_create(
            [
                OutboxMessage(
                    merchant_id=facts.merchant.id,
                    customer_id=None,
                    shipment_id=None,
                    channel=Channel.EMAIL,
                    trigger=FOLLOW_UP_TRIGGER,
                    unique_key=key,
                    scheduled_for=due,
                    **content,
                )
            ],
            ignore_conflicts=True,
            using_db=conn,
        )
        return
    now = ctx.now
    revivable = Q(state=MessageState.CANCELLED) & Q(error__in=(NO_LONGER_NEEDED, NO_SUPPORT_EMAIL))
    await (
        OutboxMessage.filter(_unclaimed(now) | revivable, id=existing.id)
        .using_db(conn)
        .update(
            state=MessageState.PENDING,
            error=None,
            # A retried message keeps its back-off; the due time only ever moves later.
            scheduled_for=max(due, existing.scheduled_for),
            **content,
        )
    )


@events.listen(SURVEY_ANSWERED)
async def on_survey_answered(event: DomainEvent, ctx: events.ListenerContext) -> None:
    """Record the follow-up the first time it is needed, then bring the alert up to date."""
    conn = ctx.conn
    await _lock_survey(event.subject_id, conn)
    facts = await load_facts(event.subject_id, event.merchant_id, conn)
    if facts is None:
        return
    marker = await follow_up_event(facts.survey.id, facts.merchant.id, conn)
    if marker is None:
        if not facts.needs_follow_up:
            return
        low = facts.low_answer()
        marker = await events.emit(
            merchant_id=facts.merchant.id,
            kind=SURVEY_FOLLOW_UP,
            subject_type="survey",
            subject_id=facts.survey.id,
            payload=SurveyFollowUp(
                question=low.question if low else None,
                score=low.score if low else None,
                outcome=str(facts.survey.outcome),
            ),
            using_db=conn,
            settings=ctx.settings,
            occurred_at=event.occurred_at,
            now=ctx.now,
        )
    await sync_alert(facts, marker, ctx)
