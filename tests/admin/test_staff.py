"""Staff management: owners invite, deactivate and change roles; a shop keeps an owner."""

from __future__ import annotations

import re
from urllib.parse import unquote

import httpx
from starlette.applications import Starlette

from portal.admin.signin import user_for_token
from portal.models import OutboxMessage, Role, StaffUser
from portal.security import verify_password
from tests import factories
from tests.admin.helpers import csrf, settings_of, sign_in, signed_in_owner


async def _invite(client: httpx.AsyncClient, token: str, **fields: str) -> httpx.Response:
    data = {
        "email": "New.Person@example.test",
        "name": "New Person",
        "role": "staff",
        "method": "link",
        "csrf_token": token,
        **fields,
    }
    return await client.post("/admin/staff", data=data)


async def test_an_invitation_e_mails_a_working_password_link(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    owner, token = await signed_in_owner(client)
    response = await _invite(client, token)
    assert response.status_code == 200
    assert response.template.name == "admin/staff_invited.html"  # type: ignore[attr-defined]
    assert "temporary" not in response.context  # type: ignore[attr-defined]
    user = await StaffUser.get(email="new.person@example.test")
    assert user.merchant_id == owner.merchant_id  # type: ignore[attr-defined]
    assert user.role == Role.STAFF
    message = await OutboxMessage.get(recipient=user.email)
    assert message.trigger == "staff_invitation"
    match = re.search(r"/admin/reset/(\S+)", message.body_text)
    assert match
    invited = await user_for_token(settings_of(app), unquote(match.group(1)))
    assert invited is not None and invited.id == user.id


async def test_a_temporary_password_is_shown_once_and_signs_in(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    _, token = await signed_in_owner(client)
    response = await _invite(client, token, method="password", role="owner")
    temporary = response.context["temporary"]  # type: ignore[attr-defined]
    assert response.headers["cache-control"] == "no-store"
    user = await StaffUser.get(email="new.person@example.test")
    assert user.role == Role.OWNER
    assert verify_password(user.password_hash, temporary)
    assert await OutboxMessage.all().count() == 0
    assert temporary not in (await client.get("/admin/staff")).text


async def test_bad_or_taken_e_mails_are_refused(client: httpx.AsyncClient) -> None:
    owner, token = await signed_in_owner(client)
    response = await _invite(client, token, email="not-an-address")
    assert response.status_code == 400
    assert "email" in response.context["errors"]  # type: ignore[attr-defined]
    taken = await _invite(client, token, email=owner.email)
    assert taken.status_code == 400
    assert "email" in taken.context["errors"]  # type: ignore[attr-defined]
    assert await StaffUser.all().count() == 1


async def test_deactivating_signs_the_person_out(app: Starlette, client: httpx.AsyncClient) -> None:
    from tests.conftest import client_for

    owner, token = await signed_in_owner(client)
    member = await factories.staff_user(await owner.merchant, role=Role.STAFF)
    async with client_for(app) as theirs:
        await sign_in(theirs, member)
        assert (await theirs.get("/admin/account")).status_code == 200
        response = await client.post(
            f"/admin/staff/{member.id}/deactivate", data={"csrf_token": token}
        )
        assert response.headers["location"] == "/admin/staff?done=deactivated"
        assert (await theirs.get("/admin/account")).status_code == 303
    await client.post(f"/admin/staff/{member.id}/reactivate", data={"csrf_token": token})
    assert (await StaffUser.get(id=member.id)).is_active


async def test_roles_change(client: httpx.AsyncClient) -> None:
    owner, token = await signed_in_owner(client)
    member = await factories.staff_user(await owner.merchant, role=Role.STAFF)
    url = f"/admin/staff/{member.id}/role"
    assert (await client.post(url, data={"role": "owner", "csrf_token": token})).status_code == 303
    assert (await StaffUser.get(id=member.id)).role == Role.OWNER
    bad = await client.post(url, data={"role": "emperor", "csrf_token": token})
    assert bad.status_code == 400


async def test_the_last_owner_cannot_demote_or_deactivate_themself(
    client: httpx.AsyncClient,
) -> None:
    owner, token = await signed_in_owner(client)
    demote = await client.post(
        f"/admin/staff/{owner.id}/role", data={"role": "staff", "csrf_token": token}
    )
    assert demote.status_code == 409
    assert demote.context["page_error"]  # type: ignore[attr-defined]
    leave = await client.post(f"/admin/staff/{owner.id}/deactivate", data={"csrf_token": token})
    assert leave.status_code == 409
    fresh = await StaffUser.get(id=owner.id)
    assert (fresh.role, fresh.is_active) == (Role.OWNER, True)


async def test_an_owner_may_step_down_when_another_owner_remains(
    client: httpx.AsyncClient,
) -> None:
    owner, token = await signed_in_owner(client)
    await factories.staff_user(await owner.merchant, role=Role.OWNER)
    response = await client.post(
        f"/admin/staff/{owner.id}/role", data={"role": "staff", "csrf_token": token}
    )
    assert response.status_code == 303
    assert (await StaffUser.get(id=owner.id)).role == Role.STAFF
    assert (await client.get("/admin/staff")).status_code == 403


async def test_a_deactivated_owner_does_not_count(client: httpx.AsyncClient) -> None:
    owner, token = await signed_in_owner(client)
    await factories.staff_user(await owner.merchant, role=Role.OWNER, is_active=False)
    response = await client.post(f"/admin/staff/{owner.id}/deactivate", data={"csrf_token": token})
    assert response.status_code == 409


async def test_send_link_queues_a_new_password_link(client: httpx.AsyncClient) -> None:
    owner, token = await signed_in_owner(client)
    member = await factories.staff_user(await owner.merchant, role=Role.STAFF)
    response = await client.post(f"/admin/staff/{member.id}/send-link", data={"csrf_token": token})
    assert response.headers["location"] == "/admin/staff?done=link"
    assert await OutboxMessage.filter(recipient=member.email).count() == 1


async def test_another_merchants_people_are_404(client: httpx.AsyncClient) -> None:
    _, token = await signed_in_owner(client)
    stranger = await factories.staff_user(await factories.merchant(), role=Role.OWNER)
    for action, data in (
        ("role", {"role": "staff"}),
        ("deactivate", {}),
        ("reactivate", {}),
        ("send-link", {}),
    ):
        response = await client.post(
            f"/admin/staff/{stranger.id}/{action}", data={**data, "csrf_token": token}
        )
        assert response.status_code == 404, action
    fresh = await StaffUser.get(id=stranger.id)
    assert (fresh.role, fresh.is_active) == (Role.OWNER, True)
    listing = await client.get("/admin/staff")
    members = listing.context["members"]  # type: ignore[attr-defined]
    assert stranger.id not in [m.id for m in members]
    assert await OutboxMessage.all().count() == 0


async def test_forms_need_the_csrf_token(client: httpx.AsyncClient) -> None:
    await signed_in_owner(client)
    assert (await _invite(client, "wrong")).status_code == 403
    assert await StaffUser.all().count() == 1


async def test_staff_who_are_not_owners_get_403(client: httpx.AsyncClient) -> None:
    shop = await factories.merchant()
    user = await factories.staff_user(shop, role=Role.STAFF)
    other = await factories.staff_user(shop, role=Role.STAFF)
    await sign_in(client, user)
    token = await csrf(client, "/admin/account")
    assert (await client.get("/admin/staff")).status_code == 403
    assert (await _invite(client, token)).status_code == 403
    response = await client.post(
        f"/admin/staff/{other.id}/role", data={"role": "owner", "csrf_token": token}
    )
    assert response.status_code == 403
    assert (await StaffUser.get(id=other.id)).role == Role.STAFF
