"""Outgoing webhook endpoints (owners only): list, create (the signing secret is shown
once), enable/disable, delete, "send test", and each endpoint's delivery log (the last
30 days, newest first, filtered by state, paged by (created_at, id)) with "resend" on
delivered and failed deliveries.

The work is done by :mod:`portal.webhooks_out.admin`, which scopes every query to the
merchant, and :mod:`portal.webhooks_out.delivery_log`; this module turns the English
:class:`EndpointError` into translated text keyed on the field it names, and renders the
pages.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.admin.auth import int_param, render, require_staff, staff_of
from portal.i18n import _
from portal.models import DeliveryState, WebhookEndpoint
from portal.row_keys import Key
from portal.webhooks_out import admin as hooks
from portal.webhooks_out import delivery_log, purge, topics

#: The topics offered as checkboxes, in this order.
TOPIC_CHOICES: tuple[str, ...] = (
    topics.SHIPMENT_STATUS_CHANGED,
    topics.SHIPMENT_DELIVERED,
    topics.SHIPMENT_EXCEPTION,
    "shipment.*",
    "return.resolved",
    "return.*",
    topics.SURVEY_FOLLOW_UP,
    topics.SURVEY_ANSWERED,
    "survey.*",
)
MAX_URL = 500
MAX_DESCRIPTION = 200
#: Deliveries a page of the log shows.
LOG_PAGE = 50
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_ID = 2**63 - 1


def topic_labels() -> dict[str, str]:
    return {
        topics.SHIPMENT_STATUS_CHANGED: _("Any change of a shipment's status"),
        topics.SHIPMENT_DELIVERED: _("A shipment is delivered"),
        topics.SHIPMENT_EXCEPTION: _("A shipment has a problem"),
        "shipment.*": _("Every shipment event, including ones added later"),
        "return.resolved": _("A return is resolved: refunds and store credit are due"),
        "return.*": _("Every step of every return"),
        topics.SURVEY_FOLLOW_UP: _("A customer's survey answers call for a follow-up"),
        topics.SURVEY_ANSWERED: _("A customer answers a survey question"),
        "survey.*": _("Every survey event"),
    }


def state_labels() -> dict[str, str]:
    return {"pending": _("Waiting to be sent"), "delivered": _("Delivered"), "failed": _("Failed")}


def endpoint_error_text(pointer: str) -> str:
    """The merchant's language for what :class:`EndpointError` found wrong."""
    if pointer == "/url":
        return _(
            "Enter a full address starting with https:// (or http:// while testing) that "
            "can be reached from the internet."
        )
    if pointer == "/topics":
        return _("Choose at least one topic.")
    return _("Choose topics from the list.")


async def _page(request: Request, **context: Any) -> Response:
    merchant_id = staff_of(request).merchant.id
    status = int(context.pop("status", 200))
    return render(
        request,
        "admin/webhooks.html",
        {
            "endpoints": await hooks.list_endpoints(merchant_id),
            "topic_choices": TOPIC_CHOICES,
            "topic_labels": topic_labels(),
            "done": request.query_params.get("done"),
            "values": {"url": "", "description": "", "topics": []},
            "errors": {},
            **context,
        },
        status=status,
    )


@require_staff(owner=True)
async def list_webhooks(request: Request) -> Response:
    return await _page(request)


@require_staff(owner=True)
async def create_webhook(request: Request) -> Response:
    async with request.form() as form:
        url = str(form.get("url", "")).strip()
        description = str(form.get("description", "")).strip()
        chosen = [str(t) for t in form.getlist("topics")]
    values = {"url": url, "description": description, "topics": chosen}
    errors: dict[str, str] = {}
    if len(url) > MAX_URL:
        errors["url"] = _("The address may be at most 500 characters long.")
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = _("The description may be at most 200 characters long.")
    if any(t not in TOPIC_CHOICES for t in chosen):
        errors["topics"] = endpoint_error_text("/topics/0")
    if not errors:
        try:
            endpoint, secret = await hooks.create_endpoint(
                request.app.state.settings,
                merchant_id=staff_of(request).merchant.id,
                url=url,
                topics_=chosen,
                description=description,
            )
        except hooks.EndpointError as exc:
            field = "url" if exc.pointer == "/url" else "topics"
            errors[field] = endpoint_error_text(exc.pointer)
    if errors:
        return await _page(request, values=values, errors=errors, status=400)
    response = render(
        request,
        "admin/webhook_created.html",
        {"endpoint": endpoint, "secret": secret, "topic_labels": topic_labels()},
    )
    response.headers["Cache-Control"] = "no-store"
    return response


async def _endpoint(request: Request) -> WebhookEndpoint:
    endpoint = await hooks.get_endpoint(
        staff_of(request).merchant.id, int_param(request, "endpoint_id")
    )
    if endpoint is None:
        raise HTTPException(404)
    return endpoint


def log_cursor(key: Key) -> str:
    """The log's "older" link for a page ending at ``key``: ``<id>-<µs since 1970>``."""
    row_id, created_at = key
    return f"{row_id}-{(created_at - _EPOCH) // timedelta(microseconds=1)}"


def _parse_log_cursor(raw: str | None) -> Key | None:
    """The key of :func:`log_cursor`, or None for anything else (the first page)."""
    head, _sep, tail = (raw or "").partition("-")
    if not (head.isdigit() and tail.isdigit()) or int(head) > _MAX_ID:
        return None
    try:
        return int(head), _EPOCH + timedelta(microseconds=int(tail))
    except OverflowError:
        return None


@require_staff(owner=True)
async def endpoint_detail(request: Request) -> Response:
    endpoint = await _endpoint(request)
    state = request.query_params.get("state", "")
    chosen = DeliveryState(state) if state in {s.value for s in DeliveryState} else None
    found = await delivery_log.page(
        endpoint,
        limit=LOG_PAGE,
        before=_parse_log_cursor(request.query_params.get("before")),
        since=datetime.now(UTC) - purge.KEEP,
        state=chosen,
    )
    return render(
        request,
        "admin/webhook.html",
        {
            "endpoint": endpoint,
            "deliveries": found.deliveries,
            "state": chosen.value if chosen else "",
            "older": log_cursor(found.next_key) if found.next_key else None,
            "resendable": {s.value for s in delivery_log.RESENDABLE},
            "topic_labels": topic_labels(),
            "state_labels": state_labels(),
            "done": request.query_params.get("done"),
        },
    )


@require_staff(owner=True)
async def resend_delivery(request: Request) -> Response:
    endpoint = await _endpoint(request)
    delivery_id = int_param(request, "delivery_id")
    delivery = await delivery_log.get(endpoint, delivery_id) if delivery_id <= _MAX_ID else None
    if delivery is None:
        raise HTTPException(404)
    try:
        await delivery_log.resend(endpoint, delivery, now=datetime.now(UTC))
    except delivery_log.ResendRefused as refused:
        done = f"resend-{refused.reason}"
    else:
        done = "resent"
    return RedirectResponse(f"/admin/webhooks/{endpoint.id}?done={done}", status_code=303)


@require_staff(owner=True)
async def set_enabled(request: Request) -> Response:
    endpoint = await _endpoint(request)
    enabled = request.url.path.endswith("/enable")
    await hooks.set_enabled(staff_of(request).merchant.id, endpoint.id, enabled)
    done = "enabled" if enabled else "disabled"
    return RedirectResponse(f"/admin/webhooks/{endpoint.id}?done={done}", status_code=303)


@require_staff(owner=True)
async def delete_page(request: Request) -> Response:
    return render(request, "admin/webhook_delete.html", {"endpoint": await _endpoint(request)})


@require_staff(owner=True)
async def delete_webhook(request: Request) -> Response:
    endpoint = await _endpoint(request)
    await hooks.delete_endpoint(staff_of(request).merchant.id, endpoint.id)
    return RedirectResponse("/admin/webhooks?done=deleted", status_code=303)


@require_staff(owner=True)
async def send_test(request: Request) -> Response:
    endpoint = await _endpoint(request)
    if not endpoint.enabled:  # the sender would fail it at once: say so instead
        if request.headers.get("hx-request"):
            return render(request, "admin/_webhook_test.html", {"disabled": True})
        return RedirectResponse(f"/admin/webhooks/{endpoint.id}?done=test-disabled", 303)
    delivery = await hooks.send_test(staff_of(request).merchant.id, endpoint.id)
    if delivery is None:
        raise HTTPException(404)
    if request.headers.get("hx-request"):
        return render(request, "admin/_webhook_test.html", {"delivery": delivery})
    return RedirectResponse(f"/admin/webhooks/{endpoint.id}?done=test", status_code=303)
