"""``/return-policy``: the shop's return policy, for a shop that sets itself up without the
workspace (without one, its customers cannot return anything online).

The policy is what the workspace's return policy screen holds, checked by that screen's
own rules (:mod:`portal.admin.return_policy_form`) and saved as it saves it
(:func:`portal.admin.return_policy.store`): what one refuses the other refuses, in the
screen's English words, and a ``PATCH`` with any problem changes nothing. The API speaks
JSON types (numbers, lists, objects); this module turns them into the form's values and
back, so the rules stay in one place.
"""

from __future__ import annotations

from typing import Any

from portal.admin import return_policy_form as form
from portal.admin.return_policy import active_policy, reason_codes, store
from portal.api.errors import ApiError, invalid, invalid_field
from portal.api.operations import Call, Operation, Reply
from portal.api.schemas import FieldError, Schema, component, nullable, obj, string
from portal.models import ReturnPolicy

_DECIMAL = string(pattern=r"^[0-9]+([.,][0-9]+)?$")
_CODES: Schema = {"type": "array", "items": string(maxLength=64), "uniqueItems": True}
_CATEGORIES: Schema = {
    "type": "array",
    "items": string(minLength=1, maxLength=form.CATEGORY_MAX, pattern="^[^,]*$"),
    "uniqueItems": True,
}


def _days(name: str, description: str) -> Schema:
    low, high = form.DAY_RANGES[name]
    return {"type": "integer", "minimum": low, "maximum": high, "description": description}


_FEE_WAIVERS: dict[str, Schema] = {
    "exchange": {"type": "boolean", "description": "No return fee for an exchange."},
    "reasons": {**_CODES, "description": "Reason codes whose returns pay no fees."},
}
_AUTO_APPROVE: dict[str, Schema] = {
    "enabled": {
        "type": "boolean",
        "description": "Approve returns that meet the rules below at once; false: every "
        "return waits for review.",
    },
    "reasons": nullable(
        {**_CODES, "description": "Only returns for these reasons (null: any reason)."}
    ),
    "max_value": nullable({**_DECIMAL, "description": "Only returns worth at most this."}),
    "max_returns_per_customer": nullable(
        {"type": "integer", "minimum": 1, "maximum": form.MAX_RETURNS}
    ),
    "history_days": _days("auto_history_days", "The days the customer's returns count over."),
}
_ADDRESS: dict[str, Schema] = {key: string(maxLength=form.ADDRESS_MAX) for key in form.ADDRESS_KEYS}
_FIELDS: dict[str, Schema] = {
    "window_days": _days("window_days", "Days after delivery a return may be started."),
    "no_scan_margin_days": _days(
        "no_scan_margin_days",
        "Days added to the window for a parcel the carrier never reported delivered.",
    ),
    "returns_before_delivery": {
        "type": "boolean",
        "description": "Whether a return may be started before the parcel is delivered.",
    },
    "final_sale_categories": {**_CATEGORIES, "description": "Categories never returned."},
    "ineligible_categories": {
        **_CATEGORIES,
        "description": "Categories not returned online (the customer is sent to support).",
    },
    "resolutions": {
        "type": "array",
        "items": string(enum=[r.value for r in form.OFFERED_RESOLUTIONS]),
        "uniqueItems": True,
    },
    "store_credit_bonus_percent": _DECIMAL,
    "keep_item_threshold": nullable(
        {**_DECIMAL, "description": "Items worth at most this are refunded and kept."}
    ),
    "return_shipping_fee": _DECIMAL,
    "restocking_fee_percent": _DECIMAL,
    "fee_waivers": obj({}, _FEE_WAIVERS),
    "auto_approve": obj({}, _AUTO_APPROVE),
    "methods": {
        "type": "array",
        "items": string(enum=list(form.METHODS)),
        "uniqueItems": True,
    },
    "label_expiry_days": _days("label_expiry_days", "Days a return label stays valid."),
    "return_address": obj({}, _ADDRESS),
    "reserve_stock_at": string(enum=list(form.RESERVE_AT)),
    "eu_consumer_law": nullable(
        {
            "type": "boolean",
            "description": "Whether customers have EU consumer law's right of withdrawal "
            "(`withdrawal_days` from delivery, without a reason); null: as the shop's "
            "`country` says (yes for a shop established in an EU member state).",
        }
    ),
    "withdrawal_days": _days(
        "withdrawal_days",
        "The withdrawal period, in days from delivery of the last item (the law's 14 at least).",
    ),
    "withdrawal_customer_pays_return": {
        "type": "boolean",
        "description": "The customer bears the cost of sending withdrawn items back: the "
        "`return_shipping_fee` is then taken from a withdrawal's refund.",
    },
}
RETURN_POLICY = component("ReturnPolicy", obj(_FIELDS))
RETURN_POLICY_PATCH = component("ReturnPolicyChange", obj({}, _FIELDS))

#: A form field -> where it is in the API's document (the others are at their own name).
_POINTERS = {
    "waive_exchange": "/fee_waivers/exchange",
    "waiving_reasons": "/fee_waivers/reasons",
    "auto_mode": "/auto_approve/enabled",
    "auto_reasons_mode": "/auto_approve/reasons",
    "auto_reasons": "/auto_approve/reasons",
    "auto_max_value": "/auto_approve/max_value",
    "auto_max_returns": "/auto_approve/max_returns_per_customer",
    "auto_history_days": "/auto_approve/history_days",
    **{f"address_{key}": f"/return_address/{key}" for key in form.ADDRESS_KEYS},
}


def _number(text: str) -> int | None:
    return int(text) if text else None


def policy_json(values: dict[str, Any]) -> dict[str, Any]:
    """The form's values (:func:`form.values_of`) as the API shows them."""
    auto = values["auto_mode"] == "auto"
    return {
        "window_days": int(values["window_days"]),
        "no_scan_margin_days": int(values["no_scan_margin_days"]),
        "returns_before_delivery": values["returns_before_delivery"],
        "final_sale_categories": form.categories(values["final_sale_categories"]),
        "ineligible_categories": form.categories(values["ineligible_categories"]),
        "resolutions": values["resolutions"],
        "store_credit_bonus_percent": values["store_credit_bonus_percent"] or "0",
        "keep_item_threshold": values["keep_item_threshold"] or None,
        "return_shipping_fee": values["return_shipping_fee"] or "0",
        "restocking_fee_percent": values["restocking_fee_percent"] or "0",
        "fee_waivers": {
            "exchange": values["waive_exchange"],
            "reasons": values["waiving_reasons"],
        },
        "auto_approve": {
            "enabled": auto,
            "reasons": values["auto_reasons"] if values["auto_reasons_mode"] == "listed" else None,
            "max_value": values["auto_max_value"] or None,
            "max_returns_per_customer": _number(values["auto_max_returns"]),
            "history_days": int(values["auto_history_days"]),
        },
        "methods": values["methods"],
        "label_expiry_days": int(values["label_expiry_days"]),
        "return_address": {key: values[f"address_{key}"] for key in form.ADDRESS_KEYS},
        "reserve_stock_at": values["reserve_stock_at"],
        "eu_consumer_law": form.EU_LAW[values["eu_consumer_law"]],
        "withdrawal_days": int(values["withdrawal_days"]),
        "withdrawal_customer_pays_return": values["withdrawal_customer_pays_return"],
    }


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def form_values(before: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    """The form's values with what a ``PATCH`` sent laid over ``before`` (the form's values
    now): a field sent replaces its own, and in an object only the keys sent change."""
    values = dict(before)
    for name in ("window_days", "no_scan_margin_days", "label_expiry_days", "withdrawal_days"):
        if name in sent:
            values[name] = _text(sent[name])
    for name in (
        "store_credit_bonus_percent",
        "keep_item_threshold",
        "return_shipping_fee",
        "restocking_fee_percent",
        "reserve_stock_at",
    ):
        if name in sent:
            values[name] = _text(sent[name])
    for name in ("final_sale_categories", "ineligible_categories"):
        if name in sent:
            values[name] = ", ".join(sent[name])
    for name in ("resolutions", "methods"):
        if name in sent:
            values[name] = list(sent[name])
    for name in ("returns_before_delivery", "withdrawal_customer_pays_return"):
        if name in sent:
            values[name] = sent[name]
    if "eu_consumer_law" in sent:
        law = sent["eu_consumer_law"]
        values["eu_consumer_law"] = next(k for k, v in form.EU_LAW.items() if v is law)
    waivers = sent.get("fee_waivers", {})
    if "exchange" in waivers:
        values["waive_exchange"] = waivers["exchange"]
    if "reasons" in waivers:
        values["waiving_reasons"] = list(waivers["reasons"])
    auto = sent.get("auto_approve", {})
    if "enabled" in auto:
        values["auto_mode"] = "auto" if auto["enabled"] else "review"
    if "reasons" in auto:
        listed = auto["reasons"] is not None
        values["auto_reasons_mode"] = "listed" if listed else "any"
        values["auto_reasons"] = list(auto["reasons"] or ())
    if "max_value" in auto:
        values["auto_max_value"] = _text(auto["max_value"])
    if "max_returns_per_customer" in auto:
        values["auto_max_returns"] = _text(auto["max_returns_per_customer"])
    if "history_days" in auto:
        values["auto_history_days"] = _text(auto["history_days"])
    for key, text in sent.get("return_address", {}).items():
        values[f"address_{key}"] = text.strip()
    return values


async def _current(merchant_id: int) -> tuple[ReturnPolicy | None, dict[str, Any]]:
    found = await active_policy(merchant_id)
    return found, form.values_of(found or ReturnPolicy(merchant_id=merchant_id))


async def get_return_policy(call: Call) -> Reply:
    found, values = await _current(call.merchant_id)
    if found is None:
        raise ApiError(
            404,
            "The shop has no return policy, so customers cannot return anything online. "
            "`PATCH /return-policy` makes one from the workspace's defaults and what you send.",
        )
    return Reply(200, policy_json(values))


async def change_return_policy(call: Call) -> Reply:
    if not call.body:
        raise invalid_field("/", "send at least one field")
    found, before = await _current(call.merchant_id)
    values = form_values(before, call.body)
    clean, errors = form.validate(values, await reason_codes(call.merchant_id))
    if errors:
        raise invalid(
            FieldError(_POINTERS.get(name, f"/{name}"), text) for name, text in errors.items()
        )
    await store(call.merchant_id, found, clean)
    _, saved = await _current(call.merchant_id)
    if found is None:
        return Reply(201, policy_json(saved), location="/api/v1/return-policy")
    return Reply(200, policy_json(saved))


OPERATIONS = [
    Operation(
        "GET",
        "/return-policy",
        "getReturnPolicy",
        "The shop's return policy: window, resolutions, fees, auto-approval, methods, address, "
        "EU right of withdrawal",
        "returns",
        get_return_policy,
        {200: RETURN_POLICY},
        errors=(404,),
        description="`404` while the shop has none (its customers cannot return online).",
    ),
    Operation(
        "PATCH",
        "/return-policy",
        "changeReturnPolicy",
        "Change the shop's return policy, or make it (all or nothing)",
        "returns",
        change_return_policy,
        {200: RETURN_POLICY, 201: RETURN_POLICY},
        body=RETURN_POLICY_PATCH,
        description="Send only the fields to change (in an object, only its keys sent "
        "change). Checked as the workspace's return policy screen checks it; any problem "
        "answers `422` with one `errors` entry per refused value and changes nothing. A "
        "shop without a policy gets one made from the screen's defaults and what was sent "
        "(`201`).",
    ),
]
