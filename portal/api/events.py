"""``/shipments/{id}/events``: a shipment's carrier scans, oldest first."""

from __future__ import annotations

from typing import Any

from carriers.base import Reason, Status
from portal.api.operations import Call, Operation, Reply
from portal.api.schemas import DATE_TIME, component, list_of, nullable, obj, string
from portal.api.shipments import SHIPMENT_ID, owned_shipment
from portal.models import EventSource, TrackingEvent

EVENT = component(
    "TrackingEvent",
    obj(
        {
            "occurred_at": DATE_TIME,
            "status": {"type": "string", "enum": [s.value for s in Status]},
            "reason": nullable({"type": "string", "enum": [r.value for r in Reason]}),
            "carrier_code": string(),
            "description": string(),
            "location": obj(
                {
                    "city": nullable(string()),
                    "region": nullable(string()),
                    "postal_code": nullable(string()),
                    "country": nullable(string()),
                }
            ),
            "source": {"type": "string", "enum": [s.value for s in EventSource]},
        }
    ),
)


def event_json(event: TrackingEvent) -> dict[str, Any]:
    return {
        "occurred_at": event.occurred_at.isoformat(),
        "status": Status(event.status).value,
        "reason": Reason(event.reason).value if event.reason else None,
        "carrier_code": event.carrier_code,
        "description": event.description,
        "location": {
            "city": event.city,
            "region": event.region,
            "postal_code": event.postal_code,
            "country": event.country,
        },
        "source": EventSource(event.source).value,
    }


async def list_events(call: Call) -> Reply:
    shipment = await owned_shipment(call.merchant_id, call.path["id"])
    events = await TrackingEvent.filter(shipment_id=shipment.id).order_by("occurred_at", "id")
    return Reply(200, {"data": [event_json(e) for e in events]})


OPERATIONS = [
    Operation(
        "GET",
        "/shipments/{id}/events",
        "listShipmentEvents",
        "A shipment's tracking events, oldest first",
        "shipments",
        list_events,
        {200: list_of(EVENT)},
        params=(SHIPMENT_ID,),
    ),
]
