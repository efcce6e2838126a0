"""Messages by channel: how many were sent, delivered and failed in the period.

"Delivered" is the provider's receipt where the channel has one (Twilio's ``delivered`` or
``read`` for SMS and WhatsApp); e-mail and browser notifications count as delivered once
the server or push service accepted them, which is all those channels tell. Cancelled
messages (the customer opted out before sending) are left out.

Whole past days come from the daily rollup ``analytics_message_day``
(:data:`portal.analytics.facts.MESSAGES`), the rest live with the same statement, so the
days whose messages retention has deleted keep their figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.analytics.facts import MESSAGES
from portal.analytics.rollups import source
from portal.analytics.sql import Filters, Sql


@dataclass(frozen=True, slots=True)
class ChannelRow:
    channel: str
    messages: int
    delivered: int
    failed: int

    @property
    def delivery_rate(self) -> float | None:
        return 100 * self.delivered / self.messages if self.messages else None

    @property
    def failure_rate(self) -> float | None:
        return 100 * self.failed / self.messages if self.messages else None


async def by_channel(f: Filters) -> list[ChannelRow]:
    q = Sql()
    rows = await q.rows(
        "SELECT channel, SUM(messages) AS messages, SUM(delivered) AS delivered, "
        f"SUM(failed) AS failed FROM {await source(q, MESSAGES, f)} x "
        "GROUP BY channel ORDER BY 2 DESC, 1"
    )
    return [
        ChannelRow(str(r["channel"]), int(r["messages"]), int(r["delivered"]), int(r["failed"]))
        for r in rows
    ]
