"""A shop that never opens the workspace rewords its messages through the REST API
(``/api/v1/message-templates``), and its customers get the shop's words.

The shop is made with ``portal merchant create`` and ``portal apikey create`` (in their own
processes, on an empty database: no demo; the rival shop that must not see another's
templates comes from factories); everything after goes through the API. DHL is faked with
respx at its real address in its documented shape
(https://developer.dhl.com/api-reference/shipment-tracking;
:class:`tests.real_shop.helpers.FakeDhl`), and the e-mail goes to a real SMTP server
(aiosmtpd). The sweep and the dispatcher are the functions the worker runs.
"""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from portal.models import Channel
from portal.notifications.base import LOCALES
from portal.notifications.shipments import SHIPMENTS
from tests import factories
from tests.api.conftest import api_client, make_key
from tests.notifications.helpers import SmtpSink
from tests.real_shop.helpers import (
    DHL_API_KEY,
    EMAIL,
    KRAKOW,
    LEIPZIG,
    Outside,
    book_parcel,
    dhl_number,
    drain_outbox,
    place_order,
    poll_when_due,
    sign_up,
)

DELIVERED_PL = "/api/v1/message-templates/delivered/email/pl"
SUBJECT = "{{ merchant.name }}: paczka {{ tracking_number }} czeka na Ciebie"
BODY = "Dzień dobry {{ customer_name }}!\nTwoja paczka dotarła. Dziękujemy, że jesteś z nami."


def text_of(message: object) -> str:
    body = message.get_body(("plain",)).get_content()  # type: ignore[attr-defined]
    return str(body).replace("\r\n", "\n")


@pytest.mark.slow  # the `portal` commands run in their own processes
async def test_a_shop_rewords_its_delivered_email_through_the_api_and_the_customer_gets_it(
    shop_app: Starlette, outside: Outside, http: httpx.AsyncClient, smtp_sink: SmtpSink
) -> None:
    shop = await sign_up(shop_app, "north", "North Wear")
    rival = await factories.merchant(slug="south", name="South Wear")
    parcel = dhl_number("340434171")
    async with api_client(shop_app, shop.api_key) as api:
        # A new shop has no templates of its own: every one is the default.
        listed = (await api.get("/api/v1/message-templates")).json()["data"]
        assert not any(t["own"] for t in listed)
        assert {"kind": "delivered", "channel": "email", "locale": "pl", "own": False,
                "updated_at": None} in listed  # fmt: skip
        default = (await api.get(DELIVERED_PL)).json()
        assert default["own"] is False and default["subject"] == default["default"]["subject"]

        # It writes its own Polish e-mail for a delivered parcel.
        put = await api.put(DELIVERED_PL, json={"subject": SUBJECT, "body": BODY})
        assert put.status_code == 201, put.text
        assert put.headers["location"] == DELIVERED_PL
        assert put.json()["own"] is True and put.json()["body"] == BODY
        listed = (await api.get("/api/v1/message-templates")).json()["data"]
        assert [(t["kind"], t["channel"], t["locale"]) for t in listed if t["own"]] == [
            ("delivered", "email", "pl")
        ]

        # Its DHL account, a Polish customer's order and the parcel, all through the API.
        account = await api.post(
            "/api/v1/carrier-accounts",
            json={"carrier": "dhl", "name": "DHL Express", "credentials": {"api_key": DHL_API_KEY}},
        )
        assert account.status_code == 201, account.text
        await place_order(api, "N-1001", locale="pl")
        parcel_id = await book_parcel(api, parcel, "N-1001")

        # DHL delivers it; the worker polls and sends the shop's words over SMTP.
        outside.dhl.scan(parcel, "transit", "Processed", LEIPZIG)
        await poll_when_due(shop_app, http, parcel_id)
        outside.dhl.scan(parcel, "delivered", "Delivered", KRAKOW)
        await poll_when_due(shop_app, http, parcel_id)
        await drain_outbox(shop_app, http)
        delivered = [m for m in smtp_sink.messages if "czeka na Ciebie" in str(m["Subject"])]
        assert len(delivered) == 1, [str(m["Subject"]) for m in smtp_sink.messages]
        [mail] = delivered
        assert mail["To"] == f"Ann Nowak <{EMAIL}>"
        assert mail["Subject"] == f"North Wear: paczka {parcel} czeka na Ciebie"
        assert "Dzień dobry Ann Nowak!\nTwoja paczka dotarła." in text_of(mail)

        # Another shop neither sees nor changes it.
        async with api_client(shop_app, await make_key(rival)) as theirs:
            assert not any(
                t["own"] for t in (await theirs.get("/api/v1/message-templates")).json()["data"]
            )
            assert (await theirs.get(DELIVERED_PL)).json()["own"] is False
            assert (await theirs.delete(DELIVERED_PL)).status_code == 404
        assert (await api.get(DELIVERED_PL)).json()["body"] == BODY

        # Deleting it brings the default back; a second delete finds nothing.
        assert (await api.delete(DELIVERED_PL)).status_code == 204
        assert (await api.get(DELIVERED_PL)).json() == default
        assert (await api.delete(DELIVERED_PL)).status_code == 404


async def test_a_template_is_checked_as_the_workspace_checks_it(shop_app: Starlette) -> None:
    shop = await factories.merchant(slug="north", name="North Wear")
    async with api_client(shop_app, await make_key(shop)) as api:
        refused = await api.put(
            DELIVERED_PL,
            json={"subject": "  ", "body": "Hello {{ customer_name }\n{{ nope }}"},
        )
        assert refused.status_code == 422, refused.text
        errors = refused.json()["errors"]
        assert [e["pointer"] for e in errors] == ["/subject", "/body"]
        assert errors[0]["detail"] == "This cannot be empty."
        assert "line 1" in errors[1]["detail"] or "unexpected" in errors[1]["detail"]

        unknown = await api.put(DELIVERED_PL, json={"subject": "Hi", "body": "{{ nope }}"})
        assert unknown.json()["errors"] == [
            {"pointer": "/body", "detail": "unknown variable 'nope'"}
        ]
        too_long = await api.put(DELIVERED_PL, json={"subject": "Hi", "body": "x" * 5001})
        assert too_long.json()["errors"][0]["detail"] == "Keep it under 5000 characters."
        sms_subject = await api.put(
            "/api/v1/message-templates/delivered/sms/pl", json={"subject": "Hi", "body": "Hi"}
        )
        assert sms_subject.json()["errors"][0]["pointer"] == "/subject"

        # Wrong names: each answer names what is allowed.
        wrong = await api.get("/api/v1/message-templates/deliverd/fax/xx")
        assert wrong.status_code == 422
        by_name = {e["parameter"]: e["detail"] for e in wrong.json()["errors"]}
        assert set(by_name) == {"kind", "locale"} and "delivered" in by_name["kind"]
        assert ", ".join(LOCALES) in by_name["locale"]
        claim_sms = await api.get("/api/v1/message-templates/claim_submitted/sms/en")
        assert claim_sms.status_code == 422
        assert claim_sms.json()["errors"] == [
            {"parameter": "channel", "detail": "is not a channel of this kind; use one of: email"}
        ]

        # Nothing was saved; an SMS text (no subject) is.
        assert not any(
            t["own"] for t in (await api.get("/api/v1/message-templates")).json()["data"]
        )
        sms = await api.put(
            "/api/v1/message-templates/delivered/sms/pl",
            json={"body": "Paczka {{ tracking_number }} jest u Ciebie."},
        )
        assert sms.status_code == 201, sms.text
        assert sms.json()["subject"] is None
        default = SHIPMENTS.default("delivered", Channel.SMS, "pl")
        assert sms.json()["default"] == {"subject": None, "body": default.body}
        again = await api.put(
            "/api/v1/message-templates/delivered/sms/pl", json={"body": "Paczka dotarła."}
        )
        assert again.status_code == 200 and "location" not in again.headers
