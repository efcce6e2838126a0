"""``/claims``: the customers' claims about parcels (lost, damaged, not received…), read by
a shop whose helpdesk lives elsewhere. Each is the claim export the ``claim.*`` webhooks
carry (:func:`portal.claims.export.claims_json`), so a ticket made from a webhook and one
refreshed from the API have the same fields."""

from __future__ import annotations

from portal.api import pagination
from portal.api.errors import not_found
from portal.api.operations import Call, Operation, Param, Reply
from portal.api.returns import MONEY
from portal.api.schemas import DATE_TIME, component, nullable, obj, page_of, string
from portal.claims import states
from portal.claims.export import claim_json, claims_json
from portal.core.payloads import ADDRESS_FIELDS
from portal.models import Claim
from portal.models.claims import ClaimKind, ClaimState

NUMBER = Param(
    "number", string(minLength=1, maxLength=32), "The claim's number (C-…).", "path", True
)

CLAIM = component(
    "Claim",
    obj(
        {
            "number": string(description="The claim's number the customer sees, e.g. C-7KQ2MX."),
            "kind": {"type": "string", "enum": [k.value for k in ClaimKind]},
            "state": {"type": "string", "enum": [s.value for s in ClaimState]},
            "created_at": DATE_TIME,
            "updated_at": DATE_TIME,
            "resolved_at": nullable(DATE_TIME),
            "description": string(description="The customer's own words."),
            "not_received_statement": {
                "type": "boolean",
                "description": "The customer stated that a parcel marked delivered never "
                "reached them.",
            },
            "photos": {
                "type": "integer",
                "minimum": 0,
                "description": "How many photos the customer sent (shown to staff in the "
                "workspace).",
            },
            "order_number": nullable(string()),
            "currency": nullable(string(minLength=3, maxLength=3)),
            "declared_value": {**MONEY, "description": "The claimed items' value."},
            "items": {
                "type": "array",
                "items": obj(
                    {
                        "sku": nullable(string()),
                        "title": nullable(string()),
                        "quantity": {"type": "integer", "minimum": 1},
                        "unit_value": MONEY,
                    }
                ),
            },
            "recipient": nullable(obj({f: string() for f in ADDRESS_FIELDS})),
            "parcel": obj(
                {
                    "tracking_number": string(),
                    "carrier": string(),
                    "status": string(),
                    "shipped_at": nullable(DATE_TIME),
                    "delivered_at": nullable(DATE_TIME),
                    "last_scan_at": nullable(DATE_TIME),
                    "scans": {
                        "type": "array",
                        "items": obj(
                            {
                                "occurred_at": DATE_TIME,
                                "status": string(),
                                "carrier_code": string(),
                                "description": string(),
                                "place": string(),
                            }
                        ),
                    },
                }
            ),
            "resolution": obj(
                {
                    "refund_amount": nullable(MONEY),
                    "rejection_reason": nullable(string()),
                    "replacement_tracking_number": nullable(string()),
                    "replacement_carrier": nullable(string()),
                }
            ),
        }
    ),
)


async def owned_claim(call: Call) -> Claim:
    """The caller's claim named in the path; 404 for an unknown or another shop's one."""
    found = await Claim.get_or_none(merchant_id=call.merchant_id, number=call.path["number"])
    if found is None:
        raise not_found("claim")
    return found


async def get_claim(call: Call) -> Reply:
    return Reply(200, await claim_json(await owned_claim(call)))


async def list_claims(call: Call) -> Reply:
    q = call.query
    queryset = Claim.filter(merchant_id=call.merchant_id)
    if "state" in q:
        queryset = queryset.filter(state=q["state"])
    if "open" in q:
        wanted = tuple(states.OPEN)
        queryset = (
            queryset.filter(state__in=wanted) if q["open"] else queryset.exclude(state__in=wanted)
        )
    if "kind" in q:
        queryset = queryset.filter(kind=q["kind"])
    if "order_number" in q:
        queryset = queryset.filter(order__number=q["order_number"])
    if "tracking_number" in q:
        queryset = queryset.filter(shipment__tracking_number=q["tracking_number"])
    if "created_after" in q:
        queryset = queryset.filter(created_at__gte=q["created_after"])
    if "created_before" in q:
        queryset = queryset.filter(created_at__lt=q["created_before"])
    if "updated_since" in q:
        queryset = queryset.filter(updated_at__gte=q["updated_since"])
    rows, next_cursor = await pagination.page_of_call(call, queryset, "claims")
    return Reply(200, {"data": await claims_json(rows), "next_cursor": next_cursor})


OPERATIONS = [
    Operation(
        "GET",
        "/claims",
        "listClaims",
        "List claims about parcels, newest first",
        "claims",
        list_claims,
        {200: page_of(CLAIM)},
        params=(
            Param("limit", pagination.LIMIT_PARAM),
            Param("cursor", pagination.CURSOR_PARAM),
            Param("state", {"type": "string", "enum": [s.value for s in ClaimState]}),
            Param(
                "open",
                {"type": "boolean"},
                "`true`: only claims awaiting a resolution (`submitted`, `in_review`); "
                "`false`: only resolved ones.",
            ),
            Param("kind", {"type": "string", "enum": [k.value for k in ClaimKind]}),
            Param("order_number", string(maxLength=64)),
            Param("tracking_number", string(maxLength=64), "The claimed parcel's number."),
            Param("created_after", DATE_TIME, "Only claims made at or after this time."),
            Param("created_before", DATE_TIME, "Only claims made before this time."),
            Param("updated_since", DATE_TIME, "Only claims changed at or after this time."),
        ),
    ),
    Operation(
        "GET",
        "/claims/{number}",
        "getClaim",
        "Get one claim by its number (the export the claim.* webhooks carry)",
        "claims",
        get_claim,
        {200: CLAIM},
        params=(NUMBER,),
    ),
]
