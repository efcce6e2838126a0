"""The customer's self-service returns pages: start, follow and cancel a return, the
drop-off code, and the public policy page. Mounted through :data:`routes`."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
