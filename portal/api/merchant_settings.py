"""``/settings``: the shop's settings the API may read and change — for now how many
months of history (scans, domain events, messages, webhook deliveries) are kept."""

from __future__ import annotations

from typing import Any

from portal.api.errors import invalid_field
from portal.api.operations import Call, Operation, Reply
from portal.api.schemas import component, obj
from portal.history import retention
from portal.models import Merchant

_MONTHS = {
    "type": "integer",
    "minimum": retention.MIN_MONTHS,
    "maximum": retention.MAX_MONTHS,
    "description": "Whole months of history kept before the current one (default "
    f"{retention.DEFAULT_MONTHS}); older scans, domain events, sent messages and webhook "
    "deliveries are removed once a day. Shipments, returns and analytics are kept.",
}
SETTINGS = component("MerchantSettings", obj({"history_retention_months": _MONTHS}))
SETTINGS_PATCH = component("MerchantSettingsChange", obj({}, {"history_retention_months": _MONTHS}))


def settings_json(merchant: Merchant) -> dict[str, Any]:
    return {"history_retention_months": merchant.history_retention_months}


async def get_settings(call: Call) -> Reply:
    return Reply(200, settings_json(await Merchant.get(id=call.merchant_id)))


async def change_settings(call: Call) -> Reply:
    if not call.body:
        raise invalid_field("/", "send `history_retention_months`")
    await Merchant.filter(id=call.merchant_id).update(**call.body)
    return await get_settings(call)


OPERATIONS = [
    Operation(
        "GET",
        "/settings",
        "getSettings",
        "The shop's settings (history retention)",
        "settings",
        get_settings,
        {200: SETTINGS},
    ),
    Operation(
        "PATCH",
        "/settings",
        "changeSettings",
        "Change the shop's settings (history retention)",
        "settings",
        change_settings,
        {200: SETTINGS},
        body=SETTINGS_PATCH,
    ),
]
