"""Messages by channel: written, delivered (by the provider's receipt where there is one)
and failed, per channel, for one shop and period."""

from __future__ import annotations

from portal.analytics.messaging import ChannelRow, by_channel
from portal.analytics.sections import messages_by_channel_table
from tests.analytics.seed import period, seed_messages


async def test_messages_are_counted_per_channel_with_their_receipts(db: str) -> None:
    shop = await seed_messages()

    rows = {r.channel: r for r in await by_channel(period(shop))}

    assert rows == {
        "email": ChannelRow("email", 4, 3, 1),
        "sms": ChannelRow("sms", 3, 2, 1),
        "whatsapp": ChannelRow("whatsapp", 2, 1, 0),
        "push": ChannelRow("push", 2, 2, 0),
    }
    assert rows["sms"].delivery_rate == 200 / 3
    assert rows["email"].failure_rate == 25


async def test_the_table_names_channels_in_words(db: str) -> None:
    shop = await seed_messages()

    table = await messages_by_channel_table(period(shop))

    assert [row[0].label for row in table.rows] == [
        "E-mail",
        "Text message",
        "Browser notifications",
        "WhatsApp",
    ]
