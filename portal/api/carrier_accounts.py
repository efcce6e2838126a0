"""``/carrier-accounts``: the shop's carrier accounts without the workspace — connect one,
list them with their health, change, test, resume and remove them.

Values are checked by :mod:`portal.carrier_accounts`, the Carrier accounts screen's own
rules, and stored as the screen stores them (credentials encrypted). The credentials of
an account are never answered: ``credentials`` says which of the carrier's fields are
set. A ``POST`` or ``PATCH`` with any problem answers ``422`` with one ``errors`` entry
per refused value and changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from carriers.base import CarrierAdapter
from portal import carrier_accounts as shared
from portal.api.errors import invalid, invalid_field, not_found
from portal.api.operations import Call, Operation, Param, Reply
from portal.api.schemas import (
    DATE_TIME,
    FieldError,
    Schema,
    component,
    list_of,
    nullable,
    obj,
    string,
    validate,
)
from portal.models import CarrierAccount, Merchant
from portal.settings import Settings
from portal.tracking import accounts as engine_accounts
from portal.tracking.hints import language_of

#: Longest credential value taken (tokens and keys are far shorter).
CREDENTIAL_MAX = 4000
PATH = "/carrier-accounts"

_CREDENTIALS_IN = {
    "type": "object",
    "description": "Credential field → value: the fields the carrier's adapter declares "
    "(`credential_fields` in docs/carriers.md; DHL: `api_key`, `webhook_secret`). An "
    "undeclared field answers 422; an empty string clears one.",
}
_FIELDS: dict[str, Schema] = {
    "name": string(
        maxLength=shared.NAME_MAX,
        description="The shop's label for the account, unique in the shop (default: the "
        "carrier's name).",
    ),
    "credentials": _CREDENTIALS_IN,
    "base_url_override": nullable(
        string(
            maxLength=shared.BASE_URL_MAX,
            description="Call the carrier here instead of its production API (a test "
            "endpoint such as `https://wwwcie.ups.com`); an empty string or null clears it.",
        )
    ),
    "enabled": {
        "type": "boolean",
        "description": "Whether shipments are polled through this account (default true).",
    },
    "default": {
        "type": "boolean",
        "description": "The shop's default account for its carrier: shipments of that "
        "carrier naming no account (from a store, a CSV import, or registered without "
        "`carrier_account_id`) are polled through it when the shop has several. Marking "
        "one unmarks the carrier's other default (default false).",
    },
}
ACCOUNT_IN = component(
    "CarrierAccountInput",
    obj(
        {"carrier": string(maxLength=64, description="The carrier's key: `dhl`, `inpost`, `ups`…")},
        _FIELDS,
    ),
)
ACCOUNT_PATCH = component("CarrierAccountChange", obj({}, _FIELDS))
_HEALTH = [h.value for h in engine_accounts.Health]
ACCOUNT = component(
    "CarrierAccount",
    obj(
        {
            "id": {"type": "integer"},
            "carrier": string(),
            "carrier_name": string(description="The carrier's display name."),
            "name": string(),
            "enabled": {"type": "boolean"},
            "default": {"type": "boolean"},
            "base_url_override": nullable(string()),
            "credentials": {
                "type": "object",
                "description": "Each credential field the carrier declares → whether it "
                "holds a value. The values themselves are never answered.",
            },
            "status": obj(
                {
                    "health": string(
                        enum=_HEALTH,
                        description="`paused`: the carrier refused the credentials, polling "
                        "waits for `resume`; `rate_limited` and `circuit_open` wait `until`.",
                    ),
                    "until": nullable(DATE_TIME),
                    "paused_reason": nullable(string()),
                    "consecutive_failures": {"type": "integer"},
                    "last_success_at": nullable(
                        {**DATE_TIME, "description": "The last call the carrier answered."}
                    ),
                    "last_error": nullable(string()),
                    "last_error_at": nullable(DATE_TIME),
                }
            ),
            "created_at": DATE_TIME,
        }
    ),
)
CARRIER = component(
    "Carrier",
    obj(
        {
            "key": string(description="What `carrier` names in an account or a shipment."),
            "name": string(),
            "credential_fields": {
                "type": "object",
                "description": "Credential field → what it is (English): the fields an "
                "account of this carrier takes.",
            },
            "supports_push": {
                "type": "boolean",
                "description": "Whether the carrier can push updates to "
                "`/webhooks/carriers/<carrier>/<account id>`.",
            },
        }
    ),
)
CHECK = component(
    "CarrierAccountCheck",
    obj(
        {
            "outcome": string(
                enum=["ok", "auth", "unavailable"],
                description="`ok`: the carrier accepted the credentials; `auth`: it refused "
                "them; `unavailable`: it did not answer properly (or the credentials cannot "
                "be read).",
            ),
            "detail": string(),
        }
    ),
)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def account_json(account: CarrierAccount, settings: Settings, now: datetime) -> dict[str, Any]:
    """The account as the API shows it: which credentials are set, never their values."""
    adapter = shared.installed_adapter(account.carrier_key)
    stored = shared.stored_credentials(settings, account)
    declared = list(adapter.credential_fields) if adapter is not None else list(stored)
    secrets = [v for v in stored.values() if v]
    health, until = engine_accounts.health_of(account, now)
    return {
        "id": account.id,
        "carrier": account.carrier_key,
        "carrier_name": adapter.display_name if adapter is not None else account.carrier_key,
        "name": account.name,
        "enabled": account.enabled,
        "default": account.is_default,
        "base_url_override": account.base_url_override,
        "credentials": {field: bool(stored.get(field)) for field in declared},
        "status": {
            "health": health.value,
            "until": _iso(until),
            "paused_reason": shared.redact(account.paused_reason, secrets),
            "consecutive_failures": account.consecutive_failures,
            "last_success_at": _iso(account.last_success_at),
            "last_error": shared.redact(account.last_error, secrets),
            "last_error_at": _iso(account.last_error_at),
        },
        "created_at": account.created_at.isoformat(),
    }


def credentials_schema(adapter: type[CarrierAdapter]) -> Schema:
    """The credentials object ``adapter`` takes: its declared fields, as strings."""
    return obj({}, {f: string(maxLength=CREDENTIAL_MAX) for f in adapter.credential_fields})


def field_errors(
    settings: Settings, body: dict[str, Any], account: CarrierAccount | None
) -> list[FieldError]:
    """The credentials' shape against the carrier's declared fields (schema words)."""
    if account is not None:
        adapter = shared.installed_adapter(account.carrier_key)
    else:
        adapter = shared.adapter_for(settings, body.get("carrier"))
    if adapter is None or "credentials" not in body:
        return []
    errors = validate(credentials_schema(adapter), body["credentials"], "/credentials")
    takes = f" ({adapter.key} takes: {', '.join(adapter.credential_fields) or 'none'})"
    return [
        FieldError(e.pointer, e.detail + takes) if e.detail == "is not a known field" else e
        for e in errors
    ]


async def checked(
    settings: Settings, merchant_id: int, body: dict[str, Any], account: CarrierAccount | None
) -> tuple[dict[str, Any], list[FieldError]]:
    """The values to store and every problem with ``body``: the carrier's credential
    fields in the schema's words, then the screen's rules (in English)."""
    errors = field_errors(settings, body, account)
    values, problems = await shared.clean(settings, merchant_id, body, account)
    seen = {e.pointer for e in errors}
    errors += [
        FieldError(f"/{path}", problem.text())
        for path, problem in problems.items()
        if f"/{path}" not in seen
    ]
    if "carrier" in problems:
        choices = ", ".join(shared.offered(settings))
        errors = [
            FieldError("/carrier", f"must be one of: {choices}") if e.pointer == "/carrier" else e
            for e in errors
        ]
    return values, errors


async def _mine(call: Call) -> CarrierAccount:
    account = await shared.of_merchant(call.merchant_id, call.path["id"])
    if account is None:
        raise not_found("carrier account")
    return account


async def _store(
    call: Call, values: dict[str, Any], account: CarrierAccount | None
) -> CarrierAccount:
    try:
        return await shared.save(call.settings, call.merchant_id, values, account)
    except shared.Refused as exc:
        path, problem = next(iter(exc.problems.items()))
        raise invalid_field(f"/{path}", problem.text()) from None


async def list_carriers(call: Call) -> Reply:
    carriers = [shared.adapter_for(call.settings, key) for key in shared.offered(call.settings)]
    return Reply(
        200,
        {
            "data": [
                {
                    "key": adapter.key,
                    "name": adapter.display_name,
                    "credential_fields": dict(adapter.credential_fields),
                    "supports_push": adapter.supports_push,
                }
                for adapter in carriers
                if adapter is not None
            ]
        },
    )


async def list_accounts(call: Call) -> Reply:
    rows = await CarrierAccount.filter(merchant_id=call.merchant_id).order_by("name", "id")
    return Reply(200, {"data": [account_json(a, call.settings, call.now) for a in rows]})


async def create_account(call: Call) -> Reply:
    values, errors = await checked(call.settings, call.merchant_id, call.body, None)
    if errors:
        raise invalid(errors)
    account = await _store(call, values, None)
    return Reply(
        201,
        account_json(account, call.settings, call.now),
        location=f"/api/v1{PATH}/{account.id}",
    )


async def get_account(call: Call) -> Reply:
    return Reply(200, account_json(await _mine(call), call.settings, call.now))


async def change_account(call: Call) -> Reply:
    account = await _mine(call)
    if not call.body:
        raise invalid_field("/", "send at least one field")
    values, errors = await checked(call.settings, call.merchant_id, call.body, account)
    if errors:
        raise invalid(errors)
    account = await _store(call, values, account)
    return Reply(200, account_json(account, call.settings, call.now))


async def delete_account(call: Call) -> Reply:
    account = await _mine(call)
    await CarrierAccount.filter(id=account.id, merchant_id=call.merchant_id).delete()
    return Reply(204)


async def test_account(call: Call) -> Reply:
    account = await _mine(call)
    merchant = await Merchant.get(id=call.merchant_id).only("id", "default_locale")
    outcome, message = await shared.check_connection(
        account, call.settings, language=language_of(merchant.default_locale)
    )
    return Reply(200, {"outcome": outcome, "detail": message})


async def resume_account(call: Call) -> Reply:
    account = await _mine(call)
    await engine_accounts.resume(account, call.now)
    account = await CarrierAccount.get(id=account.id)
    return Reply(200, account_json(account, call.settings, call.now))


_ID = Param(
    "id",
    {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
    "The carrier account's id.",
    "path",
    True,
)
_TAG = "carrier accounts"

OPERATIONS = [
    Operation(
        "GET",
        "/carriers",
        "listCarriers",
        "The carriers a shop may connect, with the credential fields each takes",
        _TAG,
        list_carriers,
        {200: list_of(CARRIER)},
    ),
    Operation(
        "GET",
        PATH,
        "listCarrierAccounts",
        "The shop's carrier accounts with their health (credentials never shown)",
        _TAG,
        list_accounts,
        {200: list_of(ACCOUNT)},
    ),
    Operation(
        "POST",
        PATH,
        "createCarrierAccount",
        "Connect a carrier account: its carrier, credentials, name and base URL",
        _TAG,
        create_account,
        {201: ACCOUNT},
        body=ACCOUNT_IN,
        description="Checked as the workspace's Carrier accounts screen checks it, and the "
        "credentials against the fields the carrier's adapter declares; any problem answers "
        "`422` with one `errors` entry per refused value and creates nothing. The "
        "credentials are stored encrypted and never answered.",
    ),
    Operation(
        "GET",
        PATH + "/{id}",
        "getCarrierAccount",
        "One carrier account with its health",
        _TAG,
        get_account,
        {200: ACCOUNT},
        params=(_ID,),
    ),
    Operation(
        "PATCH",
        PATH + "/{id}",
        "changeCarrierAccount",
        "Change a carrier account's name, credentials, base URL, whether it is the "
        "carrier's default, or switch it off (all or nothing)",
        _TAG,
        change_account,
        {200: ACCOUNT},
        body=ACCOUNT_PATCH,
        params=(_ID,),
        description="Send only what changes. A credential field sent replaces its value "
        '(`""` clears it); the others keep theirs. The carrier cannot change: connect '
        "another account instead. Any problem answers `422` and changes nothing.",
    ),
    Operation(
        "DELETE",
        PATH + "/{id}",
        "deleteCarrierAccount",
        "Remove a carrier account; its shipments stay and are polled through the shop's "
        "other account for the carrier, if any",
        _TAG,
        delete_account,
        {204: None},
        params=(_ID,),
    ),
    Operation(
        "POST",
        PATH + "/{id}/test",
        "testCarrierAccount",
        "Ask the carrier about a sample number with the account's credentials",
        _TAG,
        test_account,
        {200: CHECK},
        params=(_ID,),
        description='The screen\'s "Test connection": nothing about the account changes. '
        'A carrier answering "not found" for the sample proves the credentials work.',
    ),
    Operation(
        "POST",
        PATH + "/{id}/resume",
        "resumeCarrierAccount",
        "Resume polling after fixing the credentials (clears a pause, a rate limit, an "
        "open circuit)",
        _TAG,
        resume_account,
        {200: ACCOUNT},
        params=(_ID,),
    ),
]
