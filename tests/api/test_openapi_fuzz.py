"""A small schemathesis: requests generated from the OpenAPI document itself (valid ones,
near misses and junk) never get a 5xx, and every answer matches the document (the client
in ``tests/api/conftest.py`` checks each response)."""

from __future__ import annotations

import json
from datetime import UTC, timedelta, timezone
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.api.schemas import Schema, resolve
from tests.api.conftest import DOCUMENT

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
_VISIBLE_ASCII = st.characters(min_codepoint=33, max_codepoint=126)
ZONES = st.sampled_from([UTC, timezone(timedelta(hours=-12)), timezone(timedelta(hours=14))])


def from_schema(schema: Schema) -> st.SearchStrategy[Any]:
    """Values that mostly satisfy ``schema`` (and sometimes miss a constraint)."""
    schema = resolve(schema)
    if "anyOf" in schema:
        return st.one_of([from_schema(s) for s in schema["anyOf"]])
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([from_schema({**schema, "type": k}) for k in kind])
    if "enum" in schema:
        return st.sampled_from(schema["enum"]) | st.text(max_size=5)
    match kind:
        case "string" if schema.get("format") == "date-time":
            return st.datetimes(timezones=ZONES).map(lambda d: d.isoformat()) | st.text(max_size=5)
        case "string" if schema.get("format") == "email":
            return st.emails() | st.text(max_size=5)
        case "string" if schema.get("format") == "uri":
            return st.sampled_from(["https://hooks.example.test/a", "http://x", "ftp://y"])
        case "string":
            return st.text(max_size=min(schema.get("maxLength", 40), 80))
        case "integer":
            return st.integers(schema.get("minimum", -(2**40)), schema.get("maximum", 2**40))
        case "number":
            return st.floats(allow_nan=False, allow_infinity=False) | st.integers()
        case "boolean":
            return st.booleans()
        case "null":
            return st.none()
        case "array":
            return (
                st.lists(from_schema(schema.get("items", {})), max_size=3)
                if "items" in schema
                else st.lists(JSON, max_size=3)
            )
        case "object" if "properties" in schema:
            props = schema["properties"]
            required = {k: from_schema(props[k]) for k in schema.get("required", [])}
            optional = {k: from_schema(v) for k, v in props.items() if k not in required}
            return st.fixed_dictionaries(required, optional=optional)
    return JSON


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, item in DOCUMENT["paths"].items()
        for method, op in item.items()
    ]


def _request(op: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    params = op.get("parameters", [])
    path = {p["name"]: from_schema(p["schema"]).map(str) for p in params if p["in"] == "path"}
    query = {
        p["name"]: (from_schema(p["schema"]) | st.text(max_size=10)).map(
            lambda v: json.dumps(v) if not isinstance(v, str) else v
        )
        for p in params
        if p["in"] == "query"
    }
    body: st.SearchStrategy[Any] = st.none()
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body = from_schema(content["application/json"]["schema"]) | JSON
    elif content:  # an upload: bytes under one of its media types, or an empty body
        body = st.tuples(st.sampled_from(sorted(content)), st.binary(max_size=64))
    return st.fixed_dictionaries(
        {
            "path": st.fixed_dictionaries(path),
            "query": st.fixed_dictionaries({}, optional=query),
            "body": body,
            "key": st.none() | st.text(_VISIBLE_ASCII, min_size=1, max_size=10),
        }
    )


def _examples(op: dict[str, Any], count: int = 60) -> list[dict[str, Any]]:
    """Draw ``count`` requests up front (Hypothesis runs sync; the client is async)."""
    drawn: list[dict[str, Any]] = []

    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(request=_request(op))
    def collect(request: dict[str, Any]) -> None:
        drawn.append(request)

    collect()
    return drawn


def _fill(template: str, values: dict[str, str]) -> str:
    path = template
    for name, value in values.items():
        path = path.replace("{" + name + "}", quote(value, safe="") or "x")
    return path


@pytest.mark.parametrize(("method", "template", "op"), _operations(), ids=lambda v: str(v)[:30])
async def test_generated_requests_never_fail_on_our_side(
    api: httpx.AsyncClient, method: str, template: str, op: dict[str, Any]
) -> None:
    for request in _examples(op):
        headers = {"Idempotency-Key": request["key"]} if request["key"] else {}
        kwargs: dict[str, Any] = {"params": request["query"], "headers": headers}
        if isinstance(request["body"], tuple):
            media, kwargs["content"] = request["body"]
            headers["Content-Type"] = media
        elif "requestBody" in op:
            kwargs["json"] = request["body"]
        response = await api.request(method, _fill(template, request["path"]), **kwargs)
        assert response.status_code < 500, (request, response.text)
