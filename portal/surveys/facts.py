"""What one survey is about, read in one place: its shop, customer, order, parcel or return,
and the answers as they stand now.

The merchant's follow-up alert and the ``survey.*`` webhooks both describe a survey this
way, and both re-read it on every answer so that what they send is never older than the
last comment. Every query is scoped to the survey's merchant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from portal.models import (
    Customer,
    Merchant,
    Order,
    ReturnRequest,
    Shipment,
    Survey,
    SurveyAnswer,
)
from portal.surveys.answers import needs_follow_up, wants_follow_up
from portal.surveys.outcomes import QUESTIONS, Question


@dataclass(frozen=True, slots=True)
class SurveyFacts:
    survey: Survey
    merchant: Merchant
    customer: Customer | None
    order: Order | None
    #: The delivered parcel, or for a return the parcel it came back in.
    shipment: Shipment | None
    return_request: ReturnRequest | None
    #: The questions asked, in the order asked (unknown keys left out).
    questions: list[Question]
    answers: dict[str, SurveyAnswer]

    @property
    def needs_follow_up(self) -> bool:
        """Any current answer of a detractor or of a hard experience."""
        return wants_follow_up(self.questions, self.answers)

    def low_answer(self) -> SurveyAnswer | None:
        """The first answer, in question order, that calls for a follow-up."""
        for asked in self.questions:
            answer = self.answers.get(asked.key)
            if answer is not None and needs_follow_up(asked.metric, answer.score):
                return answer
        return None

    @property
    def order_number(self) -> str:
        return (self.order.number if self.order is not None else "") or ""

    @property
    def tracking_number(self) -> str:
        return (self.shipment.tracking_number if self.shipment is not None else "") or ""

    @property
    def return_number(self) -> str:
        return (self.return_request.number if self.return_request is not None else "") or ""

    @property
    def customer_name(self) -> str:
        name = self.customer.name if self.customer is not None else ""
        return (name or (self.order.ship_name if self.order is not None else "") or "").strip()

    @property
    def customer_email(self) -> str:
        email = self.customer.email if self.customer is not None else ""
        return (email or (self.order.email if self.order is not None else "") or "").strip()

    @property
    def customer_phone(self) -> str:
        return ((self.customer.phone if self.customer is not None else "") or "").strip()


async def load_facts(
    survey_id: int, merchant_id: int, conn: BaseDBAsyncClient | None = None
) -> SurveyFacts | None:
    """The survey and everything around it, or None when the merchant has no such survey."""
    survey = await Survey.get_or_none(id=survey_id, merchant_id=merchant_id, using_db=conn)
    if survey is None:
        return None
    merchant = await Merchant.get(id=merchant_id, using_db=conn)
    scoped: dict[str, Any] = {"merchant_id": merchant_id}
    customer = None
    if survey.customer_id is not None:
        customer = await Customer.get_or_none(id=survey.customer_id, **scoped, using_db=conn)
    request = None
    if survey.return_request_id is not None:
        request = await ReturnRequest.get_or_none(
            id=survey.return_request_id,
            **scoped,
            using_db=conn,
        )
    shipment_id = survey.shipment_id or (request.return_shipment_id if request else None)
    shipment = None
    if shipment_id is not None:
        shipment = await Shipment.get_or_none(id=shipment_id, **scoped, using_db=conn)
    order_id = (request.order_id if request else None) or (shipment.order_id if shipment else None)
    order = None
    if order_id is not None:
        order = await Order.get_or_none(id=order_id, **scoped, using_db=conn)
    rows = await SurveyAnswer.filter(survey_id=survey.id, **scoped).using_db(conn)
    return SurveyFacts(
        survey=survey,
        merchant=merchant,
        customer=customer,
        order=order,
        shipment=shipment,
        return_request=request,
        questions=[QUESTIONS[key] for key in survey.questions if key in QUESTIONS],
        answers={row.question: row for row in rows},
    )
