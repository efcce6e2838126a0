"""``/carrier-accounts``: connect, list, change, test, resume and remove a shop's carrier
accounts; credentials stored as the screen stores them and never answered.

DHL's Unified Tracking API is faked with respx at its real address, answering in its
documented shape (https://developer.dhl.com/api-reference/shipment-tracking): ``404``
``application/problem+json`` "No result found" for an unknown number, ``401`` for a key
it does not know.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx
from starlette.applications import Starlette
from tortoise import connections

from portal.crypto import decrypt_json
from portal.models import CarrierAccount, Merchant, Shipment
from portal.tracking.sweep import sweep_until_idle
from tests import factories
from tests.api.conftest import api_client, make_key
from tests.carriers.helpers import load_fixture

SECRET = "dhl-live-key-7f3a9c"
DHL_TRACK = "https://api-eu.dhl.com/track/shipments"
#: DHL's answers as tests/carriers keep them: "No result found" (tests/fixtures/dhl) and
#: the body of a refused key (tests/carriers/test_contract.py).
NOT_FOUND = load_fixture("dhl", "not_found.json")
UNAUTHORIZED = {"title": "Unauthorized"}


async def connect(api: httpx.AsyncClient, **fields: object) -> httpx.Response:
    body = {"carrier": "dhl", "name": "DHL Express", "credentials": {"api_key": SECRET}}
    body.update(fields)
    return await api.post("/api/v1/carrier-accounts", json=body)


async def another_shops_account(app: Starlette, **fields: object) -> CarrierAccount:
    """A DHL account of a merchant other than the API key's."""
    return await factories.carrier_account(
        await factories.merchant(),
        carrier_key="dhl",
        credentials={"api_key": SECRET},
        settings=app.state.settings,
        **fields,
    )


async def test_it_connects_an_account_and_never_answers_its_credentials(
    api: httpx.AsyncClient, api_app: Starlette, shop: Merchant
) -> None:
    assert (await api.get("/api/v1/carrier-accounts")).json() == {"data": []}
    created = await connect(api)
    assert created.status_code == 201, created.text
    account = created.json()
    assert created.headers["Location"] == f"/api/v1/carrier-accounts/{account['id']}"
    assert (account["carrier"], account["carrier_name"], account["name"]) == (
        "dhl",
        "DHL",
        "DHL Express",
    )
    assert account["credentials"] == {"api_key": True, "webhook_secret": False}
    assert account["status"]["health"] == "ok" and account["enabled"] is True
    listed = await api.get("/api/v1/carrier-accounts")
    one = await api.get(f"/api/v1/carrier-accounts/{account['id']}")
    assert listed.json()["data"] == [account] and one.json() == account
    for response in (created, listed, one):
        assert SECRET not in response.text
    rows = await connections.get("default").execute_query_dict("SELECT * FROM carrier_account")
    assert all(SECRET not in str(value) for value in rows[0].values())
    stored = await CarrierAccount.get(id=account["id"])
    assert stored.merchant_id == shop.id
    settings = api_app.state.settings
    assert decrypt_json(settings, stored.credentials_encrypted) == {
        "api_key": SECRET,
        "webhook_secret": "",
    }


async def test_it_lists_the_carriers_offered_with_their_credential_fields(
    api: httpx.AsyncClient,
) -> None:
    carriers = {c["key"]: c for c in (await api.get("/api/v1/carriers")).json()["data"]}
    assert carriers["dhl"]["name"] == "DHL"
    assert list(carriers["dhl"]["credential_fields"]) == ["api_key", "webhook_secret"]
    assert carriers["dhl"]["supports_push"] is True
    assert list(carriers["inpost"]["credential_fields"]) == ["api_token"]


async def test_a_new_account_is_named_after_its_carrier(api: httpx.AsyncClient) -> None:
    created = await api.post(
        "/api/v1/carrier-accounts", json={"carrier": "inpost", "credentials": {}}
    )
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "InPost"
    assert created.json()["credentials"] == {"api_token": False}


@pytest.mark.parametrize(
    ("change", "pointers"),
    [
        ({"credentials": {"apikey": SECRET}}, ["/credentials/apikey"]),
        ({"credentials": {"api_key": 42}}, ["/credentials/api_key"]),
        ({"credentials": ["api_key", SECRET]}, ["/credentials"]),
        ({"carrier": "pigeon"}, ["/carrier"]),
        ({"name": "  "}, ["/name"]),
        ({"base_url_override": "javascript:alert(1)"}, ["/base_url_override"]),
        (
            {"name": "", "credentials": {"api_key": SECRET, "token": "x"}},
            ["/credentials/token", "/name"],
        ),
        ({"sandbox": True}, ["/sandbox"]),
    ],
)
async def test_bad_input_answers_422_with_a_pointer_per_field_and_creates_nothing(
    api: httpx.AsyncClient, change: dict[str, object], pointers: list[str]
) -> None:
    refused = await connect(api, **change)
    assert refused.status_code == 422, refused.text
    assert sorted(e["pointer"] for e in refused.json()["errors"]) == pointers
    assert SECRET not in refused.text
    assert await CarrierAccount.all().count() == 0


async def test_an_unknown_carrier_is_answered_with_the_carriers_offered(
    api: httpx.AsyncClient,
) -> None:
    refused = await connect(api, carrier="pigeon")
    (error,) = refused.json()["errors"]
    assert error["detail"].startswith("must be one of: ") and "dhl" in error["detail"]


async def test_an_undeclared_credential_is_answered_with_the_fields_the_carrier_takes(
    api: httpx.AsyncClient,
) -> None:
    refused = await connect(api, credentials={"apikey": SECRET})
    assert refused.json()["errors"] == [
        {
            "pointer": "/credentials/apikey",
            "detail": "is not a known field (dhl takes: api_key, webhook_secret)",
        }
    ]


async def test_a_name_is_unique_in_the_shop(api: httpx.AsyncClient) -> None:
    assert (await connect(api)).status_code == 201
    again = await connect(api)
    assert again.status_code == 422
    assert again.json()["errors"] == [
        {"pointer": "/name", "detail": "Another account already has this name."}
    ]
    assert (await connect(api, name="DHL returns")).status_code == 201


async def test_a_change_replaces_the_fields_sent_and_keeps_the_others(
    api: httpx.AsyncClient, api_app: Starlette
) -> None:
    account = (await connect(api, credentials={"api_key": SECRET, "webhook_secret": "h00k"})).json()
    path = f"/api/v1/carrier-accounts/{account['id']}"
    changed = await api.patch(
        path,
        json={
            "name": "DHL main",
            "credentials": {"webhook_secret": ""},
            "base_url_override": "https://api-test.dhl.com",
            "enabled": False,
        },
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["name"], body["base_url_override"], body["enabled"]) == (
        "DHL main",
        "https://api-test.dhl.com",
        False,
    )
    assert body["credentials"] == {"api_key": True, "webhook_secret": False}
    assert body["status"]["health"] == "disabled"
    stored = await CarrierAccount.get(id=account["id"])
    settings = api_app.state.settings
    assert decrypt_json(settings, stored.credentials_encrypted)["api_key"] == SECRET
    cleared = await api.patch(path, json={"base_url_override": None, "enabled": True})
    assert (cleared.json()["base_url_override"], cleared.json()["enabled"]) == (None, True)


async def test_a_refused_change_changes_nothing(api: httpx.AsyncClient) -> None:
    account = (await connect(api)).json()
    path = f"/api/v1/carrier-accounts/{account['id']}"
    for body, pointer in (
        ({"name": "Renamed", "credentials": {"nope": "x"}}, "/credentials/nope"),
        ({"carrier": "ups"}, "/carrier"),
        ({}, "/"),
    ):
        refused = await api.patch(path, json=body)
        assert refused.status_code == 422, refused.text
        assert [e["pointer"] for e in refused.json()["errors"]] == [pointer]
    assert (await api.get(path)).json() == account


async def test_another_merchants_account_is_not_found(
    api: httpx.AsyncClient, api_app: Starlette
) -> None:
    theirs = await another_shops_account(api_app, paused_reason="refused")
    path = f"/api/v1/carrier-accounts/{theirs.id}"
    assert (await api.get(path)).status_code == 404
    assert (await api.patch(path, json={"name": "Mine now"})).status_code == 404
    assert (await api.post(f"{path}/test")).status_code == 404
    assert (await api.post(f"{path}/resume")).status_code == 404
    assert (await api.delete(path)).status_code == 404
    assert (await api.get("/api/v1/carrier-accounts")).json() == {"data": []}
    assert await CarrierAccount.get(id=theirs.id) is not None
    await theirs.refresh_from_db()
    assert theirs.paused_reason == "refused" and theirs.name != "Mine now"


async def test_removing_an_account_keeps_its_shipments(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    account = (await connect(api)).json()
    parcel = await factories.shipment(
        shop, carrier_key="dhl", tracking_number="1234567891", carrier_account_id=account["id"]
    )
    removed = await api.delete(f"/api/v1/carrier-accounts/{account['id']}")
    assert removed.status_code == 204
    assert (await api.get(f"/api/v1/carrier-accounts/{account['id']}")).status_code == 404
    await parcel.refresh_from_db()
    assert parcel.carrier_account_id is None
    assert await Shipment.filter(id=parcel.id).exists()


@respx.mock(assert_all_called=True)
async def test_the_connection_test_asks_dhl_with_the_stored_key(
    api: httpx.AsyncClient, respx_mock: respx.MockRouter
) -> None:
    def dhl(request: httpx.Request) -> httpx.Response:
        if request.headers.get("DHL-API-Key") != SECRET:
            return httpx.Response(401, json=UNAUTHORIZED)
        return httpx.Response(
            404, json=NOT_FOUND, headers={"content-type": "application/problem+json"}
        )

    respx_mock.get(DHL_TRACK).mock(side_effect=dhl)
    good = (await connect(api)).json()
    bad = (await connect(api, name="Old key", credentials={"api_key": "expired"})).json()
    ok = await api.post(f"/api/v1/carrier-accounts/{good['id']}/test")
    refused = await api.post(f"/api/v1/carrier-accounts/{bad['id']}/test")
    assert ok.json() == {
        "outcome": "ok",
        "detail": "Connected: the carrier accepted these credentials.",
    }
    assert refused.json()["outcome"] == "auth"
    assert "expired" not in refused.text
    unchanged = (await api.get(f"/api/v1/carrier-accounts/{bad['id']}")).json()
    assert unchanged["status"] == bad["status"]


async def test_resume_clears_a_pause(api: httpx.AsyncClient, shop: Merchant) -> None:
    account = (await connect(api)).json()
    await CarrierAccount.filter(id=account["id"]).update(
        paused_reason="DHL answered 401", consecutive_failures=3
    )
    paused = (await api.get(f"/api/v1/carrier-accounts/{account['id']}")).json()
    assert paused["status"]["health"] == "paused"
    assert paused["status"]["paused_reason"] == "DHL answered 401"
    resumed = await api.post(f"/api/v1/carrier-accounts/{account['id']}/resume")
    assert resumed.status_code == 200
    assert resumed.json()["status"]["health"] == "ok"
    assert resumed.json()["status"]["consecutive_failures"] == 0


async def test_a_carrier_error_quoting_a_credential_is_masked(api: httpx.AsyncClient) -> None:
    account = (await connect(api)).json()
    await CarrierAccount.filter(id=account["id"]).update(
        last_error=f"401 for key {SECRET}", paused_reason=f"key {SECRET} refused"
    )
    shown = await api.get(f"/api/v1/carrier-accounts/{account['id']}")
    assert SECRET not in shown.text
    assert shown.json()["status"]["last_error"] == "401 for key ••••"


async def test_a_post_with_an_idempotency_key_connects_once(api: httpx.AsyncClient) -> None:
    body = {"carrier": "dhl", "credentials": {"api_key": SECRET}}
    headers = {"Idempotency-Key": "connect-dhl-1"}
    first = await api.post("/api/v1/carrier-accounts", json=body, headers=headers)
    again = await api.post("/api/v1/carrier-accounts", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert SECRET not in again.text
    assert await CarrierAccount.all().count() == 1


async def test_credentials_never_reach_the_log(
    api: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    account = (await connect(api)).json()
    await api.patch(
        f"/api/v1/carrier-accounts/{account['id']}", json={"credentials": {"api_key": "x" + SECRET}}
    )
    await connect(api, credentials={"apikey": SECRET})
    assert SECRET not in caplog.text


async def test_the_key_of_one_shop_lists_only_its_accounts(
    api_app: Starlette, api: httpx.AsyncClient
) -> None:
    other = await factories.merchant()
    async with api_client(api_app, await make_key(other)) as theirs:
        assert (await connect(theirs, name="Their DHL")).status_code == 201
    assert (await connect(api)).status_code == 201
    names = [a["name"] for a in (await api.get("/api/v1/carrier-accounts")).json()["data"]]
    assert names == ["DHL Express"]


@respx.mock(assert_all_called=True)
async def test_a_parcel_can_be_polled_through_one_of_two_accounts_of_its_carrier(
    api: httpx.AsyncClient, api_app: Starlette, respx_mock: respx.MockRouter
) -> None:
    keys: list[str | None] = []

    def dhl(request: httpx.Request) -> httpx.Response:
        keys.append(request.headers.get("DHL-API-Key"))
        return httpx.Response(
            404, json=NOT_FOUND, headers={"content-type": "application/problem+json"}
        )

    respx_mock.get(DHL_TRACK).mock(side_effect=dhl)
    (await connect(api, name="DHL Parcel", credentials={"api_key": "parcel-key"})).json()
    express = (await connect(api)).json()

    chosen = await api.post(
        "/api/v1/shipments",
        json={"tracking_number": "1234567891", "carrier_account_id": express["id"]},
    )
    unassigned = await api.post(
        "/api/v1/shipments", json={"tracking_number": "1234567892", "carrier": "dhl"}
    )

    assert chosen.status_code == 201, chosen.text
    body = chosen.json()
    assert (body["carrier"], body["carrier_pinned"], body["carrier_account_id"]) == (
        "dhl",
        True,
        express["id"],
    )
    assert body["tracking_problem"] is None
    # With two accounts for the carrier, a parcel that names none is not guessed at.
    assert unassigned.json()["tracking_problem"]["code"] == "carrier_account_not_chosen"
    async with httpx.AsyncClient() as http:
        await sweep_until_idle(api_app.state.settings, client=http)
    assert keys == [SECRET]


async def test_a_parcels_account_must_be_the_shops_own_and_for_its_carrier(
    api: httpx.AsyncClient, api_app: Starlette
) -> None:
    theirs = await another_shops_account(api_app)
    mine = (await connect(api)).json()
    for sent, detail in (
        ({"carrier_account_id": theirs.id}, "no carrier account of this shop has this id"),
        ({"carrier_account_id": mine["id"], "carrier": "inpost"}, "is a dhl account, not inpost"),
    ):
        refused = await api.post(
            "/api/v1/shipments", json={"tracking_number": "1234567891", **sent}
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"] == [{"pointer": "/carrier_account_id", "detail": detail}]
    assert not await Shipment.exists()


async def test_one_account_per_carrier_is_the_default_and_polls_the_parcels_naming_none(
    api: httpx.AsyncClient, api_app: Starlette, respx_mock: respx.MockRouter
) -> None:
    keys: list[str | None] = []

    def dhl(request: httpx.Request) -> httpx.Response:
        keys.append(request.headers.get("DHL-API-Key"))
        return httpx.Response(
            404, json=NOT_FOUND, headers={"content-type": "application/problem+json"}
        )

    respx_mock.get(DHL_TRACK).mock(side_effect=dhl)
    parcel = (await connect(api, name="DHL Parcel", credentials={"api_key": "parcel-key"})).json()
    express = (await connect(api, default=True)).json()
    assert (parcel["default"], express["default"]) == (False, True)
    waiting = await api.post(
        "/api/v1/shipments", json={"tracking_number": "1234567893", "carrier": "dhl"}
    )
    assert waiting.json()["tracking_problem"] is None
    async with httpx.AsyncClient() as http:
        await sweep_until_idle(api_app.state.settings, client=http)
    assert keys == [SECRET]

    # Marking the other one unmarks the first: a carrier has one default at most.
    marked = await api.patch(f"/api/v1/carrier-accounts/{parcel['id']}", json={"default": True})
    assert marked.status_code == 200, marked.text
    listed = (await api.get("/api/v1/carrier-accounts")).json()["data"]
    assert {a["name"]: a["default"] for a in listed} == {"DHL Parcel": True, "DHL Express": False}

    # Unmarked, nothing says which account to use, and the parcel says so.
    await api.patch(f"/api/v1/carrier-accounts/{parcel['id']}", json={"default": False})
    shown = (await api.get(f"/api/v1/shipments/{waiting.json()['id']}")).json()
    assert shown["tracking_problem"]["code"] == "carrier_account_not_chosen"
    refused = await api.post(f"/api/v1/shipments/{waiting.json()['id']}/refresh")
    assert refused.status_code == 409
    assert "2 dhl carrier accounts and none is marked default" in refused.json()["detail"]


async def test_default_must_be_true_or_false(api: httpx.AsyncClient) -> None:
    account = (await connect(api)).json()
    refused = await api.patch(f"/api/v1/carrier-accounts/{account['id']}", json={"default": "yes"})
    assert refused.status_code == 422
    assert [e["pointer"] for e in refused.json()["errors"]] == ["/default"]
    assert (await CarrierAccount.get(id=account["id"])).is_default is False


async def test_marking_a_default_makes_the_parcels_waiting_for_an_account_due_now(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    parcel = (await connect(api, name="DHL Parcel", credentials={"api_key": "parcel-key"})).json()
    await connect(api)
    later = datetime.now(UTC) + timedelta(hours=6)
    waiting = await factories.shipment(shop, carrier_key="dhl", next_poll_at=later)

    await api.patch(f"/api/v1/carrier-accounts/{parcel['id']}", json={"default": True})

    stored = await Shipment.get(id=waiting.id)
    assert stored.next_poll_at is not None and stored.next_poll_at < later
