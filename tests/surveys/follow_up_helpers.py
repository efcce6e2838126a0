"""A survey of a shop with a support e-mail, ready to be answered through ``record_answer``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from portal.models import Merchant, OutboxMessage, Outcome, Survey
from portal.surveys import follow_up
from portal.surveys.scheduling import new_token
from tests import factories
from tests.surveys.helpers import NOW, delivered

SUPPORT = "help@shop.test"


async def shop_with_support(email: str = SUPPORT, **fields: Any) -> Merchant:
    return await factories.merchant(survey_settings={"support": {"email": email}}, **fields)


async def smooth_survey(shop: Merchant, **customer: Any) -> Survey:
    """CSAT then NPS about a delivered parcel of order #… (the customer's name: Anna Nowak)."""
    customer.setdefault("name", "Anna Nowak")
    parcel = await delivered(shop, **customer)
    return await Survey.create(
        merchant=shop,
        customer=parcel.customer,
        shipment=parcel.shipment,
        outcome=Outcome.SMOOTH,
        questions=["csat_delivery", "nps"],
        token_hash=new_token()[1],
        expires_at=NOW + timedelta(days=30),
    )


async def alerts(survey: Survey) -> list[OutboxMessage]:
    return list(await OutboxMessage.filter(unique_key=follow_up.unique_key(survey.id)))
