"""Customers, orders, their items and the product variants an exchange can switch to."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from portal.models.json_field import json_field
from portal.models.merchants import Merchant


class Customer(Model):
    """Someone who bought from a merchant — holds contact details and channel consent."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="customers", on_delete=fields.CASCADE
    )
    merchant_id: int
    email = fields.CharField(max_length=254, null=True)
    #: E.164, normalised with phonenumbers on the way in.
    phone = fields.CharField(max_length=20, null=True)
    name = fields.CharField(max_length=200, default="")
    locale = fields.CharField(max_length=16, null=True)
    time_zone = fields.CharField(max_length=64, null=True)
    country = fields.CharField(max_length=2, null=True)
    email_opt_in = fields.BooleanField(default=True)
    sms_opt_in = fields.BooleanField(default=False)
    #: WhatsApp needs the customer's opt-in, as text messages do.
    whatsapp_opt_in = fields.BooleanField(default=False)
    #: Until when WhatsApp's 24-hour customer-service window is open (the customer wrote
    #: to us): inside it, free text may be sent without an approved template.
    whatsapp_window_until = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "customer"
        unique_together = (("merchant", "email"),)


class Order(Model):
    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="orders", on_delete=fields.CASCADE
    )
    merchant_id: int
    customer: fields.ForeignKeyNullableRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="orders", null=True, on_delete=fields.SET_NULL
    )
    customer_id: int | None
    number = fields.CharField(max_length=64)
    email = fields.CharField(max_length=254, default="")
    currency = fields.CharField(max_length=3, default="USD")
    placed_at = fields.DatetimeField()
    ship_name = fields.CharField(max_length=200, default="")
    ship_line1 = fields.CharField(max_length=200, default="")
    ship_line2 = fields.CharField(max_length=200, default="")
    ship_city = fields.CharField(max_length=100, default="")
    ship_region = fields.CharField(max_length=100, default="")
    ship_postal_code = fields.CharField(max_length=20, default="")
    ship_country = fields.CharField(max_length=2, default="")
    #: The channels the customer chose for this order's messages (None: the shop's own).
    channels: list[str] | None = json_field(null=True)
    #: What the customer paid for standard outbound delivery (refunded on withdrawal).
    shipping_total = fields.DecimalField(max_digits=12, decimal_places=2, default=0)
    #: The customer's delivery choice (:mod:`portal.core.delivery_preferences`): home,
    #: locker or pickup point, safe place, instructions, preferred days.
    delivery_preferences: dict[str, Any] | None = json_field(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "orders"
        unique_together = (("merchant", "number"),)


class ProductVariant(Model):
    """A sellable variant with stock — exchanges reserve stock here."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="variants", on_delete=fields.CASCADE
    )
    merchant_id: int
    #: Groups the variants of one product (exchange only within a product).
    product_ref = fields.CharField(max_length=100)
    sku = fields.CharField(max_length=100)
    title = fields.CharField(max_length=300)
    options: dict[str, Any] = json_field(default=dict)
    price = fields.DecimalField(max_digits=12, decimal_places=2)
    stock = fields.IntField(default=0)
    reserved = fields.IntField(default=0)
    #: A picture of this variant the shop hosts (shown when a customer picks a swap).
    image_url = fields.CharField(max_length=500, null=True)

    class Meta:
        table = "product_variant"
        unique_together = (("merchant", "sku"),)


class OrderItem(Model):
    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="items", on_delete=fields.CASCADE
    )
    order_id: int
    variant: fields.ForeignKeyNullableRelation[ProductVariant] = fields.ForeignKeyField(
        "models.ProductVariant", related_name="order_items", null=True, on_delete=fields.SET_NULL
    )
    variant_id: int | None
    sku = fields.CharField(max_length=100)
    title = fields.CharField(max_length=300)
    variant_options: dict[str, Any] = json_field(default=dict)
    quantity = fields.IntField(default=1)
    unit_price = fields.DecimalField(max_digits=12, decimal_places=2)
    final_sale = fields.BooleanField(default=False)
    category = fields.CharField(max_length=100, null=True)
    #: A statutory exception to the right of withdrawal (Art. 16 of Directive 2011/83/EU),
    #: distinct from the shop's own "final sale": ``sealed_hygiene``,
    #: ``made_to_specification`` or ``perishable`` (see portal.returns.withdrawal).
    statutory_exception = fields.CharField(max_length=32, null=True)
    #: A sealed hygiene item the customer unsealed after delivery (only then excepted).
    unsealed = fields.BooleanField(default=False)

    class Meta:
        table = "order_item"
