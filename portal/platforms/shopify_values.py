"""Values as Shopify's Admin API writes them: global ids and money.

One home for both readers of Shopify's answers, the sync (``shopify.py``) and the return
write-back (``shopify_returns.py``), which ``shopify.py`` imports and so cannot import
back.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def numeric_id(value: Any) -> str:
    """``gid://shopify/Order/123`` and ``123`` both as ``"123"``."""
    return str(value).rsplit("/", 1)[-1]


def gid(kind: str, value: Any) -> str:
    """``123`` as ``gid://shopify/{kind}/123``; a global id as it is."""
    text = str(value)
    return text if text.startswith("gid://") else f"gid://shopify/{kind}/{text}"


def money(value: Any) -> Decimal:
    """An amount (Shopify writes them as decimal text); 0 for none or nonsense."""
    try:
        return Decimal(str(value or "0"))
    except ArithmeticError:
        return Decimal("0")


def shop_money(money_bag: dict[str, Any] | None) -> Decimal:
    """A ``MoneyBag``'s amount in the shop's currency (``shopMoney.amount``)."""
    return money(((money_bag or {}).get("shopMoney") or {}).get("amount"))


def presentment_money(money_bag: dict[str, Any] | None) -> Decimal:
    """A ``MoneyBag``'s amount in the customer's currency (``presentmentMoney.amount``)."""
    return money(((money_bag or {}).get("presentmentMoney") or {}).get("amount"))
