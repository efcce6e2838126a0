"""Public pages that belong to no feature: the home page (parcel lookup) and health."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from portal import db
from portal.web.templating import templates_of


async def home(request: Request) -> Response:
    return templates_of(request).TemplateResponse(request, "home.html", {})


async def healthz(request: Request) -> Response:
    """200 when the database answers; 503 otherwise (for load balancers and orchestration)."""
    database_ok = await db.healthy()
    return JSONResponse(
        {"status": "ok" if database_ok else "unavailable", "database": database_ok},
        status_code=200 if database_ok else 503,
        headers={"Cache-Control": "no-store"},
    )
