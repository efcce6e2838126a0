"""RFC 9457 problem details for every answer under ``/api`` that is not a success.

Handlers raise :class:`ApiError`; the operation wrapper turns it into
``application/problem+json`` through the portal's shared :func:`portal.web.errors.problem`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from starlette.responses import JSONResponse

from portal.api.schemas import FieldError
from portal.web.errors import problem

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
}


class ApiError(Exception):
    """An answer the client caused (4xx), carried up to the wrapper that renders it."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        title: str | None = None,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or title or TITLES.get(status, "Error"))
        self.status = status
        self.title = title or TITLES.get(status, "Error")
        self.detail = detail
        self.headers = dict(headers or {})
        self.extra = extra

    def response(self) -> JSONResponse:
        response = problem(self.status, self.title, self.detail, **self.extra)
        response.headers.update(self.headers)
        return response


def invalid(
    errors: Iterable[FieldError], detail: str = "The request has invalid fields."
) -> ApiError:
    """422 listing each field's problem."""
    return ApiError(422, detail, errors=[e.as_json() for e in errors])


def invalid_field(pointer: str, detail: str) -> ApiError:
    return invalid([FieldError(pointer, detail)])


def invalid_parameters(errors: Iterable[tuple[str, str]]) -> ApiError:
    return ApiError(
        422,
        "The query has invalid parameters.",
        errors=[{"parameter": name, "detail": detail} for name, detail in errors],
    )


def not_found(what: str = "resource") -> ApiError:
    return ApiError(404, f"No such {what}.")
