"""A shop's carrier accounts and the one set of rules every way of changing them obeys.

An account is a carrier key, a name (the shop's label for it), the credentials the
carrier's adapter declares (``credential_fields``), an optional base URL (a carrier's test
endpoint, say), whether it is switched on and whether it is the shop's default for its
carrier (``is_default``: it polls the shipments of that carrier that name no account,
:func:`portal.tracking.accounts.polling_account`; marking one unmarks the others).
The workspace's Carrier accounts screen (:mod:`portal.admin.carrier_accounts`), the
REST API's ``/carrier-accounts`` (:mod:`portal.api.carrier_accounts`) and ``portal
carrier`` all hand what they were sent to :func:`clean`, store its result with
:func:`save` and check an account with :func:`check_connection`. They differ only in how
they read their input and how they word a :class:`~portal.shop_settings.Problem`
(translated on the screen, English elsewhere).

Credentials are encrypted with :func:`portal.crypto.encrypt_json` and never leave this
module in clear: callers see which fields are set (:func:`set_fields`), and text that
may quote them (a carrier's error) is passed through :func:`redact` first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from carriers import registry
from carriers.base import AuthError, CarrierAdapter, CarrierError, NumberHint
from portal.crypto import DecryptionError, decrypt_json, encrypt_json
from portal.i18n import lazy
from portal.models import CarrierAccount
from portal.settings import Settings
from portal.shop_settings import Problem
from portal.tracking import accounts as engine_accounts
from portal.tracking.hints import track_numbers

#: ``CarrierAccount.name``'s and ``base_url_override``'s column lengths.
NAME_MAX = 200
BASE_URL_MAX = 500
TEST_TIMEOUT = 8.0
#: A well-formed number per carrier: "not found" still proves the credentials work.
SAMPLE_NUMBERS = {
    "ups": "1Z999AA10123456784",
    "fedex": "123456789012",
    "usps": "9400100000000000000000",
    "dhl": "1234567890",
    "gls": "00000000000",
    "dpd_pl": "0000000000000U",
    "acs": "0000000000",
    "boxnow": "0000000000",
    "speedy": "00000000000",
    "dpd_ro": "00000000000",
    "econt": "0000000000000",
    "elta": "RR000000000GR",
    "geniki": "0000000000",
    "russian_post": "RR000000000RU",
    "nova_poshta": "20000000000000",
    "cdek": "0000000000",
    "ukrposhta": "0500000000000",
}
DEFAULT_SAMPLE = "SBX00000000001"

NAME_MISSING = lazy("Give the account a name.")
NAME_TOO_LONG = lazy("The name may be at most 200 characters long.")
NAME_TAKEN = lazy("Another account already has this name.")
BAD_BASE_URL = lazy("Enter a full address starting with https://")
#: A carrier no screen offers, or a credential its adapter does not declare.
UNLISTED = lazy("Choose from the listed options.")

#: What :func:`check_connection` answers, by outcome.
CONNECTED = lazy("Connected: the carrier accepted these credentials.")
REFUSED = lazy("The carrier refused these credentials. Check them and save again.")
NOT_ANSWERING = lazy("The carrier did not answer properly. Try again in a while.")
UNREADABLE = lazy("The carrier's adapter or the saved credentials cannot be read.")
MASK = "••••"


class Refused(Exception):
    """:func:`save` could not store the values: ``problems`` by path, as :func:`clean`'s."""

    def __init__(self, problems: Mapping[str, Problem]) -> None:
        self.problems = dict(problems)
        super().__init__("; ".join(f"{k}: {p.text()}" for k, p in self.problems.items()))


def offered(settings: Settings) -> list[str]:
    """Carrier keys a shop may choose (no simulated carrier in production)."""
    return engine_accounts.offered(settings)


def adapter_for(settings: Settings, key: object) -> type[CarrierAdapter] | None:
    """The adapter of ``key`` if this portal offers it, else None."""
    if not isinstance(key, str) or key not in offered(settings):
        return None
    return registry.get(key)


def installed_adapter(key: str) -> type[CarrierAdapter] | None:
    """The adapter of an existing account's carrier, None when it is not installed."""
    return registry.get(key) if key in registry.available() else None


def stored_credentials(settings: Settings, account: CarrierAccount) -> dict[str, str]:
    """The account's credentials in clear ({} when they cannot be read)."""
    try:
        return {
            str(k): str(v) for k, v in decrypt_json(settings, account.credentials_encrypted).items()
        }
    except DecryptionError:
        return {}


def set_fields(settings: Settings, account: CarrierAccount | None) -> set[str]:
    """The credential fields of ``account`` that hold a value (never the values)."""
    if account is None:
        return set()
    return {k for k, v in stored_credentials(settings, account).items() if v}


def redact(text: str | None, secrets: Iterable[str]) -> str | None:
    """``text`` with every credential value in it masked (a carrier may quote one)."""
    if not text:
        return text
    for secret in sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def valid_base_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _token(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


async def _name_problem(
    merchant_id: int, name: str, account: CarrierAccount | None
) -> Problem | None:
    if not name:
        return Problem(NAME_MISSING)
    if len(name) > NAME_MAX:
        return Problem(NAME_TOO_LONG)
    others = CarrierAccount.filter(merchant_id=merchant_id, name=name)
    if account is not None:
        others = others.exclude(id=account.id)
    if await others.exists():
        return Problem(NAME_TAKEN)
    return None


def _credentials(
    settings: Settings,
    adapter: type[CarrierAdapter] | None,
    sent: Any,
    account: CarrierAccount | None,
) -> tuple[dict[str, str], dict[str, Problem]]:
    """Every declared field's value after the change: a field sent replaces its value
    (``""`` clears it), the others keep theirs; an undeclared field is refused."""
    if not isinstance(sent, Mapping):
        return {}, {"credentials": Problem(UNLISTED)}
    declared = adapter.credential_fields if adapter is not None else {}
    problems = {
        f"credentials/{_token(str(field))}": Problem(UNLISTED)
        for field, value in sent.items()
        if field not in declared or not isinstance(value, str)
    }
    old = stored_credentials(settings, account) if account is not None else {}
    values = {
        field: _text(sent[field]) if field in sent else old.get(field, "") for field in declared
    }
    return values, problems


async def clean(
    settings: Settings,
    merchant_id: int,
    given: Mapping[str, Any],
    account: CarrierAccount | None = None,
) -> tuple[dict[str, Any], dict[str, Problem]]:
    """Check the account's values in ``given``; answers those to store and the problems
    by path (a field's name, or ``credentials/<field>``; JSON Pointer tokens without the
    leading slash). Every value is checked, so one answer lists every problem.

    ``given`` may hold ``carrier`` (a new account's only: it cannot change), ``name`` (a
    new account without one is called after its carrier), ``credentials`` (field → text),
    ``base_url_override`` (``""`` or None clears it), ``enabled`` and ``default`` (stored
    as ``is_default``). For a new account
    (``account`` None) every declared credential is stored, ``""`` where none was sent.
    """
    values: dict[str, Any] = {}
    problems: dict[str, Problem] = {}
    if account is None:
        adapter = adapter_for(settings, given.get("carrier"))
        if adapter is None:
            problems["carrier"] = Problem(UNLISTED)
        else:
            values["carrier_key"] = adapter.key
    else:
        adapter = installed_adapter(account.carrier_key)
    if "name" in given or account is None:
        default = adapter.display_name if adapter is not None and account is None else ""
        name = _text(given["name"]) if "name" in given else default
        problem = await _name_problem(merchant_id, name, account)
        if problem is not None:
            problems["name"] = problem
        values["name"] = name
    if "base_url_override" in given:
        url = _text(given["base_url_override"])
        if url and (len(url) > BASE_URL_MAX or not valid_base_url(url)):
            problems["base_url_override"] = Problem(BAD_BASE_URL)
        values["base_url_override"] = url or None
    if "enabled" in given:
        if not isinstance(given["enabled"], bool):
            problems["enabled"] = Problem(UNLISTED)
        values["enabled"] = given["enabled"]
    if "default" in given:
        if not isinstance(given["default"], bool):
            problems["default"] = Problem(UNLISTED)
        values["is_default"] = given["default"]
    wanted = "credentials" in given or account is None
    if wanted and (adapter is not None or account is not None):
        values["credentials"], found = _credentials(
            settings, adapter, given.get("credentials", {}), account
        )
        problems.update(found)
    return values, problems


async def save(
    settings: Settings,
    merchant_id: int,
    values: Mapping[str, Any],
    account: CarrierAccount | None = None,
) -> CarrierAccount:
    """Store values :func:`clean` passed: a new account, or changes to ``account``. An
    account made the default unmarks the shop's other default of its carrier in the same
    transaction, so a carrier has at most one.

    Raises :class:`Refused` when another request took the name in the meantime.
    """
    fields = ("name", "base_url_override", "enabled", "is_default")
    changes = {k: values[k] for k in fields if k in values}
    if "credentials" in values:
        changes["credentials_encrypted"] = encrypt_json(settings, dict(values["credentials"]))
    try:
        async with in_transaction() as conn:
            if account is None:
                account = await CarrierAccount.create(
                    merchant_id=merchant_id,
                    carrier_key=values["carrier_key"],
                    using_db=conn,
                    **changes,
                )
            elif changes:
                await (
                    CarrierAccount.filter(id=account.id, merchant_id=merchant_id)
                    .using_db(conn)
                    .update(**changes)
                )
            if changes.get("is_default"):
                await (
                    CarrierAccount.filter(
                        merchant_id=merchant_id, carrier_key=account.carrier_key, is_default=True
                    )
                    .exclude(id=account.id)
                    .using_db(conn)
                    .update(is_default=False)
                )
    except IntegrityError:
        raise Refused({"name": Problem(NAME_TAKEN)}) from None
    if changes.get("is_default"):
        await engine_accounts.wake_unassigned(account, datetime.now(UTC))
    return await CarrierAccount.get(id=account.id)


async def of_merchant(merchant_id: int, account_id: int) -> CarrierAccount | None:
    """The merchant's account ``account_id``; None for another merchant's, or none."""
    return await CarrierAccount.get_or_none(id=account_id, merchant_id=merchant_id)


async def check_connection(
    account: CarrierAccount,
    settings: Settings,
    transport: httpx.AsyncBaseTransport | None = None,
    *,
    language: str | None = None,
) -> tuple[str, str]:
    """Ask the carrier about a sample number with the account's credentials.

    Answers ("ok" | "auth" | "unavailable", the English sentence for it: translate it
    with ``_`` to show it). ``language`` is the hint an adapter that takes hints gets,
    as in a sweep. Nothing about the account changes.
    """
    async with httpx.AsyncClient(timeout=TEST_TIMEOUT, transport=transport) as client:
        try:
            adapter = engine_accounts.build_adapter(account, settings, client)
        except (KeyError, DecryptionError):
            return "unavailable", UNREADABLE
        number = SAMPLE_NUMBERS.get(account.carrier_key, DEFAULT_SAMPLE)
        given = {number: NumberHint(language=language)}
        try:
            await asyncio.wait_for(track_numbers(adapter, [number], given), TEST_TIMEOUT)
        except AuthError:
            return "auth", REFUSED
        except (CarrierError, httpx.HTTPError, TimeoutError, OSError):
            return "unavailable", NOT_ANSWERING
    return "ok", CONNECTED
