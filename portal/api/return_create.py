"""``POST /returns``: a return the shop starts for a customer (phone, e-mail, counter).

It goes through the customer pages' own path (:func:`portal.returns.service.create_return`):
the same policy review, pricing, auto-approval or review, RMA number and ``return.*``
webhooks. ``override_policy`` lets staff overrule eligibility refusals (window closed,
final sale), never the units bought or those already in an active return. The API's
``Idempotency-Key`` doubles as the service's submission key, so a retry that slips past
the key store (a crash between the two) still creates one return.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import quote

from portal.api.errors import ApiError, invalid, not_found
from portal.api.operations import Call, Operation, Reply
from portal.api.returns import RETURN
from portal.api.schemas import FieldError, component, obj, string
from portal.models import Order, OrderItem, ProductVariant
from portal.models.returns import Resolution, ReturnMethod
from portal.returns import service
from portal.returns.public import return_json
from portal.returns.review import ReturnRefused

RETURN_LINE_IN = component(
    "ReturnLineInput",
    obj(
        {
            "quantity": {"type": "integer", "minimum": 1},
            "resolution": {"type": "string", "enum": [r.value for r in Resolution]},
        },
        {
            "order_item_id": {"type": "integer", "description": "The order line (or `sku`)."},
            "sku": string(minLength=1, maxLength=100, description="The ordered SKU."),
            "exchange_sku": string(
                minLength=1, maxLength=100, description="The variant to swap to (exchange)."
            ),
            "reason": string(
                minLength=1,
                maxLength=64,
                description="A return reason's code; one that applies to the item's "
                "category (`reason_category` otherwise).",
            ),
            "comment": string(maxLength=2000),
        },
    ),
)
RETURN_IN = component(
    "ReturnInput",
    obj(
        {
            "order_number": string(minLength=1, maxLength=64),
            "items": {"type": "array", "items": RETURN_LINE_IN, "minItems": 1, "maxItems": 100},
        },
        {
            "method": {"type": "string", "enum": [m.value for m in ReturnMethod]},
            "note": string(maxLength=2000, description="Kept as the return's customer note."),
            "override_policy": {
                "type": "boolean",
                "description": "Staff overrule eligibility refusals (window closed, final "
                "sale, category); never more than bought or already in an active return.",
            },
        },
    ),
)

#: Why an item was refused → (the field it is about, what to say).
_REFUSALS: dict[str, tuple[str, str]] = {
    "unknown_item": ("/order_item_id", "is not an item of this order"),
    "ambiguous_sku": ("/sku", "matches several lines of the order: send `order_item_id`"),
    "not_delivered": ("", "cannot be returned before it is delivered"),
    "window_closed": ("", "cannot be returned: the return window has closed"),
    "final_sale": ("", "cannot be returned: final sale"),
    "ineligible_category": ("", "cannot be returned: its category is excluded"),
    "fully_returned": ("", "is already in a return (every unit bought)"),
    "quantity": ("/quantity", "is more than can be returned"),
    "resolution": ("/resolution", "is not offered for this item"),
    "reason": ("/reason", "is not an active return reason"),
    "reason_category": ("/reason", "does not apply to this item's category"),
    "photo_required": ("/reason", "needs a photo, which the API cannot take"),
    "comment_required": ("/comment", "is required for this reason"),
    "out_of_stock": ("/exchange_sku", "is not a variant in stock to exchange for"),
    "unknown_variant": ("/exchange_sku", "is not a variant of this shop"),
}
_WHOLE: dict[str, tuple[str, str]] = {
    "empty": ("/items", "has nothing to return"),
    "duplicate_item": ("/items", "names one order line twice"),
    "method": ("/method", "is not offered by the return policy"),
    "no_policy": ("", "the shop has no active return policy"),
}


def _line_error(n: int, code: str, field: str | None = None) -> FieldError:
    """One refused line: the pointer into ``items`` and a detail starting with the code."""
    default, text = _REFUSALS.get(code, ("", "is refused"))
    return FieldError(f"/items/{n}{default if field is None else field}", f"{code}: {text}")


def _refusal(errors: dict[int | None, str], index: dict[int, int]) -> ApiError:
    """422 with one pointer per refused line (``/items/<n>/...``), the code first."""
    found: list[FieldError] = []
    for key, code in errors.items():
        if key is None or key not in index:
            pointer, text = _WHOLE.get(code, ("", "is refused"))
        else:
            found.append(_line_error(index[key], code))
            continue
        found.append(FieldError(pointer, f"{code}: {text}"))
    return invalid(found, "The return policy refuses this return.")


async def _selections(
    call: Call, order: Order, lines: list[dict[str, Any]]
) -> tuple[list[service.Selection], dict[int, int]]:
    """The body's lines as the service's selections, and each order item's line index."""
    rows = await OrderItem.filter(order_id=order.id)
    by_id = {row.id: row for row in rows}
    swaps = {
        v.sku: v.id
        for v in await ProductVariant.filter(
            merchant_id=call.merchant_id,
            sku__in=[line["exchange_sku"] for line in lines if "exchange_sku" in line],
        )
    }
    picked: list[service.Selection] = []
    index: dict[int, int] = {}
    problems: list[FieldError] = []
    for n, line in enumerate(lines):
        if "order_item_id" in line:
            item_id = line["order_item_id"]
            if item_id not in by_id:
                problems.append(_line_error(n, "unknown_item"))
                continue
        elif "sku" in line:
            matches = [row.id for row in rows if row.sku == line["sku"]]
            if len(matches) != 1:
                code = "ambiguous_sku" if matches else "unknown_item"
                problems.append(_line_error(n, code, "/sku"))
                continue
            item_id = matches[0]
        else:
            problems.append(FieldError(f"/items/{n}", "send `order_item_id` or `sku`"))
            continue
        swap = None
        if "exchange_sku" in line:
            swap = swaps.get(line["exchange_sku"])
            if swap is None:
                problems.append(_line_error(n, "unknown_variant"))
                continue
        index.setdefault(item_id, n)
        picked.append(
            service.Selection(
                order_item_id=item_id,
                quantity=line["quantity"],
                resolution=line["resolution"],
                reason_code=line.get("reason"),
                comment=line.get("comment", ""),
                exchange_variant_id=swap,
            )
        )
    if problems:
        raise invalid(problems, "The return policy refuses this return.")
    return picked, index


def submission_key(call: Call) -> str | None:
    """The service's once-only key from the API key and its ``Idempotency-Key``."""
    given = call.request.headers.get("idempotency-key")
    if not given:
        return None
    raw = f"api:{call.caller.api_key_id}:{given}"
    return "api:" + hashlib.sha256(raw.encode()).hexdigest()[:56]


async def create_return(call: Call) -> Reply:
    body = call.body
    order = await Order.get_or_none(merchant_id=call.merchant_id, number=body["order_number"])
    if order is None:
        raise not_found("order")
    selections, index = await _selections(call, order, body["items"])
    try:
        created = await service.create_return(
            order,
            selections,
            method=body.get("method"),
            submission_key=submission_key(call),
            settings=call.settings,
            customer_note=body.get("note", ""),
            actor=f"api:{call.caller.api_key_id}",
            now=call.now,
            override_policy=bool(body.get("override_policy", False)),
        )
    except ReturnRefused as refused:
        raise _refusal(refused.errors, index) from None
    await created.refresh_from_db()
    location = f"/api/v1/returns/{quote(created.number, safe='')}"
    return Reply(201, await return_json(created), location=location)


OPERATIONS = [
    Operation(
        "POST",
        "/returns",
        "createReturn",
        "Start a return for an order (the customer pages' policy and path)",
        "returns",
        create_return,
        {201: RETURN},
        body=RETURN_IN,
        errors=(404,),
        description="The return is auto-approved or sent to review by the shop's policy, "
        "exactly as when the customer asks. A refused return answers 422 with one "
        "`errors` entry per refused line (`pointer` `/items/<n>/...`, `detail` starting "
        "with the reason's code, e.g. `window_closed: ...`). `override_policy` skips "
        "eligibility refusals (staff overruling the policy). Send an `Idempotency-Key`: "
        "a retry gets the same return.",
    ),
]
