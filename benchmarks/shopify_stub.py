"""A Shopify-shaped GraphQL stub for the store backfill benchmark:
``python -m benchmarks.shopify_stub --orders 10000``.

It answers ``POST /admin/api/2025-01/graphql.json`` with pages of orders shaped like
tests/fixtures/shopify/order_node.json (cursor = offset), an empty ``products`` page, and
``GET /health``. Pages are rendered once at start, so the stub is never the bottleneck.
Each answer reports the requested cost Shopify documents for the query Doorstep sends
(portal/platforms/shopify_cost.py), and the page size defaults to the client's own.
"""

from __future__ import annotations

import argparse
import copy
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from portal.platforms.shopify_cost import requested_cost
from portal.platforms.shopify_queries import (
    ORDERS_PAGE,
    ORDERS_QUERY,
    PRODUCTS_PAGE,
    PRODUCTS_QUERY,
)

FIXTURE = Path(__file__).resolve().parent.parent / "tests/fixtures/shopify/order_node.json"


def cost(requested: int) -> dict[str, Any]:
    """``extensions.cost`` with the documented requested cost (the actual is not modelled)."""
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": min(52, requested),
            "throttleStatus": {
                "maximumAvailable": 20000.0,
                "currentlyAvailable": 19900,
                "restoreRate": 1000.0,
            },
        }
    }


EMPTY_PRODUCTS = json.dumps(
    {
        "data": {"products": {"edges": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}},
        "extensions": cost(requested_cost(PRODUCTS_QUERY, {"first": PRODUCTS_PAGE})),
    }
).encode()


def order(n: int, template: dict[str, Any], base: datetime) -> dict[str, Any]:
    node = copy.deepcopy(template)
    node["id"] = f"gid://shopify/Order/{1_000_000 + n}"
    node["name"] = f"#{1000 + n}"
    node["email"] = node["customer"]["email"] = f"buyer{n % 2500}@mail.example.com"
    node["customer"]["id"] = f"gid://shopify/Customer/{5_000 + n % 2500}"
    node["customer"]["phone"] = f"+1613612{n % 2500:04d}"
    node["createdAt"] = node["updatedAt"] = (base + timedelta(seconds=n)).isoformat()
    node["lineItems"]["nodes"][0]["id"] = f"gid://shopify/LineItem/{7_000_000 + n}"
    node["lineItems"]["nodes"][0]["sku"] = f"SKU-{n % 300}"
    return node


def pages(count: int, size: int) -> dict[int, bytes]:
    """Offset -> the rendered page starting there."""
    template = json.loads(FIXTURE.read_text(encoding="utf-8"))
    base = datetime(2026, 1, 1, tzinfo=UTC)
    nodes = [order(n, template, base) for n in range(count)]
    rendered = {}
    extensions = cost(requested_cost(ORDERS_QUERY, {"first": size}))
    for start in range(0, count, size):
        chunk = nodes[start : start + size]
        end = start + len(chunk)
        rendered[start] = json.dumps(
            {
                "data": {
                    "orders": {
                        "edges": [
                            {"cursor": str(start + i + 1), "node": n} for i, n in enumerate(chunk)
                        ],
                        "pageInfo": {"hasNextPage": end < count, "endCursor": str(end)},
                    }
                },
                "extensions": extensions,
            }
        ).encode()
    return rendered


def create_app(count: int, size: int) -> Starlette:
    rendered = pages(count, size)

    async def graphql(request: Request) -> Response:
        body = json.loads(await request.body())
        if "products(" in body["query"]:
            return Response(EMPTY_PRODUCTS, media_type="application/json")
        after = int(body["variables"].get("after") or 0)
        return Response(rendered[after], media_type="application/json")

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route("/admin/api/2025-01/graphql.json", graphql, methods=["POST"]),
            Route("/health", health),
        ]
    )


def main(argv: Sequence[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m benchmarks.shopify_stub")
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=ORDERS_PAGE)
    args = parser.parse_args(argv)
    uvicorn.run(
        create_app(args.orders, args.page_size), host="127.0.0.1", port=args.port,
        log_level="warning",
    )  # fmt: skip


if __name__ == "__main__":
    main()
