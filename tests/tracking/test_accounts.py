"""Carrier-account health: shared by every worker through the database."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest

from carriers.sandbox import SandboxAdapter
from portal.crypto import DecryptionError
from portal.models import CarrierAccount, DomainEvent
from portal.settings import Settings
from portal.tracking import accounts
from portal.tracking.accounts import Health
from tests import factories
from tests.tracking.helpers import BASE, NOW

MINUTE = timedelta(minutes=1)


@pytest.mark.parametrize(
    ("fields", "health", "waits"),
    [
        ({}, Health.OK, False),
        ({"enabled": False}, Health.DISABLED, True),
        ({"paused_reason": "401"}, Health.PAUSED, True),
        ({"rate_limited_until": NOW + MINUTE}, Health.RATE_LIMITED, True),
        ({"rate_limited_until": NOW - MINUTE}, Health.OK, False),
        ({"circuit_open_until": NOW + MINUTE}, Health.CIRCUIT_OPEN, True),
        ({"circuit_open_until": NOW - MINUTE}, Health.PROBING, False),
    ],
)
def test_an_accounts_health_says_whether_and_until_when_it_waits(
    fields: dict[str, object], health: Health, waits: bool
) -> None:
    account = CarrierAccount(**{"enabled": True, "consecutive_failures": 0, **fields})
    assert accounts.health_of(account, NOW)[0] is health
    assert (accounts.retry_at(account, NOW) is not None) is waits


async def test_the_health_view_lists_every_account_of_a_merchant(
    db: str, settings: Settings
) -> None:
    shop = await factories.merchant()
    await factories.carrier_account(shop, settings=settings, name="b", paused_reason="bad key")
    await factories.carrier_account(shop, settings=settings, name="a")

    rows = await accounts.merchant_health(shop.id, NOW)

    assert [(r.name, r.health) for r in rows] == [("a", Health.OK), ("b", Health.PAUSED)]


async def test_concurrent_failures_add_up_and_open_the_circuit(db: str, settings: Settings) -> None:
    account = await factories.carrier_account(settings=settings)

    opened = await asyncio.gather(
        *(accounts.record_unavailable(account.id, 1, "HTTP 503", NOW) for _ in range(5))
    )

    stored = await CarrierAccount.get(id=account.id)
    assert stored.consecutive_failures == 5
    assert stored.circuit_open_until == NOW + accounts.CIRCUIT_COOLDOWN
    assert any(opened)
    await accounts.record_success(account.id, NOW)
    stored = await CarrierAccount.get(id=account.id)
    assert (stored.consecutive_failures, stored.circuit_open_until) == (0, None)


async def test_a_rate_limit_is_never_shortened(db: str, settings: Settings) -> None:
    account = await factories.carrier_account(settings=settings)

    await accounts.record_rate_limited(account.id, NOW + 5 * MINUTE, "429", NOW)
    await accounts.record_rate_limited(account.id, NOW + MINUTE, "429", NOW)

    assert (await CarrierAccount.get(id=account.id)).rate_limited_until == NOW + 5 * MINUTE


async def test_concurrent_auth_failures_pause_once_and_tell_the_merchant_once(
    db: str, settings: Settings
) -> None:
    account = await factories.carrier_account(settings=settings)

    paused = await asyncio.gather(
        *(accounts.pause(account, "HTTP 401", NOW, settings=settings) for _ in range(3))
    )

    assert sorted(paused) == [False, False, True]
    [told] = await DomainEvent.filter(kind=accounts.AUTH_FAILED)
    assert told.payload["reason"] == "HTTP 401"


async def test_the_adapter_gets_decrypted_credentials_and_the_configured_base_url(
    db: str, settings: Settings
) -> None:
    account = await factories.carrier_account(settings=settings, credentials={"api_key": "s3cret"})
    async with httpx.AsyncClient() as client:
        adapter = accounts.build_adapter(account, settings, client)
        assert isinstance(adapter, SandboxAdapter)
        assert (adapter.credentials, adapter.base_url) == ({"api_key": "s3cret"}, BASE)
        account.base_url_override = "http://elsewhere.test"
        assert accounts.build_adapter(account, settings, client).base_url == "http://elsewhere.test"
        with pytest.raises(DecryptionError):
            accounts.build_adapter(account, Settings(secret_key="another-key-" * 4), client)


def _dhl(account_id: int, *, merchant_id: int = 1, default: bool = False) -> CarrierAccount:
    account = CarrierAccount(
        id=account_id, carrier_key="dhl", name=f"DHL {account_id}", is_default=default
    )
    account.merchant_id = merchant_id  # an unsaved row's foreign key is set, not passed
    return account


@dataclass(frozen=True)
class Parcel:
    """What the choice reads of a shipment (:class:`portal.tracking.accounts.Polled`)."""

    carrier_account_id: int | None
    merchant_id: int = 1
    carrier_key: str = "dhl"


@pytest.mark.parametrize(
    ("shop", "named", "polled_by"),
    [
        ([_dhl(1)], None, 1),  # the shop's only account of the carrier
        ([_dhl(1), _dhl(2, default=True)], None, 2),  # else the carrier's default
        ([_dhl(1), _dhl(2)], None, None),  # several, none default: nothing says which
        ([_dhl(1), _dhl(2, default=True)], 1, 1),  # the account named comes first
        ([_dhl(1), _dhl(2)], 3, None),  # a named account that is gone is not replaced
        ([_dhl(1, merchant_id=2)], None, None),  # another shop's account never counts
        ([], None, None),
    ],
)
def test_a_parcel_is_polled_through_its_own_account_else_the_only_one_else_the_default(
    shop: list[CarrierAccount], named: int | None, polled_by: int | None
) -> None:
    chosen = accounts.polling_account(Parcel(named), shop)
    assert (chosen.id if chosen is not None else None) == polled_by


@pytest.mark.parametrize(
    ("name", "found"),
    [
        ("DHL Express", 1),
        ("dhl-express", 1),
        ("  DHL  express ", 1),
        ("DHL", None),
        ("", None),
        (None, None),
        ("InPost", None),  # the name of an account of another carrier
    ],
)
def test_a_store_or_csv_name_finds_the_account_of_that_name_and_carrier(
    name: str | None, found: int | None
) -> None:
    shop = [(1, "dhl", "DHL Express"), (2, "dhl", "DHL Parcel"), (3, "inpost", "InPost")]
    assert accounts.account_named(name, "dhl", shop) == found
