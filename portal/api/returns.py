"""``/returns``: the merchant's returns, read-only, for the shop's system that pays refunds
and store credit out (the ``return.*`` webhooks carry the same shape)."""

from __future__ import annotations

from portal.api import pagination
from portal.api.errors import not_found
from portal.api.operations import Call, Operation, Param, Reply
from portal.api.schemas import DATE_TIME, component, nullable, obj, page_of, string
from portal.models import ReturnRequest
from portal.models.returns import Resolution, ReturnMethod, ReturnState
from portal.returns.public import return_json, returns_json

NUMBER = Param("number", string(minLength=1, maxLength=32), "The RMA number.", "path", True)
MONEY = string(pattern=r"^-?[0-9]+\.[0-9]{2}$", description="A decimal amount, e.g. 54.00.")

RETURN_ITEM = component(
    "ReturnItem",
    obj(
        {
            "id": {"type": "integer"},
            "sku": string(),
            "title": string(),
            "quantity": {"type": "integer", "minimum": 1},
            "resolution": {"type": "string", "enum": [r.value for r in Resolution]},
            "amount": MONEY,
            "reason": nullable(string(description="The reason's code.")),
            "comment": string(),
            "condition": nullable(string(description="Found at inspection.")),
            "restock": nullable({"type": "boolean"}),
            "inspected_at": nullable(DATE_TIME),
            "exchange": nullable(
                obj({"sku": string(), "title": string(), "price_difference": MONEY})
            ),
        }
    ),
)
RETURN = component(
    "Return",
    obj(
        {
            "number": string(description="The RMA number the customer sees."),
            "kind": {
                "type": "string",
                "enum": ["return", "withdrawal"],
                "description": "`withdrawal`: opened by the customer's statutory withdrawal "
                "(EU), refunded under the Directive's rules rather than the return policy.",
            },
            "state": {"type": "string", "enum": [s.value for s in ReturnState]},
            "method": nullable({"type": "string", "enum": [m.value for m in ReturnMethod]}),
            "order_number": nullable(string()),
            "currency": string(minLength=3, maxLength=3),
            "refund_total": MONEY,
            "credit_total": MONEY,
            "fees_total": MONEY,
            "items": {"type": "array", "items": RETURN_ITEM},
            "customer_note": string(),
            "merchant_note": string(),
            "created_at": DATE_TIME,
            "updated_at": DATE_TIME,
            "resolved_at": nullable(DATE_TIME),
            "credit_issued": nullable(
                {
                    **MONEY,
                    "description": "Store credit put on the customer's ledger when the "
                    "return was resolved (GET /customers/{id}/credit).",
                }
            ),
            "return_shipment": nullable(
                obj(
                    {
                        "tracking_number": string(),
                        "carrier": string(),
                        "status": string(),
                        "delivered_at": nullable(DATE_TIME),
                    }
                )
            ),
        }
    ),
)


async def owned_return(call: Call) -> ReturnRequest:
    """The caller's return named in the path; 404 for an unknown or another shop's one."""
    found = await ReturnRequest.get_or_none(
        merchant_id=call.merchant_id, number=call.path["number"]
    )
    if found is None:
        raise not_found("return")
    return found


async def get_return(call: Call) -> Reply:
    return Reply(200, await return_json(await owned_return(call)))


async def list_returns(call: Call) -> Reply:
    q = call.query
    queryset = ReturnRequest.filter(merchant_id=call.merchant_id)
    if "state" in q:
        queryset = queryset.filter(state=q["state"])
    if "order_number" in q:
        queryset = queryset.filter(order__number=q["order_number"])
    if "updated_since" in q:
        queryset = queryset.filter(updated_at__gte=q["updated_since"])
    rows, next_cursor = await pagination.page_of_call(call, queryset, "returns")
    return Reply(200, {"data": await returns_json(rows), "next_cursor": next_cursor})


OPERATIONS = [
    Operation(
        "GET",
        "/returns",
        "listReturns",
        "List returns, newest first",
        "returns",
        list_returns,
        {200: page_of(RETURN)},
        params=(
            Param("limit", pagination.LIMIT_PARAM),
            Param("cursor", pagination.CURSOR_PARAM),
            Param("state", {"type": "string", "enum": [s.value for s in ReturnState]}),
            Param("order_number", string(maxLength=64)),
            Param("updated_since", DATE_TIME, "Only returns updated at or after this time."),
        ),
    ),
    Operation(
        "GET",
        "/returns/{number}",
        "getReturn",
        "Get one return by its RMA number",
        "returns",
        get_return,
        {200: RETURN},
        params=(NUMBER,),
    ),
]
