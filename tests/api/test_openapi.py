"""The OpenAPI document: served, structurally sound, and covering every route.

Every response the API tests receive is also checked against this document by the
client in ``tests/api/conftest.py``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount, Route

from portal.api import build_mount, operations_with_document
from portal.api.operations import PREFIX
from portal.api.schemas import COMPONENTS
from tests.api.conftest import DOCUMENT, api_client

METHODS = {"get", "post", "put", "patch", "delete"}


def _refs(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["$ref"]] if "$ref" in value else []
        return found + [r for v in value.values() for r in _refs(v)]
    if isinstance(value, list):
        return [r for v in value for r in _refs(v)]
    return []


async def test_it_is_served_without_a_key(api_app: Starlette) -> None:
    async with api_client(api_app) as client:
        response = await client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json() == DOCUMENT


def test_every_route_is_documented() -> None:
    mount = build_mount()
    assert isinstance(mount, Mount)
    routed = {
        PREFIX + route.path
        for route in mount.routes
        if isinstance(route, Route) and "{rest" not in route.path
    }
    assert routed == set(DOCUMENT["paths"])
    for op in operations_with_document():
        assert op.method.lower() in DOCUMENT["paths"][PREFIX + op.path]


def test_every_operation_docs_api_md_names_exists() -> None:
    """A shop following docs/api.md calls what it names: each `METHOD /path` (relative to
    the base path, or under it) is an operation of the document."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`\s?]*)", text))
    assert len(named) > 40, "the operations table was read"
    missing = []
    for method, path in sorted(named):
        full = path if path.startswith(PREFIX) else PREFIX + path
        pattern = re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(full)))
        if not any(
            pattern.fullmatch(p) and method.lower() in ops for p, ops in DOCUMENT["paths"].items()
        ):
            missing.append(f"{method} {path}")
    assert missing == []


def test_the_document_is_structurally_valid() -> None:
    assert DOCUMENT["openapi"] == "3.1.0"
    assert DOCUMENT["info"]["title"] and DOCUMENT["info"]["version"]
    assert DOCUMENT["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": DOCUMENT["components"]["securitySchemes"]["bearer"]["description"],
    }
    operation_ids = []
    for template, item in DOCUMENT["paths"].items():
        path_names = set(re.findall(r"\{([^}]+)\}", template))
        for method, op in item.items():
            assert method in METHODS
            operation_ids.append(op["operationId"])
            params = op.get("parameters", [])
            assert {p["name"] for p in params if p["in"] == "path"} == path_names
            assert all(p["required"] for p in params if p["in"] == "path")
            assert op["responses"], f"{method} {template} documents no response"
            for status, response in op["responses"].items():
                assert re.fullmatch(r"[1-5]\d\d", status)
                assert response["description"]
                if int(status) >= 400:
                    media = response["content"]["application/problem+json"]["schema"]
                    assert media == {"$ref": "#/components/schemas/Problem"}
            if op["security"]:
                assert "401" in op["responses"] and "429" in op["responses"]
            if "requestBody" in op:
                assert {"400", "413", "415", "422"} <= set(op["responses"])
            if "application/json" in op.get("requestBody", {}).get("content", {}):
                assert any(p["name"] == "Idempotency-Key" for p in params)
    assert len(operation_ids) == len(set(operation_ids))


def test_every_reference_resolves() -> None:
    for reference in _refs(DOCUMENT):
        name = reference.removeprefix("#/components/schemas/")
        assert name in COMPONENTS and name in DOCUMENT["components"]["schemas"]


def test_lists_document_their_pagination_parameters() -> None:
    for path in ("/api/v1/orders", "/api/v1/shipments"):
        names = {p["name"] for p in DOCUMENT["paths"][path]["get"]["parameters"]}
        assert {"limit", "cursor"} <= names


async def test_the_outgoing_webhooks_are_described(api: httpx.AsyncClient) -> None:
    assert {"shipment.status_changed", "shipment.delivered", "ping"} <= set(DOCUMENT["webhooks"])
