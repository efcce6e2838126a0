"""``/setup``: what the shop still has to set up, for a shop that never opens the workspace.

The same steps, in the same order, as the workspace home's "Set up your shop" panel
(:mod:`portal.setup_status`), each with the API operation that does it; the text stays in
English like the API's other messages.
"""

from __future__ import annotations

from typing import Any

from portal.api.operations import Call, Operation, Reply
from portal.api.schemas import Schema, component, obj, string
from portal.models import Merchant
from portal.setup_status import Step, complete, steps_of

_BOOLEAN: Schema = {"type": "boolean"}
STEP = component(
    "SetupStep",
    obj(
        {
            "key": string(
                description="Stable name of the step: carrier_account, orders, contact, "
                "return_policy, return_reasons, branding."
            ),
            "done": _BOOLEAN,
            "required": {
                "type": "boolean",
                "description": "False for a step the shop can work without.",
            },
            "title": string(),
            "missing": string(description="What the step is for and what is missing."),
            "workspace": string(description="The workspace page that does it."),
            "api": obj(
                {
                    "method": string(enum=["GET", "POST", "PATCH", "PUT"]),
                    "path": string(description="The API operation that does it."),
                }
            ),
        }
    ),
)
SETUP = component(
    "Setup",
    obj(
        {
            "complete": {
                "type": "boolean",
                "description": "Whether every required step is done.",
            },
            "steps": {"type": "array", "items": STEP},
        }
    ),
)


def step_json(step: Step) -> dict[str, Any]:
    return {
        "key": step.key,
        "done": step.done,
        "required": step.required,
        "title": step.title,
        "missing": step.missing,
        "workspace": step.href,
        "api": {"method": step.api_method, "path": step.api_path},
    }


async def get_setup(call: Call) -> Reply:
    steps = await steps_of(await Merchant.get(id=call.merchant_id))
    return Reply(200, {"complete": complete(steps), "steps": [step_json(s) for s in steps]})


OPERATIONS = [
    Operation(
        "GET",
        "/setup",
        "getSetup",
        "What the shop still has to set up, step by step",
        "setup",
        get_setup,
        {200: SETUP},
        description="The workspace home's set-up checklist: each step's key, whether it is "
        "done and required, and the workspace page and API operation that do it.",
    ),
]
