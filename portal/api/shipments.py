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

from collections.abc import Collection
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError

from carriers import registry
from carriers.base import PickupKind, Reason, Status
from carriers.detection import detect, is_plausible, normalise, s10_country
from portal.api import pagination
from portal.api.errors import ApiError, invalid_field, not_found
from portal.api.operations import Call, Operation, Param, Reply
from portal.api.schemas import DATE, DATE_TIME, component, nullable, obj, page_of, string
from portal.core.payloads import order_numbers, shipment_json
from portal.models import CarrierAccount, Direction, Order, Shipment
from portal.tracking import accounts, corrections, problems, registration

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
            "service": string(
                maxLength=64,
                description="The carrier's service, e.g. express: delivery predictions "
                "learn each service's transit times apart.",
            ),
            "origin_country": string(
                pattern="^[A-Z]{2}$", description="Where the parcel leaves from (ISO 3166)."
            ),
            "carrier_account_id": {
                "type": "integer",
                "minimum": 1,
                "description": "The shop's carrier account to poll it through (needed "
                "when the shop has several for the carrier); sets `carrier` when omitted.",
            },
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
TRACKING_PROBLEM = component(
    "TrackingProblem",
    obj(
        {
            "code": {
                "type": "string",
                "enum": [
                    problems.NO_CARRIER_ACCOUNT,
                    problems.ACCOUNT_NOT_CHOSEN,
                    problems.CREDENTIALS_REFUSED,
                    problems.CARRIER_UNAVAILABLE,
                    problems.EXPIRED,
                ],
            },
            "message": string(),
            "until": nullable(
                {**DATE_TIME, "description": "When it clears by itself (carrier_unavailable)."}
            ),
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
            "predicted_delivery": nullable(
                {
                    **obj({"start": DATE, "end": DATE}),
                    "description": "Doorstep's own window from the shop's delivery history "
                    "(10th to 90th percentile, business days of the destination); shown when "
                    "the carrier gives no date.",
                }
            ),
            "service": nullable(string()),
            "origin_country": nullable(string()),
            "shipped_at": nullable(DATE_TIME),
            "delivered_at": nullable(DATE_TIME),
            "signed_by": nullable(string()),
            "carrier_url": nullable(string()),
            "last_event_at": nullable(DATE_TIME),
            "pickup_point": nullable(PICKUP_POINT),
            "tracking_problem": nullable(TRACKING_PROBLEM),
            "created_at": DATE_TIME,
            "updated_at": DATE_TIME,
        },
        {
            "carrier_account_id": nullable(
                {
                    "type": "integer",
                    "description": "The carrier account it is polled through when one was "
                    "chosen; null: the shop's only account for the carrier.",
                }
            )
        },
    ),
)


async def shipments_json(shipments: list[Shipment], now: datetime) -> list[dict[str, Any]]:
    """The payloads of one shop's shipments: order numbers and the shop's carrier
    accounts are loaded once, however many shipments."""
    if not shipments:
        return []
    numbers = await order_numbers(shipments)
    shop = await problems.shop_accounts(shipments[0].merchant_id)
    return [
        {
            **shipment_json(
                s, numbers.get(s.order_id), _problem_json(problems.tracking_problem(s, shop, now))
            ),
            "carrier_account_id": s.carrier_account_id,
        }
        for s in shipments
    ]


def _problem_json(problem: problems.TrackingProblem | None) -> dict[str, Any] | None:
    return problem.as_json() if problem is not None else None


async def owned_shipment(merchant_id: int, shipment_id: int) -> Shipment:
    """The merchant's shipment, or 404 (another merchant's shipment looks the same)."""
    shipment = await Shipment.get_or_none(id=shipment_id, merchant_id=merchant_id)
    if shipment is None:
        raise not_found("shipment")
    return shipment


def choose_carrier(
    tracking_number: str,
    offered: list[str] | None = None,
    *,
    accounts: Collection[str] = (),
    home: Collection[str] = (),
) -> str:
    """The clearly most likely carrier for the number among ``offered`` (every installed
    one by default), or 422 listing the candidates. Of carriers about as likely, the only
    one the shop has an account for (``accounts``), else the only one of its country
    (``home``): :func:`portal.tracking.registration.preferences` gives both."""
    keys = registry.available() if offered is None else offered
    candidates = [(c, conf) for c, conf in detect(tracking_number) if c in keys]
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
        close = [c for c, conf in candidates if candidates[0][1] - conf < AMBIGUITY_MARGIN]
        for preferred in (accounts, home):
            chosen = [c for c in close if c in preferred]
            if len(chosen) == 1:
                return chosen[0]
        raise ApiError(
            422,
            "Several carriers use this number format; send `carrier` with one of the candidates.",
            title="Carrier ambiguous",
            candidates=listed,
            errors=[{"pointer": "/carrier", "detail": "is required for this tracking number"}],
        )
    return candidates[0][0]


async def _chosen_account(call: Call, carrier: str | None) -> CarrierAccount | None:
    """The shop's own account named by ``carrier_account_id``, if any; it must be for
    ``carrier`` when both are sent."""
    account_id = call.body.get("carrier_account_id")
    if account_id is None:
        return None
    try:
        return await corrections.shop_account(call.merchant_id, account_id, carrier)
    except corrections.AccountRefused as exc:
        raise invalid_field("/carrier_account_id", str(exc)) from None


async def create_shipment(call: Call) -> Reply:
    body = call.body
    if not is_plausible(body["tracking_number"]):
        raise invalid_field("/tracking_number", "is not a plausible tracking number")
    number = normalise(body["tracking_number"])
    carrier = body.get("carrier")
    offered = accounts.offered(call.settings)
    if carrier is not None and carrier not in offered:
        raise invalid_field("/carrier", f"must be one of: {', '.join(offered)}")
    account = await _chosen_account(call, carrier)
    if account is not None:
        carrier = account.carrier_key
    pinned = carrier is not None
    if carrier is None:
        carrier = choose_carrier(
            number, offered, **await registration.preferences(call.merchant_id)
        )
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
            service=body.get("service") or None,
            origin_country=body.get("origin_country") or None,
            carrier_account=account,
            next_poll_at=call.now,
        )
    except IntegrityError:
        raise ApiError(409, f"Shipment {carrier} {number} is already registered.") from None
    return Reply(
        201,
        (await shipments_json([shipment], call.now))[0],
        location=f"/api/v1/shipments/{shipment.id}",
    )


async def get_shipment(call: Call) -> Reply:
    shipment = await owned_shipment(call.merchant_id, call.path["id"])
    return Reply(200, (await shipments_json([shipment], call.now))[0])


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
    shipments, next_cursor = await pagination.page_of_call(call, queryset, "shipments")
    data = await shipments_json(shipments, call.now)
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
