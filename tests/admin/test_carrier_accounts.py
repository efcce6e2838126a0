"""Carrier accounts: owners only, secrets encrypted and never shown, health, test, resume."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import ClassVar

import httpx
import respx
from starlette.applications import Starlette
from tortoise import connections

from carriers import geniki, registry
from carriers.base import CarrierAdapter, NumberHint, TrackingResult
from carriers.sandbox.server import create_app as sandbox_app
from portal import i18n
from portal.admin.carrier_accounts import check_connection
from portal.crypto import decrypt_json
from portal.models import CarrierAccount, Role
from tests import factories
from tests.admin.helpers import csrf, settings_of, sign_in, signed_in_owner

SECRET = "sk-live-very-secret-4242"
DPD_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "dpd_pl"
DPD_RO_FIXTURES = DPD_FIXTURES.parent / "dpd_ro"
DPD_RO_NOT_FOUND = (DPD_RO_FIXTURES / "not_found.json").read_bytes()
DPD_RO_AUTH_ERROR = (DPD_RO_FIXTURES / "auth_error.json").read_bytes()


async def _add(client: httpx.AsyncClient, token: str, **fields: str) -> httpx.Response:
    data = {
        "carrier": "sandbox",
        "name": "Main sandbox",
        "cred_api_key": SECRET,
        "base_url_override": "",
        "csrf_token": token,
        **fields,
    }
    return await client.post("/admin/carriers/new", data=data)


async def test_an_owner_adds_an_account_and_the_secret_is_encrypted(
    client: httpx.AsyncClient, app: Starlette, db: str
) -> None:
    user, token = await signed_in_owner(client)
    response = await _add(client, token)
    assert response.status_code == 303
    rows = await connections.get("default").execute_query_dict("SELECT * FROM carrier_account")
    assert len(rows) == 1
    assert all(SECRET not in str(value) for value in rows[0].values())
    account = await CarrierAccount.get(merchant_id=user.merchant_id)  # type: ignore[attr-defined]
    assert decrypt_json(settings_of(app), account.credentials_encrypted)["api_key"] == SECRET


async def test_the_secret_is_never_shown_and_blank_keeps_it(
    client: httpx.AsyncClient, app: Starlette, db: str
) -> None:
    user, token = await signed_in_owner(client)
    await _add(client, token)
    account = await CarrierAccount.get(merchant_id=user.merchant_id)  # type: ignore[attr-defined]
    page = await client.get(f"/admin/carriers/{account.id}")
    assert SECRET not in page.text
    assert "api_key" in page.context["set_fields"]
    response = await client.post(
        f"/admin/carriers/{account.id}",
        data={
            "name": "Renamed",
            "cred_api_key": "",
            "base_url_override": "https://x.example",
            "csrf_token": token,
        },
    )
    assert response.status_code == 303
    await account.refresh_from_db()
    assert account.name == "Renamed"
    assert account.base_url_override == "https://x.example"
    assert decrypt_json(settings_of(app), account.credentials_encrypted)["api_key"] == SECRET


async def test_a_bad_base_url_is_refused(client: httpx.AsyncClient, db: str) -> None:
    _user, token = await signed_in_owner(client)
    response = await _add(client, token, base_url_override="javascript:alert(1)")
    assert response.status_code == 400
    assert "base_url_override" in response.context["errors"]


async def test_staff_cannot_manage_carrier_accounts(client: httpx.AsyncClient, db: str) -> None:
    user = await factories.staff_user(role=Role.STAFF)
    await sign_in(client, user)
    assert (await client.get("/admin/carriers")).status_code == 403
    token = await csrf(client, "/admin/account")
    assert (await _add(client, token)).status_code == 403
    assert await CarrierAccount.all().count() == 0


async def test_another_merchants_account_is_not_found(client: httpx.AsyncClient, db: str) -> None:
    _user, token = await signed_in_owner(client)
    theirs = await factories.carrier_account()
    assert (await client.get(f"/admin/carriers/{theirs.id}")).status_code == 404
    for action in ("disable", "resume", "test"):
        response = await client.post(
            f"/admin/carriers/{theirs.id}/{action}", data={"csrf_token": token}
        )
        assert response.status_code == 404
    await theirs.refresh_from_db()
    assert theirs.enabled


async def test_health_and_resume(client: httpx.AsyncClient, db: str) -> None:
    user, token = await signed_in_owner(client)
    shop = await user.merchant
    account = await factories.carrier_account(
        shop, paused_reason="401 from carrier", consecutive_failures=3, last_error="401"
    )
    page = await client.get("/admin/carriers")
    (row,) = page.context["accounts"]
    assert row.health == "paused"
    assert row.consecutive_failures == 3
    response = await client.post(f"/admin/carriers/{account.id}/resume", data={"csrf_token": token})
    assert response.status_code == 303
    await account.refresh_from_db()
    assert account.paused_reason is None
    assert account.consecutive_failures == 0


async def test_disable_and_enable(client: httpx.AsyncClient, db: str) -> None:
    user, token = await signed_in_owner(client)
    account = await factories.carrier_account(await user.merchant)
    await client.post(f"/admin/carriers/{account.id}/disable", data={"csrf_token": token})
    await account.refresh_from_db()
    assert not account.enabled
    await client.post(f"/admin/carriers/{account.id}/enable", data={"csrf_token": token})
    await account.refresh_from_db()
    assert account.enabled


async def test_the_connection_test_reports_success(app: Starlette, db: str) -> None:
    settings = settings_of(app)
    account = await factories.carrier_account(
        settings=settings, base_url_override="http://sandbox.test", credentials={"api_key": "k"}
    )
    outcome, message = await check_connection(
        account, settings, transport=httpx.ASGITransport(app=sandbox_app())
    )
    assert outcome == "ok", message


async def test_the_connection_test_reports_rejected_credentials(app: Starlette, db: str) -> None:
    settings = settings_of(app)
    account = await factories.carrier_account(
        settings=settings,
        base_url_override="http://sandbox.test",
        credentials={"api_key": "bad-key"},
    )
    outcome, _message = await check_connection(
        account, settings, transport=httpx.ASGITransport(app=sandbox_app())
    )
    assert outcome == "auth"


@respx.mock
async def test_the_test_button_answers_htmx_with_a_fragment(
    client: httpx.AsyncClient, app: Starlette, db: str
) -> None:
    respx.post("https://down.example/v1/track").mock(return_value=httpx.Response(503))
    user, token = await signed_in_owner(client)
    account = await factories.carrier_account(
        await user.merchant, settings=settings_of(app), base_url_override="https://down.example"
    )
    response = await client.post(
        f"/admin/carriers/{account.id}/test",
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert response.template.name == "admin/_carrier_test.html"
    assert response.context["outcome"] == "unavailable"


async def test_the_connection_test_works_for_a_soap_carrier(app: Starlette, db: str) -> None:
    """DPD Polska's check asks for a waybill nobody has: no events proves the login."""
    settings = settings_of(app)
    asked: list[bytes] = []

    def dpd(answer: str, status: int) -> httpx.MockTransport:
        def reply(request: httpx.Request) -> httpx.Response:
            asked.append(request.content)
            return httpx.Response(status, content=(DPD_FIXTURES / answer).read_bytes())

        return httpx.MockTransport(reply)

    account = await factories.carrier_account(
        settings=settings, carrier_key="dpd_pl", credentials={"login": "1", "password": "p"}
    )
    assert (await check_connection(account, settings, transport=dpd("empty.xml", 200)))[0] == "ok"
    assert b"<waybill>0000000000000U</waybill>" in asked[-1]
    outcome, _message = await check_connection(
        account, settings, transport=dpd("fault_login.xml", 500)
    )
    assert outcome == "auth"


class _Hinted(CarrierAdapter):
    """A carrier that takes hints, recording what the connection test gives it."""

    key = "hinted_test"
    display_name = "Hinted"
    accepts_hints = True
    received: ClassVar[list[Mapping[str, NumberHint] | None]] = []

    async def track(
        self, numbers: Sequence[str], hints: Mapping[str, NumberHint] | None = None
    ) -> list[TrackingResult]:
        self.received.append(hints)
        return [TrackingResult(number=n, not_found=True) for n in numbers]


async def test_the_connection_test_asks_in_the_owners_language(app: Starlette, db: str) -> None:
    settings = settings_of(app)
    account = await factories.carrier_account(settings=settings, carrier_key=_Hinted.key)
    _Hinted.received.clear()  # the class keeps its calls: once per engine in one run
    registry.register(_Hinted)
    token = i18n.set_locale("uk")
    try:
        outcome, message = await check_connection(account, settings)
    finally:
        i18n.reset_locale(token)
        registry.reload()
    assert outcome == "ok", message
    [hints] = _Hinted.received
    assert hints is not None and list(hints.values()) == [NumberHint(language="uk")]


async def test_a_default_is_made_and_unset_from_the_accounts_row(
    client: httpx.AsyncClient, db: str
) -> None:
    user, token = await signed_in_owner(client)
    shop = await user.merchant
    first = await factories.carrier_account(shop, name="DHL one", carrier_key="sandbox")
    second = await factories.carrier_account(shop, name="DHL two", carrier_key="sandbox")
    await client.post(f"/admin/carriers/{first.id}/default", data={"csrf_token": token})

    made = await client.post(f"/admin/carriers/{second.id}/default", data={"csrf_token": token})

    assert made.status_code == 303
    assert [a.is_default for a in await CarrierAccount.filter(merchant=shop).order_by("id")] == [
        False,
        True,
    ], "one default per carrier"
    page = await client.get("/admin/carriers")
    assert f'action="/admin/carriers/{second.id}/undefault"' in page.text
    assert f'action="/admin/carriers/{first.id}/default"' in page.text

    unset = await client.post(f"/admin/carriers/{second.id}/undefault", data={"csrf_token": token})

    assert unset.status_code == 303
    assert not await CarrierAccount.filter(merchant=shop, is_default=True).exists()
    page = await client.get("/admin/carriers")
    assert "/undefault" not in page.text and "data-default" not in page.text


async def test_the_form_marks_and_unmarks_the_default(client: httpx.AsyncClient, db: str) -> None:
    user, token = await signed_in_owner(client)
    shop = await user.merchant
    other = await factories.carrier_account(
        shop, name="Old default", carrier_key="sandbox", is_default=True
    )
    await _add(client, token, name="New default", default="1")
    added = await CarrierAccount.get(merchant=shop, name="New default")
    await other.refresh_from_db()
    assert added.is_default and not other.is_default, "ticked on a new account"

    form = await client.get(f"/admin/carriers/{added.id}")
    assert 'name="default" type="checkbox" value="1" checked' in form.text
    unticked = await client.post(
        f"/admin/carriers/{added.id}",
        data={"csrf_token": token, "name": "New default", "base_url_override": ""},
    )

    assert unticked.status_code == 303
    await added.refresh_from_db()
    assert not added.is_default, "an unticked box unmarks it"
    form = await client.get(f"/admin/carriers/{added.id}")
    assert 'value="1" checked' not in form.text
    ticked = await client.post(
        f"/admin/carriers/{other.id}",
        data={"csrf_token": token, "name": "Old default", "default": "1"},
    )
    assert ticked.status_code == 303
    await other.refresh_from_db()
    assert other.is_default, "ticked when editing"


async def test_a_refused_form_keeps_the_default_box_as_sent(
    client: httpx.AsyncClient, db: str
) -> None:
    _user, token = await signed_in_owner(client)

    refused = await _add(client, token, name="", default="1")

    assert refused.status_code == 400
    assert 'name="default" type="checkbox" value="1" checked' in refused.text
    assert not await CarrierAccount.exists()


GENIKI_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "geniki"


async def test_an_owner_connects_geniki_with_its_application_key_and_tests_it(
    client: httpx.AsyncClient, app: Starlette, db: str
) -> None:
    """Geniki Taxydromiki's form asks for its three credentials; the connection test
    authenticates (JobServicesV2, tests/fixtures/geniki/SOURCE.md) and asks about a voucher
    nobody has: Result 9 proves the key works, a refused Authenticate is refused."""
    geniki.KEYS.clear()
    user, token = await signed_in_owner(client)
    form = await client.get("/admin/carriers/new?carrier=geniki")
    for field in ("cred_username", "cred_password", "cred_application_key"):
        assert f'name="{field}"' in form.text
    added = await client.post(
        "/admin/carriers/new?carrier=geniki",
        data={"carrier": "geniki", "name": "Γενική Ταχυδρομική", "cred_username": "shop",
              "cred_password": "pw", "cred_application_key": "app-key", "base_url_override":
              "https://testvoucher.taxydromiki.gr/JobServicesV2.asmx", "csrf_token": token},
    )  # fmt: skip
    assert added.status_code == 303, added.text
    account = await CarrierAccount.get(merchant_id=user.merchant_id)  # type: ignore[attr-defined]
    asked: list[httpx.Request] = []

    def service(authenticate: str) -> httpx.MockTransport:
        def reply(request: httpx.Request) -> httpx.Response:
            asked.append(request)
            tracking = request.headers["SOAPAction"].endswith('/TrackAndTrace"')
            name = "not_found.xml" if tracking else authenticate
            return httpx.Response(200, content=(GENIKI_FIXTURES / name).read_bytes())

        return httpx.MockTransport(reply)

    settings = settings_of(app)
    outcome, message = await check_connection(account, settings, service("authenticate.xml"))
    assert outcome == "ok", message
    assert [str(r.url) for r in asked] == [
        "https://testvoucher.taxydromiki.gr/JobServicesV2.asmx"
    ] * 2
    geniki.KEYS.clear()
    refused = await check_connection(account, settings, service("authenticate_refused.xml"))
    assert refused[0] == "auth"
    geniki.KEYS.clear()


UKRPOSHTA = "https://www.ukrposhta.ua/status-tracking/0.0.1/statuses/with-not-found"


@respx.mock
async def test_an_owner_connects_ukrposhta_with_its_token_and_tests_it(
    client: httpx.AsyncClient, app: Starlette, db: str
) -> None:
    """The form asks for the StatusTracking token; the test asks Ukrposhta about a barcode
    nobody has (its documented ``notFound``, https://dev.ukrposhta.ua/documentation) and a
    401 is refused credentials."""
    user, token = await signed_in_owner(client)
    form = await client.get("/admin/carriers/new?carrier=ukrposhta")
    assert 'name="cred_api_token"' in form.text
    added = await client.post(
        "/admin/carriers/new",
        data={"carrier": "ukrposhta", "name": "Укрпошта", "cred_api_token": SECRET,
              "base_url_override": "", "csrf_token": token},
    )  # fmt: skip
    assert added.status_code == 303, added.text
    account = await CarrierAccount.get(merchant_id=user.merchant_id)  # type: ignore[attr-defined]
    assert account.carrier_key == "ukrposhta"

    route = respx.post(UKRPOSHTA).mock(
        return_value=httpx.Response(200, json={"found": {}, "notFound": ["0500000000000"]})
    )
    tested = await client.post(
        f"/admin/carriers/{account.id}/test", headers={"HX-Request": "true", "X-CSRF-Token": token}
    )
    assert tested.context["outcome"] == "ok"
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {SECRET}"
    route.mock(return_value=httpx.Response(401, json={"message": "Unauthorized"}))
    tested = await client.post(
        f"/admin/carriers/{account.id}/test", headers={"HX-Request": "true", "X-CSRF-Token": token}
    )
    assert tested.context["outcome"] == "auth"
    assert SECRET not in tested.text


@respx.mock
async def test_an_owner_connects_dpd_romania_and_tests_it_like_speedy(
    client: httpx.AsyncClient, app: Starlette, db: str
) -> None:
    """DPD Romania's form asks what Speedy's does (its platform's API user and password);
    the test asks https://api.dpd.ro/v1/track about a sample number
    (https://api.dpd.ro/web-api.html): not found proves the login, a user error refuses it."""
    track = respx.post("https://api.dpd.ro/v1/track").mock(
        return_value=httpx.Response(200, content=DPD_RO_NOT_FOUND)
    )
    user, token = await signed_in_owner(client)
    form = await client.get("/admin/carriers/new?carrier=dpd_ro")
    assert form.status_code == 200
    assert 'name="cred_username"' in form.text and 'name="cred_password"' in form.text
    added = await client.post(
        "/admin/carriers/new",
        data={"carrier": "dpd_ro", "name": "DPD Romania", "cred_username": "200123",
              "cred_password": SECRET, "base_url_override": "", "csrf_token": token},
    )  # fmt: skip
    assert added.status_code == 303, added.text
    account = await CarrierAccount.get(merchant_id=user.merchant_id)  # type: ignore[attr-defined]
    assert account.carrier_key == "dpd_ro"

    tested = await client.post(
        f"/admin/carriers/{account.id}/test", headers={"HX-Request": "true", "X-CSRF-Token": token}
    )
    assert tested.context["outcome"] == "ok"
    asked = track.calls[-1].request.content
    assert b'"userName":"200123"' in asked.replace(b" ", b"")
    track.mock(return_value=httpx.Response(200, content=DPD_RO_AUTH_ERROR))
    tested = await client.post(
        f"/admin/carriers/{account.id}/test", headers={"HX-Request": "true", "X-CSRF-Token": token}
    )
    assert tested.context["outcome"] == "auth"
