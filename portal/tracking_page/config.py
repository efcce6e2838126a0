"""Knobs of the tracking pages, built once per app and kept on ``app.state.tracking_page``.

Three come from the app's :class:`~portal.settings.Settings` (validated there):
``PORTAL_TRACKING_POLL_SECONDS``, how often the live fragment polls (the browser suite sets
1); ``PORTAL_TRACKING_NUMBER_LIMIT``, how many tracking numbers one client may look up per
10 minutes (the throughput benchmark raises it, as it is the only client);
``PORTAL_TRACKING_CACHE_SECONDS``, how long a rendered status fragment is reused (0 turns the
cache off). Tests replace ``refresh`` with a fake and the limiter's clock; production
leaves the defaults.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from portal.core.rate_buffer import BufferedLimiter
from portal.core.rate_limit import Limit
from portal.settings import Settings
from portal.tracking_page.cache import TTLCache

#: refresh_if_stale(shipment, settings, *, client, max_age, timeout) -> bool
RefreshFn = Callable[..., Awaitable[bool]]

DEFAULT_POLL_SECONDS = 45
#: How long a rendered status fragment may be reused (see render.FragmentCache).
DEFAULT_CACHE_SECONDS = 5.0
#: How long a page frame is kept (page_cache): it changes only with a template edit, as a
#: changed brand or language is another key.
FRAME_SECONDS = 60.0
LINK_MAX_AGE = int(timedelta(days=60).total_seconds())
NUMBER_LIMIT = Limit("numbers", 120, 600)
ORDER_LIMIT = Limit("orders", 10, 600)


def _default_refresh() -> RefreshFn:
    from portal.tracking.refresh import refresh_if_stale

    return refresh_if_stale


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class PageConfig:
    poll_seconds: int = DEFAULT_POLL_SECONDS
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
    #: Number lookups are counted in memory and written once a second (see rate_buffer);
    #: order lookups through ``limiter.exact``, one statement each.
    limiter: BufferedLimiter = field(default_factory=BufferedLimiter)
    clock: Callable[[], datetime] = _now
    client: httpx.AsyncClient | None = None
    #: How long a looked-up shipment row and a rendered status fragment are reused.
    cache_seconds: float = DEFAULT_CACHE_SECONDS
    #: The caches' clock (tests move it forward to expire entries).
    cache_clock: Callable[[], float] = time.monotonic
    #: (numbers, shop) -> shipments found; shop slug -> merchant id.
    lookups: TTLCache = field(init=False)
    #: (shipment version, locale, tier, url) -> rendered status fragment and its ETag.
    fragments: TTLCache = field(init=False)
    #: Number-tier pages, rendered around a hole for the CSRF token (see page_cache).
    pages: TTLCache = field(init=False)
    #: (brand, language, site, shop) -> number-tier page.html with holes for the parcel
    #: and the visitor (see page_cache; kept whatever ``cache_seconds`` says).
    frames: TTLCache = field(init=False)
    #: (the view's shape, language, poll interval) -> _status.html with holes for the
    #: parcel's own values (see status_frame; kept whatever ``cache_seconds`` says).
    status_frames: TTLCache = field(init=False)

    def __post_init__(self) -> None:
        self.lookups = TTLCache(self.cache_seconds, clock=lambda: self.cache_clock())
        self.fragments = TTLCache(self.cache_seconds, clock=lambda: self.cache_clock())
        self.pages = TTLCache(self.cache_seconds, clock=lambda: self.cache_clock())
        self.frames = TTLCache(FRAME_SECONDS, max_entries=256, clock=lambda: self.cache_clock())
        self.status_frames = TTLCache(
            FRAME_SECONDS, max_entries=1024, clock=lambda: self.cache_clock()
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> PageConfig:
        """The knobs the app's settings set; everything else at its default."""
        return cls(
            poll_seconds=settings.tracking_poll_seconds,
            number_limit=Limit(
                NUMBER_LIMIT.scope, settings.tracking_number_limit, NUMBER_LIMIT.window
            ),
            order_limit=Limit(ORDER_LIMIT.scope, settings.order_lookup_limit, ORDER_LIMIT.window),
            cache_seconds=settings.tracking_cache_seconds,
        )

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
        found = PageConfig.from_settings(app.state.settings)
        app.state.tracking_page = found
    return found
