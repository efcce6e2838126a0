"""An app factory for the admin browser tests: the portal plus the admin routes, until the
lead mounts them in portal/web/routes.py (``uvicorn --factory tests.admin.live_app:make_app``)."""

from __future__ import annotations

from starlette.applications import Starlette

from portal import admin
from portal.app import create_app
from portal.settings import Settings


def make_app() -> Starlette:
    app = create_app(Settings.from_env())
    if not any(getattr(route, "path", "") == "/admin" for route in app.router.routes):
        app.router.routes.extend(admin.routes)
    return app
