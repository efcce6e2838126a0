"""The customer's survey page at ``/s/{token}``, mounted through :data:`routes`."""

from __future__ import annotations

from portal.survey_page.views import routes

__all__ = ["routes"]
