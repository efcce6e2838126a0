"""``/webhook-endpoints``: subscribe a URL to topics (the signing secret is shown once),
list, read and delete endpoints."""

from __future__ import annotations

from typing import Any

from portal.api.errors import invalid_field, not_found
from portal.api.operations import Call, Operation, Param, Reply
from portal.api.schemas import DATE_TIME, component, list_of, obj, string
from portal.models import WebhookEndpoint
from portal.webhooks_out import admin

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


_ID = Param(
    "id",
    {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
    "The endpoint's id.",
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
]
