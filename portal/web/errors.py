"""Friendly error pages for people, problem+json (RFC 9457) for the API."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from portal.web.templating import templates_of

log = logging.getLogger(__name__)


def _wants_json(request: Request) -> bool:
    return (
        request.url.path.startswith("/api/")
        or "application/json" in request.headers.get("accept", "").split(",")[0]
    )


def problem(status: int, title: str, detail: str | None = None, **extra: object) -> JSONResponse:
    body: dict[str, object] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


async def http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else None
    headers = exc.headers if isinstance(exc, HTTPException) else None
    if _wants_json(request):
        response: Response = problem(status, str(detail or "Error"))
        if headers:
            response.headers.update(headers)
        return response
    template = "errors/404.html" if status == 404 else "errors/error.html"
    return templates_of(request).TemplateResponse(
        request,
        template,
        {"status_code": status, "detail": detail},
        status_code=status,
        headers=headers,
    )


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    if _wants_json(request):
        return problem(500, "Internal Server Error")
    return templates_of(request).TemplateResponse(
        request, "errors/500.html", {"status_code": 500}, status_code=500
    )
