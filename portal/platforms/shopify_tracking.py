"""A parcel's tracking status written back to Shopify as a fulfilment event, once.

``fulfillmentEventCreate`` adds an event to the fulfilment's timeline, which the order's
status page and the merchant's order page show
(https://shopify.dev/docs/api/admin-graphql/2025-01/mutations/fulfillmentEventCreate).
Shopify does not refuse a second event of the same status, so a create whose answer was
lost (a 5xx, a timeout: it may have been made) is not sent again at once, as the refunds
and returns in portal/platforms/shopify_returns.py are not. The push keeps
``shopify_event_unsure``, and its next attempt first reads the fulfilment's events
(``Fulfillment.events``: each event's ``status`` and ``happenedAt``,
https://shopify.dev/docs/api/admin-graphql/2025-01/objects/Fulfillment) and adopts one of
the same status that happened at the same moment instead of making another.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from portal.platforms.base import PlatformError
from portal.platforms.shopify_queries import EVENT_CREATE, FULFILMENT_EVENTS_QUERY
from portal.platforms.shopify_returns import GraphQL
from portal.platforms.shopify_values import gid

#: Our tracking status -> FulfillmentEventStatus (shopify.dev …/enums/FulfillmentEventStatus).
EVENT_STATUS = {
    "info_received": "LABEL_PURCHASED",
    "in_transit": "IN_TRANSIT",
    "out_for_delivery": "OUT_FOR_DELIVERY",
    "failed_attempt": "ATTEMPTED_DELIVERY",
    "available_for_pickup": "READY_FOR_PICKUP",
    "delivered": "DELIVERED",
    "exception": "FAILURE",
    "returned_to_sender": "FAILURE",
}


def _instant(value: Any) -> datetime | None:
    """A ``DateTime`` (ISO 8601, ``Z`` or an offset) to the second: Shopify keeps
    ``happenedAt`` to the second, Doorstep's scan times may carry microseconds."""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(microsecond=0) if moment.tzinfo else None


def same_event(found: dict[str, Any], status: str, happened_at: str) -> bool:
    """Whether a fulfilment's event is the one Doorstep means to make."""
    moment = _instant(happened_at)
    return (
        found.get("status") == status
        and moment is not None
        and _instant(found.get("happenedAt")) == moment
    )


async def _made_already(client: GraphQL, fulfilment: str, event: dict[str, Any]) -> str | None:
    data = await client.graphql(FULFILMENT_EVENTS_QUERY, {"id": fulfilment})
    nodes = (((data.get("fulfillment") or {}).get("events")) or {}).get("nodes") or []
    return next(
        (
            str(n.get("id") or "")
            for n in nodes
            if same_event(n, event["status"], event["happenedAt"])
        ),
        None,
    )


async def write_tracking(client: GraphQL, payload: dict[str, Any]) -> None:
    """The status as a fulfilment event, once; ``payload`` keeps what happened (the caller
    stores it whatever happens next)."""
    status = EVENT_STATUS.get(payload["status"])
    if status is None or payload.get("shopify_event_id"):
        return
    fulfilment = gid("Fulfillment", payload["fulfilment_id"])
    event: dict[str, Any] = {
        "fulfillmentId": fulfilment,
        "status": status,
        "happenedAt": payload["occurred_at"],
    }
    for key in ("message", "city", "country"):
        if payload.get(key):
            event[key] = payload[key]
    if payload.get("shopify_event_unsure"):
        adopted = await _made_already(client, fulfilment, event)
        if adopted is not None:
            payload["shopify_event_id"] = adopted
            payload.pop("shopify_event_unsure")
            return
    # Unsure until Shopify's answer about this event is read: any failure on the way (a
    # 5xx, a timeout, a 200 whose body is not JSON or carries only top-level errors) may
    # come after the event was made, so the next attempt looks before it sends again.
    payload["shopify_event_unsure"] = True
    data = await client.graphql(EVENT_CREATE, {"fulfillmentEvent": event}, retry_faults=False)
    answer = data.get("fulfillmentEventCreate") or {}
    payload.pop("shopify_event_unsure", None)
    errors = answer.get("userErrors")
    if errors:
        raise PlatformError(f"Shopify refused the fulfilment event: {errors[0].get('message')}")
    payload["shopify_event_id"] = str((answer.get("fulfillmentEvent") or {}).get("id") or "")
