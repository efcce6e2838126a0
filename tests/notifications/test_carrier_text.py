"""Messages speak our words only: a carrier's own event text never reaches an e-mail or SMS.

The carrier's text is in whatever language the carrier writes; the tracking page shows it
under our wording, but a message is read on its own, so it says what happened in the
customer's language from our tables (portal/notifications/phrases.py) and templates.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from carriers.base import Reason, Status, TrackingEvent, TrackingResult
from portal.models import EventSource, OutboxMessage
from portal.notifications import phrases
from portal.settings import Settings
from portal.tracking.ingest import ingest_many
from tests.notifications.helpers import parcel

CARRIER_WORDS = "Zustellversuch CARRIER-WORDS"


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (Status.IN_TRANSIT, None),
        (Status.OUT_FOR_DELIVERY, None),
        (Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE),
        (Status.AVAILABLE_FOR_PICKUP, None),
        (Status.DELIVERED, None),
        (Status.EXCEPTION, Reason.DAMAGED),
        (Status.RETURNED_TO_SENDER, Reason.REFUSED),
    ],
)
@pytest.mark.parametrize("locale", ["uk", "bg", "en"])
async def test_no_message_carries_the_carriers_own_text(
    db: str, settings: Settings, status: Status, reason: Reason | None, locale: str
) -> None:
    p = await parcel(customer={"locale": locale, "phone": "+359881234567", "sms_opt_in": True})
    now = datetime.now(UTC) + timedelta(minutes=5)
    result = TrackingResult(
        number=p.shipment.tracking_number,
        status=status,
        reason=reason,
        events=[TrackingEvent(now, status, reason, "Z1", CARRIER_WORDS, city="Sofia")],
    )

    await ingest_many(
        [(p.shipment.id, result)], source=EventSource.POLL, now=now, settings=settings
    )

    messages = await OutboxMessage.filter(shipment_id=p.shipment.id)
    assert messages, "every one of these statuses tells the customer"
    for message in messages:
        assert message.locale == locale
        for part in (message.subject or "", message.body_text, message.body_html or ""):
            assert "CARRIER-WORDS" not in part and "Zustellversuch" not in part
    if reason is not None:
        ours = phrases.reason_words(reason, locale)
        assert any(ours in m.body_text for m in messages), "the reason, in our words"
