"""The route table: every URL the portal answers, in one readable list."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from portal.settings import Settings
from portal.web import pages
from portal.web.templating import TEMPLATE_DIR

STATIC_DIR = TEMPLATE_DIR.parent / "static"


def build_routes(settings: Settings) -> list[BaseRoute]:
    routes: list[BaseRoute] = [
        Route("/", pages.home, name="home"),
        Route("/healthz", pages.healthz, name="healthz"),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR, check_dir=False), name="static"),
    ]
    if settings.sandbox_carrier:
        from carriers.sandbox.server import create_app as sandbox_app

        routes.append(Mount("/_sandbox/carrier", app=sandbox_app(), name="sandbox_carrier"))
    return routes
