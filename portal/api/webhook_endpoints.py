"""``/webhook-endpoints``: subscribe a URL to topics (the signing secret is shown once),
list, read and delete endpoints; an endpoint's delivery log and "resend"
(:mod:`portal.webhooks_out.delivery_log`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from portal.api import pagination
from portal.api.errors import ApiError, invalid_field, not_found
from portal.api.operations import Call, Operation, Param, Reply
from portal.api.schemas import DATE_TIME, component, list_of, nullable, obj, page_of, string
from portal.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from portal.webhooks_out import admin, delivery_log

_TOPICS = {
    "type": "array",
    "items": string(description="A topic (shipment.delivered), a wildcard (shipment.*) or *."),
    "minItems": 1,
    "maxItems": admin.MAX_TOPICS,
}
ENDPOINT_IN = component(
    "WebhookEndpointInput",
    obj(
        {"url": string(format="uri", maxLength=500), "topics": _TOPICS},
        {"description": string(maxLength=200)},
    ),
)
_ENDPOINT_FIELDS = {
    "id": {"type": "integer"},
    "url": string(),
    "description": string(),
    "topics": {"type": "array", "items": string()},
    "enabled": {"type": "boolean"},
    "created_at": DATE_TIME,
}
ENDPOINT = component("WebhookEndpoint", obj(_ENDPOINT_FIELDS))
ENDPOINT_CREATED = component(
    "WebhookEndpointCreated",
    obj(
        {
            **_ENDPOINT_FIELDS,
            "secret": string(
                description="The signing secret. Shown only in this response: store it now."
            ),
        }
    ),
)


_DELIVERY_FIELDS = {
    "id": {"type": "integer"},
    "event_id": string(
        description="The body's `id`, sent as `Doorstep-Event-Id`: a resent copy has its "
        "original's."
    ),
    "topic": string(),
    "state": {"type": "string", "enum": [s.value for s in DeliveryState]},
    "attempts": {"type": "integer", "description": "Attempts made so far."},
    "response_status": nullable(
        {"type": "integer", "description": "The receiver's last HTTP status; null: none."}
    ),
    "response_excerpt": nullable(
        string(description="The start of the receiver's last answer, or the network error.")
    ),
    "created_at": DATE_TIME,
    "next_attempt_at": nullable(
        {**DATE_TIME, "description": "When the next attempt is due; null unless pending."}
    ),
    "delivered_at": nullable(DATE_TIME),
}
DELIVERY = component("WebhookDelivery", obj(_DELIVERY_FIELDS))
DELIVERY_DETAIL = component(
    "WebhookDeliveryDetail",
    obj({**_DELIVERY_FIELDS, "payload": {"type": "object", "description": "The body sent."}}),
)


#: Why a delivery is not resent, by :class:`delivery_log.ResendRefused` reason: the API's
#: 409 and ``portal webhooks resend``'s error.
RESEND_REFUSED = {
    "disabled": "The endpoint is disabled: enable it to resend.",
    "pending": "The delivery is still pending: it will be sent.",
}


def delivery_json(delivery: WebhookDelivery) -> dict[str, Any]:
    pending = delivery.state == DeliveryState.PENDING
    return {
        "id": delivery.id,
        "event_id": str(delivery.payload.get("id") or f"dlv_{delivery.id}"),
        "topic": delivery.topic,
        "state": DeliveryState(delivery.state).value,
        "attempts": delivery.attempts,
        "response_status": delivery.response_status,
        "response_excerpt": delivery.response_excerpt,
        "created_at": delivery.created_at.isoformat(),
        "next_attempt_at": delivery.next_attempt_at.isoformat() if pending else None,
        "delivered_at": delivery.delivered_at.isoformat() if delivery.delivered_at else None,
    }


def endpoint_json(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "description": endpoint.description,
        "topics": list(endpoint.topics),
        "enabled": endpoint.enabled,
        "created_at": endpoint.created_at.isoformat(),
    }


async def create_endpoint(call: Call) -> Reply:
    try:
        endpoint, secret = await admin.create_endpoint(
            call.settings,
            merchant_id=call.merchant_id,
            url=call.body["url"],
            topics_=call.body["topics"],
            description=call.body.get("description", ""),
        )
    except admin.EndpointError as exc:
        raise invalid_field(exc.pointer, exc.detail) from None
    return Reply(
        201,
        {**endpoint_json(endpoint), "secret": secret},
        location=f"/api/v1/webhook-endpoints/{endpoint.id}",
    )


async def list_endpoints(call: Call) -> Reply:
    endpoints = await admin.list_endpoints(call.merchant_id)
    return Reply(200, {"data": [endpoint_json(e) for e in endpoints]})


async def get_endpoint(call: Call) -> Reply:
    endpoint = await admin.get_endpoint(call.merchant_id, call.path["id"])
    if endpoint is None:
        raise not_found("webhook endpoint")
    return Reply(200, endpoint_json(endpoint))


async def delete_endpoint(call: Call) -> Reply:
    if not await admin.delete_endpoint(call.merchant_id, call.path["id"]):
        raise not_found("webhook endpoint")
    return Reply(204)


async def _endpoint(call: Call) -> WebhookEndpoint:
    endpoint = await admin.get_endpoint(call.merchant_id, call.path["id"])
    if endpoint is None:
        raise not_found("webhook endpoint")
    return endpoint


async def deliveries_page(
    secret: str,
    endpoint: WebhookEndpoint,
    *,
    limit: int,
    cursor: str | None = None,
    since: datetime | None = None,
    state: DeliveryState | None = None,
) -> dict[str, Any]:
    """One page of the endpoint's log as ``GET …/deliveries`` answers it (and ``portal
    webhooks deliveries`` prints it), so a cursor from one reads on in the other; an
    unknown cursor is a 422 :class:`ApiError`."""
    scope = f"webhook-deliveries:{endpoint.id}"
    before = pagination.decode_key(secret, scope, cursor) if cursor is not None else None
    found = await delivery_log.page(endpoint, limit=limit, before=before, since=since, state=state)
    next_cursor = pagination.encode_key(secret, scope, found.next_key) if found.next_key else None
    return {"data": [delivery_json(d) for d in found.deliveries], "next_cursor": next_cursor}


async def list_deliveries(call: Call) -> Reply:
    endpoint = await _endpoint(call)
    q = call.query
    body = await deliveries_page(
        call.settings.secret_key,
        endpoint,
        limit=q["limit"],
        cursor=q.get("cursor"),
        since=q.get("created_after"),
        state=DeliveryState(q["state"]) if "state" in q else None,
    )
    return Reply(200, body)


async def _delivery(call: Call) -> tuple[WebhookEndpoint, WebhookDelivery]:
    endpoint = await _endpoint(call)
    delivery = await delivery_log.get(endpoint, call.path["delivery_id"])
    if delivery is None:
        raise not_found("webhook delivery")
    return endpoint, delivery


async def get_delivery(call: Call) -> Reply:
    _, delivery = await _delivery(call)
    return Reply(200, {**delivery_json(delivery), "payload": delivery.payload})


async def resend_delivery(call: Call) -> Reply:
    endpoint, delivery = await _delivery(call)
    try:
        copy = await delivery_log.resend(endpoint, delivery, now=call.now)
    except delivery_log.ResendRefused as refused:
        raise ApiError(409, RESEND_REFUSED[refused.reason]) from None
    return Reply(
        201,
        {**delivery_json(copy), "payload": copy.payload},
        location=f"/api/v1/webhook-endpoints/{endpoint.id}/deliveries/{copy.id}",
    )


_ID = Param(
    "id",
    {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
    "The endpoint's id.",
    "path",
    True,
)

_DELIVERY_ID = Param(
    "delivery_id",
    {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
    "The delivery's id.",
    "path",
    True,
)

OPERATIONS = [
    Operation(
        "POST",
        "/webhook-endpoints",
        "createWebhookEndpoint",
        "Subscribe a URL to webhook topics; the response holds the signing secret, once",
        "webhooks",
        create_endpoint,
        {201: ENDPOINT_CREATED},
        body=ENDPOINT_IN,
    ),
    Operation(
        "GET",
        "/webhook-endpoints",
        "listWebhookEndpoints",
        "List webhook endpoints",
        "webhooks",
        list_endpoints,
        {200: list_of(ENDPOINT)},
    ),
    Operation(
        "GET",
        "/webhook-endpoints/{id}",
        "getWebhookEndpoint",
        "Get one webhook endpoint",
        "webhooks",
        get_endpoint,
        {200: ENDPOINT},
        params=(_ID,),
    ),
    Operation(
        "DELETE",
        "/webhook-endpoints/{id}",
        "deleteWebhookEndpoint",
        "Delete a webhook endpoint and its delivery log",
        "webhooks",
        delete_endpoint,
        {204: None},
        params=(_ID,),
    ),
    Operation(
        "GET",
        "/webhook-endpoints/{id}/deliveries",
        "listWebhookDeliveries",
        "The endpoint's delivery log, newest first",
        "webhooks",
        list_deliveries,
        {200: page_of(DELIVERY)},
        params=(
            _ID,
            Param("limit", pagination.LIMIT_PARAM),
            Param("cursor", pagination.CURSOR_PARAM),
            Param("state", {"type": "string", "enum": [s.value for s in DeliveryState]}),
            Param("created_after", DATE_TIME, "Only deliveries created at or after this time."),
        ),
    ),
    Operation(
        "GET",
        "/webhook-endpoints/{id}/deliveries/{delivery_id}",
        "getWebhookDelivery",
        "One delivery of the endpoint, with the body sent",
        "webhooks",
        get_delivery,
        {200: DELIVERY_DETAIL},
        params=(_ID, _DELIVERY_ID),
    ),
    Operation(
        "POST",
        "/webhook-endpoints/{id}/deliveries/{delivery_id}/resend",
        "resendWebhookDelivery",
        "Send a delivered or failed delivery again: a copy, due now, with the same body",
        "webhooks",
        resend_delivery,
        {201: DELIVERY_DETAIL},
        params=(_ID, _DELIVERY_ID),
        errors=(409,),
    ),
]
