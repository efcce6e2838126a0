"""The sign-in throttle: per account and address, and per address, in a sliding window, in the
database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.admin.throttle import Throttle
from portal.core.rate_limit import RateLimiter, purge

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


async def test_it_blocks_an_email_from_the_address_that_failed(db: str) -> None:
    throttle = Throttle(max_per_email=3)
    for _ in range(3):
        assert await throttle.blocked_until("Ann@Example.test", "10.0.0.1", NOW) is None
        await throttle.failed("ann@example.test", "10.0.0.1", NOW)
    assert await throttle.blocked_until("ann@example.test", "10.0.0.1", NOW) == NOW + timedelta(
        minutes=15
    )
    assert await throttle.blocked_until("bob@example.test", "10.0.0.1", NOW) is None


async def test_failures_elsewhere_do_not_lock_the_account_out_for_everyone(db: str) -> None:
    throttle = Throttle(max_per_email=3)
    for i in range(3):
        await throttle.failed("ann@example.test", f"10.0.0.{i}", NOW)
    assert await throttle.blocked_until("ann@example.test", "9.9.9.9", NOW) is None


async def test_it_blocks_an_address_that_tries_many_emails(db: str) -> None:
    throttle = Throttle(max_per_ip=3)
    for i in range(3):
        await throttle.failed(f"user{i}@example.test", "6.6.6.6", NOW)
    assert await throttle.blocked_until("new@example.test", "6.6.6.6", NOW) is not None
    assert await throttle.blocked_until("new@example.test", "7.7.7.7", NOW) is None


async def test_failures_age_out_of_the_window(db: str) -> None:
    throttle = Throttle(max_per_email=2)
    await throttle.failed("ann@example.test", "1.1.1.1", NOW)
    await throttle.failed("ann@example.test", "1.1.1.1", NOW)
    later = NOW + timedelta(minutes=16)
    assert await throttle.blocked_until("ann@example.test", "1.1.1.1", later) is None


async def test_a_success_clears_the_email_count(db: str) -> None:
    throttle = Throttle(max_per_email=2)
    await throttle.failed("ann@example.test", "1.1.1.1", NOW)
    await throttle.succeeded("ann@example.test", "1.1.1.1")
    await throttle.failed("ann@example.test", "1.1.1.1", NOW)
    assert await throttle.blocked_until("ann@example.test", "1.1.1.1", NOW) is None


async def test_the_database_store_holds_the_limit_across_processes(db: str) -> None:
    now = datetime.now(UTC)
    one, other = (
        Throttle(RateLimiter(), max_per_email=2),
        Throttle(RateLimiter(), max_per_email=2),
    )
    await one.failed("ann@example.test", "10.0.0.1", now)
    await other.failed("Ann@example.test", "10.0.0.1", now)
    assert await one.blocked_until("ann@example.test", "10.0.0.1", now) is not None
    assert await other.blocked_until("ann@example.test", "10.0.0.1", now) is not None
    assert await purge((now + timedelta(days=1)).timestamp()) == 4
    assert await one.blocked_until("ann@example.test", "10.0.0.1", now) is None
