"""Paste box: carriers detected per line, corrected by the merchant, shipments created."""

from __future__ import annotations

import httpx

from portal.admin.paste import detect_lines
from portal.models import Shipment
from tests.admin.helpers import signed_in_owner

UPS = "1Z999AA10123456784"


def test_lines_are_normalised_deduplicated_and_detected() -> None:
    lines = detect_lines(f"1z 999 aa1 0123456784\n{UPS}\n\nhello\nZZ12345678\n", ["ups", "sandbox"])
    assert [(line["number"], line["carrier"]) for line in lines] == [
        (UPS, "ups"),
        ("HELLO", ""),
        ("ZZ12345678", ""),
    ]
    assert not lines[1]["plausible"]
    assert lines[2]["plausible"] and lines[2]["candidates"] == []


async def test_the_merchant_corrects_and_creates(client: httpx.AsyncClient, db: str) -> None:
    user, token = await signed_in_owner(client)
    preview = await client.post(
        "/admin/paste", data={"numbers": f"{UPS}\nZZ12345678\n", "csrf_token": token}
    )
    assert [line["carrier"] for line in preview.context["lines"]] == ["ups", ""]
    response = await client.post(
        "/admin/paste/confirm",
        data={
            "count": "2",
            "number_0": UPS,
            "carrier_0": "ups",
            "number_1": "ZZ12345678",
            "carrier_1": "sandbox",
            "csrf_token": token,
        },
    )
    assert response.context["created"] == 2
    rows = await Shipment.filter(merchant_id=user.merchant_id).order_by("id")  # type: ignore[attr-defined]
    assert [(s.tracking_number, s.carrier_key, s.order_id) for s in rows] == [  # type: ignore[attr-defined]
        (UPS, "ups", None),
        ("ZZ12345678", "sandbox", None),
    ]
    again = await client.post(
        "/admin/paste/confirm",
        data={"count": "1", "number_0": UPS, "carrier_0": "ups", "csrf_token": token},
    )
    assert (again.context["created"], again.context["skipped"]) == (0, 1)


async def test_the_demos_sandbox_numbers_are_recognised(client: httpx.AsyncClient, db: str) -> None:
    from carriers.sandbox.journey import make_number

    _user, token = await signed_in_owner(client)
    number = make_number(1, 100, 5)
    typo = number[:-1] + str((int(number[-1]) + 1) % 10)
    preview = await client.post(
        "/admin/paste", data={"numbers": f"{number}\n{typo}\n", "csrf_token": token}
    )
    assert [line["carrier"] for line in preview.context["lines"]] == ["sandbox", ""]
    # The recognised line has its carrier selected (by name), not "Skip"; the other one
    # asks for a choice instead of quietly skipping.
    assert '<option value="sandbox" selected>Sandbox Carrier</option>' in preview.text
    assert '<option value="skip" selected>' not in preview.text
    assert preview.text.count('<option value="" selected>Choose a carrier</option>') == 1
