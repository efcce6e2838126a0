"""The route table: every URL the portal answers, in one readable list."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from portal import admin, api
from portal.notifications import preferences, twilio_webhooks
from portal.platforms.webhooks import platform_webhook
from portal.returns_page import routes as returns_page_routes
from portal.settings import Settings
from portal.survey_page import routes as survey_page_routes
from portal.tracking.push import carrier_webhook
from portal.tracking_page import views as tracking_page_views
from portal.web import dev, pages
from portal.web.templating import TEMPLATE_DIR

STATIC_DIR = TEMPLATE_DIR.parent / "static"


def build_routes(settings: Settings) -> list[BaseRoute]:
    routes: list[BaseRoute] = [
        # The customer's tracking pages first: Starlette tries each route in turn on every
        # request, and these are the busiest (no other route's path overlaps theirs).
        *tracking_page_views.routes,
        Route("/", pages.home, name="home"),
        Route("/healthz", pages.healthz, name="healthz"),
        Route(
            "/webhooks/carriers/{carrier}/{account:int}",
            carrier_webhook,
            methods=["POST"],
            name="carrier_webhook",
        ),
        Route(
            "/webhooks/platforms/{connection:int}",
            platform_webhook,
            methods=["POST"],
            name="platform_webhook",
        ),
        *preferences.routes,
        *twilio_webhooks.routes,
        Mount("/static", app=StaticFiles(directory=STATIC_DIR, check_dir=False), name="static"),
    ]
    if not settings.production:
        routes.append(Route("/dev/mailbox", dev.mailbox, name="dev_mailbox"))
        routes.append(Route("/dev/mailbox/{id:int}", dev.mailbox_message_page, name="dev_message"))
    if settings.sandbox_carrier:
        from carriers.sandbox.server import create_app as sandbox_app

        routes.append(Mount("/_sandbox/carrier", app=sandbox_app(), name="sandbox_carrier"))
    routes.extend(returns_page_routes)
    routes.extend(survey_page_routes)
    routes.extend(admin.routes)
    routes.extend(api.routes)
    return routes
