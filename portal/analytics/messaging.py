"""Messages by channel: how many were sent, delivered and failed in the period.

"Delivered" is the provider's receipt where the channel has one (Twilio's ``delivered`` or
``read`` for SMS and WhatsApp); e-mail and browser notifications count as delivered once
the server or push service accepted them, which is all those channels tell. Cancelled
messages (the customer opted out before sending) are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.analytics.sql import Filters, Sql

#: Receipts that mean the message reached the customer's device.
RECEIPTS = ("delivered", "read")


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
    receipts = ", ".join(q.p(r) for r in RECEIPTS)
    carrier = ""
    if f.carrier_key:
        carrier = (
            " AND m.shipment_id IN (SELECT s.id FROM shipment s WHERE "
            f"s.merchant_id = m.merchant_id AND s.carrier_key = {q.p(f.carrier_key)})"
        )
    rows = await q.rows(
        "SELECT m.channel AS channel, COUNT(*) AS messages, "
        "SUM(CASE WHEN m.state = 'delivered' OR m.delivery_status IN "
        f"({receipts}) OR (m.state = 'sent' AND m.channel IN ('email', 'push')) "
        "THEN 1 ELSE 0 END) AS delivered, "
        "SUM(CASE WHEN m.state = 'failed' OR m.delivery_status IN ('failed', 'undelivered') "
        "THEN 1 ELSE 0 END) AS failed "
        "FROM outbox_message m "
        f"WHERE m.merchant_id = {q.p(f.merchant_id)} AND m.state <> 'cancelled' "
        f"AND m.created_at >= {q.p(f.start)} AND m.created_at < {q.p(f.end)}{carrier} "
        "GROUP BY m.channel ORDER BY 2 DESC, 1"
    )
    return [
        ChannelRow(str(r["channel"]), int(r["messages"]), int(r["delivered"]), int(r["failed"]))
        for r in rows
    ]
