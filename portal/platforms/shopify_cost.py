"""The requested cost of a Shopify GraphQL Admin API query, computed as Shopify documents it.

Shopify refuses, before running it, any single query whose *requested* cost exceeds 1,000
points (``errors[].extensions.code == "MAX_COST_EXCEEDED"``). The requested cost is a
static reading of the query, not of the answer:

* a scalar or enum field costs 0, an object field 1, a mutation 10
  (https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits, "Cost calculation");
* a connection costs 2 plus the objects it may return, which before execution is its
  ``first`` argument times the cost of one node
  (https://shopify.engineering/rate-limiting-graphql-apis-calculating-query-complexity);
* the single-query limit of 1,000 applies to the requested cost
  (https://help.shopify.com/en/api/graphql-admin-api/call-limit, "Single query limit").

So nested connections multiply: ``orders(first: 100) { lineItems(first: 100) }`` asks for
more than 10,000 points. This reader understands the queries Doorstep writes (fields,
arguments, selection sets; no fragments or aliases). A field with a selection set is an
object, one without is a scalar or enum. A list field sized by ``first`` without being a
connection (``Order.fulfillments``, ``Fulfillment.trackingInfo``) is counted like a
connection, which may overstate it by 2 and never understates it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: Shopify's single-query limit on the requested cost.
MAX_QUERY_COST = 1000
#: A mutation's cost (the documentation's table).
MUTATION_COST = 10

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\$?[A-Za-z_][A-Za-z0-9_]*|-?\d+|[{}():,!\[\]=]')


@dataclass
class _Field:
    name: str
    args: dict[str, str] = field(default_factory=dict)
    children: list[_Field] | None = None


class _Reader:
    def __init__(self, query: str) -> None:
        self.tokens = _TOKEN.findall(query)
        self.at = 0

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> str:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def skip_group(self, opening: str, closing: str) -> list[str]:
        """The tokens between a bracket and its match (the opening one already read)."""
        depth, inside = 1, []
        while depth:
            token = self.take()
            depth += (token == opening) - (token == closing)
            if depth:
                inside.append(token)
        return inside

    def selection(self) -> list[_Field]:
        """A ``{ … }`` selection set, the ``{`` already read."""
        fields = []
        while (token := self.take()) != "}":
            current = _Field(token)
            if self.peek() == "(":
                self.take()
                inside = self.skip_group("(", ")")
                for i in range(len(inside) - 2):
                    if inside[i + 1] == ":" and (i == 0 or inside[i - 1] in ",("):
                        current.args[inside[i]] = inside[i + 2]
            if self.peek() == "{":
                self.take()
                current.children = self.selection()
            fields.append(current)
        return fields


def _size(value: str, variables: Mapping[str, Any]) -> int:
    if value.startswith("$"):
        return int(variables[value[1:]])
    return int(value)


def _node(children: list[_Field]) -> list[_Field]:
    """One element's selection inside a connection: ``nodes``/``edges.node`` or the list's."""
    for child in children:
        if child.name == "nodes" and child.children is not None:
            return child.children
        if child.name == "edges" and child.children is not None:
            for grandchild in child.children:
                if grandchild.name == "node" and grandchild.children is not None:
                    return grandchild.children
    return [c for c in children if c.name != "pageInfo"]


def _cost(item: _Field, variables: Mapping[str, Any]) -> int:
    if item.children is None:
        return 0  # a scalar or an enum
    if "first" in item.args:
        per_node = 1 + sum(_cost(c, variables) for c in _node(item.children))
        return 2 + _size(item.args["first"], variables) * per_node
    return 1 + sum(_cost(c, variables) for c in item.children)


def requested_cost(query: str, variables: Mapping[str, Any] | None = None) -> int:
    """The points Shopify asks for before running ``query`` with ``variables``."""
    reader = _Reader(query)
    variables = variables or {}
    operation = "query"
    total = 0
    while (token := reader.peek()) is not None:
        reader.take()
        if token in ("query", "mutation"):
            operation = token
        elif token == "(":
            reader.skip_group("(", ")")
        elif token == "{":
            for top in reader.selection():
                cost = _cost(top, variables)
                total += MUTATION_COST + cost - 1 if operation == "mutation" else cost
    return total
