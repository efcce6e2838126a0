"""Shopify's ``Order.customerLocale`` is the language the customer ordered in ("fr-FR",
https://shopify.dev/changelog/locale-fields-are-now-appended-with-language-and-country-codes;
the Order object: https://shopify.dev/docs/api/admin-graphql/2025-01/objects/Order). The
order query asks for it and a shipped language becomes the order's ``locale``."""

from __future__ import annotations

import copy

import pytest

from portal.platforms.shopify import parse_order_node
from portal.platforms.shopify_queries import ORDERS_QUERY
from tests.platforms.fakes import fixture


def test_the_orders_query_asks_for_the_customers_locale() -> None:
    assert " customerLocale" in ORDERS_QUERY


@pytest.mark.parametrize(
    ("given", "expected"),
    [("ru-RU", "ru"), ("uk", "uk"), ("pl-PL", "pl"), ("fr-FR", None), (None, None)],
)
def test_a_shipped_language_is_the_orders_and_any_other_leaves_it_unset(
    given: str | None, expected: str | None
) -> None:
    node = copy.deepcopy(fixture("shopify", "order_node.json"))
    node["customerLocale"] = given
    assert parse_order_node(node).locale == expected


def test_the_documented_example_is_a_language_not_shipped() -> None:
    assert parse_order_node(fixture("shopify", "order_node.json")).locale is None
