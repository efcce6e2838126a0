"""Carrier accounts as the engine sees them: an adapter to call and a health to respect.

Health lives in the account row so every worker agrees: ``rate_limited_until`` (the
carrier's Retry-After), ``circuit_open_until`` (opened after repeated unavailability and
closed by the next successful call), ``paused_reason`` (rejected credentials, until the
merchant fixes them). Counters change with atomic SQL increments, never read-modify-write.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

import httpx
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from carriers import registry
from carriers.base import CarrierAdapter
from portal import events
from portal.crypto import decrypt_json
from portal.event_catalogue import CARRIER_ACCOUNT_AUTH_FAILED, CarrierAccountAuthFailed
from portal.models import CarrierAccount, Shipment
from portal.settings import Settings

AUTH_FAILED = CARRIER_ACCOUNT_AUTH_FAILED
#: Consecutive failed calls (unavailable carrier) that open an account's circuit.
CIRCUIT_THRESHOLD = 5
#: How long an open circuit waits before one probe call (half-open): short at first,
#: doubling with each failed probe up to the cap.
CIRCUIT_COOLDOWN = timedelta(seconds=30)
CIRCUIT_COOLDOWN_CAP = timedelta(minutes=5)
#: When a carrier says 429 without Retry-After.
DEFAULT_RATE_LIMIT_BACKOFF = timedelta(seconds=60)
#: How far shipments of an unusable account (disabled, paused, missing) are put off.
PARK = timedelta(hours=6)
ERROR_EXCERPT = 2000


class Health(StrEnum):
    OK = "ok"
    DISABLED = "disabled"
    PAUSED = "paused"
    RATE_LIMITED = "rate_limited"
    CIRCUIT_OPEN = "circuit_open"
    #: The circuit's cooldown is over: the next call is the probe that closes it.
    PROBING = "probing"


@dataclass(frozen=True, slots=True)
class AccountHealth:
    """One row of the carrier-account health view."""

    account_id: int
    name: str
    carrier_key: str
    health: Health
    until: datetime | None
    consecutive_failures: int
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    #: Polls the shop's shipments of its carrier that name no account.
    is_default: bool = False


def health_of(account: CarrierAccount, now: datetime) -> tuple[Health, datetime | None]:
    """The account's state and, when it is waiting for something, until when."""
    if not account.enabled:
        return Health.DISABLED, None
    if account.paused_reason:
        return Health.PAUSED, None
    if account.rate_limited_until is not None and account.rate_limited_until > now:
        return Health.RATE_LIMITED, account.rate_limited_until
    if account.circuit_open_until is not None:
        if account.circuit_open_until > now:
            return Health.CIRCUIT_OPEN, account.circuit_open_until
        return Health.PROBING, None
    return Health.OK, None


def retry_at(account: CarrierAccount, now: datetime) -> datetime | None:
    """None when the account may be called now, else when its shipments should come back."""
    health, until = health_of(account, now)
    if health in (Health.OK, Health.PROBING):
        return None
    return until or now + PARK


async def merchant_health(merchant_id: int, now: datetime) -> list[AccountHealth]:
    """Every carrier account of a merchant with its health, for the admin's health view."""
    rows = []
    for account in await CarrierAccount.filter(merchant_id=merchant_id).order_by("name"):
        health, until = health_of(account, now)
        rows.append(
            AccountHealth(
                account_id=account.id,
                name=account.name,
                carrier_key=account.carrier_key,
                health=health,
                until=until,
                consecutive_failures=account.consecutive_failures,
                last_success_at=account.last_success_at,
                last_error=account.last_error,
                last_error_at=account.last_error_at,
                is_default=account.is_default,
            )
        )
    return rows


class Polled(Protocol):
    """What choosing a shipment's account reads: a :class:`Shipment` or a claimed row."""

    @property
    def merchant_id(self) -> int: ...
    @property
    def carrier_key(self) -> str: ...
    @property
    def carrier_account_id(self) -> int | None: ...


def candidates(shipment: Polled, found: Iterable[CarrierAccount]) -> list[CarrierAccount]:
    """The shop's accounts of the shipment's carrier, among ``found``."""
    return [
        a
        for a in found
        if a.merchant_id == shipment.merchant_id and a.carrier_key == shipment.carrier_key
    ]


def polling_account(shipment: Polled, found: Iterable[CarrierAccount]) -> CarrierAccount | None:
    """The account ``shipment`` is polled through, among ``found`` (its shop's accounts):
    the one it names; else its shop's only account of its carrier; else the one marked
    default for the carrier. None when it names none and the shop has no account of the
    carrier, or several and none marked default: nothing says whose credentials to use.

    The sweep, the on-demand refresh and the tracking-problem check all ask this, so a
    shipment is polled through the account its page shows. Deciding at poll time, not
    when the shipment is made, lets a default marked later take the shipments already
    waiting for one.
    """
    if shipment.carrier_account_id is not None:
        return next((a for a in found if a.id == shipment.carrier_account_id), None)
    same = candidates(shipment, found)
    if len(same) == 1:
        return same[0]
    return next((a for a in same if a.is_default), None)


def _folded(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", " ", name.casefold()).strip()


def account_named(
    name: str | None, carrier: str, accounts: Iterable[tuple[int, str, str]]
) -> int | None:
    """The id of the account among ``accounts`` (id, carrier key, name) of ``carrier``
    called ``name``, compared without case, spaces or punctuation ("dhl-express" is "DHL
    Express"); None when there is none. How a store's carrier service name or a CSV
    ``carrier_account`` cell names an account."""
    if not name or not (wanted := _folded(name)):
        return None
    return next((i for i, key, n in accounts if key == carrier and _folded(n) == wanted), None)


def simulated_allowed(settings: Settings) -> bool:
    """Simulated carriers (the sandbox) are for development and demos: never in production,
    whether or not this process serves the sandbox (``PORTAL_SANDBOX_CARRIER``)."""
    return not settings.production


def offered(settings: Settings) -> list[str]:
    """Carrier keys a shop may choose: every installed adapter, less simulated ones (the
    sandbox) in production."""
    allowed = simulated_allowed(settings)
    return [key for key in registry.available() if allowed or not registry.get(key).simulated]


def build_adapter(
    account: CarrierAccount, settings: Settings, client: httpx.AsyncClient
) -> CarrierAdapter:
    """The account's adapter with its decrypted credentials and base URL.

    Raises KeyError when no adapter is installed for the carrier and
    :class:`portal.crypto.DecryptionError` when the credentials cannot be read.
    """
    adapter = registry.get(account.carrier_key)
    if adapter.simulated and not simulated_allowed(settings):
        raise KeyError(f"{account.carrier_key} is a simulated carrier, refused in production")
    credentials = decrypt_json(settings, account.credentials_encrypted)
    base_url = account.base_url_override or settings.carrier_base_urls.get(account.carrier_key)
    return adapter(credentials, client=client, base_url=base_url)


async def record_success(account_id: int, now: datetime) -> None:
    """A call went through: the failure streak ends and an open circuit closes."""
    await CarrierAccount.filter(id=account_id).update(
        consecutive_failures=0, circuit_open_until=None, last_success_at=now
    )


def circuit_cooldown(failures: int) -> timedelta:
    """The wait before the probe once ``failures`` calls in a row failed (at least the
    threshold): :data:`CIRCUIT_COOLDOWN`, doubled per failure beyond it, capped."""
    beyond = min(max(failures - CIRCUIT_THRESHOLD, 0), 10)
    return min(CIRCUIT_COOLDOWN * (1 << beyond), CIRCUIT_COOLDOWN_CAP)


async def record_unavailable(account_id: int, failures: int, message: str, now: datetime) -> bool:
    """Add ``failures`` failed calls; open the circuit at the threshold. True if open."""
    await CarrierAccount.filter(id=account_id).update(
        consecutive_failures=F("consecutive_failures") + failures,
        last_error=message[:ERROR_EXCERPT],
        last_error_at=now,
    )
    found = await CarrierAccount.get_or_none(id=account_id).only("id", "consecutive_failures")
    if found is None or found.consecutive_failures < CIRCUIT_THRESHOLD:
        return False
    opened = await CarrierAccount.filter(
        id=account_id, consecutive_failures__gte=CIRCUIT_THRESHOLD
    ).update(circuit_open_until=now + circuit_cooldown(found.consecutive_failures))
    return bool(opened)


async def record_rate_limited(
    account_id: int, until: datetime, message: str, now: datetime
) -> None:
    """Honour the carrier's Retry-After for every worker (never shorten an existing wait)."""
    await CarrierAccount.filter(
        Q(id=account_id) & (Q(rate_limited_until__isnull=True) | Q(rate_limited_until__lt=until))
    ).update(rate_limited_until=until, last_error=message[:ERROR_EXCERPT], last_error_at=now)


async def pause(account: CarrierAccount, reason: str, now: datetime, settings: Settings) -> bool:
    """Stop polling an account whose credentials were rejected and tell its merchant.

    Emits ``carrier_account.auth_failed`` once per pause (the conditional update makes
    concurrent workers agree on who reports it). True when this call paused it.
    """
    async with in_transaction() as conn:
        changed = (
            await CarrierAccount.filter(id=account.id, paused_reason__isnull=True)
            .using_db(conn)
            .update(
                paused_reason=reason[:ERROR_EXCERPT],
                last_error=reason[:ERROR_EXCERPT],
                last_error_at=now,
            )
        )
        if changed:
            await events.emit(
                merchant_id=account.merchant_id,
                kind=AUTH_FAILED,
                subject_type="carrier_account",
                subject_id=account.id,
                payload=CarrierAccountAuthFailed(
                    carrier_key=account.carrier_key,
                    account_name=account.name,
                    reason=reason[:ERROR_EXCERPT],
                ),
                occurred_at=now,
                using_db=conn,
                settings=settings,
            )
    return bool(changed)


def _shipments_of(account: CarrierAccount) -> Q:
    """Shipments that may be polled through ``account``: its own, and its merchant's
    unassigned ones for the same carrier (polled through it when it is the merchant's
    only or default account for the carrier, :func:`polling_account`)."""
    return Q(carrier_account_id=account.id) | Q(
        carrier_account_id__isnull=True,
        merchant_id=account.merchant_id,
        carrier_key=account.carrier_key,
    )


async def resume(account: CarrierAccount, now: datetime) -> int:
    """Clear a pause, a rate limit and an open circuit (after the merchant fixed the
    credentials) and make the account's parked shipments due now. Returns how many."""
    await CarrierAccount.filter(id=account.id).update(
        paused_reason=None,
        rate_limited_until=None,
        circuit_open_until=None,
        consecutive_failures=0,
    )
    account.paused_reason = account.rate_limited_until = account.circuit_open_until = None
    account.consecutive_failures = 0
    return await Shipment.filter(_shipments_of(account), next_poll_at__gt=now).update(
        next_poll_at=now
    )


async def wake_unassigned(account: CarrierAccount, now: datetime) -> int:
    """Make the shipments of ``account``'s carrier that name no account due now (it just
    became its shop's default: those parked for want of one need not wait hours).
    Returns how many."""
    return await Shipment.filter(
        merchant_id=account.merchant_id,
        carrier_key=account.carrier_key,
        carrier_account_id__isnull=True,
        next_poll_at__gt=now,
    ).update(next_poll_at=now)
