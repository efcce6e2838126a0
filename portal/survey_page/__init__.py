"""The customer's survey page at ``/s/{token}``, mounted through :data:`routes`."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
