"""App factory for the browser tests: the portal with the tracking pages mounted.

Run as ``uvicorn --factory tests.tracking_page.liveapp:create`` (settings from PORTAL_*).
"""

from __future__ import annotations

from starlette.applications import Starlette

from portal.app import create_app
from portal.settings import Settings
from portal.tracking_page import views


def create() -> Starlette:
    app = create_app(Settings.from_env())
    app.router.routes.extend(views.routes)
    return app
