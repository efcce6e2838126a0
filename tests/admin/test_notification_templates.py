"""The message template editor: the list, editing with a preview, refusing broken
templates with the line, saving an override the renderer then uses, reset, and isolation
between shops; plus the live preview in Chromium."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from portal.admin import notification_templates as editor
from portal.admin.template_families import FAMILIES, SHIPMENT
from portal.models import Channel, NotificationTemplate, Role
from portal.notifications.base import LOCALES
from portal.notifications.shipments import VARIABLES
from tests import factories
from tests.admin.helpers import admin_app, csrf, settings_of, sign_in, signed_in_owner
from tests.conftest import _free_port, axe_violations, copy_migrated, running_server
from tests.notifications.shipment_templates import (
    default_source,
    render_message,
    sample_context,
    template_source,
)

ROOT = Path(__file__).resolve().parents[2]
EMAIL_PATH = "/admin/notifications/templates/delivered/email/en"
SMS_PATH = "/admin/notifications/templates/out_for_delivery/sms/pl"


def with_editor(app: Starlette) -> Starlette:
    """The editor's routes, prefixed with /admin, ahead of the admin mount (which would
    otherwise answer 404 for them) until the lead registers them in ``admin_routes``."""
    app.router.routes[0:0] = [
        Route(f"/admin{r.path}", r.endpoint, methods=r.methods, name=r.name)
        for r in editor.routes
        if isinstance(r, Route)
    ]
    return app


@pytest.fixture
def app(tmp_path: Path, db: str) -> Starlette:
    return with_editor(admin_app(tmp_path, db))


def test_every_variable_has_a_translatable_description() -> None:
    for family in FAMILIES:
        descriptions = dict(family.variables())
        assert family.messages.variables.keys() == descriptions.keys()
        assert all(text.strip() for text in descriptions.values()), family.key
    assert set(VARIABLES) <= set(dict(SHIPMENT.variables()))


def test_field_problems_report_empty_and_unknown_fields() -> None:
    errors = editor.field_problems(Channel.EMAIL, "", "Hi\n{{ nope }}")
    assert set(errors) == {"subject", "body"}
    assert errors["body"][0].line == 2
    assert editor.field_problems(Channel.SMS, "", "{{ tracking_link }}") == {}


async def test_the_list_shows_every_trigger_channel_and_locale(
    client: httpx.AsyncClient, db: str
) -> None:
    user, _token = await signed_in_owner(client)
    await NotificationTemplate.create(
        merchant_id=user.merchant_id,  # type: ignore[attr-defined]
        trigger="delivered",
        channel=Channel.EMAIL,
        locale="en",
        subject="Here",
        body="It came.",
    )
    response = await client.get("/admin/notifications/templates")
    assert response.status_code == 200
    assert response.template.name == "admin/notification_templates.html"
    rows = response.context["rows"]
    triggers = 11 + 7 + 1  # shipment updates (pickup reminder, late, stuck too), returns, survey
    email_only = 5 + 1  # claim steps, the withdrawal receipt
    assert len(rows) == triggers * 2 + email_only
    cells = [cell for row in rows for cell in row["cells"]]
    assert len(cells) == (triggers * 2 + email_only) * len(LOCALES)
    own = [cell["url"] for cell in cells if cell["overridden"]]
    assert own == [EMAIL_PATH]
    assert response.context["overridden_count"] == 1


async def test_the_edit_page_shows_default_variables_and_a_preview(
    client: httpx.AsyncClient, db: str
) -> None:
    await signed_in_owner(client)
    response = await client.get(EMAIL_PATH)
    assert response.status_code == 200
    assert response.template.name == "admin/notification_template_edit.html"
    context = response.context
    assert context["default"] == default_source("delivered", "email", "en")
    assert context["values"]["body"] == context["default"].body
    assert [name for name, _ in context["variables"]] == list(VARIABLES)
    assert context["overridden"] is False
    assert context["preview"].rendered.subject
    assert 'hx-trigger="input changed delay:400ms"' in response.text
    assert f'hx-post="{EMAIL_PATH}/preview"' in response.text


async def test_unknown_steps_in_the_path_are_not_found(client: httpx.AsyncClient, db: str) -> None:
    await signed_in_owner(client)
    for path in (
        "/admin/notifications/templates/nope/email/en",
        "/admin/notifications/templates/delivered/fax/en",
        "/admin/notifications/templates/delivered/email/de",
    ):
        assert (await client.get(path)).status_code == 404


async def test_the_htmx_preview_renders_sms_with_encoding_and_segments(
    client: httpx.AsyncClient, db: str
) -> None:
    _user, token = await signed_in_owner(client)
    response = await client.post(
        f"{SMS_PATH}/preview",
        data={"body": "Paczka {{ tracking_number }} jedzie — żółw!"},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert response.status_code == 200
    assert response.template.name == "admin/_template_preview.html"
    preview = response.context["preview"]
    assert preview.encoding == "UCS-2"
    assert preview.segments == 2  # with the tracking link, longer than 70 UCS-2 units
    assert "1ZCIETST0111111114" in preview.rendered.text
    assert "UCS-2" in response.text and "2 segments" in response.text

    plain = await client.post(
        f"{SMS_PATH}/preview",
        data={"body": "Out today"},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert (plain.context["preview"].encoding, plain.context["preview"].segments) == ("GSM-7", 1)
    assert "1 segment" in plain.text


async def test_the_htmx_preview_lists_problems_with_their_line(
    client: httpx.AsyncClient, db: str
) -> None:
    _user, token = await signed_in_owner(client)
    response = await client.post(
        f"{EMAIL_PATH}/preview",
        data={"subject": "Hello", "body": "Line one\n{{ parcel_id }}"},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert response.status_code == 200
    assert response.context["preview"] is None
    [(field, problem)] = response.context["problems"]
    assert (field, problem.line) == ("Message", 2)
    assert "parcel_id" in problem.message
    assert "line 2" in response.text


async def test_the_preview_button_works_without_javascript(
    client: httpx.AsyncClient, db: str
) -> None:
    _user, token = await signed_in_owner(client)
    response = await client.post(
        f"{EMAIL_PATH}/preview",
        data={"subject": "Yours, {{ customer_name }}", "body": "Hi", "csrf_token": token},
    )
    assert response.status_code == 200
    assert response.template.name == "admin/notification_template_edit.html"
    assert response.context["preview"].rendered.subject == "Yours, Anna Nowak"
    assert response.context["values"]["body"] == "Hi"
    assert await NotificationTemplate.all().count() == 0


async def test_saving_an_unknown_variable_is_refused_with_its_line(
    client: httpx.AsyncClient, db: str
) -> None:
    _user, token = await signed_in_owner(client)
    response = await client.post(
        EMAIL_PATH,
        data={
            "subject": "Delivered",
            "body": "Hello\n\nYour {{ parcel }} came.",
            "csrf_token": token,
        },
    )
    assert response.status_code == 422
    [problem] = response.context["errors"]["body"]
    assert problem.line == 3
    assert "parcel" in problem.message
    assert 'id="body-error"' in response.text and "line 3" in response.text
    assert response.context["values"]["body"] == "Hello\n\nYour {{ parcel }} came."
    assert await NotificationTemplate.all().count() == 0


async def test_saving_a_syntax_error_is_refused(client: httpx.AsyncClient, db: str) -> None:
    _user, token = await signed_in_owner(client)
    response = await client.post(
        SMS_PATH, data={"body": "Hi\r\n{% if eta %}soon", "csrf_token": token}
    )
    assert response.status_code == 422
    [problem] = response.context["errors"]["body"]
    assert problem.line == 2
    assert await NotificationTemplate.all().count() == 0


async def test_a_broken_subject_is_refused_beside_the_subject(
    client: httpx.AsyncClient, db: str
) -> None:
    _user, token = await signed_in_owner(client)
    response = await client.post(
        EMAIL_PATH, data={"subject": "{{ merchant.nme }}", "body": "Hi", "csrf_token": token}
    )
    assert response.status_code == 422
    assert set(response.context["errors"]) == {"subject"}
    assert 'id="subject-error"' in response.text


async def test_a_valid_template_is_saved_and_then_used_by_the_renderer(
    client: httpx.AsyncClient, app: Starlette, db: str
) -> None:
    user, token = await signed_in_owner(client)
    body = "Dzień dobry! {{ carrier_name }} przywiezie {{ tracking_number }} dziś."
    response = await client.post(SMS_PATH, data={"body": body, "csrf_token": token})
    assert response.status_code == 303
    assert response.headers["location"] == f"{SMS_PATH}?saved=1"
    row = await NotificationTemplate.get(merchant_id=user.merchant_id)  # type: ignore[attr-defined]
    assert (row.trigger, row.channel, row.locale, row.body) == (
        "out_for_delivery",
        Channel.SMS,
        "pl",
        body,
    )

    shop = await user.merchant  # type: ignore[misc]
    source = await template_source(shop.id, "out_for_delivery", "sms", "pl")
    settings = settings_of(app)
    context = sample_context(settings, shop, "pl", "sms")
    rendered = render_message(source, "sms", context, locale="pl")
    assert rendered.text.startswith("Dzień dobry! UPS przywiezie 1ZCIETST0111111114 dziś.")

    again = await client.post(SMS_PATH, data={"body": "Jedzie!", "csrf_token": token})
    assert again.status_code == 303
    assert [r.body for r in await NotificationTemplate.all()] == ["Jedzie!"]
    page = await client.get(SMS_PATH)
    assert page.context["overridden"] is True
    assert page.context["values"]["body"] == "Jedzie!"


async def test_two_saves_racing_leave_one_row(db: str) -> None:
    shop = await factories.merchant()
    await asyncio.gather(
        *(
            editor.upsert_override(shop.id, "delivered", "sms", "ro", "", f"Version {n}")
            for n in range(4)
        )
    )
    [row] = await NotificationTemplate.filter(merchant=shop)
    assert row.body.startswith("Version ")


async def test_reset_needs_confirmation_and_deletes_the_override(
    client: httpx.AsyncClient, db: str
) -> None:
    _user, token = await signed_in_owner(client)
    await client.post(EMAIL_PATH, data={"subject": "Here", "body": "Yes", "csrf_token": token})
    assert await NotificationTemplate.all().count() == 1

    refused = await client.post(f"{EMAIL_PATH}/reset", data={"csrf_token": token})
    assert refused.status_code == 400
    assert refused.context["reset_error"]
    assert await NotificationTemplate.all().count() == 1

    response = await client.post(
        f"{EMAIL_PATH}/reset", data={"confirm": "yes", "csrf_token": token}
    )
    assert response.status_code == 303
    assert await NotificationTemplate.all().count() == 0
    page = await client.get(response.headers["location"])
    assert page.context["overridden"] is False
    assert page.context["values"]["subject"] == default_source("delivered", "email", "en").subject


async def test_a_shop_sees_and_changes_only_its_own_overrides(
    client: httpx.AsyncClient, db: str
) -> None:
    other = await factories.merchant()
    theirs = await NotificationTemplate.create(
        merchant=other, trigger="delivered", channel=Channel.EMAIL, locale="en",
        subject="Theirs", body="Their words",
    )  # fmt: skip
    user, token = await signed_in_owner(client)

    listing = await client.get("/admin/notifications/templates")
    assert listing.context["overridden_count"] == 0
    page = await client.get(EMAIL_PATH)
    assert page.context["overridden"] is False
    assert "Their words" not in page.text

    await client.post(EMAIL_PATH, data={"subject": "Mine", "body": "My words", "csrf_token": token})
    await client.post(f"{EMAIL_PATH}/reset", data={"confirm": "yes", "csrf_token": token})
    await theirs.refresh_from_db()
    assert (theirs.subject, theirs.body) == ("Theirs", "Their words")
    assert await NotificationTemplate.filter(merchant_id=user.merchant_id).count() == 0  # type: ignore[attr-defined]


async def test_staff_who_are_not_owners_may_edit(client: httpx.AsyncClient, db: str) -> None:
    user = await factories.staff_user(role=Role.STAFF)
    assert (await sign_in(client, user)).status_code == 303
    token = await csrf(client, EMAIL_PATH)
    response = await client.post(
        EMAIL_PATH, data={"subject": "S", "body": "B", "csrf_token": token}
    )
    assert response.status_code == 303


async def test_signing_in_is_required(client: httpx.AsyncClient, db: str) -> None:
    response = await client.get("/admin/notifications/templates")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login")
    token = await csrf(client)
    saved = await client.post(EMAIL_PATH, data={"subject": "S", "body": "B", "csrf_token": token})
    assert saved.status_code == 303
    assert saved.headers["location"].startswith("/admin/login")
    htmx = await client.post(
        f"{EMAIL_PATH}/preview",
        data={"body": "B"},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert htmx.status_code == 401
    assert await NotificationTemplate.all().count() == 0


async def test_posts_without_a_csrf_token_are_refused(client: httpx.AsyncClient, db: str) -> None:
    await signed_in_owner(client)
    response = await client.post(EMAIL_PATH, data={"subject": "S", "body": "B"})
    assert response.status_code == 403
    assert await NotificationTemplate.all().count() == 0


# --- in the browser -------------------------------------------------------------------


def make_app() -> Starlette:
    """``uvicorn --factory``: the admin live app with the editor mounted ahead of /admin."""
    from tests.admin import live_app

    app = live_app.make_app()
    if not any(getattr(r, "name", "") == "admin_notification_templates" for r in app.routes):
        with_editor(app)
    return app


@pytest.fixture(scope="module")
def editor_server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[str]:
    root = tmp_path_factory.mktemp("templates-live")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PORTAL_VAR_DIR": str(root / "var"),
           "PORTAL_DATABASE_URL": f"sqlite://{root}/live.sqlite3",
           "PORTAL_PUBLIC_BASE_URL": base, "PORTAL_LOG_LEVEL": "WARNING"}  # fmt: skip
    copy_migrated(sqlite_template, root / "live.sqlite3")
    for command in (["demo"],):
        subprocess.run(
            [sys.executable, "-m", "portal.cli", *command], env=env, check=True, cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
    command = [sys.executable, "-m", "uvicorn", "--factory",
         "tests.admin.test_notification_templates:make_app",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]  # fmt: skip
    with running_server(command, base=base, env=env, cwd=ROOT):
        yield base


def _sign_in(page: Any, base: str) -> None:
    from portal.demo import DEMO_EMAIL, DEMO_PASSWORD

    page.goto(f"{base}/admin/login")
    page.fill("#email", DEMO_EMAIL)
    page.fill("#password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


@pytest.mark.browser
def test_typing_updates_the_live_preview(page: Any, editor_server: str) -> None:
    _sign_in(page, editor_server)
    page.goto(f"{editor_server}/admin/notifications/templates")
    assert page.locator("h1").inner_text() == "Message templates"
    violations = axe_violations(page)
    assert violations == [], [(v["id"], v["nodes"][:2]) for v in violations]

    page.goto(f"{editor_server}{SMS_PATH}")
    page.fill("#body", "")
    page.locator("#body").press_sequentially("Kurier {{ carrier_name }} już jedzie")
    preview = page.locator("#template-preview")
    preview.get_by_text("Kurier UPS już jedzie").wait_for(timeout=5000)
    assert "UCS-2" in preview.inner_text()

    page.locator("#body").press_sequentially(" {{ nope }}")
    preview.get_by_text("line 1").wait_for(timeout=5000)
    assert "nope" in preview.inner_text()
    violations = axe_violations(page)
    assert violations == [], [(v["id"], v["nodes"][:2]) for v in violations]
