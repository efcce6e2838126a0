"""``/shipments``: register a tracking number (carrier detected when not given), read, list.

Detection proposes (``carriers.detection``): the most likely carrier is taken when it
clearly leads; when two are close, or none fits, the API answers 422 with the candidates
so the client can send ``carrier`` explicitly. A carrier sent by the client is pinned.

A shipment carries its pickup point (locker, shop, post office) when the carrier names
one, but never the pickup code: it opens the locker, the carrier gives it to the customer,
and the merchant's systems (and their webhook receivers, logs and key holders) have no
use for it. Only the customer sees it, on the tracking page's order tier.
"""

from __future__ import annotations

from typing import Any

from tortoise.exceptions import IntegrityError

from carriers import registry
from carriers.base import PickupKind, Reason, Status
from carriers.detection import detect, is_plausible, normalise, s10_country
from portal.api import pagination
from portal.api.errors import ApiError, invalid_field, not_found
from portal.api.operations import Call, Operation, Param, Reply
from portal.api.pagination import PageRequest
from portal.api.schemas import DATE, DATE_TIME, component, nullable, obj, page_of, string
from portal.models import Direction, Order, Shipment
from portal.tracking import pickup

#: Detection picks the leader only when it beats the runner-up by this much confidence.
AMBIGUITY_MARGIN = 0.25

SHIPMENT_IN = component(
    "ShipmentInput",
    obj(
        {"tracking_number": string(minLength=1, maxLength=64)},
        {
            "carrier": string(
                minLength=1, maxLength=64, description="Carrier key; detected when omitted."
            ),
            "order_number": string(minLength=1, maxLength=64),
            "direction": {"type": "string", "enum": [d.value for d in Direction]},
        },
    ),
)
PICKUP_POINT = component(
    "PickupPoint",
    obj(
        {
            "point_id": string(description="The carrier's own id of the point."),
            "kind": {"type": "string", "enum": [k.value for k in PickupKind]},
            "name": nullable(string()),
            "street": nullable(string()),
            "city": nullable(string()),
            "postal_code": nullable(string()),
            "country": nullable(string()),
            "latitude": nullable({"type": "number"}),
            "longitude": nullable({"type": "number"}),
            "opening_hours": nullable(string(description="As the carrier words it.")),
            "pickup_deadline": nullable(DATE_TIME),
        }
    ),
)
SHIPMENT = component(
    "Shipment",
    obj(
        {
            "id": {"type": "integer"},
            "tracking_number": string(),
            "carrier": string(),
            "carrier_pinned": {"type": "boolean"},
            "direction": {"type": "string", "enum": [d.value for d in Direction]},
            "status": {"type": "string", "enum": [s.value for s in Status]},
            "reason": nullable({"type": "string", "enum": [r.value for r in Reason]}),
            "order_number": nullable(string()),
            "estimated_delivery": nullable(DATE),
            "shipped_at": nullable(DATE_TIME),
            "delivered_at": nullable(DATE_TIME),
            "signed_by": nullable(string()),
            "carrier_url": nullable(string()),
            "last_event_at": nullable(DATE_TIME),
            "pickup_point": nullable(PICKUP_POINT),
            "created_at": DATE_TIME,
            "updated_at": DATE_TIME,
        }
    ),
)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def pickup_json(shipment: Shipment) -> dict[str, Any] | None:
    """The stored pickup point without its pickup code (see the module docstring)."""
    point = pickup.from_json(shipment.pickup_point) if shipment.pickup_point else None
    if point is None:
        return None
    deadline = point.pickup_deadline
    return {
        "point_id": point.point_id,
        "kind": point.kind.value,
        "name": point.name,
        "street": point.street,
        "city": point.city,
        "postal_code": point.postal_code,
        "country": point.country,
        "latitude": point.latitude,
        "longitude": point.longitude,
        "opening_hours": point.opening_hours,
        "pickup_deadline": deadline.isoformat() if deadline else None,
    }


def shipment_json(shipment: Shipment, order_number: str | None) -> dict[str, Any]:
    """The public shape of a shipment (the API and outgoing webhooks share it)."""
    return {
        "id": shipment.id,
        "tracking_number": shipment.tracking_number,
        "carrier": shipment.carrier_key,
        "carrier_pinned": shipment.carrier_pinned,
        "direction": Direction(shipment.direction).value,
        "status": Status(shipment.status).value,
        "reason": Reason(shipment.reason).value if shipment.reason else None,
        "order_number": order_number,
        "estimated_delivery": _iso(shipment.estimated_delivery),
        "shipped_at": _iso(shipment.shipped_at),
        "delivered_at": _iso(shipment.delivered_at),
        "signed_by": shipment.signed_by,
        "carrier_url": shipment.carrier_url,
        "last_event_at": _iso(shipment.last_event_at),
        "pickup_point": pickup_json(shipment),
        "created_at": shipment.created_at.isoformat(),
        "updated_at": shipment.updated_at.isoformat(),
    }


async def order_numbers(shipments: list[Shipment], using_db: Any = None) -> dict[int, str]:
    ids = {s.order_id for s in shipments if s.order_id}  # type: ignore[attr-defined]
    if not ids:
        return {}
    rows = await Order.filter(id__in=list(ids)).using_db(using_db).values_list("id", "number")
    return {int(i): str(n) for i, n in rows}


async def owned_shipment(merchant_id: int, shipment_id: int) -> Shipment:
    """The merchant's shipment, or 404 (another merchant's shipment looks the same)."""
    shipment = await Shipment.get_or_none(id=shipment_id, merchant_id=merchant_id)
    if shipment is None:
        raise not_found("shipment")
    return shipment


def choose_carrier(tracking_number: str) -> str:
    """The clearly most likely carrier for the number, or 422 listing the candidates."""
    candidates = [(c, conf) for c, conf in detect(tracking_number) if c in registry.available()]
    listed = [{"carrier": c, "confidence": round(conf, 2)} for c, conf in candidates]
    if not candidates:
        country = s10_country(tracking_number)
        raise ApiError(
            422,
            f"This is a postal (UPU S10) number from {country}, and no carrier adapter tracks "
            "that post; send `carrier`."
            if country
            else "No carrier recognises this tracking number; send `carrier`.",
            title="Carrier not detected",
            candidates=listed,
            errors=[{"pointer": "/carrier", "detail": "is required for this tracking number"}],
        )
    if len(candidates) > 1 and candidates[0][1] - candidates[1][1] < AMBIGUITY_MARGIN:
        raise ApiError(
            422,
            "Several carriers use this number format; send `carrier` with one of the candidates.",
            title="Carrier ambiguous",
            candidates=listed,
            errors=[{"pointer": "/carrier", "detail": "is required for this tracking number"}],
        )
    return candidates[0][0]


async def create_shipment(call: Call) -> Reply:
    body = call.body
    if not is_plausible(body["tracking_number"]):
        raise invalid_field("/tracking_number", "is not a plausible tracking number")
    number = normalise(body["tracking_number"])
    carrier = body.get("carrier")
    if carrier is not None and carrier not in registry.available():
        raise invalid_field("/carrier", f"must be one of: {', '.join(registry.available())}")
    pinned = carrier is not None
    carrier = carrier or choose_carrier(number)
    order = None
    if body.get("order_number"):
        order = await Order.get_or_none(merchant_id=call.merchant_id, number=body["order_number"])
        if order is None:
            raise invalid_field("/order_number", "no order with this number")
    exists = Shipment.filter(
        merchant_id=call.merchant_id, carrier_key=carrier, tracking_number=number
    )
    if await exists.exists():
        raise ApiError(409, f"Shipment {carrier} {number} is already registered.")
    try:
        shipment = await Shipment.create(
            merchant_id=call.merchant_id,
            order=order,
            carrier_key=carrier,
            carrier_pinned=pinned,
            tracking_number=number,
            direction=Direction(body.get("direction", Direction.OUTBOUND.value)),
            next_poll_at=call.now,
        )
    except IntegrityError:
        raise ApiError(409, f"Shipment {carrier} {number} is already registered.") from None
    return Reply(
        201,
        shipment_json(shipment, order.number if order else None),
        location=f"/api/v1/shipments/{shipment.id}",
    )


async def get_shipment(call: Call) -> Reply:
    shipment = await owned_shipment(call.merchant_id, call.path["id"])
    numbers = await order_numbers([shipment])
    return Reply(200, shipment_json(shipment, numbers.get(shipment.order_id)))  # type: ignore[attr-defined]


async def list_shipments(call: Call) -> Reply:
    q = call.query
    queryset = Shipment.filter(merchant_id=call.merchant_id)
    if "status" in q:
        queryset = queryset.filter(status=q["status"])
    if "carrier" in q:
        queryset = queryset.filter(carrier_key=q["carrier"])
    if "tracking_number" in q:
        queryset = queryset.filter(tracking_number=normalise(q["tracking_number"]))
    if "order_number" in q:
        queryset = queryset.filter(order__number=q["order_number"])
    if "updated_since" in q:
        queryset = queryset.filter(updated_at__gte=q["updated_since"])
    secret = call.settings.secret_key
    before = pagination.decode(secret, "shipments", q["cursor"]) if "cursor" in q else None
    shipments, next_cursor = await pagination.page(
        queryset, PageRequest(q["limit"], before), secret=secret, scope="shipments"
    )
    numbers = await order_numbers(shipments)
    data = [shipment_json(s, numbers.get(s.order_id)) for s in shipments]  # type: ignore[attr-defined]
    return Reply(200, {"data": data, "next_cursor": next_cursor})


SHIPMENT_ID = Param(
    "id",
    {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
    "The shipment's id.",
    "path",
    True,
)

OPERATIONS = [
    Operation(
        "POST",
        "/shipments",
        "createShipment",
        "Register a tracking number; the carrier is detected when not given",
        "shipments",
        create_shipment,
        {201: SHIPMENT},
        body=SHIPMENT_IN,
        errors=(409,),
    ),
    Operation(
        "GET",
        "/shipments",
        "listShipments",
        "List shipments, newest first",
        "shipments",
        list_shipments,
        {200: page_of(SHIPMENT)},
        params=(
            Param("limit", pagination.LIMIT_PARAM),
            Param("cursor", pagination.CURSOR_PARAM),
            Param("status", {"type": "string", "enum": [s.value for s in Status]}),
            Param("carrier", string(maxLength=64)),
            Param("tracking_number", string(maxLength=64)),
            Param("order_number", string(maxLength=64)),
            Param("updated_since", DATE_TIME, "Only shipments updated at or after this time."),
        ),
    ),
    Operation(
        "GET",
        "/shipments/{id}",
        "getShipment",
        "Get one shipment",
        "shipments",
        get_shipment,
        {200: SHIPMENT},
        params=(SHIPMENT_ID,),
    ),
]
