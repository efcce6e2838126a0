"""The workspace shows people words, not codes: statuses and reasons in the reader's
language as coloured badges, carriers by their own name, problem parcels marked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from portal.models import Channel, OutboxMessage
from tests import factories
from tests.admin.helpers import signed_in_owner


async def test_the_shipments_table_uses_labels_and_marks_problems(
    client: httpx.AsyncClient, db: str
) -> None:
    user, _ = await signed_in_owner(client)
    shop = await user.merchant
    await factories.shipment(shop, carrier_key="dhl", status="exception", reason="address_issue")
    await factories.shipment(
        shop, carrier_key="sandbox", status="in_transit",
        last_event_at=datetime.now(UTC) - timedelta(days=30),
    )  # fmt: skip
    await factories.shipment(shop, carrier_key="sandbox", status="delivered")
    page = await client.get("/admin/shipments")
    text = page.text
    for code in ("exception · no recent news", ">dhl<", ">exception<", "address_issue"):
        assert code not in text, code
    assert '<span class="badge badge-bad">Exception</span>' in text
    assert "Address issue" in text
    assert '<span class="badge badge-ok">Delivered</span>' in text
    assert '<span class="badge badge-warn">No recent news</span>' in text
    assert "DHL" in text and "Sandbox Carrier" in text
    assert text.count('<tr class="problem">') == 1 and text.count('<tr class="quiet">') == 1
    # The filters name statuses and carriers too.
    assert '<option value="returned_to_sender">Returned to sender</option>' in text


async def test_the_shipment_page_names_status_carrier_and_messages(
    client: httpx.AsyncClient, db: str
) -> None:
    user, _ = await signed_in_owner(client)
    shop = await user.merchant
    parcel = await factories.shipment(shop, carrier_key="dhl", status="failed_attempt")
    await OutboxMessage.create(
        merchant=shop, shipment=parcel, channel=Channel.EMAIL, trigger="failed_attempt",
        recipient="a@example.test", unique_key="k1", subject="s", body="b",
        scheduled_for=datetime.now(UTC),
    )  # fmt: skip
    page = await client.get(f"/admin/shipments/{parcel.id}")
    assert page.status_code == 200
    assert '<span class="badge badge-warn">Failed delivery attempt</span>' in page.text
    assert "<td>E-mail</td>" in page.text and ">pending<" not in page.text
    assert "<dd>DHL" in page.text
