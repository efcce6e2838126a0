"""``/orders``: create an order with its items, customer contact and address; read; list."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from portal import catalogue, consent
from portal import delivery_preferences as preference_changes
from portal.api import pagination
from portal.api.errors import ApiError, invalid, not_found
from portal.api.operations import Call, Operation, Param, Reply
from portal.api.schemas import (
    DATE_TIME,
    FieldError,
    component,
    nullable,
    obj,
    page_of,
    string,
)
from portal.core import delivery_preferences
from portal.core.currencies import local_currency
from portal.core.payloads import ADDRESS_FIELDS, order_json
from portal.core.phones import to_e164
from portal.models import Channel, ConsentSource, Customer, Merchant, Order, OrderItem
from portal.returns.withdrawal_rules import StatutoryException

_TEXT = string(maxLength=200)
_COUNTRY = string(pattern="^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
_PRICE = {
    "type": ["string", "number"],
    "pattern": r"^-?\d{1,10}(\.\d{1,2})?$",
    "minimum": 0,
    "maximum": 9_999_999_999,
    "description": 'A decimal amount; send a string ("25.00") to avoid float rounding.',
}

ADDRESS_IN = component(
    "AddressInput",
    obj(
        {},
        {
            "name": _TEXT,
            "line1": _TEXT,
            "line2": _TEXT,
            "city": string(maxLength=100),
            "region": string(maxLength=100),
            "postal_code": string(maxLength=20),
            "country": _COUNTRY,
        },
    ),
)
ADDRESS = component(
    "Address",
    obj(
        {
            f: string()
            for f in ("name", "line1", "line2", "city", "region", "postal_code", "country")
        }
    ),
)
CUSTOMER_IN = component(
    "CustomerInput",
    obj(
        {},
        {
            "email": string(format="email", maxLength=254),
            "phone": string(maxLength=32, description="Any format; stored as E.164."),
            "name": _TEXT,
            "locale": string(maxLength=16),
            "email_consent": {
                "type": "boolean",
                "description": "Whether the customer agreed to e-mail about this order (default: "
                "true for a new customer; e-mail stops only when false).",
            },
            "sms_consent": {
                "type": "boolean",
                "description": "Whether the customer agreed to text messages about this order "
                "(default: false). A STOP reply still wins until the customer sends START.",
            },
            "whatsapp_consent": {
                "type": "boolean",
                "description": "Whether the customer agreed to WhatsApp messages about this "
                "order (default: false). A STOP reply on WhatsApp still wins until START.",
            },
        },
    ),
)
CUSTOMER = component(
    "Customer",
    obj(
        {
            "id": {"type": "integer", "description": "For /customers/{id}/… operations."},
            "email": nullable(string()),
            "phone": nullable(string()),
            "name": string(),
            "locale": nullable(string()),
            "email_consent": {"type": "boolean"},
            "sms_consent": {"type": "boolean"},
            "whatsapp_consent": {"type": "boolean"},
        }
    ),
)
ITEM_IN = component(
    "OrderItemInput",
    obj(
        {"sku": string(minLength=1, maxLength=100), "title": string(minLength=1, maxLength=300)},
        {
            "quantity": {"type": "integer", "minimum": 1, "maximum": 100000},
            "unit_price": _PRICE,
            "final_sale": {"type": "boolean"},
            "category": string(maxLength=100),
            "variant_options": {"type": "object"},
            "statutory_exception": {
                "type": "string",
                "enum": [e.value for e in StatutoryException],
                "description": "An exception to the EU right of withdrawal (Art. 16 of "
                "Directive 2011/83/EU), distinct from final_sale; sealed_hygiene excepts the "
                "item only once it is unsealed.",
            },
            "unsealed": {"type": "boolean", "description": "A sealed hygiene item was opened."},
        },
    ),
)
ITEM = component(
    "OrderItem",
    obj(
        {
            "sku": string(),
            "title": string(),
            "quantity": {"type": "integer"},
            "unit_price": string(),
            "final_sale": {"type": "boolean"},
            "category": nullable(string()),
            "variant_options": {"type": "object"},
            "statutory_exception": nullable(string()),
            "unsealed": {"type": "boolean"},
        }
    ),
)
DELIVERY_PREFERENCES = component(
    "DeliveryPreferences",
    obj(
        {},
        {
            "method": {
                "type": "string",
                "enum": list(delivery_preferences.METHODS),
                "description": "Where the customer wants the parcel (default: home).",
            },
            "point_id": nullable(
                string(
                    maxLength=64,
                    description="The locker's or pickup point's id (required for them).",
                )
            ),
            "safe_place": nullable(string(maxLength=200, description="Home delivery only.")),
            "instructions": nullable(string(maxLength=500)),
            "preferred_days": {
                "type": "array",
                "items": {"type": "string", "enum": list(delivery_preferences.DAYS)},
                "maxItems": 7,
            },
        },
    ),
)
ORDER_IN = component(
    "OrderInput",
    obj(
        {
            "number": string(minLength=1, maxLength=64, pattern="^[^/]+$"),
            "items": {"type": "array", "items": ITEM_IN, "minItems": 1, "maxItems": 500},
        },
        {
            "email": string(format="email", maxLength=254),
            "currency": {
                **string(pattern="^[A-Z]{3}$"),
                "description": "ISO 4217; by default the legal tender of the shop's country "
                "on the day (EUR in Bulgaria from 2026), USD for a shop without a country.",
            },
            "placed_at": DATE_TIME,
            "customer": CUSTOMER_IN,
            "shipping_address": ADDRESS_IN,
            "shipping_total": {
                **_PRICE,
                "description": "What the customer paid for standard delivery (refunded when "
                "the whole order is withdrawn under EU law). " + str(_PRICE["description"]),
            },
            "delivery_preferences": nullable(DELIVERY_PREFERENCES),
        },
    ),
)
ORDER = component(
    "Order",
    obj(
        {
            "number": string(),
            "email": string(),
            "currency": string(),
            "placed_at": DATE_TIME,
            "created_at": DATE_TIME,
            "customer": nullable(CUSTOMER),
            "shipping_address": ADDRESS,
            "shipping_total": string(),
            "delivery_preferences": nullable(DELIVERY_PREFERENCES),
            "items": {"type": "array", "items": ITEM},
        }
    ),
)


async def _load(merchant_id: int, number: str) -> dict[str, Any]:
    order = await Order.get_or_none(merchant_id=merchant_id, number=number)
    if order is None:
        raise not_found("order")
    items = await OrderItem.filter(order_id=order.id)
    customer = await Customer.get_or_none(id=order.customer_id) if order.customer_id else None
    return order_json(order, items, customer)


async def _customer(
    merchant_id: int, body: dict[str, Any], conn: Any, shop_country: str | None
) -> Customer | None:
    """The order's customer: found by e-mail within the merchant, or created."""
    given = body.get("customer") or {}
    email = (given.get("email") or body.get("email") or "").strip().lower() or None
    phone = None
    if given.get("phone"):
        # A number without its country code is read as one of the shipping address's
        # country, else of the shop's ("697 123 4567" for a Greek shop).
        country = (body.get("shipping_address") or {}).get("country") or shop_country
        phone = to_e164(given["phone"], country or None)
        if phone is None:
            raise invalid([FieldError("/customer/phone", "is not a valid phone number")])
    if email is None and phone is None:
        return None
    found = None
    if email is not None:
        found = await Customer.filter(merchant_id=merchant_id, email=email).using_db(conn).first()
    if found is None:
        found = await Customer.create(
            merchant_id=merchant_id,
            email=email,
            phone=phone,
            name=given.get("name", ""),
            locale=given.get("locale"),
            country=(body.get("shipping_address") or {}).get("country"),
            using_db=conn,
        )
        await _consent(found, given, conn)
        return found
    changes = {
        k: v
        for k, v in (("phone", phone), ("name", given.get("name")), ("locale", given.get("locale")))
        if v and not getattr(found, k)
    }
    if changes:
        await Customer.filter(id=found.id).using_db(conn).update(**changes)
        for k, v in changes.items():
            setattr(found, k, v)
    await _consent(found, given, conn)
    return found


async def _consent(customer: Customer, given: dict[str, Any], conn: Any) -> None:
    """The consent the shop's checkout collected, recorded with its source."""
    for field, channel in (
        ("email_consent", Channel.EMAIL),
        ("sms_consent", Channel.SMS),
        ("whatsapp_consent", Channel.WHATSAPP),
    ):
        if field in given:
            await consent.record(
                [customer], channel, bool(given[field]), ConsentSource.API, conn=conn
            )


async def create_order(call: Call) -> Reply:
    body = call.body
    number = body["number"]
    address = body.get("shipping_address") or {}
    try:
        preferences = delivery_preferences.clean(body.get("delivery_preferences"))
    except delivery_preferences.PreferencesError as exc:
        raise invalid([FieldError(f"/delivery_preferences/{exc.field}", exc.message)]) from None
    try:
        async with in_transaction() as conn:
            if (
                await Order.filter(merchant_id=call.merchant_id, number=number)
                .using_db(conn)
                .exists()
            ):
                raise ApiError(409, f"Order {number} already exists.")
            shop = (
                await Merchant.filter(id=call.merchant_id)
                .using_db(conn)
                .only("id", "country")
                .first()
            )
            shop_country = shop.country if shop is not None else None
            customer = await _customer(call.merchant_id, body, conn, shop_country)
            order = await Order.create(
                merchant_id=call.merchant_id,
                customer=customer,
                number=number,
                email=(body.get("email") or (customer.email if customer else None) or "").lower(),
                currency=body.get("currency") or local_currency(shop_country, call.now.date()),
                placed_at=datetime.fromisoformat(body["placed_at"].replace("Z", "+00:00"))
                if body.get("placed_at")
                else call.now,
                **{f"ship_{f}": address.get(f, "") for f in ADDRESS_FIELDS},
                shipping_total=Decimal(str(body.get("shipping_total", "0"))),
                delivery_preferences=preferences,
                using_db=conn,
            )
            variant_ids = await catalogue.variant_ids_for(
                call.merchant_id, (item["sku"] for item in body["items"]), conn=conn
            )
            items = [
                await OrderItem.create(
                    order=order,
                    variant_id=variant_ids.get(item["sku"]),
                    sku=item["sku"],
                    title=item["title"],
                    quantity=int(item.get("quantity", 1)),
                    unit_price=Decimal(str(item.get("unit_price", "0"))),
                    final_sale=item.get("final_sale", False),
                    category=item.get("category"),
                    variant_options=item.get("variant_options", {}),
                    statutory_exception=item.get("statutory_exception"),
                    unsealed=bool(item.get("unsealed", False)),
                    using_db=conn,
                )
                for item in body["items"]
            ]
    except IntegrityError:
        raise ApiError(409, f"Order {number} already exists.") from None
    return Reply(
        201,
        order_json(order, items, customer),
        location=f"/api/v1/orders/{quote(number, safe='')}",
    )


async def get_order(call: Call) -> Reply:
    return Reply(200, await _load(call.merchant_id, call.path["number"]))


async def list_orders(call: Call) -> Reply:
    q = call.query
    queryset = Order.filter(merchant_id=call.merchant_id)
    if "created_after" in q:
        queryset = queryset.filter(created_at__gt=q["created_after"])
    if "created_before" in q:
        queryset = queryset.filter(created_at__lt=q["created_before"])
    if "email" in q:
        queryset = queryset.filter(email=q["email"].strip().lower())
    orders, next_cursor = await pagination.page_of_call(call, queryset, "orders")
    items_by_order: dict[int, list[OrderItem]] = {o.id: [] for o in orders}
    for item in await OrderItem.filter(order_id__in=list(items_by_order)):
        items_by_order[item.order_id].append(item)
    customer_ids = {o.customer_id for o in orders if o.customer_id}
    customers = {c.id: c for c in await Customer.filter(id__in=list(customer_ids))}
    data = [order_json(o, items_by_order[o.id], customers.get(o.customer_id)) for o in orders]
    return Reply(200, {"data": data, "next_cursor": next_cursor})


async def set_delivery_preferences(call: Call) -> Reply:
    order = await Order.get_or_none(merchant_id=call.merchant_id, number=call.path["number"])
    if order is None:
        raise not_found("order")
    try:
        await preference_changes.change(
            order, call.body, source="api", settings=call.settings, now=call.now
        )
    except delivery_preferences.PreferencesError as exc:
        raise invalid([FieldError(f"/{exc.field}", exc.message)]) from None
    return Reply(200, await _load(call.merchant_id, order.number))


_NUMBER = Param("number", string(minLength=1, maxLength=64), "The order number.", "path", True)

OPERATIONS = [
    Operation(
        "POST",
        "/orders",
        "createOrder",
        "Create an order with its items, customer contact and shipping address",
        "orders",
        create_order,
        {201: ORDER},
        body=ORDER_IN,
        errors=(409,),
    ),
    Operation(
        "GET",
        "/orders",
        "listOrders",
        "List orders, newest first",
        "orders",
        list_orders,
        {200: page_of(ORDER)},
        params=(
            Param("limit", pagination.LIMIT_PARAM),
            Param("cursor", pagination.CURSOR_PARAM),
            Param("created_after", DATE_TIME, "Only orders created after this time."),
            Param("created_before", DATE_TIME, "Only orders created before this time."),
            Param("email", string(maxLength=254), "Only orders with this e-mail address."),
        ),
    ),
    Operation(
        "GET",
        "/orders/{number}",
        "getOrder",
        "Get one order by its number",
        "orders",
        get_order,
        {200: ORDER},
        params=(_NUMBER,),
    ),
    Operation(
        "PUT",
        "/orders/{number}/delivery-preferences",
        "setOrderDeliveryPreferences",
        "Replace the customer's delivery preferences of an order",
        "orders",
        set_delivery_preferences,
        {200: ORDER},
        body=DELIVERY_PREFERENCES,
        params=(_NUMBER,),
        description="Sends `order.delivery_preferences_changed` to subscribed webhook "
        "endpoints when the preferences change (a repeat of the same choice sends nothing).",
    ),
]
