"""Sign-in, sign-out, session versions, throttling and password reset by e-mailed token."""

from __future__ import annotations

import re

import httpx
from starlette.applications import Starlette

from portal.admin import signin
from portal.models import OutboxMessage, StaffUser
from portal.security import verify_password
from tests import factories
from tests.admin.helpers import PASSWORD, csrf, settings_of, sign_in


async def test_a_page_needs_a_signed_in_user(client: httpx.AsyncClient) -> None:
    response = await client.get("/admin/shipments")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login")


async def test_htmx_requests_get_401_with_hx_redirect(client: httpx.AsyncClient) -> None:
    response = await client.get("/admin/shipments", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/admin/login")


async def test_it_signs_in_with_the_right_password(client: httpx.AsyncClient, db: str) -> None:
    user = await factories.staff_user()
    response = await sign_in(client, user)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/"
    page = await client.get("/admin/shipments")
    assert page.status_code == 200
    assert page.template.name == "admin/shipments.html"
    assert (await StaffUser.get(id=user.id)).last_login_at is not None


async def test_a_wrong_password_is_refused(client: httpx.AsyncClient, db: str) -> None:
    user = await factories.staff_user()
    response = await sign_in(client, user, "wrong password!!")
    assert response.status_code == 400
    assert "do not match" in response.context["error"]
    assert (await client.get("/admin/shipments")).status_code == 303


async def test_an_unknown_email_gets_the_same_answer(client: httpx.AsyncClient, db: str) -> None:
    token = await csrf(client)
    response = await client.post(
        "/admin/login", data={"email": "nobody@example.test", "password": "x", "csrf_token": token}
    )
    assert response.status_code == 400
    assert "do not match" in response.context["error"]


async def test_sign_in_is_throttled_after_repeated_failures(
    client: httpx.AsyncClient, db: str
) -> None:
    user = await factories.staff_user()
    for _ in range(5):
        assert (await sign_in(client, user, "wrong password!!")).status_code == 400
    response = await sign_in(client, user)  # even the right password waits
    assert response.status_code == 429
    assert "Too many" in response.context["error"]
    assert 800 < int(response.headers["Retry-After"]) <= 900  # the 15-minute window


async def test_failures_from_one_address_do_not_lock_the_account_out_elsewhere(
    app: Starlette, db: str
) -> None:
    from tests.conftest import client_for

    user = await factories.staff_user()
    async with (
        client_for(app, client=("203.0.113.9", 4000)) as attacker,
        client_for(app, client=("198.51.100.7", 5000)) as owner,
    ):
        for _ in range(5):
            assert (await sign_in(attacker, user, "wrong password!!")).status_code == 400
        assert (await sign_in(attacker, user)).status_code == 429
        assert (await sign_in(owner, user)).status_code == 303


async def test_the_login_form_without_csrf_is_refused(client: httpx.AsyncClient, db: str) -> None:
    user = await factories.staff_user()
    await client.get("/admin/login")
    response = await client.post("/admin/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 403


async def test_an_outdated_hash_is_rehashed_on_sign_in(client: httpx.AsyncClient, db: str) -> None:
    from argon2 import PasswordHasher

    user = await factories.staff_user()
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    await StaffUser.filter(id=user.id).update(password_hash=weak)
    assert (await sign_in(client, user)).status_code == 303
    stored = (await StaffUser.get(id=user.id)).password_hash
    assert stored != weak
    assert verify_password(stored, PASSWORD)


async def test_logout_ends_the_session(client: httpx.AsyncClient, db: str) -> None:
    user = await factories.staff_user()
    await sign_in(client, user)
    token = await csrf(client, "/admin/account")
    cookie = client.cookies.get("portal_session")
    assert cookie
    response = await client.post("/admin/logout", data={"csrf_token": token})
    assert response.status_code == 303
    assert (await client.get("/admin/shipments")).status_code == 303
    # A copy of the cookie taken before signing out is dead too: the server ended it.
    client.cookies.set("portal_session", cookie)
    assert (await client.get("/admin/shipments")).status_code == 303


async def test_sign_out_everywhere_ends_other_sessions(app: Starlette, db: str) -> None:
    from tests.conftest import client_for

    user = await factories.staff_user()
    async with client_for(app) as laptop, client_for(app) as phone:
        await sign_in(laptop, user)
        await sign_in(phone, user)
        token = await csrf(laptop, "/admin/account")
        response = await laptop.post(
            "/admin/account/sign-out-everywhere", data={"password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 200
        assert (await laptop.get("/admin/shipments")).status_code == 200
        assert (await phone.get("/admin/shipments")).status_code == 303


async def test_a_disabled_user_is_signed_out(client: httpx.AsyncClient, db: str) -> None:
    user = await factories.staff_user()
    await sign_in(client, user)
    await StaffUser.filter(id=user.id).update(is_active=False)
    assert (await client.get("/admin/shipments")).status_code == 303


async def test_a_reset_request_queues_an_email(
    client: httpx.AsyncClient, app: Starlette, db: str
) -> None:
    user = await factories.staff_user()
    token = await csrf(client, "/admin/reset")
    response = await client.post("/admin/reset", data={"email": user.email, "csrf_token": token})
    assert response.status_code == 200
    assert response.context["sent"]
    message = await OutboxMessage.get(trigger="password_reset")
    assert message.recipient == user.email
    assert message.channel == "email"
    assert message.unique_key.startswith(f"staff:{user.id}:password_reset:")
    assert "/admin/reset/" in message.body_text


async def test_a_reset_for_an_unknown_email_looks_the_same(
    client: httpx.AsyncClient, db: str
) -> None:
    token = await csrf(client, "/admin/reset")
    response = await client.post(
        "/admin/reset", data={"email": "ghost@example.test", "csrf_token": token}
    )
    assert response.status_code == 200
    assert response.context["sent"]
    assert await OutboxMessage.all().count() == 0


async def test_a_reset_token_sets_the_password_once(
    client: httpx.AsyncClient, app: Starlette, db: str
) -> None:
    user = await factories.staff_user()
    reset = signin.reset_token(settings_of(app), user)
    page = await client.get(f"/admin/reset/{reset}")
    assert page.context["valid"]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    new = "a brand new password"
    response = await client.post(
        f"/admin/reset/{reset}", data={"password": new, "confirm": new, "csrf_token": token}
    )
    assert response.status_code == 303
    assert verify_password((await StaffUser.get(id=user.id)).password_hash, new)
    again = await client.get(f"/admin/reset/{reset}")
    assert not again.context["valid"]


async def test_a_forged_reset_token_is_refused(client: httpx.AsyncClient, db: str) -> None:
    page = await client.get("/admin/reset/not-a-real-token")
    assert not page.context["valid"]


async def test_next_never_leaves_the_admin(client: httpx.AsyncClient, db: str) -> None:
    user = await factories.staff_user()
    token = await csrf(client)
    response = await client.post(
        "/admin/login",
        data={
            "email": user.email,
            "password": PASSWORD,
            "csrf_token": token,
            "next": "https://evil.example/",
        },
    )
    assert response.headers["location"] == "/admin/"
