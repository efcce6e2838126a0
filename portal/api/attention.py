"""``/attention``: the shop's open attention items (late, stuck, problem parcels, unhappy
answers) and ``POST /attention/{id}/resolve``, the same queue and the same rules as the
workspace screen (:mod:`portal.attention.queue`). Resolving records the API key's name as
who resolved it."""

from __future__ import annotations

from typing import Any

from portal.api import pagination
from portal.api.errors import ApiError
from portal.api.operations import Call, Operation, Param, Reply
from portal.api.schemas import DATE_TIME, component, nullable, obj, page_of, string
from portal.attention import queue
from portal.models import ApiKey, AttentionItem, AttentionKind

ITEM = component(
    "AttentionItem",
    obj(
        {
            "id": {"type": "integer"},
            "kind": {"type": "string", "enum": [k.value for k in AttentionKind]},
            "shipment_id": nullable({"type": "integer"}),
            "survey_id": nullable({"type": "integer"}),
            "carrier": nullable(string()),
            "since": DATE_TIME,
            "detail": {"type": "object"},
            "opened_at": DATE_TIME,
            "resolved_at": nullable(DATE_TIME),
            "resolved_by": nullable(string()),
            "carrier_contacted_at": nullable(DATE_TIME),
            "carrier_contacted_by": nullable(string()),
        }
    ),
)

ITEM_ID = Param(
    "id", {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}, "The item's id.", "path", True
)


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def item_json(item: AttentionItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "kind": AttentionKind(item.kind).value,
        "shipment_id": item.shipment_id,
        "survey_id": item.survey_id,
        "carrier": item.carrier_key,
        "since": item.since.isoformat(),
        "detail": item.detail,
        "opened_at": item.opened_at.isoformat(),
        "resolved_at": _when(item.resolved_at),
        "resolved_by": item.resolved_by,
        "carrier_contacted_at": _when(item.carrier_contacted_at),
        "carrier_contacted_by": item.carrier_contacted_by,
    }


async def list_items(call: Call) -> Reply:
    q = call.query
    f = queue.QueueFilter.parse({"kind": q.get("kind"), "carrier": q.get("carrier")})
    queryset = f.apply(queue.open_items(call.merchant_id), call.now)
    items, next_cursor = await pagination.page_of_call(call, queryset, "attention")
    return Reply(200, {"data": [item_json(i) for i in items], "next_cursor": next_cursor})


async def resolve_item(call: Call) -> Reply:
    key = await ApiKey.get(id=call.caller.api_key_id)
    item_id = call.path["id"]
    done = await queue.resolve(
        call.merchant_id, item_id, who=f"API key {key.name}".strip(), now=call.now
    )
    item = await AttentionItem.get_or_none(id=item_id, merchant_id=call.merchant_id)
    if item is None:
        raise ApiError(404, "No such attention item.")
    if not done and item.resolved_at is None:
        raise ApiError(409, "The item's episode has already ended.")
    return Reply(200, item_json(item))


OPERATIONS = [
    Operation(
        "GET",
        "/attention",
        "listAttentionItems",
        "List the open attention items (late, stuck, problem parcels, unhappy answers)",
        "attention",
        list_items,
        {200: page_of(ITEM)},
        params=(
            Param("limit", pagination.LIMIT_PARAM),
            Param("cursor", pagination.CURSOR_PARAM),
            Param("kind", {"type": "string", "enum": [k.value for k in AttentionKind]}),
            Param("carrier", string(maxLength=64)),
        ),
    ),
    Operation(
        "POST",
        "/attention/{id}/resolve",
        "resolveAttentionItem",
        "Mark an attention item resolved (again: no change)",
        "attention",
        resolve_item,
        {200: ITEM},
        params=(ITEM_ID,),
        errors=(404, 409),
    ),
]
