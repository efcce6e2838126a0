"""The OpenAPI 3.1 document, built from the operations' own declarations.

Routing, validation and this document read the same :class:`~portal.api.operations.Operation`
objects and the same schemas, so what the document says is what the API does. The
document also describes the outgoing webhooks (OpenAPI 3.1 ``webhooks``).
"""

from __future__ import annotations

import re
from typing import Any

from portal.api import operations as ops
from portal.api.errors import TITLES
from portal.api.schemas import COMPONENTS, DATE_TIME, PROBLEM, Schema, obj, string
from portal.webhooks_out import topics

_RATE_HEADERS = {
    "RateLimit-Limit": "Requests allowed per window for this API key.",
    "RateLimit-Remaining": "Requests left right now.",
    "RateLimit-Reset": "Seconds until the allowance is full again.",
}
_ERROR_HEADERS = {
    401: {"WWW-Authenticate": "`Bearer` challenge."},
    405: {"Allow": "The methods this path answers."},
    429: {"Retry-After": "Seconds to wait before the next request."},
}
_ERROR_TEXT = {
    400: "The body is not valid JSON, or the Idempotency-Key header is malformed.",
    401: "No API key, or one that is unknown or revoked.",
    404: "No such object for this API key's merchant.",
    405: "This path does not answer that method.",
    409: "A conflicting object exists (or the same Idempotency-Key is still running).",
    413: "The body is too large.",
    415: "The body is not JSON (or, for an upload, not of a type it takes).",
    422: "Validation failed: see `errors` (and `candidates` for carrier detection).",
    429: "Rate limit reached: see Retry-After.",
}


def _header(description: str, kind: str = "string") -> dict[str, Any]:
    return {"description": description, "schema": {"type": kind}}


def _parameter(param: ops.Param) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": param.name,
        "in": param.location,
        "required": param.required or param.location == "path",
        "schema": param.schema,
    }
    if param.description:
        out["description"] = param.description
    return out


def _success(op: ops.Operation, status: int, schema: Schema | None) -> dict[str, Any]:
    headers = {} if op.public else {k: _header(v, "integer") for k, v in _RATE_HEADERS.items()}
    if status == 201:
        headers["Location"] = _header("Where the new object can be read.")
    out: dict[str, Any] = {"description": "Success." if status != 201 else "Created."}
    if headers:
        out["headers"] = headers
    if schema is not None:
        out["content"] = {"application/json": {"schema": schema}}
    return out


def _error(status: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "description": _ERROR_TEXT.get(status, TITLES.get(status, "Error")),
        "content": {"application/problem+json": {"schema": PROBLEM}},
    }
    if status in _ERROR_HEADERS:
        out["headers"] = {k: _header(v) for k, v in _ERROR_HEADERS[status].items()}
    return out


def _operation(op: ops.Operation) -> dict[str, Any]:
    out: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
        "security": [] if op.public else [{"bearer": []}],
    }
    if op.description:
        out["description"] = op.description
    parameters = [_parameter(p) for p in op.params]
    if op.body is not None:
        parameters.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "Replays the first answer for 24 h when the same key and body "
                "are sent again; a different body with the same key answers 422.",
                "schema": {"type": "string", "minLength": 1, "maxLength": 255},
            }
        )
        out["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": op.body}},
        }
    if op.upload:
        out["requestBody"] = {
            "required": True,
            "content": {media: {"schema": schema} for media, schema in op.upload.items()},
        }
    if parameters:
        out["parameters"] = parameters
    responses: dict[str, Any] = {
        str(status): _success(op, status, schema) for status, schema in op.responses.items()
    }
    responses.update({str(status): _error(status) for status in op.error_statuses()})
    out["responses"] = responses
    return out


_WEBHOOK_PAYLOAD = obj(
    {
        "id": string(description="Stable across retries: use it to ignore duplicates."),
        "topic": string(),
        "created_at": DATE_TIME,
        "data": {"type": "object"},
    }
)


def _webhooks() -> dict[str, Any]:
    def hook(topic: str, summary: str) -> dict[str, Any]:
        return {
            "post": {
                "summary": summary,
                "description": (
                    "Signed with `Doorstep-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "
                    "'<t>.<body>')>`; reject requests whose `t` is more than 300 s away from "
                    "your clock. `Doorstep-Event-Id` and `Doorstep-Topic` repeat the payload's "
                    "`id` and `topic`. Answer 2xx; anything else is retried with backoff."
                ),
                "requestBody": {"content": {"application/json": {"schema": _WEBHOOK_PAYLOAD}}},
                "responses": {"200": {"description": "Received."}},
            }
        }

    return {
        "shipment.status_changed": hook("shipment.status_changed", "A shipment's status changed"),
        "shipment.delivered": hook("shipment.delivered", "A shipment was delivered"),
        "shipment.exception": hook("shipment.exception", "A shipment hit an exception"),
        **{
            topic: hook(topic, f"A return moved to {topic.split('.', 1)[1]} (data: the Return)")
            for topic in topics.RETURN_TOPICS
        },
        **{
            topic: hook(topic, f"A claim moved to {topic.split('.', 1)[1]} (data: the Claim)")
            for topic in topics.CLAIM_TOPICS
        },
        topics.SURVEY_ANSWERED: hook(
            topics.SURVEY_ANSWERED,
            "A customer answered a survey question (data: survey, answer, answers, follow_up)",
        ),
        topics.SURVEY_FOLLOW_UP: hook(
            topics.SURVEY_FOLLOW_UP,
            "A survey's answers call for a follow-up: once per survey, when they settle",
        ),
        "ping": hook("ping", "A test sent from the admin"),
    }


def build_document(operations: list[ops.Operation]) -> dict[str, Any]:
    """The OpenAPI 3.1 document for ``operations`` (served at ``/api/v1/openapi.json``)."""
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(ops.PREFIX + op.path, {})[op.method.lower()] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Doorstep API",
            "version": "1",
            "description": "Orders, shipments and tracking events of one merchant, chosen "
            "by the API key. Errors are RFC 9457 problem documents.",
        },
        "paths": paths,
        "webhooks": _webhooks(),
        "components": {
            "schemas": dict(sorted(COMPONENTS.items())),
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key (`dsk_…`) created in the admin.",
                }
            },
        },
        "security": [{"bearer": []}],
    }


def match(document: dict[str, Any], method: str, path: str) -> dict[str, Any] | None:
    """The documented operation answering ``method path`` (tests use it on real traffic)."""
    for template, item in document["paths"].items():
        pattern = "^" + re.sub(r"\{[^}/]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path) and method.lower() in item:
            return dict(item[method.lower()])
    return None
