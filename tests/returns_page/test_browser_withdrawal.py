"""The withdrawal function in Debian's Chromium, in Polish, with the keyboard only.

The shop starts from an empty database and is set up the way a shop is: the merchant and
an API key with the ``portal`` command, the order and its parcel through the REST API, the
parcel delivered by the sandbox carrier through ``portal poll``. The customer finds the
order, tabs to "Odstąp od umowy tutaj", fills the statement, confirms with "Potwierdź
odstąpienie tutaj", and ``portal dispatch --once`` delivers the acknowledgement to a real
SMTP server (aiosmtpd) with the statement, the date and the time.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from carriers.sandbox.journey import label_hour_of, make_number
from tests.conftest import _free_port, copy_migrated, running_server
from tests.notifications.helpers import SmtpSink, listening

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
EMAIL = "ewa.kowalska@example.test"
ORDER = "PL-1001"
OWNER = "owner@shop.test"
PASSWORD = "correct horse battery staple"


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "portal.cli", *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpSink]:
    with listening(SmtpSink(port=_free_port())) as sink:
        yield sink


@pytest.fixture(scope="module")
def shop(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path, smtp: SmtpSink
) -> Iterator[tuple[str, dict[str, str]]]:
    root = tmp_path_factory.mktemp("withdraw-live")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PORTAL_VAR_DIR": str(root / "var"),
        "PORTAL_DATABASE_URL": f"sqlite://{root}/live.sqlite3",
        "PORTAL_SECRET_KEY": "w" * 40,
        "PORTAL_PUBLIC_BASE_URL": base,
        "PORTAL_LOG_LEVEL": "WARNING",
        "PORTAL_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
        "PORTAL_MAIL_FROM": "Sklep Ewy <sklep@shop.test>",
    }
    copy_migrated(sqlite_template, root / "live.sqlite3")
    _cli(env, "merchant", "create", "--slug", "sklep", "--name", "Sklep Ewy",
         "--time-zone", "Europe/Warsaw", "--locale", "pl", "--country", "PL")  # fmt: skip
    key = _cli(env, "apikey", "create", "--merchant", "sklep", "--name", "shop").split()[-1]
    _cli(env, "user", "create", "--merchant", "sklep", "--email", OWNER, "--password", PASSWORD,
         "--role", "owner")  # fmt: skip
    command = [sys.executable, "-m", "uvicorn", "--factory", "portal.app:create_app",
               "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]  # fmt: skip
    with running_server(command, base=base, env=env, cwd=ROOT):
        _sandbox_account(base)
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=f"{base}/api/v1", headers=headers) as api:
            _order_delivered(api, env)
        yield base, env


def _order_delivered(api: httpx.Client, env: dict[str, str]) -> None:
    """The order and its parcel through the API; the sandbox delivers it on ``poll``."""
    order = {
        "number": ORDER,
        "currency": "PLN",
        "shipping_total": "14.99",
        "customer": {"email": EMAIL, "name": "Ewa Kowalska", "locale": "pl"},
        "shipping_address": {"name": "Ewa Kowalska", "line1": "ul. Długa 5",
                             "city": "Kraków", "postal_code": "31-147", "country": "PL"},
        "items": [
            {"sku": "KUR-M", "title": "Kurtka", "quantity": 1, "unit_price": "299.00",
             "final_sale": True},
            {"sku": "SZM-1", "title": "Szminka", "quantity": 1, "unit_price": "49.00",
             "statutory_exception": "sealed_hygiene", "unsealed": True},
        ],
    }  # fmt: skip
    assert api.post("/orders", json=order).status_code == 201
    delivered = datetime.now(UTC) - timedelta(days=6)
    number = make_number(1, label_hour_of(delivered), 7)  # a sandbox parcel that arrives
    parcel = {"tracking_number": number, "carrier": "sandbox", "order_number": ORDER}
    assert api.post("/shipments", json=parcel).status_code == 201
    polled = _cli(env, "poll", "--all-now")
    shipment = api.get("/shipments", params={"limit": 1}).json()["data"][0]
    assert shipment["status"] == "delivered", (polled, shipment)


def _csrf(client: httpx.Client, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found, path
    return found.group(1)


def _sandbox_account(base: str) -> None:
    """The owner signs in to the workspace and adds a sandbox carrier account."""
    with httpx.Client(base_url=base) as admin:
        login = {"email": OWNER, "password": PASSWORD, "csrf_token": _csrf(admin, "/admin/login")}
        assert admin.post("/admin/login", data=login).status_code == 303
        account = {
            "carrier": "sandbox",
            "name": "Sandbox",
            "cred_api_key": "sandbox-key",
            "base_url_override": f"{base}/_sandbox/carrier",
            "csrf_token": _csrf(admin, "/admin/carriers/new?carrier=sandbox"),
        }
        saved = admin.post("/admin/carriers/new", data=account)
        assert saved.status_code == 303, saved.text


def _tab_to(page: Any, matches: str, limit: int = 60) -> None:
    """Press Tab until the focused element's text, name or value matches ``matches``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement; return [e.innerText || '', "
            "e.getAttribute('name') || '', e.value || ''].join(' | ') }"
        )
        if re.search(matches, focused):
            return
    raise AssertionError(f"nothing matching {matches!r} is reachable with Tab")


def _arrived(page: Any, heading: str) -> None:
    """Wait for a step to be swapped in and, where it asks for it, to have its heading focused.

    htmx moves focus to an ``autofocus`` heading a moment after the swap; tabbing before that
    can find a link and then lose focus to the heading just before Enter.
    """
    shown = page.locator("#step-heading")
    expect(shown).to_have_text(heading)
    if shown.get_attribute("autofocus") is not None:
        expect(shown).to_be_focused()


def _message_to(smtp: SmtpSink, address: str, subject: str) -> EmailMessage:
    found = [
        m for m in smtp.messages if address in (m["To"] or "") and subject in (m["Subject"] or "")
    ]
    assert found, [m["Subject"] for m in smtp.messages]
    return found[-1]


def test_a_customer_withdraws_in_polish_with_the_keyboard_and_gets_the_receipt(
    browser: Any, shop: tuple[str, dict[str, str]], smtp: SmtpSink
) -> None:
    base, env = shop
    context = browser.new_context(locale="pl-PL")
    page = context.new_page()
    try:
        page.goto(f"{base}/returns?shop=sklep")
        _tab_to(page, r"\| order \|")
        page.keyboard.type(ORDER)
        _tab_to(page, r"\| contact \|")
        page.keyboard.type(EMAIL)
        page.keyboard.press("Enter")
        _arrived(page, f"Zwroty zamówienia {ORDER}")
        _tab_to(page, r"^Odstąp od umowy tutaj")
        page.keyboard.press("Enter")
        _arrived(page, "Odstąpienie od umowy")
        # the unsealed lipstick is excepted; the final-sale jacket is not
        expect(page.locator("body")).to_contain_text("został otwarty")
        assert page.locator("select[name^=quantity-]").count() == 1
        _tab_to(page, r"\| name \|")
        page.keyboard.press("Control+A")
        page.keyboard.type("Ewa Kowalska")
        _tab_to(page, r"^Dalej")
        page.keyboard.press("Enter")
        _arrived(page, "Sprawdź swoje odstąpienie od umowy")
        _tab_to(page, r"^Potwierdź odstąpienie tutaj")
        page.keyboard.press("Enter")
        expect(page.locator("#step-heading")).to_have_text(
            "Otrzymaliśmy Twoje odstąpienie od umowy"
        )
        submitted = page.locator("#withdraw-submitted").inner_text().strip()
        assert re.search(r"\d{4}.*\d{2}:\d{2}:\d{2}", submitted), submitted
    finally:
        context.close()

    _cli(env, "dispatch", "--once")
    receipt = _message_to(smtp, EMAIL, "oświadczenie o odstąpieniu od umowy")
    assert ORDER in receipt["Subject"]
    text = receipt.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Odstępuję od umowy dotyczącej poniższych towarów." in text
    assert "Imię i nazwisko: Ewa Kowalska" in text
    assert "1 × Kurtka (KUR-M)" in text and "Szminka" not in text
    assert f"Data i godzina złożenia: {submitted}" in text
