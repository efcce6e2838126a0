"""Knobs of the tracking pages, read once per app and kept on ``app.state.tracking_page``.

``PORTAL_TRACKING_POLL_SECONDS`` sets how often the live fragment polls (default 45 s;
tests and the browser suite set it to 1). Tests replace ``refresh`` with a fake and the
limiter's clock; production leaves the defaults.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from portal.tracking_page.ratelimit import Limit, RateLimiter

#: refresh_if_stale(shipment, settings, *, client, max_age, timeout) -> bool
RefreshFn = Callable[..., Awaitable[bool]]

DEFAULT_POLL_SECONDS = 45
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
    number_limit: Limit = NUMBER_LIMIT
    #: Order number + email/postcode attempts per client.
    order_limit: Limit = ORDER_LIMIT
    limiter: RateLimiter = field(default_factory=RateLimiter)
    clock: Callable[[], datetime] = _now
    client: httpx.AsyncClient | None = None

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
