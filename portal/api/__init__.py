"""The REST API at ``/api/v1``: bearer API keys, problem+json errors, cursor pagination,
``Idempotency-Key`` on POST, per-key rate limits, and an OpenAPI 3.1 document built from
the same declarations that route and validate requests.

``routes`` is what the route table mounts; :func:`build_mount` makes another instance
(tests give it their own rate limiter and idempotency store).
"""

from __future__ import annotations

from collections import defaultdict

from starlette.routing import BaseRoute, Mount, Route
from starlette.types import Receive, Scope, Send

from portal.api import (
    attention,
    carrier_accounts,
    claim_actions,
    claims,
    customers,
    events,
    merchant_settings,
    message_templates,
    openapi,
    orders,
    products,
    return_actions,
    return_create,
    return_moves,
    return_policy,
    return_reasons,
    returns,
    setup,
    shipment_actions,
    shipments,
    stores,
    webhook_endpoints,
    whatsapp_templates,
)
from portal.api.errors import ApiError
from portal.api.operations import PREFIX, ApiConfig, Call, Operation, PathEndpoint, Reply


def all_operations() -> list[Operation]:
    """Every resource operation (without the document's own)."""
    return [
        *orders.OPERATIONS,
        *customers.OPERATIONS,
        *products.OPERATIONS,
        *shipments.OPERATIONS,
        *shipment_actions.OPERATIONS,
        *returns.OPERATIONS,
        *return_create.OPERATIONS,
        *return_policy.OPERATIONS,
        *return_reasons.OPERATIONS,
        *return_actions.OPERATIONS,
        *return_moves.OPERATIONS,
        *claims.OPERATIONS,
        *claim_actions.OPERATIONS,
        *events.OPERATIONS,
        *webhook_endpoints.OPERATIONS,
        *whatsapp_templates.OPERATIONS,
        *message_templates.OPERATIONS,
        *attention.OPERATIONS,
        *merchant_settings.OPERATIONS,
        *carrier_accounts.OPERATIONS,
        *stores.OPERATIONS,
        *setup.OPERATIONS,
    ]


def _document_operation(resources: list[Operation]) -> Operation:
    document: dict[str, object] = {}

    async def serve(call: Call) -> Reply:
        if not document:
            document.update(openapi.build_document([*resources, op]))
        return Reply(200, document)

    op = Operation(
        "GET",
        "/openapi.json",
        "getOpenApiDocument",
        "This OpenAPI document",
        "meta",
        serve,
        {200: {"type": "object"}},
        public=True,
    )
    return op


def operations_with_document() -> list[Operation]:
    resources = all_operations()
    return [*resources, _document_operation(resources)]


class _NotFound:
    """Anything else under the prefix: a problem+json 404, not the HTML page."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await ApiError(404, "No such API path.").response()(scope, receive, send)


def build_mount(config: ApiConfig | None = None) -> Mount:
    config = config or ApiConfig()
    by_path: dict[str, list[Operation]] = defaultdict(list)
    for op in operations_with_document():
        by_path[op.path].append(op)
    routes: list[BaseRoute] = [
        Route(path, PathEndpoint(ops, config), name=ops[0].operation_id)
        for path, ops in by_path.items()
    ]
    routes.append(Route("/{rest:path}", _NotFound()))
    return Mount(PREFIX, routes=routes, name="api")


routes: list[BaseRoute] = [build_mount()]
