"""What every store platform hands the sync engine, whatever its API looks like.

A platform module (``shopify``, ``woocommerce``) turns its documented JSON into these plain
records with pure functions; :mod:`portal.platforms.sync` writes them into the portal's own
orders, customers, catalogue and shipments. Keeping the shapes here means the engine never
reads a platform's JSON and a third platform is one more module, not another engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Generic, TypeVar

T = TypeVar("T")


class PlatformError(Exception):
    """A store call that failed; the message is shown to the merchant as the last error."""


class Revoked(PlatformError):
    """The store refused the credentials (401/403): the connection pauses until fixed."""


class Unavailable(PlatformError):
    """The store kept failing (5xx, 429, network) after every retry."""


@dataclass(frozen=True, slots=True)
class ShopCustomer:
    external_id: str | None
    email: str | None
    phone: str | None
    name: str
    #: The marketing consent the store holds; None when it says nothing.
    email_consent: bool | None = None
    sms_consent: bool | None = None


@dataclass(frozen=True, slots=True)
class ShopItem:
    external_id: str
    sku: str
    title: str
    quantity: int
    unit_price: Decimal
    options: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ShopParcel:
    """One tracking number of a fulfilment (a fulfilment may carry several)."""

    fulfilment_id: str
    tracking_number: str
    #: The carrier as the store names it ("UPS", "DHL Express"), mapped to our keys.
    carrier_name: str | None
    #: The store's ids of the order line items the fulfilment ships (Shopify: all of a
    #: webhook's, the first of a synced order's): an exchange's line items send the parcel
    #: to Doorstep's replacement order (:func:`portal.platforms.sync.apply_parcels`).
    line_items: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ShopAddress:
    name: str = ""
    line1: str = ""
    line2: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""


@dataclass(frozen=True, slots=True)
class ShopOrder:
    external_id: str
    number: str
    email: str
    currency: str
    placed_at: datetime
    updated_at: datetime | None
    customer: ShopCustomer | None
    address: ShopAddress
    items: list[ShopItem]
    #: None when the store did not include fulfilments (WooCommerce without tracking meta).
    parcels: list[ShopParcel] | None
    cancelled_at: datetime | None = None
    #: The store's own words: "PAID", "PARTIALLY_REFUNDED", "refunded", "cancelled" …
    financial_status: str = ""
    refunded: Decimal = Decimal("0")
    #: What the customer paid for delivery (tax included): a withdrawal from the whole
    #: order refunds it (Directive 2011/83/EU, Art. 13), and claims count it.
    shipping_total: Decimal = Decimal("0")
    #: The language the customer ordered in, as a shipped language (``ru``), or None when
    #: the store does not say or speaks one we do not ship: the shop's language applies.
    #: It only fills a customer's empty language (:func:`portal.platforms.sync._customers`).
    locale: str | None = None


@dataclass(frozen=True, slots=True)
class ShopVariant:
    external_id: str
    sku: str
    price: Decimal
    stock: int | None
    options: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ShopProduct:
    external_id: str
    #: The product's reference here (``product_ref``): the store's handle or SKU.
    ref: str
    title: str
    updated_at: datetime | None
    variants: list[ShopVariant]


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing and where the next starts (None: this was the last)."""

    records: list[T]
    next: str | None


@dataclass(frozen=True, slots=True)
class Journal:
    """What a store's event journal listed after the last entry read (BaseLinker's
    ``getJournalList``): the orders with an event, those among them whose packages
    changed, and the entry to read after next time. ``answered`` is False when the store
    answered the journal with an error (not available for the account)."""

    answered: bool
    last_id: int | None
    orders: frozenset[str] = frozenset()
    packages: frozenset[str] = frozenset()
    error: str = ""
