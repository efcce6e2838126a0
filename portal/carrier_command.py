"""``portal carrier``: a shop's carrier accounts from the command line, under the same rules.

``list`` prints what ``GET /api/v1/carrier-accounts`` answers (which credentials are set,
never their values, and each account's health). ``add`` connects an account as ``POST
/api/v1/carrier-accounts`` does: the credentials come from a JSON file or standard input
(``--json FILE``, ``--json -``), never from the command line, where they would stay in the
shell's history and the process list; they are checked against the API's schema, the
carrier's declared fields and :mod:`portal.carrier_accounts` — the screen's and the API's
rules — and saved only when nothing is refused. ``remove`` deletes an account, ``test``
asks the carrier about a sample number with it, and ``default`` makes it the default for
its carrier (as ``PATCH /api/v1/carrier-accounts/{id}`` with ``{"default": true}``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import IO, Any

from portal import carrier_accounts as shared
from portal.api.carrier_accounts import ACCOUNT_IN, account_json, checked
from portal.api.schemas import validate
from portal.models import CarrierAccount, Merchant
from portal.settings import Settings
from portal.tracking.hints import language_of


class Refused(Exception):
    """What was asked cannot be done; ``problems`` says why, one line each."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


def read_credentials(source: IO[str], name: str) -> dict[str, Any]:
    """The credentials object in ``source`` (a file, or standard input)."""
    try:
        document = json.load(source)
    except ValueError as exc:
        raise Refused([f"{name} is not valid JSON: {exc}"]) from None
    if not isinstance(document, dict):
        raise Refused([f"{name} must hold a JSON object: credential field → value"])
    return document


async def list_accounts(settings: Settings, merchant: Merchant) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    rows = await CarrierAccount.filter(merchant_id=merchant.id).order_by("name", "id")
    return [account_json(account, settings, now) for account in rows]


async def add(
    settings: Settings, merchant: Merchant, document: Mapping[str, Any]
) -> dict[str, Any]:
    """Check ``document`` (the API's ``POST`` body); connect the account, or raise
    :class:`Refused` listing every problem."""
    errors = validate(ACCOUNT_IN, document)
    if not errors:
        values, errors = await checked(settings, merchant.id, dict(document), None)
    if errors:
        raise Refused(f"{e.pointer}: {e.detail}" for e in errors)
    try:
        account = await shared.save(settings, merchant.id, values)
    except shared.Refused as exc:
        raise Refused(f"/{path}: {p.text()}" for path, p in exc.problems.items()) from None
    return account_json(account, settings, datetime.now(UTC))


async def _account(merchant: Merchant, account_id: int) -> CarrierAccount:
    account = await shared.of_merchant(merchant.id, account_id)
    if account is None:
        raise Refused([f"merchant {merchant.slug!r} has no carrier account with id {account_id}"])
    return account


async def remove(merchant: Merchant, account_id: int) -> str:
    account = await _account(merchant, account_id)
    await CarrierAccount.filter(id=account.id, merchant_id=merchant.id).delete()
    return f"carrier account {account.id} ({account.name!r}, {account.carrier_key}) removed"


async def set_default(
    settings: Settings, merchant: Merchant, account_id: int, default: bool
) -> dict[str, Any]:
    """Mark the account its carrier's default (or unmark it) through the API's rules."""
    account = await _account(merchant, account_id)
    values, errors = await checked(settings, merchant.id, {"default": default}, account)
    if errors:
        raise Refused(f"{e.pointer}: {e.detail}" for e in errors)
    saved = await shared.save(settings, merchant.id, values, account)
    return account_json(saved, settings, datetime.now(UTC))


async def test(settings: Settings, merchant: Merchant, account_id: int) -> tuple[str, str]:
    """(outcome, the line to print): ``ok``, ``auth`` or ``unavailable``."""
    account = await _account(merchant, account_id)
    outcome, message = await shared.check_connection(
        account, settings, language=language_of(merchant.default_locale)
    )
    return outcome, f"{account.name} ({account.carrier_key}): {outcome}: {message}"
