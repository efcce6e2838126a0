"""Declared API operations and the one pipeline every request goes through.

An :class:`Operation` names its method, path, parameters, body schema and responses; the
same declaration routes the request, validates it, and becomes its entry in the OpenAPI
document. The pipeline, in order: method → API key (401) → rate limit (429) → path and
query parameters (404/422) → body (415/413/400/422) → ``Idempotency-Key`` → handler.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from portal.api import idempotency
from portal.api.auth import Caller, authenticate
from portal.api.errors import ApiError, invalid, invalid_parameters
from portal.api.idempotency import IdempotencyStore, Outcome, StoredResponse
from portal.api.idempotency_db import DatabaseIdempotencyStore
from portal.api.ratelimit import ApiKeyLimiter, Limiter
from portal.api.schemas import Schema, resolve, string, validate
from portal.settings import Settings

#: Largest JSON body the API reads (bigger bodies answer 413).
MAX_BODY_BYTES = 1024 * 1024
PREFIX = "/api/v1"


@dataclass(frozen=True)
class Param:
    name: str
    schema: Schema
    description: str = ""
    location: str = "query"
    required: bool = False


#: The path parameters naming a message kind and a language, shared by the template
#: operations (message templates and WhatsApp templates).
KIND_PATH = Param(
    "kind",
    string(minLength=1, maxLength=64),
    "The message kind (e.g. delivered, return_approved).",
    "path",
    True,
)
LOCALE_PATH = Param(
    "locale", string(minLength=2, maxLength=16), "The language (e.g. en, pl).", "path", True
)


@dataclass(frozen=True)
class Reply:
    """A handler's answer: JSON ``body`` (None for 204) and an optional ``Location``."""

    status: int
    body: Any = None
    location: str | None = None


@dataclass
class Call:
    """Everything a handler needs, already authenticated and validated."""

    request: Request
    settings: Settings
    caller: Caller
    now: datetime
    path: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None

    @property
    def merchant_id(self) -> int:
        return self.caller.merchant_id


Handler = Callable[[Call], Awaitable[Reply]]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    summary: str
    tag: str
    handler: Handler
    #: Success status → response schema (None: no body).
    responses: dict[int, Schema | None]
    body: Schema | None = None
    params: tuple[Param, ...] = ()
    #: Error statuses specific to this operation (the common ones are added for all).
    errors: tuple[int, ...] = ()
    public: bool = False
    description: str = ""
    #: Media type → schema of a body that is not JSON (an upload): the pipeline leaves it
    #: unread for the handler, and the document lists these types instead of JSON.
    upload: dict[str, Schema] | None = None

    @property
    def path_params(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.location == "path")

    def error_statuses(self) -> list[int]:
        """Every problem status this operation can answer, for the OpenAPI document."""
        statuses = {405, *self.errors}
        if not self.public:
            statuses |= {401, 429}
        if self.path_params:
            statuses.add(404)
        if any(p.location == "query" for p in self.params):
            statuses.add(422)
        if self.body is not None:
            # 409: the same Idempotency-Key is still running.
            statuses |= {400, 409, 413, 415, 422}
        return sorted(statuses)


@dataclass
class ApiConfig:
    """Collaborators shared by every operation of one mounted API."""

    limiter: Limiter = field(default_factory=ApiKeyLimiter)
    idempotency: IdempotencyStore = field(default_factory=DatabaseIdempotencyStore)
    max_body_bytes: int = MAX_BODY_BYTES
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


# --- parameters and bodies -------------------------------------------------------------


def _coerce(param: Param, raw: str) -> Any:
    """A query string value converted to its schema's type (ValueError when it cannot be)."""
    schema = resolve(param.schema)
    kind = schema.get("type")
    if kind == "integer":
        return int(raw)
    if kind == "boolean":
        if raw not in ("true", "false"):
            raise ValueError
        return raw == "true"
    return raw


def _parse_params(params: tuple[Param, ...], values: dict[str, str]) -> dict[str, Any]:
    parsed: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for param in params:
        raw = values.get(param.name)
        if raw is None:
            if param.required:
                problems.append((param.name, "is required"))
            elif "default" in param.schema:
                parsed[param.name] = param.schema["default"]
            continue
        try:
            value = _coerce(param, raw)
        except ValueError:
            problems.append((param.name, f"must be of type {resolve(param.schema)['type']}"))
            continue
        errors = validate(param.schema, value)
        if errors:
            problems.append((param.name, errors[0].detail))
            continue
        if resolve(param.schema).get("format") == "date-time":
            value = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
        parsed[param.name] = value
    if problems:
        raise invalid_parameters(problems)
    return parsed


def _is_json(content_type: str) -> bool:
    media = content_type.split(";")[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:20]} is out of range")
    return value


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


async def read_json(request: Request, limit: int) -> Any:
    """The request's JSON body: 415 if not JSON, 413 past ``limit`` bytes, 400 if malformed."""
    if not _is_json(request.headers.get("content-type", "")):
        raise ApiError(415, "Send the body as JSON with `Content-Type: application/json`.")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"The body may be at most {limit} bytes.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"The body may be at most {limit} bytes.")
        chunks.append(chunk)
    try:
        return json.loads(b"".join(chunks), parse_float=_finite, parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiError(400, f"The body is not valid JSON: {exc}.") from None


# --- the pipeline ------------------------------------------------------------------------


def _render(reply: Reply) -> Response:
    if reply.body is None:
        response: Response = Response(status_code=reply.status)
    else:
        response = JSONResponse(reply.body, status_code=reply.status)
    if reply.location:
        response.headers["Location"] = reply.location
    return response


def _stored(response: Response, location: str | None) -> StoredResponse:
    return StoredResponse(
        status=response.status_code,
        body=bytes(response.body),
        media_type=response.headers.get("content-type", "application/json"),
        location=location,
    )


def _replay(stored: StoredResponse) -> Response:
    response = Response(stored.body, status_code=stored.status, media_type=stored.media_type)
    if stored.location:
        response.headers["Location"] = stored.location
    response.headers["Idempotent-Replayed"] = "true"
    return response


class PathEndpoint:
    """The ASGI app for one path: picks the operation by method and runs the pipeline."""

    def __init__(self, operations: list[Operation], config: ApiConfig) -> None:
        self.operations = {op.method: op for op in operations}
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        extra_headers: dict[str, str] = {}
        try:
            response = await self._handle(request, extra_headers)
        except ApiError as exc:
            response = exc.response()
        response.headers.update(extra_headers)
        await response(scope, receive, send)

    async def _handle(self, request: Request, extra_headers: dict[str, str]) -> Response:
        op = self.operations.get(request.method)
        if op is None:
            allow = ", ".join(sorted(self.operations))
            raise ApiError(405, f"Use one of: {allow}.", headers={"Allow": allow})
        now = self.config.clock()
        settings: Settings = request.app.state.settings
        if op.public:
            caller = Caller(api_key_id=0, merchant_id=0)
        else:
            caller = await authenticate(request.headers.get("authorization"), now=now)
            decision = await self.config.limiter.check(caller.api_key_id)
            extra_headers.update(decision.headers())
            if not decision.allowed:
                raise ApiError(429, "Slow down: this API key sent too many requests.")
        call = Call(request=request, settings=settings, caller=caller, now=now)
        call.path = self._path_params(op, request)
        call.query = _parse_params(
            tuple(p for p in op.params if p.location == "query"), dict(request.query_params)
        )
        if op.body is None:
            return _render(await op.handler(call))
        call.body = await read_json(request, self.config.max_body_bytes)
        errors = validate(op.body, call.body)
        if errors:
            raise invalid(errors)
        key = request.headers.get("idempotency-key")
        if key is None:
            return await self._run(op, call)
        return await self._run_once(op, call, key)

    def _path_params(self, op: Operation, request: Request) -> dict[str, Any]:
        parsed: dict[str, Any] = {}
        for param in op.path_params:
            raw = str(request.path_params.get(param.name, ""))
            try:
                value = _coerce(param, raw)
            except ValueError:
                raise ApiError(404, "No such resource.") from None
            if validate(param.schema, value):
                raise ApiError(404, "No such resource.")
            parsed[param.name] = value
        return parsed

    async def _run(self, op: Operation, call: Call) -> Response:
        try:
            return _render(await op.handler(call))
        except ApiError as exc:
            return exc.response()

    async def _run_once(self, op: Operation, call: Call, key: str) -> Response:
        if not key or len(key) > idempotency.MAX_KEY_LENGTH:
            raise ApiError(
                400, f"Idempotency-Key must be 1 to {idempotency.MAX_KEY_LENGTH} characters."
            )
        store = self.config.idempotency
        api_key_id = call.caller.api_key_id
        fingerprint = idempotency.fingerprint(op.method, call.request.url.path, call.body)
        begin = await store.begin(api_key_id, key, fingerprint, call.now)
        if begin.outcome is Outcome.REPLAY and begin.stored is not None:
            return _replay(begin.stored)
        if begin.outcome is Outcome.MISMATCH:
            raise ApiError(
                422,
                "This Idempotency-Key was already used with a different request body.",
                title="Idempotency-Key reused",
            )
        if begin.outcome is Outcome.IN_FLIGHT:
            raise ApiError(
                409,
                "A request with this Idempotency-Key is still being processed; retry later.",
                headers={"Retry-After": "1"},
            )
        try:
            response = await self._run(op, call)
        except BaseException:
            await store.release(api_key_id, key)
            raise
        if response.status_code >= 500:
            await store.release(api_key_id, key)
        else:
            await store.finish(
                api_key_id, key, _stored(response, response.headers.get("location")), call.now
            )
        return response
