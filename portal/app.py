"""The Starlette application factory.

``create_app(settings, scheduler=True)`` is the embedded mode (``portal run``: web and
background jobs in one process); ``scheduler=False`` is a web-only process (``portal serve``).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware

from portal import db
from portal.http import build_client
from portal.returns import label_font
from portal.settings import Settings
from portal.web import errors
from portal.web.csrf import CSRFMiddleware
from portal.web.middleware import LocaleMiddleware, SecurityHeadersMiddleware
from portal.web.routes import build_routes
from portal.web.sessions import SessionMiddleware
from portal.web.templating import build_templates

log = logging.getLogger(__name__)

#: Largest request body accepted (CSV imports are the largest legitimate uploads).
MAX_BODY_SIZE = 60 * 1024 * 1024


def create_app(
    settings: Settings | None = None, *, scheduler: bool = False, manage_db: bool = True
) -> Starlette:
    """Build the portal. ``manage_db=False`` leaves the database to the caller (tests).

    Without ``settings`` it reads them from the environment: that is the entry point for
    ``uvicorn --factory portal.app:create_app``. Everything below gets them from here
    (``app.state.settings``), never from the environment again.
    """
    if settings is None:
        settings = Settings.from_env()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if manage_db:
            await db.connect(settings.database_url, settings)
        worker = None
        if scheduler:
            from portal.scheduler import start_scheduler

            worker = start_scheduler(settings)
        # Off the start-up path: the app answers at once, the first return label does not
        # wait a second for its font. The worker never prints a label and does not do this.
        label_font.prepare_in_background()
        try:
            yield
        finally:
            if worker is not None:
                await worker.stop()
            from portal.tracking import refresh

            await refresh.drain(within=5)
            page = getattr(app.state, "tracking_page", None)
            if page is not None:  # lookups counted in memory reach the shared table
                with contextlib.suppress(Exception):
                    await page.limiter.flush()
            await app.state.http_client.aclose()
            if manage_db:
                await db.disconnect()

    app = Starlette(
        debug=False,
        max_body_size=MAX_BODY_SIZE,
        routes=build_routes(settings),
        middleware=[
            Middleware(SecurityHeadersMiddleware, production=settings.production),
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret_key,
                session_cookie="portal_session",
                same_site="lax",
                https_only=settings.production,
                max_age=14 * 24 * 3600,
            ),
            Middleware(CSRFMiddleware),
            Middleware(LocaleMiddleware),
        ],
        exception_handlers={HTTPException: errors.http_error, Exception: errors.server_error},
        lifespan=lifespan,
    )
    app.state.settings = settings
    #: Shared by request handlers that call carriers (on-demand refresh).
    app.state.http_client = build_client(settings)
    app.state.templates = build_templates()
    return app
