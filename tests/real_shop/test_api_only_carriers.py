"""A shop that never opens the workspace connects its carriers through the REST API and
``portal carrier``, and its parcels are tracked.

The shops are made with ``portal merchant create`` and ``portal apikey create`` (in their
own processes, on an empty database: no demo; the rival shop that must not see another's
account comes from factories); everything after goes through
``/api/v1/carrier-accounts``, ``/api/v1/orders``, ``/api/v1/shipments`` and ``portal
carrier``. The carriers are faked with respx at their real addresses, answering in their
documented shapes:

- DHL Unified Tracking, ``GET https://api-eu.dhl.com/track/shipments`` with the
  ``DHL-API-Key`` header (https://developer.dhl.com/api-reference/shipment-tracking;
  :class:`tests.real_shop.helpers.FakeDhl`);
- InPost ShipX, ``GET https://api-shipx-pl.easypack24.net/v1/tracking/{number}``
  (https://dokumentacja-inpost.atlassian.net/wiki/spaces/PL/pages/28639244; the fixtures
  of tests/fixtures/inpost, whose SOURCE.md cites each shape).

The sweep is the function the worker's polling job runs.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pytest
import respx
from starlette.applications import Starlette

from portal.models import Shipment
from portal.tracking.sweep import sweep_until_idle
from tests import factories
from tests.api.conftest import api_client, make_key
from tests.carriers.helpers import load_fixture
from tests.real_shop.helpers import (
    DHL_API_KEY,
    DHL_TRACK_URL,
    KRAKOW,
    LEIPZIG,
    FakeDhl,
    Outside,
    SignedUp,
    book_parcel,
    dhl_number,
    place_order,
    poll_when_due,
    portal_command,
    portal_run,
    sign_up,
)

pytestmark = pytest.mark.slow  # several `portal` processes

LOCKER_PARCEL = "602677439331630337653846"  # ShipX's documented example number
SHIPX = f"https://api-shipx-pl.easypack24.net/v1/tracking/{LOCKER_PARCEL}"
SHIPX_TOKEN = "shipx-token-5e1f0a2b9c"


async def carrier(app: Starlette, *args: str, stdin: str | None = None) -> str:
    settings = app.state.settings
    return await portal_command(
        settings.database_url, Path(settings.var_dir), "carrier", *args, stdin=stdin
    )


async def carrier_refused(app: Starlette, *args: str, stdin: str | None = None) -> str:
    """``portal carrier …`` that must fail: its message."""
    settings = app.state.settings
    done = await portal_run(
        settings.database_url, Path(settings.var_dir), "carrier", *args, stdin=stdin
    )
    assert done.returncode == 1, (args, done.stdout)
    return done.stderr


async def sweep(app: Starlette, http: httpx.AsyncClient) -> None:
    await sweep_until_idle(app.state.settings, client=http)


async def test_a_shop_connects_dhl_through_the_api_and_its_parcel_is_tracked(
    shop_app: Starlette,
    outside: Outside,
    http: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    shop: SignedUp = await sign_up(shop_app, "north", "North Wear")
    rival = await factories.merchant(slug="south", name="South Wear")
    waybill = dhl_number("340434171")
    async with api_client(shop_app, shop.api_key) as api:
        # The shop has no carrier account yet, and connects its DHL one.
        assert (await api.get("/api/v1/carrier-accounts")).json() == {"data": []}
        created = await api.post(
            "/api/v1/carrier-accounts",
            json={"carrier": "dhl", "name": "DHL Express", "credentials": {"api_key": DHL_API_KEY}},
        )
        assert created.status_code == 201, created.text
        account = created.json()
        assert account["credentials"] == {"api_key": True, "webhook_secret": False}
        tested = await api.post(f"/api/v1/carrier-accounts/{account['id']}/test")
        assert tested.json()["outcome"] == "ok", tested.json()  # DHL: "No result found"

        # Its checkout sends an order and registers the parcel's waybill.
        await place_order(api, "N-1001")
        parcel_id = await book_parcel(api, waybill, "N-1001")

        # DHL scans it; the worker's sweep asks DHL and the status moves.
        outside.dhl.scan(waybill, "transit", "Processed", LEIPZIG)
        await poll_when_due(shop_app, http, parcel_id)
        shown = (await api.get(f"/api/v1/shipments/{parcel_id}")).json()
        assert shown["status"] == "in_transit", shown
        outside.dhl.scan(waybill, "delivered", "Delivered", KRAKOW)
        await poll_when_due(shop_app, http, parcel_id)
        shown = (await api.get(f"/api/v1/shipments/{parcel_id}")).json()
        assert shown["status"] == "delivered", shown
        assert outside.dhl.calls.count(waybill) >= 2

        status = (await api.get(f"/api/v1/carrier-accounts/{account['id']}")).json()["status"]
        assert status["health"] == "ok" and status["last_success_at"] is not None
        assert status["last_error"] is None

        every_answer = [created.text, tested.text]
        every_answer.append((await api.get("/api/v1/carrier-accounts")).text)

    # Another shop neither sees nor changes it, by the API or the command.
    async with api_client(shop_app, await make_key(rival)) as theirs:
        assert (await theirs.get("/api/v1/carrier-accounts")).json() == {"data": []}
        path = f"/api/v1/carrier-accounts/{account['id']}"
        assert (await theirs.get(path)).status_code == 404
        assert (await theirs.patch(path, json={"enabled": False})).status_code == 404
        assert (await theirs.delete(path)).status_code == 404
    refused = await carrier_refused(
        shop_app, "remove", "--merchant", "south", "--id", str(account["id"])
    )
    assert "has no carrier account with id" in refused
    listed = json.loads(await carrier(shop_app, "list", "--merchant", "north"))
    assert [(a["id"], a["enabled"]) for a in listed] == [(account["id"], True)]

    every_answer.append(json.dumps(listed))
    assert all(DHL_API_KEY not in text for text in every_answer)
    assert DHL_API_KEY not in caplog.text


async def test_a_shop_connects_inpost_with_the_portal_command_and_its_locker_parcel_is_tracked(
    shop_app: Starlette, http: httpx.AsyncClient
) -> None:
    shop = await sign_up(shop_app, "lockers", "Locker Shop")

    # A credential the carrier does not declare is refused, and nothing is added.
    typo = await carrier_refused(
        shop_app, "add", "--merchant", "lockers", "--carrier", "inpost", "--json", "-",
        stdin=json.dumps({"token": SHIPX_TOKEN}),
    )  # fmt: skip
    assert "nothing changed" in typo and "/credentials/token: is not a known field" in typo
    assert SHIPX_TOKEN not in typo
    assert json.loads(await carrier(shop_app, "list", "--merchant", "lockers")) == []

    # The token comes on standard input, never on the command line.
    printed = await carrier(
        shop_app, "add", "--merchant", "lockers", "--carrier", "inpost", "--json", "-",
        stdin=json.dumps({"api_token": SHIPX_TOKEN}),
    )  # fmt: skip
    added = json.loads(printed)
    assert (added["carrier"], added["name"], added["credentials"]) == (
        "inpost",
        "InPost",
        {"api_token": True},
    )
    assert SHIPX_TOKEN not in printed
    listed = json.loads(await carrier(shop_app, "list", "--merchant", "lockers"))
    assert [a["id"] for a in listed] == [added["id"]]

    asked: list[httpx.Request] = []
    answers = iter(["ready_to_pickup.json", "delivered.json"])

    def shipx(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        return httpx.Response(200, json=load_fixture("inpost", next(answers)))

    async with api_client(shop_app, shop.api_key) as api:
        await place_order(api, "L-7")
        registered = await api.post(
            "/api/v1/shipments",
            json={"tracking_number": LOCKER_PARCEL, "carrier": "inpost", "order_number": "L-7"},
        )
        assert registered.status_code == 201, registered.text
        parcel_id = registered.json()["id"]
        with respx.mock(assert_all_called=True) as mock:
            mock.get(SHIPX).mock(side_effect=shipx)
            await sweep(shop_app, http)
            shown = (await api.get(f"/api/v1/shipments/{parcel_id}")).json()
            assert shown["status"] == "available_for_pickup", shown
            assert shown["pickup_point"]["point_id"] == "KRA01M"
            await poll_when_due(shop_app, http, parcel_id)
            shown = (await api.get(f"/api/v1/shipments/{parcel_id}")).json()
            assert shown["status"] == "delivered", shown
        assert [r.headers["Authorization"] for r in asked] == [f"Bearer {SHIPX_TOKEN}"] * 2

    # Removed, the account is gone and its parcel stays.
    removed = await carrier(shop_app, "remove", "--merchant", "lockers", "--id", str(added["id"]))
    assert f"carrier account {added['id']}" in removed
    assert json.loads(await carrier(shop_app, "list", "--merchant", "lockers")) == []
    assert await Shipment.filter(id=parcel_id).exists()


PARCEL_KEY = "dhl-parcel-api-key"
EXPRESS_KEY = "dhl-express-api-key"


async def test_a_shop_with_two_dhl_accounts_moves_a_parcel_from_one_to_the_other(
    shop_app: Starlette, http: httpx.AsyncClient
) -> None:
    shop = await sign_up(shop_app, "twin", "Twin Wear")
    rival = await factories.merchant(slug="south", name="South Wear")
    theirs = await factories.carrier_account(
        rival, carrier_key="dhl", credentials={"api_key": "south-key"},
        settings=shop_app.state.settings,
    )  # fmt: skip
    dhl, asked = FakeDhl(), []

    def dhl_answer(request: httpx.Request) -> httpx.Response:
        """DHL as FakeDhl serves it, noting which account's key asked about which number."""
        number = request.url.params["trackingNumber"]
        asked.append((number, request.headers["DHL-API-Key"]))
        return httpx.Response(200, json=dhl.payload(number))

    waybill = dhl_number("340434172")
    async with api_client(shop_app, shop.api_key) as api, respx.mock() as mock:
        mock.get(DHL_TRACK_URL).mock(side_effect=dhl_answer)
        accounts = {}
        for carrier_key, name, credentials in (
            ("dhl", "DHL Parcel", {"api_key": PARCEL_KEY}),
            ("dhl", "DHL Express", {"api_key": EXPRESS_KEY}),
            ("inpost", "InPost", {"api_token": SHIPX_TOKEN}),
        ):
            made = await api.post(
                "/api/v1/carrier-accounts",
                json={"carrier": carrier_key, "name": name, "credentials": credentials},
            )
            assert made.status_code == 201, made.text
            accounts[name] = made.json()["id"]

        # A parcel that names no account, as one from the store or a CSV import: with two
        # DHL accounts nothing says which to use, so it is not tracked.
        await place_order(api, "T-1")
        dhl.scan(waybill, "transit", "Processed", LEIPZIG)
        parcel_id = await book_parcel(api, waybill, "T-1")
        path = f"/api/v1/shipments/{parcel_id}"
        await sweep(shop_app, http)
        assert asked == []
        before = (await api.get(path)).json()
        assert before["carrier_account_id"] is None
        assert before["tracking_problem"]["code"] == "carrier_account_not_chosen"

        # Another shop's account, an InPost account, or an account of another carrier
        # than the one sent: refused with a pointer, and nothing changes.
        for sent, detail in (
            ({"carrier_account_id": theirs.id}, "no carrier account of this shop has this id"),
            ({"carrier_account_id": accounts["InPost"]}, "is a inpost account, not dhl"),
            (
                {"carrier_account_id": accounts["DHL Parcel"], "carrier": "inpost"},
                "is a dhl account, not inpost",
            ),
        ):
            refused = await api.patch(path, json=sent)
            assert refused.status_code == 422, refused.text
            assert refused.json()["errors"] == [
                {"pointer": "/carrier_account_id", "detail": detail}
            ]
        assert (await api.get(path)).json() == before
        # Another shop cannot move it, even to its own account.
        async with api_client(shop_app, await make_key(rival)) as south:
            moved = await south.patch(path, json={"carrier_account_id": theirs.id})
            assert moved.status_code == 404
        assert asked == []

        # Moved to DHL Parcel: asked at once with that account's key, and tracked.
        moved = await api.patch(path, json={"carrier_account_id": accounts["DHL Parcel"]})
        assert moved.status_code == 200, moved.text
        shown = moved.json()
        assert (shown["carrier_account_id"], shown["carrier_pinned"]) == (
            accounts["DHL Parcel"],
            True,
        )
        assert (shown["status"], shown["tracking_problem"]) == ("in_transit", None)
        assert asked == [(waybill, PARCEL_KEY)]
        scans = (await api.get(f"{path}/events")).json()

        # Moved to DHL Express: the next poll asks with the Express key, and the parcel
        # keeps its history (the same parcel, only the credentials change).
        moved = await api.patch(path, json={"carrier_account_id": accounts["DHL Express"]})
        assert moved.json()["carrier_account_id"] == accounts["DHL Express"]
        dhl.scan(waybill, "delivered", "Delivered", KRAKOW)
        await sweep(shop_app, http)
        assert asked[-1] == (waybill, EXPRESS_KEY)
        assert {k for _n, k in asked} == {PARCEL_KEY, EXPRESS_KEY}
        shown = (await api.get(path)).json()
        assert shown["status"] == "delivered", shown
        history = (await api.get(f"{path}/events")).json()
        assert history["data"][: len(scans["data"])] == scans["data"]

        # null: no account named, so the shop's only DHL account polls it; while there
        # are two, none does.
        second = dhl_number("340434173")
        dhl.scan(second, "transit", "Processed", LEIPZIG)
        other = await api.post(
            "/api/v1/shipments",
            json={"tracking_number": second, "carrier_account_id": accounts["DHL Parcel"]},
        )
        assert other.status_code == 201, other.text
        other_path = f"/api/v1/shipments/{other.json()['id']}"
        cleared = (await api.patch(other_path, json={"carrier_account_id": None})).json()
        assert cleared["carrier_account_id"] is None
        assert cleared["tracking_problem"]["code"] == "carrier_account_not_chosen"
        removed = await api.delete(f"/api/v1/carrier-accounts/{accounts['DHL Parcel']}")
        assert removed.status_code == 204, removed.text
        assert (await api.get(other_path)).json()["tracking_problem"] is None
        await sweep(shop_app, http)
        assert asked[-1] == (second, EXPRESS_KEY)
