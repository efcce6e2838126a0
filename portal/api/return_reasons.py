"""``/return-reasons``: the reasons a shop's customers pick from when they return an item, for
a shop that sets itself up without the workspace.

A reason is what the workspace's reasons screen holds: a code, a label per language, a
place in a one-level nested, ordered menu, whether it needs a photo or a comment, whether
its returns pay no fees (the shop's fault: damaged, wrong item), whether customers see it,
and the product categories it applies to. It is checked and saved by that screen's own code
(:mod:`portal.admin.return_reason_store`), so what one refuses the other refuses, in the
screen's English words, and a refused change changes nothing. The API names a parent by
its code, as returns and the policy name reasons.

A reason returns already gave cannot be deleted (return rate by reason counts it): ``DELETE``
answers ``409`` and ``PATCH {"active": false}`` retires it instead.
"""

from __future__ import annotations

from typing import Any

from portal import i18n
from portal.admin import return_reason_store as reasons
from portal.admin.return_reason_store import (
    CATEGORIES_MAX,
    CATEGORY_MAX,
    FLAGS,
    LABEL_MAX,
    Entry,
)
from portal.api.errors import ApiError, invalid, invalid_field, not_found
from portal.api.operations import Call, Operation, Param, Reply
from portal.api.schemas import FieldError, Schema, component, list_of, nullable, obj, string
from portal.models import ReturnReason

_LABEL = string(description=f"At most {LABEL_MAX} characters.")
_FLAGS: dict[str, Schema] = {
    "requires_photo": {
        "type": "boolean",
        "description": "The customer must add a photo (the returns page asks for one; the "
        "API's `POST /returns` cannot take one, so it refuses the reason).",
    },
    "requires_comment": {
        "type": "boolean",
        "description": "The customer must say what happened (a line's `comment`).",
    },
    "waives_fees": {
        "type": "boolean",
        "description": "The shop's fault (damaged, wrong item): no restocking fee for an "
        "item returned for it, and no return shipping when every item's is waived.",
    },
    "active": {
        "type": "boolean",
        "description": "Customers can pick it (false: retired; returns that gave it keep it).",
    },
}
_CATEGORIES: dict[str, Schema] = {
    "categories": {
        "type": "array",
        "maxItems": CATEGORIES_MAX,
        "items": string(minLength=1, maxLength=CATEGORY_MAX),
        "description": "The line item categories (an order line's `category`, matched "
        "exactly) it applies to: customers returning an item of another category are not "
        "offered it, and `POST /returns` refuses it for them (`reason_category`). Empty: "
        "every category, items without one included. A reason under a heading with no list "
        "of its own takes the heading's. Each is trimmed, not blank, and kept once.",
    }
}
_PLACE: dict[str, Schema] = {
    "parent": nullable(
        string(description="The code of the top-level reason it goes under (null: top level).")
    ),
    "position": {
        "type": "integer",
        "minimum": 0,
        "description": "Its place among the reasons beside it, 0 first (past the end: last). "
        "Unsent, a new reason or one moved under another parent goes last.",
    },
}
REASON = component(
    "ReturnReason",
    obj(
        {
            "id": {"type": "integer"},
            "code": string(description="What returns, the policy and analytics name it by."),
            "labels": obj({}, {locale: string() for locale in i18n.LOCALES}),
            "parent": nullable(string()),
            "position": {"type": "integer", "minimum": 0},
            **_CATEGORIES,
            **_FLAGS,
            "used": {
                "type": "boolean",
                "description": "Returns gave it: its code is fixed and it cannot be deleted.",
            },
        }
    ),
)
REASON_IN = component(
    "ReturnReasonInput",
    obj(
        {
            "code": string(description="Lowercase letters, digits, `_` and `-`, at most 64."),
            "labels": obj({}, {locale: _LABEL for locale in i18n.LOCALES}),
        },
        {**_PLACE, **_CATEGORIES, **_FLAGS},
    ),
)
REASON_PATCH = component(
    "ReturnReasonChange",
    obj(
        {},
        {
            "code": string(description="Only while no return gave the reason."),
            "labels": obj(
                {},
                {
                    locale: nullable({**_LABEL, "description": "null: none"})
                    for locale in i18n.LOCALES
                },
            ),
            **_PLACE,
            **_CATEGORIES,
            **_FLAGS,
        },
    ),
)

#: The screen's field -> where it is in the API's document (the others are at their name).
_POINTERS = {f"label_{locale}": f"/labels/{locale}" for locale in i18n.LOCALES}
#: The screen's words that name its own controls, said the API's way.
_WORDS = {
    "parent": "is not a top-level reason of this shop (reasons nest one level deep, and a "
    "reason with reasons under it stays at the top level)",
}


def reason_json(entry: Entry, position: int, parent: str | None) -> dict[str, Any]:
    reason = entry.reason
    labels = reason.labels or {}
    return {
        "id": reason.id,
        "code": reason.code,
        "labels": {locale: labels[locale] for locale in i18n.LOCALES if labels.get(locale)},
        "parent": parent,
        "position": position,
        "categories": list(reason.categories or []),
        **{flag: bool(getattr(reason, flag)) for flag in FLAGS},
        "active": reason.active,
        "used": entry.used,
    }


def _listed(tree: list[Entry]) -> list[dict[str, Any]]:
    """Every reason in menu order: each top-level one followed by those under it."""
    data = []
    for index, top in enumerate(tree):
        data.append(reason_json(top, index, None))
        code = top.reason.code
        data.extend(reason_json(child, n, code) for n, child in enumerate(top.children))
    return data


async def _one(merchant_id: int, reason_id: int) -> dict[str, Any]:
    found = next(
        (r for r in _listed(await reasons.reason_tree(merchant_id)) if r["id"] == reason_id), None
    )
    if found is None:
        raise not_found("return reason")
    return found


async def _reason(call: Call) -> ReturnReason:
    found = await ReturnReason.get_or_none(id=call.path["id"], merchant_id=call.merchant_id)
    if found is None:
        raise not_found("return reason")
    return found


async def _parent_code(reason: ReturnReason) -> str:
    if reason.parent_id is None:
        return ""
    parent = await ReturnReason.get_or_none(id=reason.parent_id)
    return parent.code if parent else ""


def form_values(before: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    """The screen's values with what was sent laid over ``before``: a field sent replaces
    its own; in ``labels`` only the languages sent change (null or "" drops one)."""
    values = dict(before)
    if "code" in sent:
        values["code"] = sent["code"].strip()
    for locale, text in sent.get("labels", {}).items():
        values[f"label_{locale}"] = (text or "").strip()
    if "parent" in sent:
        values["parent"] = sent["parent"] or ""
    if "categories" in sent:
        values["categories"] = sent["categories"]
    for name in (*FLAGS, "active"):
        if name in sent:
            values[name] = sent[name]
    return values


def _field_errors(errors: dict[str, str], categories: Any) -> list[FieldError]:
    """The store's errors by field as pointers; a refused category points at its index."""
    found: list[FieldError] = []
    for name, text in errors.items():
        if name == "categories":
            found.extend(
                FieldError("/categories" if n is None else f"/categories/{n}", problem)
                for n, problem in reasons.category_problems(categories).items()
            )
        else:
            found.append(FieldError(_POINTERS.get(name, f"/{name}"), _WORDS.get(name, text)))
    return found


async def _save(call: Call, reason: ReturnReason | None) -> ReturnReason:
    before = reasons.values_of(reason)
    if reason is not None:
        before["parent"] = await _parent_code(reason)
    saved, errors = await reasons.store(
        call.merchant_id,
        reason,
        form_values(before, call.body),
        parent_key=lambda parent: parent.code,
        position=call.body.get("position"),
    )
    if errors or saved is None:
        raise invalid(_field_errors(errors, call.body.get("categories")))
    return saved


async def list_reasons(call: Call) -> Reply:
    return Reply(200, {"data": _listed(await reasons.reason_tree(call.merchant_id))})


async def get_reason(call: Call) -> Reply:
    return Reply(200, await _one(call.merchant_id, (await _reason(call)).id))


async def create_reason(call: Call) -> Reply:
    saved = await _save(call, None)
    return Reply(
        201,
        await _one(call.merchant_id, saved.id),
        location=f"/api/v1/return-reasons/{saved.id}",
    )


async def change_reason(call: Call) -> Reply:
    reason = await _reason(call)
    if not call.body:
        raise invalid_field("/", "send at least one field")
    saved = await _save(call, reason)
    return Reply(200, await _one(call.merchant_id, saved.id))


async def delete_reason(call: Call) -> Reply:
    kept = await reasons.forget(call.merchant_id, await _reason(call))
    if kept == "used":
        raise ApiError(
            409,
            "Returns gave this reason (return rate by reason counts them), so it cannot be "
            'deleted: retire it with `PATCH {"active": false}`.',
        )
    if kept == "children":
        raise ApiError(409, "Reasons are under this one: move or delete them first.")
    return Reply(204)


_ID = Param(
    "id", {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}, "The reason's id.", "path", True
)
_ONE = "/return-reasons/{id}"
_CHECKED = (
    "Checked as the workspace's reasons screen checks it: a code of lowercase letters, "
    "digits, `_` and `-`, not another reason's; an English label, at most "
    f"{LABEL_MAX} characters each; a parent that is a top-level reason; categories "
    "that are not blank once trimmed. Any problem answers "
    "`422` with one `errors` entry per refused value and saves nothing."
)

OPERATIONS = [
    Operation(
        "GET",
        "/return-reasons",
        "listReturnReasons",
        "List the shop's return reasons in menu order, retired ones included",
        "returns",
        list_reasons,
        {200: list_of(REASON)},
        description="Each top-level reason is followed by the reasons under it.",
    ),
    Operation(
        "POST",
        "/return-reasons",
        "createReturnReason",
        "Add a return reason",
        "returns",
        create_reason,
        {201: REASON},
        body=REASON_IN,
        description=_CHECKED,
    ),
    Operation(
        "GET",
        _ONE,
        "getReturnReason",
        "Get one return reason",
        "returns",
        get_reason,
        {200: REASON},
        params=(_ID,),
    ),
    Operation(
        "PATCH",
        _ONE,
        "changeReturnReason",
        "Rename, translate, move, reorder, retire or bring back a return reason",
        "returns",
        change_reason,
        {200: REASON},
        body=REASON_PATCH,
        params=(_ID,),
        description="Send only what changes (in `labels`, only the languages sent). "
        + _CHECKED
        + " The code of a reason returns gave cannot change.",
    ),
    Operation(
        "DELETE",
        _ONE,
        "deleteReturnReason",
        "Delete a return reason no return gave and with nothing under it",
        "returns",
        delete_reason,
        {204: None},
        params=(_ID,),
        errors=(409,),
        description='`409` for a reason returns gave (retire it: `PATCH {"active": false}`) '
        "or one with reasons under it. Its code leaves the return policy's reason lists.",
    ),
]
