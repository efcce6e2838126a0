"""Knobs of the tracking pages, read once per app and kept on ``app.state.tracking_page``.

``PORTAL_TRACKING_POLL_SECONDS`` sets how often the live fragment polls (default 45 s;
tests and the browser suite set it to 1). ``PORTAL_TRACKING_NUMBER_LIMIT`` sets how many
tracking numbers one client may look up per 10 minutes (default 120; the throughput
benchmark raises it, as it is the only client). ``PORTAL_TRACKING_CACHE_SECONDS`` bounds how
long a rendered status fragment is reused (default 5 s; 0 turns the cache off). Tests
replace ``refresh`` with a fake and the limiter's clock; production leaves the defaults.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from portal.core.rate_limit import Limit, RateLimiter
from portal.tracking_page.cache import TTLCache

#: refresh_if_stale(shipment, settings, *, client, max_age, timeout) -> bool
RefreshFn = Callable[..., Awaitable[bool]]

DEFAULT_POLL_SECONDS = 45
#: How long a rendered status fragment may be reused (see render.FragmentCache).
DEFAULT_CACHE_SECONDS = 5.0
LINK_MAX_AGE = int(timedelta(days=60).total_seconds())
NUMBER_LIMIT = Limit("numbers", 120, 600)
ORDER_LIMIT = Limit("orders", 10, 600)


def _default_refresh() -> RefreshFn:
    from portal.tracking.refresh import refresh_if_stale

    return refresh_if_stale


def _poll_seconds() -> int:
    try:
        value = int(os.environ.get("PORTAL_TRACKING_POLL_SECONDS", DEFAULT_POLL_SECONDS))
    except ValueError:
        value = DEFAULT_POLL_SECONDS
    return max(1, value)


def _number_limit() -> Limit:
    try:
        units = int(os.environ.get("PORTAL_TRACKING_NUMBER_LIMIT", NUMBER_LIMIT.units))
    except ValueError:
        units = NUMBER_LIMIT.units
    return Limit(NUMBER_LIMIT.scope, max(1, units), NUMBER_LIMIT.window)


def _cache_seconds() -> float:
    try:
        value = float(os.environ.get("PORTAL_TRACKING_CACHE_SECONDS", DEFAULT_CACHE_SECONDS))
    except ValueError:
        value = DEFAULT_CACHE_SECONDS
    return max(0.0, value)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class PageConfig:
    poll_seconds: int = field(default_factory=_poll_seconds)
    link_max_age: int = LINK_MAX_AGE
    #: A page view asks the carrier when the stored picture is older than this.
    refresh_max_age: timedelta = timedelta(minutes=5)
    #: The most a page view waits for the carrier.
    refresh_timeout: float = 2.0
    refresh: RefreshFn | None = field(default_factory=_default_refresh)
    #: Tracking numbers looked up per client (a 20-number paste counts 20).
    number_limit: Limit = field(default_factory=_number_limit)
    #: Order number + email/postcode attempts per client.
    order_limit: Limit = ORDER_LIMIT
    limiter: RateLimiter = field(default_factory=RateLimiter)
    clock: Callable[[], datetime] = _now
    client: httpx.AsyncClient | None = None
    #: How long a looked-up shipment row and a rendered status fragment are reused.
    cache_seconds: float = field(default_factory=_cache_seconds)
    #: The caches' clock (tests move it forward to expire entries).
    cache_clock: Callable[[], float] = time.monotonic
    #: (numbers, shop) -> shipments found; shop slug -> merchant id.
    lookups: TTLCache = field(init=False)
    #: (shipment version, locale, tier, url) -> rendered status fragment and its ETag.
    fragments: TTLCache = field(init=False)

    def __post_init__(self) -> None:
        self.lookups = TTLCache(self.cache_seconds, clock=lambda: self.cache_clock())
        self.fragments = TTLCache(self.cache_seconds, clock=lambda: self.cache_clock())

    def http_client(self, state: Any) -> httpx.AsyncClient:
        """The app's shared client when it has one, else one kept for this process."""
        shared = getattr(state, "http_client", None)
        if isinstance(shared, httpx.AsyncClient):
            return shared
        if self.client is None:
            self.client = httpx.AsyncClient()
        return self.client


def config_for(app: Any) -> PageConfig:
    found = getattr(app.state, "tracking_page", None)
    if found is None:
        found = PageConfig()
        app.state.tracking_page = found
    return found
