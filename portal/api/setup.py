"""``/setup``: what the shop still has to set up, for a shop that never opens the workspace.

The same steps, in the same order, as the workspace home's "Set up your shop" panel
(:mod:`portal.setup_status`), each with the API operation that does it. Titles and
explanations come in the language the request asks for, chosen as for every request
(:class:`~portal.web.middleware.LocaleMiddleware`: ``?lang=``, then ``Accept-Language``;
English, like the API's other messages, when it names none of the portal's: the shop's
own language is a fallback of its customer pages only, ``portal.web.shop_language``), with
the answer's ``Content-Language`` saying which.
"""

from __future__ import annotations

from typing import Any

from portal import i18n
from portal.api.operations import Call, Operation, Param, Reply
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


def step_json(step: Step, locale: str = i18n.DEFAULT_LOCALE) -> dict[str, Any]:
    """One step, its title and explanation in ``locale``."""
    words = i18n.translations(locale)
    return {
        "key": step.key,
        "done": step.done,
        "required": step.required,
        "title": words.ugettext(step.title),
        "missing": words.ugettext(step.missing),
        "workspace": step.href,
        "api": {"method": step.api_method, "path": step.api_path},
    }


#: The language of the words is chosen as for every request (``LocaleMiddleware``):
#: ``?lang=``, then ``Accept-Language``, then English; declared here for the document.
LANGUAGE_PARAMS = (
    Param(
        "lang",
        string(maxLength=35),
        "The language of `title` and `missing` (en, pl, ro, ru, el, uk, bg); before "
        "`Accept-Language`.",
    ),
    Param(
        "Accept-Language",
        string(maxLength=200),
        "The language of `title` and `missing` when `lang` is not given (q-values "
        "honoured); English when it names none of the portal's. `Content-Language` names "
        "the one answered.",
        "header",
    ),
)


async def get_setup(call: Call) -> Reply:
    steps = await steps_of(await Merchant.get(id=call.merchant_id))
    locale = i18n.current_locale()
    body = {"complete": complete(steps), "steps": [step_json(s, locale) for s in steps]}
    return Reply(200, body)


OPERATIONS = [
    Operation(
        "GET",
        "/setup",
        "getSetup",
        "What the shop still has to set up, step by step",
        "setup",
        get_setup,
        {200: SETUP},
        params=LANGUAGE_PARAMS,
        description="The workspace home's set-up checklist: each step's key, whether it is "
        "done and required, and the workspace page and API operation that do it; titles "
        "and explanations in the language `lang` or `Accept-Language` asks for.",
    ),
]
