"""A shop whose customers wrote long survey comments, for the browser test of how the
workspace shows them (tests/admin/test_browser_workspace_comments.py).

``python -m tests.admin.comments_seed`` with ``PORTAL_DATABASE_URL`` set on a migrated,
empty database; prints the ids the test opens as JSON. The shop keeps its clock in
Kolkata (UTC+5:30, no summer time) so a time on its clock differs from UTC in its date,
hour and minutes, and a page that wrote UTC would be caught.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from portal import db
from portal.models import Merchant, Metric, Outcome, ReturnPolicy, Role, Survey, SurveyAnswer
from portal.models.tracking import Direction
from portal.returns import service
from portal.returns.service import Selection
from portal.settings import Settings
from tests import factories

EMAIL = "comments-owner@example.test"
PASSWORD = "correct horse battery staple"
ZONE = "Asia/Kolkata"
#: When the parcel's customer wrote (UTC): on the shop's clock 01:37 on 21 November.
WRITTEN = datetime(2026, 11, 20, 20, 7, tzinfo=UTC)
ON_SHOP_CLOCK = "Nov 21, 2026, 1:37\u202fAM"  # in English, a narrow space before the AM
#: The period the Satisfaction page is opened on (UTC days, both included).
PERIOD = "from=2026-11-01&to=2026-11-30"

#: One word longer than a phone is wide: only breaking inside it keeps the page narrow.
UNBROKEN = "Paczkabyłacałkowiciezgniecionaimokra" * 4
CYRILLIC = (
    "Посылка пришла вовремя, но коробка была помята. Курьер позвонил заранее — "
    "спасибо! Непереносимоеслововкоторомнетпробеловсовсемидлинное"
)
GREEK = (
    "Το δέμα έφτασε στην ώρα του και η συσκευασία ήταν άψογη. "
    "Πολύμακρυλέξηχωρίςκενάπουδενχωράειστηνοθόνητουκινητού"
)
#: A comment in two lines, kept as the customer broke it.
LINES = "Курьер был вежлив.\nУпаковка — целая."
#: The longest comment the survey page keeps, in words of several alphabets.
LONG = ("Ünterschrift Подпись Υπογραφή podpis ") * 60
LONG = LONG[:1999] + "."
#: Comments on other parcels, enough for a second page of the list (20 a page).
MORE = 23


async def _survey(shop: Merchant, outcome: Outcome, when: datetime, **about: object) -> Survey:
    return await Survey.create(
        merchant=shop, outcome=outcome, token_hash=secrets.token_hex(32),
        expires_at=when + timedelta(days=30), completed_at=when, **about,
    )  # fmt: skip


async def _answer(
    survey: Survey, question: str, metric: Metric, score: int, comment: str, when: datetime
) -> None:
    await SurveyAnswer.create(
        merchant_id=survey.merchant_id,
        survey=survey,
        question=question,
        metric=metric,
        score=score,
        comment=comment,
        carrier_key="sandbox",
        outcome=survey.outcome,
        answered_at=when,
    )


async def seed(database_url: str) -> dict[str, int]:
    await db.connect(database_url)
    try:
        shop = await factories.merchant(name="Sklep Komentarzy", time_zone=ZONE)
        await factories.staff_user(shop, email=EMAIL, password=PASSWORD, role=Role.OWNER)
        await ReturnPolicy.create(merchant=shop, auto_approve_rules={"enabled": False})
        order = await factories.order(shop)
        parcel = await factories.shipment(
            shop, order=order, direction=Direction.OUTBOUND, status="delivered",
            delivered_at=datetime.now(UTC) - timedelta(days=1),  # returnable today
        )  # fmt: skip
        shirt = await factories.variant(shop, stock=3)
        item = await factories.order_item(order, variant=shirt, unit_price=Decimal("20.00"))
        ret = await service.create_return(
            order, [Selection(item.id, 1, "refund")], settings=factories.app_settings()
        )
        about_parcel = await _survey(shop, Outcome.SMOOTH, WRITTEN, shipment=parcel)
        await _answer(about_parcel, "csat_delivery", Metric.CSAT, 2, UNBROKEN, WRITTEN)
        await _answer(about_parcel, "nps", Metric.NPS, 9, GREEK, WRITTEN)
        later = WRITTEN + timedelta(hours=1)
        about_return = await _survey(shop, Outcome.RETURN, later, return_request=ret)
        await _answer(about_return, "ces_return", Metric.CES, 4, LONG, later)
        await _answer(about_return, "csat_resolution", Metric.CSAT, 5, LINES, later)
        for n in range(MORE):
            when = WRITTEN - timedelta(hours=n + 1)
            elsewhere = await factories.shipment(shop, status="delivered")
            other = await _survey(shop, Outcome.SMOOTH, when, shipment=elsewhere)
            words = (CYRILLIC, GREEK)[n % 2]
            await _answer(other, "csat_delivery", Metric.CSAT, 1 + n % 5, f"{n + 1}. {words}", when)
        return {"shop": shop.id, "shipment": parcel.id, "return": ret.id}
    finally:
        await db.disconnect()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(seed(Settings.from_env().database_url))))
