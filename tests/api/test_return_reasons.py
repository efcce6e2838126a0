"""/api/v1/return-reasons: a shop lists, adds, renames, translates, nests, reorders, retires
and deletes its return reasons without the workspace, under the reasons screen's own rules
(:mod:`portal.admin.return_reason_store`)."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.applications import Starlette

from portal.models import Merchant, ReturnPolicy, ReturnReason
from portal.returns_page.presenter import reason_menu
from tests.admin.returns_helpers import return_for
from tests.api.conftest import api_client, make_key
from tests.returns.helpers import shop_with_policy

URL = "/api/v1/return-reasons"
DAMAGED = {
    "code": "damaged",
    "labels": {"en": "Arrived damaged", "pl": "Uszkodzony"},
    "requires_photo": True,
    "waives_fees": True,
}


async def _add(api: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    made = await api.post(URL, json=body)
    assert made.status_code == 201, made.text
    found: dict[str, Any] = made.json()
    return found


async def test_it_keeps_the_categories_a_reason_applies_to_trimmed_and_once(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    made = await _add(api, **DAMAGED, categories=[" chargers", "cables ", "chargers"])
    assert made["categories"] == ["chargers", "cables"]
    one = f"{URL}/{made['id']}"
    # Items match categories without regard to case: "Cables" is "cables", kept as first written.
    cased = await api.patch(one, json={"categories": ["Cables", "chargers", "cables", "CHARGERS"]})
    assert cased.status_code == 200 and cased.json()["categories"] == ["Cables", "chargers"]
    await api.patch(one, json={"categories": ["chargers", "cables"]})
    blank = await api.patch(one, json={"categories": ["shoes", "", "x" * 101]})
    assert blank.status_code == 422, blank.text
    assert [e["pointer"] for e in blank.json()["errors"]] == ["/categories/1", "/categories/2"]
    spaces = await api.patch(one, json={"categories": ["shoes", " "]})
    assert [e["pointer"] for e in spaces.json()["errors"]] == ["/categories/1"]
    assert (await api.get(one)).json()["categories"] == ["chargers", "cables"]
    cleared = await api.patch(one, json={"categories": []})
    assert cleared.status_code == 200 and cleared.json()["categories"] == []
    assert (await ReturnReason.get(id=made["id"])).categories == []


async def _codes(api: httpx.AsyncClient) -> list[tuple[str, str | None, int]]:
    listed = (await api.get(URL)).json()["data"]
    return [(r["code"], r["parent"], r["position"]) for r in listed]


async def test_it_adds_a_reason_and_reads_it_back(api: httpx.AsyncClient, shop: Merchant) -> None:
    assert (await api.get(URL)).json() == {"data": []}
    made = await api.post(URL, json=DAMAGED)
    assert made.status_code == 201, made.text
    reason = made.json()
    assert made.headers["location"] == f"{URL}/{reason['id']}"
    assert reason == {
        "id": reason["id"],
        "code": "damaged",
        "labels": {"en": "Arrived damaged", "pl": "Uszkodzony"},
        "parent": None,
        "position": 0,
        "categories": [],  # every category
        "requires_photo": True,
        "requires_comment": False,
        "waives_fees": True,
        "active": True,
        "used": False,
    }
    assert (await api.get(f"{URL}/{reason['id']}")).json() == reason
    assert (await api.get(URL)).json() == {"data": [reason]}
    stored = await ReturnReason.get(id=reason["id"])
    assert (stored.merchant_id, stored.labels["pl"]) == (shop.id, "Uszkodzony")


async def test_reasons_nest_one_level_and_list_in_menu_order(api: httpx.AsyncClient) -> None:
    fit = await _add(api, code="fit", labels={"en": "Doesn't fit"})
    await _add(api, code="too_small", labels={"en": "Too small"}, parent="fit")
    await _add(api, code="mind", labels={"en": "Changed my mind"})
    await _add(api, code="too_big", labels={"en": "Too big"}, parent="fit", position=0)
    assert await _codes(api) == [
        ("fit", None, 0),
        ("too_big", "fit", 0),
        ("too_small", "fit", 1),
        ("mind", None, 1),
    ]
    # Under a reason that is itself under one: refused; a heading cannot go under another.
    deeper = await api.post(
        URL, json={"code": "tiny", "labels": {"en": "Tiny"}, "parent": "too_small"}
    )
    assert deeper.status_code == 422
    assert [e["pointer"] for e in deeper.json()["errors"]] == ["/parent"]
    heading = await api.patch(f"{URL}/{fit['id']}", json={"parent": "mind"})
    assert heading.status_code == 422
    assert heading.json()["errors"][0]["pointer"] == "/parent"


async def test_a_reason_moves_and_reorders(api: httpx.AsyncClient) -> None:
    for code in ("a", "b", "c"):
        await _add(api, code=code, labels={"en": code.upper()})
    listed = {r["code"]: r["id"] for r in (await api.get(URL)).json()["data"]}
    first = await api.patch(f"{URL}/{listed['c']}", json={"position": 0})
    assert first.status_code == 200 and first.json()["position"] == 0
    assert [c for c, _p, _n in await _codes(api)] == ["c", "a", "b"]
    last = await api.patch(f"{URL}/{listed['c']}", json={"position": 99})
    assert last.json()["position"] == 2
    moved = await api.patch(f"{URL}/{listed['b']}", json={"parent": "a"})
    assert (moved.json()["parent"], moved.json()["position"]) == ("a", 0)
    top = await api.patch(f"{URL}/{listed['b']}", json={"parent": None, "position": 0})
    assert (top.json()["parent"], top.json()["position"]) == (None, 0)
    assert [c for c, _p, _n in await _codes(api)] == ["b", "a", "c"]


async def test_labels_change_one_language_at_a_time(api: httpx.AsyncClient) -> None:
    reason = await _add(api, **DAMAGED)
    changed = await api.patch(
        f"{URL}/{reason['id']}", json={"labels": {"ro": " Deteriorat ", "pl": None}}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["labels"] == {"en": "Arrived damaged", "ro": "Deteriorat"}
    assert changed.json()["requires_photo"] is True  # unsent: unchanged


async def test_refused_values_each_have_a_pointer_and_nothing_is_saved(
    api: httpx.AsyncClient,
) -> None:
    reason = await _add(api, **DAMAGED)
    refused = await api.post(
        URL, json={"code": "Too Big", "labels": {"pl": "Za duży", "ru": "я" * 201}, "parent": "x"}
    )
    assert refused.status_code == 422
    assert {e["pointer"]: e["detail"] for e in refused.json()["errors"]} == {
        "/code": "Enter a code of lowercase letters, digits, _ or -, at most 64 characters, "
        "for example too_small.",
        "/labels/en": "Enter the reason in English: it is shown when no translation is.",
        "/labels/ru": "Use at most 200 characters.",
        "/parent": "is not a top-level reason of this shop (reasons nest one level deep, and "
        "a reason with reasons under it stays at the top level)",
    }
    taken = await api.post(URL, json={"code": "damaged", "labels": {"en": "Again"}})
    assert taken.json()["errors"] == [
        {"pointer": "/code", "detail": "Another reason already uses this code."}
    ]
    half = await api.patch(
        f"{URL}/{reason['id']}", json={"waives_fees": False, "labels": {"en": ""}}
    )
    assert [e["pointer"] for e in half.json()["errors"]] == ["/labels/en"]
    empty = await api.patch(f"{URL}/{reason['id']}", json={})
    assert empty.status_code == 422
    unknown = await api.post(URL, json={**DAMAGED, "code": "x", "labels": {"xx": "?", "en": "X"}})
    assert unknown.status_code == 422
    assert (await api.get(URL)).json()["data"] == [reason]


async def test_an_unused_code_changes_and_the_policy_follows(api_app: Starlette) -> None:
    shop, _policy = await shop_with_policy(
        fee_waivers={"reasons": ["damaged"]}, auto_approve_rules={"enabled": False}
    )
    await ReturnReason.create(merchant=shop, code="damaged", labels={"en": "Damaged"})
    async with api_client(api_app, await make_key(shop)) as api:
        [reason] = (await api.get(URL)).json()["data"]
        renamed = await api.patch(f"{URL}/{reason['id']}", json={"code": "broken"})
        assert renamed.status_code == 200 and renamed.json()["code"] == "broken"
    assert (await ReturnPolicy.get(merchant=shop)).fee_waivers["reasons"] == ["broken"]


async def test_a_reason_returns_gave_keeps_its_code_and_is_retired_not_deleted(
    api_app: Starlette,
) -> None:
    shop, _policy = await shop_with_policy(auto_approve_rules={"enabled": False})
    await return_for(shop, reason="damaged")
    async with api_client(api_app, await make_key(shop)) as api:
        [reason] = (await api.get(URL)).json()["data"]
        assert reason["used"] is True
        one = f"{URL}/{reason['id']}"
        renamed = await api.patch(one, json={"code": "broken"})
        assert renamed.json()["errors"] == [
            {
                "pointer": "/code",
                "detail": "Returns already use this reason, so its code cannot change.",
            }
        ]
        deleted = await api.delete(one)
        assert deleted.status_code == 409
        assert '"active": false' in deleted.json()["detail"]
        retired = await api.patch(one, json={"active": False})
        assert retired.status_code == 200 and retired.json()["active"] is False
        assert (await api.get(one)).json()["used"] is True
    assert await reason_menu(shop.id) == ()
    assert await ReturnReason.exists(id=reason["id"], code="damaged")


async def test_an_unused_reason_is_deleted_but_not_one_with_reasons_under_it(
    api: httpx.AsyncClient,
) -> None:
    fit = await _add(api, code="fit", labels={"en": "Fit"})
    small = await _add(api, code="small", labels={"en": "Small"}, parent="fit")
    assert (await api.delete(f"{URL}/{fit['id']}")).status_code == 409
    assert (await api.delete(f"{URL}/{small['id']}")).status_code == 204
    assert (await api.get(f"{URL}/{small['id']}")).status_code == 404
    assert (await api.delete(f"{URL}/{fit['id']}")).status_code == 204
    assert (await api.get(URL)).json() == {"data": []}


async def test_another_shops_reason_is_not_found(
    api: httpx.AsyncClient, api_app: Starlette
) -> None:
    other, _policy = await shop_with_policy()
    theirs = await ReturnReason.create(merchant=other, code="theirs", labels={"en": "Theirs"})
    one = f"{URL}/{theirs.id}"
    assert (await api.get(one)).status_code == 404
    assert (await api.patch(one, json={"active": False})).status_code == 404
    assert (await api.delete(one)).status_code == 404
    assert (await api.get(URL)).json() == {"data": []}
    kept = await ReturnReason.get(id=theirs.id)
    assert (kept.code, kept.active) == ("theirs", True)
    # Its code is free in this shop, and its reasons are not parents here.
    mine = await api.post(
        URL, json={"code": "theirs", "labels": {"en": "Mine"}, "parent": "theirs"}
    )
    assert [e["pointer"] for e in mine.json()["errors"]] == ["/parent"]


async def test_a_retried_create_with_the_same_key_makes_one_reason(api: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "reason-1"}
    first = await api.post(URL, json=DAMAGED, headers=headers)
    again = await api.post(URL, json=DAMAGED, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert len((await api.get(URL)).json()["data"]) == 1
