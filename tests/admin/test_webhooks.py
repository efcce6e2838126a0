"""Outgoing webhooks in the workspace: owners only, secret shown once, test, delivery log."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from starlette.applications import Starlette

from portal.models import DeliveryState, Role, WebhookDelivery, WebhookEndpoint
from portal.webhooks_out import admin as hooks
from portal.webhooks_out import topics
from tests import factories
from tests.admin.helpers import csrf, settings_of, sign_in, signed_in_owner

URL = "https://shop.example.com/hooks"


async def _create(client: httpx.AsyncClient, token: str, **fields: object) -> httpx.Response:
    data: dict[str, object] = {
        "url": URL,
        "description": "ERP",
        "topics": ["shipment.delivered", "shipment.exception"],
        "csrf_token": token,
        **fields,
    }
    return await client.post("/admin/webhooks", data=data)


async def test_an_owner_adds_an_endpoint_and_sees_the_secret_once(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    user, token = await signed_in_owner(client)
    response = await _create(client, token)
    assert response.status_code == 200
    assert response.template.name == "admin/webhook_created.html"  # type: ignore[attr-defined]
    assert response.headers["cache-control"] == "no-store"
    secret = response.context["secret"]  # type: ignore[attr-defined]
    endpoint = await WebhookEndpoint.get(merchant_id=user.merchant_id)  # type: ignore[attr-defined]
    assert endpoint.topics == ["shipment.delivered", "shipment.exception"]
    assert hooks.endpoint_secret(settings_of(app), endpoint) == secret
    for page in ("/admin/webhooks", f"/admin/webhooks/{endpoint.id}"):
        shown = await client.get(page)
        assert shown.status_code == 200
        assert secret not in shown.text


async def test_field_problems_are_explained_in_the_merchants_words(
    client: httpx.AsyncClient,
) -> None:
    _, token = await signed_in_owner(client)
    response = await _create(client, token, url="ftp://nope", topics=[])
    assert response.status_code == 400
    errors = response.context["errors"]  # type: ignore[attr-defined]
    assert errors == {"url": hooks_text("/url")}
    context = (await _create(client, token, topics=[])).context  # type: ignore[attr-defined]
    assert context["errors"] == {"topics": "Choose at least one topic."}
    context = (await _create(client, token, topics=["return.nope!"])).context  # type: ignore[attr-defined]
    assert context["errors"] == {"topics": "Choose topics from the list."}
    assert context["values"]["url"] == URL
    assert await WebhookEndpoint.all().count() == 0


def hooks_text(pointer: str) -> str:
    from portal.admin.webhooks import endpoint_error_text

    return endpoint_error_text(pointer)


async def test_disable_enable_and_delete(client: httpx.AsyncClient) -> None:
    _, token = await signed_in_owner(client)
    await _create(client, token)
    endpoint = await WebhookEndpoint.get()
    base = f"/admin/webhooks/{endpoint.id}"
    assert (await client.post(f"{base}/disable", data={"csrf_token": token})).status_code == 303
    assert not (await WebhookEndpoint.get(id=endpoint.id)).enabled
    assert (await client.post(f"{base}/enable", data={"csrf_token": token})).status_code == 303
    assert (await WebhookEndpoint.get(id=endpoint.id)).enabled
    confirm = await client.get(f"{base}/delete")
    assert confirm.template.name == "admin/webhook_delete.html"  # type: ignore[attr-defined]
    deleted = await client.post(f"{base}/delete", data={"csrf_token": token})
    assert deleted.headers["location"] == "/admin/webhooks?done=deleted"
    assert not await WebhookEndpoint.exists(id=endpoint.id)


async def test_send_test_queues_a_ping_and_answers_htmx_with_a_fragment(
    client: httpx.AsyncClient,
) -> None:
    _, token = await signed_in_owner(client)
    await _create(client, token)
    endpoint = await WebhookEndpoint.get()
    response = await client.post(
        f"/admin/webhooks/{endpoint.id}/test",
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert response.status_code == 200
    assert response.template.name == "admin/_webhook_test.html"  # type: ignore[attr-defined]
    plain = await client.post(f"/admin/webhooks/{endpoint.id}/test", data={"csrf_token": token})
    assert plain.headers["location"] == f"/admin/webhooks/{endpoint.id}?done=test"
    pings = await WebhookDelivery.filter(endpoint=endpoint, topic=topics.PING).count()
    assert pings == 2


async def test_the_delivery_log_lists_the_endpoints_deliveries(client: httpx.AsyncClient) -> None:
    _, token = await signed_in_owner(client)
    await _create(client, token)
    endpoint = await WebhookEndpoint.get()
    now = datetime.now(UTC)
    await WebhookDelivery.create(
        endpoint=endpoint,
        topic="shipment.delivered",
        state=DeliveryState.FAILED,
        attempts=8,
        next_attempt_at=now,
        response_status=500,
        response_excerpt="boom at the receiver",
    )
    page = await client.get(f"/admin/webhooks/{endpoint.id}")
    assert page.template.name == "admin/webhook.html"  # type: ignore[attr-defined]
    [row] = page.context["deliveries"]  # type: ignore[attr-defined]
    assert row.response_status == 500
    assert "boom at the receiver" in page.text
    assert "Failed" in page.text


async def test_forms_need_the_csrf_token(client: httpx.AsyncClient) -> None:
    await signed_in_owner(client)
    assert (await _create(client, "wrong")).status_code == 403
    assert await WebhookEndpoint.all().count() == 0


async def test_another_merchants_endpoint_is_404(client: httpx.AsyncClient, app: Starlette) -> None:
    _, token = await signed_in_owner(client)
    theirs = await factories.merchant()
    endpoint, _ = await hooks.create_endpoint(
        settings_of(app), merchant_id=theirs.id, url=URL, topics_=["*"]
    )
    base = f"/admin/webhooks/{endpoint.id}"
    assert (await client.get(base)).status_code == 404
    assert (await client.get(f"{base}/delete")).status_code == 404
    for action in ("disable", "enable", "test", "delete"):
        response = await client.post(f"{base}/{action}", data={"csrf_token": token})
        assert response.status_code == 404, action
    assert await WebhookEndpoint.exists(id=endpoint.id, enabled=True)
    assert await WebhookDelivery.all().count() == 0
    listing = await client.get("/admin/webhooks")
    assert listing.context["endpoints"] == []  # type: ignore[attr-defined]


async def test_staff_who_are_not_owners_get_403(client: httpx.AsyncClient) -> None:
    user = await factories.staff_user(await factories.merchant(), role=Role.STAFF)
    await sign_in(client, user)
    token = await csrf(client, "/admin/account")
    assert (await client.get("/admin/webhooks")).status_code == 403
    assert (await _create(client, token)).status_code == 403


async def test_a_disabled_endpoint_gets_no_test(client: httpx.AsyncClient) -> None:
    _, token = await signed_in_owner(client)
    await _create(client, token)
    endpoint = await WebhookEndpoint.get()
    await client.post(f"/admin/webhooks/{endpoint.id}/disable", data={"csrf_token": token})
    response = await client.post(
        f"/admin/webhooks/{endpoint.id}/test",
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert response.context["disabled"] is True  # type: ignore[attr-defined]
    plain = await client.post(f"/admin/webhooks/{endpoint.id}/test", data={"csrf_token": token})
    assert plain.headers["location"].endswith("?done=test-disabled")
    assert "Enable it to send a test" in (await client.get(plain.headers["location"])).text
    assert await WebhookDelivery.all().count() == 0


async def test_owners_see_the_new_screens_in_the_navigation(client: httpx.AsyncClient) -> None:
    await signed_in_owner(client)
    page = (await client.get("/admin/account")).text
    for path in ("/admin/api-keys", "/admin/webhooks", "/admin/staff"):
        assert f'href="{path}"' in page


async def test_staff_do_not_see_owner_screens_in_the_navigation(
    client: httpx.AsyncClient,
) -> None:
    await sign_in(client, await factories.staff_user(await factories.merchant(), role=Role.STAFF))
    page = (await client.get("/admin/account")).text
    assert 'href="/admin/webhooks"' not in page


async def test_the_log_pages_older_deliveries_and_ignores_a_bad_cursor(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    _, token = await signed_in_owner(client)
    await _create(client, token)
    endpoint = await WebhookEndpoint.get()
    now = datetime.now(UTC)
    await WebhookDelivery.bulk_create(
        [
            WebhookDelivery(endpoint=endpoint, topic=topics.PING, next_attempt_at=now)
            for _ in range(hooks_page() + 1)
        ]
    )
    first = await client.get(f"/admin/webhooks/{endpoint.id}")
    assert len(first.context["deliveries"]) == hooks_page()  # type: ignore[attr-defined]
    older = first.context["older"]  # type: ignore[attr-defined]
    assert f"before={older}" in first.text
    second = await client.get(f"/admin/webhooks/{endpoint.id}", params={"before": older})
    [last] = second.context["deliveries"]  # type: ignore[attr-defined]
    assert last.id not in {d.id for d in first.context["deliveries"]}  # type: ignore[attr-defined]
    assert second.context["older"] is None  # type: ignore[attr-defined]
    for bad in ("x-1", "1-", "99999999999999999999-1", "1-99999999999999999999999"):
        page = await client.get(f"/admin/webhooks/{endpoint.id}", params={"before": bad})
        assert len(page.context["deliveries"]) == hooks_page(), bad  # type: ignore[attr-defined]
    theirs = await factories.merchant()
    other, _ = await hooks.create_endpoint(
        settings_of(app), merchant_id=theirs.id, url=URL, topics_=["*"]
    )
    resend = f"/admin/webhooks/{other.id}/deliveries/{last.id}/resend"
    assert (await client.post(resend, data={"csrf_token": token})).status_code == 404
    mine = f"/admin/webhooks/{endpoint.id}/deliveries/{2**70}/resend"
    assert (await client.post(mine, data={"csrf_token": token})).status_code == 404


def hooks_page() -> int:
    from portal.admin.webhooks import LOG_PAGE

    return LOG_PAGE
