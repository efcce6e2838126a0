"""Import pages: upload, progress, preview, confirm all-or-nothing, size limit, isolation."""

from __future__ import annotations

import re

import httpx
from starlette.applications import Starlette

from portal.models import ConsentChange, Customer, Order, Shipment
from tests import factories
from tests.admin.helpers import signed_in_owner

CSV = (
    "order_number;order_date;email;sku;title;quantity;unit_price;tracking_number;carrier\n"
    "#1;2026-11-02;a@example.test;TEE;T-shirt;1;12,50;1Z999AA10123456784;\n"
    "#2;yesterday;b@example.test;CAP;Cap;1;5;;\n"
)


async def _upload(client: httpx.AsyncClient, token: str, body: bytes) -> httpx.Response:
    return await client.post(
        "/admin/imports",
        data={"csrf_token": token},
        files={"file": ("orders.csv", body, "text/csv")},
    )


async def test_upload_preview_and_confirm(client: httpx.AsyncClient, db: str) -> None:
    user, token = await signed_in_owner(client)
    response = await _upload(client, token, CSV.encode())
    assert response.status_code == 303
    preview = await client.get(response.headers["location"])
    report = preview.context["report"]
    assert (report["importable"], report["invalid"]) == (1, 1)
    assert report["errors"][0]["column"] == "order_date"
    assert "Not a date" in report["errors"][0]["message"]
    assert await Order.all().count() == 0  # nothing written before confirming
    confirm = await client.post(
        response.headers["location"] + "/confirm", data={"csrf_token": token}
    )
    assert confirm.status_code == 200
    assert confirm.context["written"] == 1
    (order,) = await Order.filter(merchant_id=user.merchant_id)  # type: ignore[attr-defined]
    assert order.number == "#1"
    assert await Shipment.filter(order_id=order.id, carrier_key="ups").exists()


async def test_confirming_twice_imports_once(client: httpx.AsyncClient, db: str) -> None:
    _user, token = await signed_in_owner(client)
    location = (await _upload(client, token, CSV.encode())).headers["location"]
    await client.post(location + "/confirm", data={"csrf_token": token})
    again = await client.post(location + "/confirm", data={"csrf_token": token})
    assert again.status_code == 303
    assert await Order.all().count() == 1


async def test_an_order_created_meanwhile_rolls_everything_back(
    client: httpx.AsyncClient, db: str
) -> None:
    user, token = await signed_in_owner(client)
    body = CSV.replace("yesterday", "2026-11-03").encode()
    location = (await _upload(client, token, body)).headers["location"]
    await factories.order(await user.merchant, number="#2")
    response = await client.post(location + "/confirm", data={"csrf_token": token})
    assert response.status_code == 409
    assert not await Order.filter(number="#1").exists()


async def test_a_file_over_50_mb_is_refused_politely(client: httpx.AsyncClient, db: str) -> None:
    _user, token = await signed_in_owner(client)
    response = await _upload(client, token, b"x" * (51 * 1024 * 1024))
    assert response.status_code == 413
    assert response.template.name == "admin/import_too_large.html"


async def test_progress_is_a_fragment(client: httpx.AsyncClient, db: str) -> None:
    _user, token = await signed_in_owner(client)
    location = (await _upload(client, token, CSV.encode())).headers["location"]
    response = await client.get(location + "/progress", headers={"HX-Request": "true"})
    assert response.template.name == "admin/_import_progress.html"
    assert response.headers["HX-Refresh"] == "true"  # parsing finished: reload the page


async def test_a_file_that_is_not_csv_is_explained(client: httpx.AsyncClient, db: str) -> None:
    _user, token = await signed_in_owner(client)
    location = (await _upload(client, token, b"\xff\xfe\x00garbage")).headers["location"]
    page = await client.get(location)
    assert "file_error" in page.context


async def test_another_merchants_import_is_not_found(app: Starlette, db: str) -> None:
    from tests.conftest import client_for

    async with client_for(app) as mine, client_for(app) as theirs:
        _u, token = await signed_in_owner(mine)
        await signed_in_owner(theirs)
        location = (await _upload(mine, token, CSV.encode())).headers["location"]
        assert (await theirs.get(location)).status_code == 404
        other_token = re.search(r'value="([^"]+)"', (await theirs.get("/admin/account")).text)
        assert other_token
        response = await theirs.post(
            location + "/confirm", data={"csrf_token": other_token.group(1)}
        )
        assert response.status_code == 404
        assert (await theirs.get("/admin/imports/short")).status_code == 404


async def test_consent_columns_are_recorded_with_their_source(
    client: httpx.AsyncClient, db: str
) -> None:
    """A shop that holds its checkout's consent says so in the file; an empty cell keeps
    the default (e-mail on, text messages off)."""
    _user, token = await signed_in_owner(client)
    body = (
        "order_number;order_date;email;phone;country;sku;title;quantity;unit_price;"
        "email_consent;sms_consent\n"
        "#1;2026-11-02;a@example.test;+48601234567;PL;TEE;Tee;1;10;yes;yes\n"
        "#2;2026-11-02;b@example.test;;PL;TEE;Tee;1;10;no;\n"
        "#3;2026-11-02;c@example.test;;PL;TEE;Tee;1;10;;\n"
        "#4;2026-11-02;d@example.test;;PL;TEE;Tee;1;10;;maybe\n"
    )
    response = await _upload(client, token, body.encode())
    preview = await client.get(response.headers["location"])
    assert [(e["line"], e["column"]) for e in preview.context["report"]["errors"]] == [
        (5, "sms_consent")
    ]
    await client.post(response.headers["location"] + "/confirm", data={"csrf_token": token})
    a, b, c = [await Customer.get(email=f"{x}@example.test") for x in "abc"]
    assert (a.email_opt_in, a.sms_opt_in) == (True, True)
    assert (b.email_opt_in, b.sms_opt_in) == (False, False)
    assert (c.email_opt_in, c.sms_opt_in) == (True, False)
    changes = (
        await ConsentChange.all()
        .order_by("id")
        .values_list("customer_id", "channel", "granted", "source")
    )
    assert sorted(changes) == [(a.id, "sms", True, "csv"), (b.id, "email", False, "csv")]
