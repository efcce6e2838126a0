"""Merchant return policy and reasons under /admin/returns/policy, mounted through :data:`routes`."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
