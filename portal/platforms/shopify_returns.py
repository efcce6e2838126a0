"""A resolved return written back to Shopify: its refund and its exchange.

- The refunded items go back as ``refundCreate`` carrying the order's payment as the
  parent of a ``REFUND`` transaction (``RefundInput.transactions``, ``OrderTransactionInput``
  with ``parentId`` and ``gateway``, as Shopify's own example sends it:
  https://shopify.dev/docs/api/admin-graphql/2025-01/mutations/refundCreate). A refund
  without transactions only records the items as refunded: no money moves. An order the
  customer paid in another currency than the shop's is refunded in hers (``RefundInput.currency``,
  required for such an order: https://shopify.dev/docs/api/admin-graphql/2025-01/input-objects/RefundInput),
  Doorstep's amount converted at the order's rate, the one of Shopify's suggested refund
  of the same items, and paid to the payments that suggestion names
  (https://shopify.dev/docs/api/admin-graphql/2025-01/objects/SuggestedRefund).
- The exchanged items go back as ``returnCreate`` with ``returnLineItems`` (the fulfilment
  line items the customer sends back, with a ``ReturnReason``) and ``exchangeLineItems``
  (the variants she gets instead)
  (https://shopify.dev/docs/api/admin-graphql/2025-01/mutations/returnCreate,
  https://shopify.dev/docs/api/admin-graphql/2025-01/input-objects/ReturnInput,
  https://shopify.dev/docs/api/admin-graphql/2025-01/input-objects/ExchangeLineItemInput).

What both need of the order (its transactions, the fulfilment line items' ids) is read by
one query per return when it is written, not by the backfill. The return's
``exchangeLineItems`` name the order line items Shopify added for the new items; they are
kept as ``shopify_exchange_line_items``, so the fulfilment that ships them later is
tracked as Doorstep's replacement order's parcel. Nothing is made twice: each id Shopify
gives back is kept in the push's payload (``shopify_refund_id``, ``shopify_return_id``),
and before making one the order's refunds
and returns are searched for Doorstep's own (the refund's note, the return line items'
``returnReasonNote``), so a retry after a fault that hid Shopify's answer adopts it.
A ``userErrors`` answer is :class:`Refused`: Shopify read the request and said no, so
asking again changes nothing; the merchant is told (portal/platforms/writeback.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_DOWN, Decimal
from typing import Any, Protocol

from babel.numbers import get_currency_precision

from portal.platforms.base import PlatformError
from portal.platforms.shopify_queries import (
    REFUND_CREATE,
    RETURN_CONTEXT_QUERY,
    RETURN_CREATE,
    SUGGESTED_REFUND_QUERY,
    VARIANTS_BY_SKU_QUERY,
)
from portal.platforms.shopify_values import gid, presentment_money, shop_money

#: Words in a shop's reason code -> Shopify's ``ReturnReason`` (2025-01, where
#: ``ReturnLineItemInput.returnReason`` is required:
#: https://shopify.dev/docs/api/admin-graphql/2025-01/enums/ReturnReason). First match
#: wins; a code that names none is ``OTHER``, with the note saying which return it is.
REASON_WORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("too_small", "small", "tight"), "SIZE_TOO_SMALL"),
    (("too_large", "too_big", "large", "big", "loose"), "SIZE_TOO_LARGE"),
    (("damage", "defect", "broken", "faulty"), "DEFECTIVE"),
    (("wrong",), "WRONG_ITEM"),
    (("not_as_described", "described", "description"), "NOT_AS_DESCRIBED"),
    (("colour", "color"), "COLOR"),
    (("style",), "STYLE"),
    (("changed_mind", "change_of_mind", "unwanted", "no_longer"), "UNWANTED"),
)
#: Payments a refund can go back to (``OrderTransactionKind``).
PAID_KINDS = ("SALE", "CAPTURE")
CENT = Decimal("0.01")


class Refused(PlatformError):
    """Shopify answered ``userErrors``: the request was read and refused, so sending it
    again cannot help; the message is the merchant's to act on."""


class GraphQL(Protocol):
    async def graphql(
        self, query: str, variables: dict[str, Any] | None = None, *, retry_faults: bool = True
    ) -> dict[str, Any]: ...


def return_reason(code: str | None) -> str:
    """A shop's reason code ("too_small", "damaged", …) as a ``ReturnReason``."""
    words = (code or "").lower().replace("-", "_").replace(" ", "_")
    for keys, reason in REASON_WORDS:
        if any(key in words for key in keys):
            return reason
    return "OTHER"


def _amount(transaction: dict[str, Any]) -> Decimal:
    return shop_money(transaction.get("amountSet"))


def refund_transactions(
    order_id: str, transactions: Iterable[dict[str, Any]], amount: Decimal
) -> list[dict[str, Any]]:
    """``OrderTransactionInput``s refunding ``amount`` to the order's successful payments
    (sales and captures, in the order Shopify lists them), each up to what it has left
    after the refunds already made against it."""
    listed = list(transactions)
    refunded: dict[str, Decimal] = {}
    for t in listed:
        parent = (t.get("parentTransaction") or {}).get("id")
        if t.get("kind") == "REFUND" and t.get("status") == "SUCCESS" and parent:
            refunded[parent] = refunded.get(parent, Decimal("0")) + _amount(t)
    left = amount
    sent = []
    for t in listed:
        if left <= 0:
            break
        if t.get("kind") not in PAID_KINDS or t.get("status") != "SUCCESS":
            continue
        take = min(_amount(t) - refunded.get(t["id"], Decimal("0")), left)
        if take <= 0:
            continue
        sent.append(
            {
                "orderId": order_id,
                "parentId": t["id"],
                "gateway": t.get("gateway") or "",
                "kind": "REFUND",
                "amount": str(take.quantize(CENT)),
            }
        )
        left -= take
    return sent


def return_line_items(
    fulfilments: Iterable[dict[str, Any]], exchanges: Iterable[dict[str, Any]], note: str
) -> list[dict[str, Any]]:
    """``ReturnLineItemInput``s: each exchanged line item's quantity taken from the
    fulfilment line items that shipped it (a line shipped in two parcels spans two)."""
    room: dict[str, list[list[Any]]] = {}
    for fulfilment in fulfilments:
        for line in (fulfilment.get("fulfillmentLineItems") or {}).get("nodes") or []:
            item = (line.get("lineItem") or {}).get("id")
            if item:
                room.setdefault(item, []).append([line["id"], int(line.get("quantity") or 0)])
    lines = []
    for exchange in exchanges:
        item = gid("LineItem", exchange["line_item_id"])
        wanted = int(exchange["quantity"])
        for slot in room.get(item, []):
            take = min(wanted, slot[1])
            if take <= 0:
                continue
            slot[1] -= take
            wanted -= take
            lines.append(
                {
                    "fulfillmentLineItemId": slot[0],
                    "quantity": take,
                    "returnReason": exchange.get("reason") or "OTHER",
                    "returnReasonNote": note[:255],
                }
            )
            if wanted == 0:
                break
        if wanted:
            raise PlatformError(
                f"Shopify has not fulfilled {wanted} of line item {item}: "
                "only fulfilled items can be returned."
            )
    return lines


def _adopted_refund(context: dict[str, Any], note: str) -> str | None:
    return next((r["id"] for r in context.get("refunds") or [] if r.get("note") == note), None)


def exchange_line_items(made: dict[str, Any]) -> list[str]:
    """The order line items a return's exchange added (``Return.exchangeLineItems``, each
    with its ``lineItem``), by their numeric ids: the fulfilment that ships them is the
    exchange's parcel (https://shopify.dev/docs/api/admin-graphql/2025-01/objects/ExchangeLineItem)."""
    found = []
    for node in (made.get("exchangeLineItems") or {}).get("nodes") or []:
        line = node.get("lineItem") or {}
        if line.get("id"):
            found.append(str(line["id"]).rsplit("/", 1)[-1])
    return found


def _adopted_return(context: dict[str, Any], note: str) -> dict[str, Any] | None:
    for found in (context.get("returns") or {}).get("nodes") or []:
        lines = (found.get("returnLineItems") or {}).get("nodes") or []
        if any(line.get("returnReasonNote") == note[:255] for line in lines):
            return found
    return None


def _refused(what: str, errors: list[dict[str, Any]]) -> Refused:
    said = "; ".join(str(e.get("message") or "") for e in errors)
    return Refused(f"Shopify refused {what}: {said}"[:500])


async def _variant(client: GraphQL, sku: str) -> str:
    """The store's variant with this SKU (one Doorstep named ``shopify-<id>``: that id)."""
    if sku.startswith("shopify-"):
        return gid("ProductVariant", sku.removeprefix("shopify-"))
    quoted = sku.replace("\\", "\\\\").replace('"', '\\"')
    data = await client.graphql(VARIANTS_BY_SKU_QUERY, {"query": f'sku:"{quoted}"'})
    nodes = (data.get("productVariants") or {}).get("nodes") or []
    found = next((n["id"] for n in nodes if n.get("sku") == sku), None)
    if found is None:
        raise PlatformError(f"Shopify has no variant with SKU {sku} to exchange for.")
    return str(found)


async def _refund(client: GraphQL, payload: dict[str, Any], context: dict[str, Any]) -> str:
    order_id = gid("Order", payload["order_id"])
    lines = [
        {
            "lineItemId": gid("LineItem", item["line_item_id"]),
            "quantity": item["quantity"],
            "restockType": "RETURN" if payload.get("location_id") else "NO_RESTOCK",
            **(
                {"locationId": gid("Location", payload["location_id"])}
                if payload.get("location_id")
                else {}
            ),
        }
        for item in payload["items"]
    ]
    refund: dict[str, Any] = {
        "orderId": order_id,
        "note": payload.get("note") or "Return resolved in Doorstep",
        "notify": False,
        "refundLineItems": lines,
    }
    amount = Decimal(str(payload.get("amount") or "0"))
    shop, paid = context.get("currencyCode"), context.get("presentmentCurrencyCode")
    if shop and paid and shop != paid:
        # Paid in the customer's currency: refunded in it (RefundInput.currency), at the
        # order's rate, which Shopify's suggested refund of the same items gives.
        refund["currency"] = paid
        transactions, short = await _presentment_refund(
            client, payload, lines, amount, paid, shop_unit=minor_units(shop)
        )
    else:
        transactions = refund_transactions(order_id, context.get("transactions") or [], amount)
        short = amount - sum((Decimal(t["amount"]) for t in transactions), Decimal("0"))
    if transactions:
        refund["transactions"] = transactions
    if short > 0:
        # Cash on delivery, a manual payment, or payments refunded already: the items are
        # still recorded as refunded, and the merchant is told what Shopify did not pay.
        unit = minor_units(shop) if shop else CENT
        payload["refund_shortfall"] = str(short.quantize(unit))
    # Not sent again on a fault: the next attempt looks for it first (write_return).
    made = await client.graphql(REFUND_CREATE, {"input": refund}, retry_faults=False)
    data = made.get("refundCreate") or {}
    if data.get("userErrors"):
        raise _refused("the refund", data["userErrors"])
    return str((data.get("refund") or {}).get("id") or "")


def minor_units(currency: str) -> Decimal:
    """The smallest amount of a currency (USD 0.01, JPY 1, KWD 0.001: ISO 4217)."""
    return Decimal(1).scaleb(-get_currency_precision(currency))


def presentment_transactions(
    order_id: str, suggested: Iterable[dict[str, Any]], amount: Decimal, currency: str
) -> list[dict[str, Any]]:
    """``OrderTransactionInput``s refunding ``amount`` (in the customer's ``currency``) to
    the payments Shopify suggests (``SuggestedRefund.suggestedTransactions``, in its
    order), each up to what it can still pay back (``maximumRefundableSet``, else its
    suggested amount)."""
    left = amount
    sent = []
    for t in suggested:
        parent = (t.get("parentTransaction") or {}).get("id")
        if left <= 0:
            break
        if not parent:
            continue
        # What the payment can still pay back; a maximum of 0 is one (refunded already),
        # not a missing figure: only an absent maximum falls back to the suggestion.
        cap = t.get("maximumRefundableSet")
        room = presentment_money(cap if cap is not None else t.get("amountSet"))
        take = min(room, left).quantize(minor_units(currency), rounding=ROUND_DOWN)
        if take <= 0:
            continue
        sent.append(
            {
                "orderId": order_id,
                "parentId": parent,
                "gateway": t.get("gateway") or "",
                "kind": "REFUND",
                "amount": str(take),
            }
        )
        left -= take
    return sent


async def _presentment_refund(
    client: GraphQL,
    payload: dict[str, Any],
    lines: list[dict[str, Any]],
    amount: Decimal,
    currency: str,
    *,
    shop_unit: Decimal = CENT,
) -> tuple[list[dict[str, Any]], Decimal]:
    """The transactions paying back ``amount`` (Doorstep's, in the shop's currency) in the
    customer's, and what they leave unpaid in the shop's. The rate is the one of Shopify's
    suggested refund of the same line items (its ``amountSet`` in both currencies, the
    order's own rate); where Shopify suggests nothing to refund for them, there is no rate
    to convert by, and the refund is left to the merchant."""
    order_id = gid("Order", payload["order_id"])
    data = await client.graphql(SUGGESTED_REFUND_QUERY, {"id": order_id, "refundLineItems": lines})
    suggestion = (data.get("order") or {}).get("suggestedRefund") or {}
    in_shop = shop_money(suggestion.get("amountSet"))
    in_paid = presentment_money(suggestion.get("amountSet"))
    if in_shop <= 0 or in_paid <= 0:
        raise Refused(
            f"Return {payload.get('return_number')}: the order was paid in {currency}, and "
            f"Shopify suggests no refund of the returned items in {currency} to convert "
            "Doorstep's amount by; refund it in Shopify."
        )
    unit = minor_units(currency)
    # The suggestion's own amount when Doorstep refunds exactly it: no rounding at all.
    due = in_paid if amount == in_shop else (amount * in_paid / in_shop).quantize(unit)
    transactions = presentment_transactions(
        order_id, suggestion.get("suggestedTransactions") or [], due, currency
    )
    unpaid = due - sum((Decimal(t["amount"]) for t in transactions), Decimal("0"))
    short = amount if unpaid == due else (unpaid * in_shop / in_paid).quantize(shop_unit)
    return transactions, max(short, Decimal("0"))


async def _exchange(
    client: GraphQL, payload: dict[str, Any], context: dict[str, Any]
) -> dict[str, Any]:
    note = payload.get("note") or f"Return {payload['return_number']} resolved in Doorstep"
    exchanges = payload["exchanges"]
    returned = return_line_items(context.get("fulfillments") or [], exchanges, note)
    wanted = [
        {"variantId": await _variant(client, e["variant_sku"]), "quantity": e["quantity"]}
        for e in exchanges
    ]
    data = await client.graphql(
        RETURN_CREATE,
        {
            "returnInput": {
                "orderId": gid("Order", payload["order_id"]),
                "returnLineItems": returned,
                "exchangeLineItems": wanted,
                "notifyCustomer": False,
            }
        },
        retry_faults=False,
    )
    answer = data.get("returnCreate") or {}
    if answer.get("userErrors"):
        raise _refused(f"the exchange of return {payload['return_number']}", answer["userErrors"])
    return answer.get("return") or {}


async def write_return(client: GraphQL, payload: dict[str, Any]) -> None:
    """Refund and exchange, each once; ``payload`` keeps what Shopify made (the caller
    stores it whatever happens next)."""
    refund_due = bool(payload.get("items")) and not payload.get("shopify_refund_id")
    exchange_due = bool(payload.get("exchanges")) and not payload.get("shopify_return_id")
    if not refund_due and not exchange_due:
        return
    data = await client.graphql(RETURN_CONTEXT_QUERY, {"id": gid("Order", payload["order_id"])})
    context = data.get("order") or {}
    note = payload.get("note") or ""
    if refund_due:
        payload["shopify_refund_id"] = (note and _adopted_refund(context, note)) or (
            await _refund(client, payload, context)
        )
    if exchange_due:
        made = _adopted_return(context, note) if note else None
        if made is None:
            made = await _exchange(client, payload, context)
        payload["shopify_return_id"] = str(made.get("id") or "")
        # The new items' line items: their fulfilment becomes the replacement order's
        # shipment (portal/platforms/writeback.py records them).
        payload["shopify_exchange_line_items"] = exchange_line_items(made)
