import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from carriers.base import Reason, Status
from portal.models.merchants import Role
from portal.models.messaging import Channel, MessageState
from portal.models.returns import (
    Resolution,
    ReturnMethod,
    ReturnState,
    default_methods,
    default_resolutions,
)
from portal.models.surveys import Metric, Outcome
from portal.models.tracking import Direction, EventSource
from portal.models.webhooks import DeliveryState


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="Merchant",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("slug", fields.CharField(unique=True, max_length=64)),
                ("name", fields.CharField(max_length=200)),
                (
                    "branding",
                    fields.JSONField(
                        default=dict,
                        description="logo_path, primary_color, accent_color, support_email, support_url, support_phone",
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("time_zone", fields.CharField(default="UTC", max_length=64)),
                ("default_locale", fields.CharField(default="en", max_length=16)),
                ("quiet_hours_start", fields.CharField(default="21:00", max_length=5)),
                ("quiet_hours_end", fields.CharField(default="08:00", max_length=5)),
                (
                    "expire_after_days",
                    fields.IntField(
                        default=30,
                        description="Days without a carrier update before a shipment becomes ``expired``.",
                    ),
                ),
                ("survey_delay_days", fields.IntField(default=2)),
                (
                    "notification_rules",
                    fields.JSONField(
                        default=dict,
                        description='trigger -> list of channels, e.g. {"delivered": ["email", "sms"]}',
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "merchant",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A shop. Every other row belongs to exactly one merchant.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ApiKey",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "merchant",
                    fields.ForeignKeyField(
                        "models.Merchant",
                        source_field="merchant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="api_keys",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=200)),
                (
                    "prefix",
                    fields.CharField(
                        unique=True,
                        description="The public, non-secret start of the key, used to find the row.",
                        max_length=16,
                    ),
                ),
                ("key_hash", fields.CharField(max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "last_used_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "api_key",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A bearer key for the REST API. Only a SHA-256 of the secret part is stored.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CarrierAccount",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "merchant",
                    fields.ForeignKeyField(
                        "models.Merchant",
                        source_field="merchant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="carrier_accounts",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("carrier_key", fields.CharField(max_length=64)),
                ("name", fields.CharField(max_length=200)),
                ("credentials_encrypted", fields.TextField(unique=False)),
                ("base_url_override", fields.CharField(null=True, max_length=500)),
                ("enabled", fields.BooleanField(default=True)),
                (
                    "paused_reason",
                    fields.TextField(
                        null=True,
                        description="Set when the carrier rejected the credentials — polling stops until fixed.",
                        unique=False,
                    ),
                ),
                (
                    "rate_limited_until",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "circuit_open_until",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("consecutive_failures", fields.IntField(default=0)),
                (
                    "last_success_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("last_error", fields.TextField(null=True, unique=False)),
                (
                    "last_error_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "carrier_account",
                "app": "models",
                "unique_together": (("merchant", "name"),),
                "pk_attr": "id",
                "table_description": "A merchant’s credentials for one carrier, encrypted at rest, with its health.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Customer",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "merchant",
                    fields.ForeignKeyField(
                        "models.Merchant",
                        source_field="merchant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="customers",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("email", fields.CharField(null=True, max_length=254)),
                (
                    "phone",
                    fields.CharField(
                        null=True,
                        description="E.164, normalised with phonenumbers on the way in.",
                        max_length=20,
                    ),
                ),
                ("name", fields.CharField(default="", max_length=200)),
                ("locale", fields.CharField(null=True, max_length=16)),
                ("time_zone", fields.CharField(null=True, max_length=64)),
                ("country", fields.CharField(null=True, max_length=2)),
                ("email_opt_in", fields.BooleanField(default=True)),
                ("sms_opt_in", fields.BooleanField(default=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "customer",
                "app": "models",
                "unique_together": (("merchant", "email"),),
                "pk_attr": "id",
                "table_description": "Someone who bought from a merchant — holds contact details and channel consent.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="DomainEvent",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "merchant",
                    fields.ForeignKeyField(
                        "models.Merchant",
                        source_field="merchant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="domain_events",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("kind", fields.CharField(max_length=64)),
                ("subject_type", fields.CharField(max_length=32)),
                ("subject_id", fields.IntField()),
                (
                    "payload",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("occurred_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "processed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "domain_event",
                "app": "models",
                "indexes": [
                    Index(fields=["processed_at", "id"]),
                    Index(fields=["subject_type", "subject_id"]),
                ],
                "pk_attr": "id",
                "table_description": "Something that happened (``shipment.status_changed``, ``return.approved``, ...).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="NotificationTemplate",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "merchant",
                    fields.ForeignKeyField(
                        "models.Merchant",
                        source_field="merchant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="templates",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("trigger", fields.CharField(max_length=64)),
                (
                    "channel",
                    fields.CharEnumField(
                        description="EMAIL: email\nSMS: sms", enum_type=Channel, max_length=16
                    ),
                ),
                ("locale", fields.CharField(max_length=16)),
                ("subject", fields.CharField(default="", max_length=500)),
                ("body", fields.TextField(unique=False)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "notification_template",
                "app": "models",
                "unique_together": (("merchant", "trigger", "channel", "locale"),),
                "pk_attr": "id",
                "table_description": "A merchant’s override of a default template for one trigger, channel and locale.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Order",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "merchant",
                    fields.ForeignKeyField(
                        "models.Merchant",
                        source_field="merchant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="orders",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "customer",
                    fields.ForeignKeyField(
                        "models.Customer",
                        source_field="customer_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="orders",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("number", fields.CharField(max_length=64)),
                ("email", fields.CharField(default="", max_length=254)),
                ("currency", fields.CharField(default="USD", max_length=3)),
                ("placed_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("ship_name", fields.CharField(default="", max_length=200)),
                ("ship_line1", fields.CharField(default="", max_length=200)),
                ("ship_line2", fields.CharField(default="", max_length=200)),
                ("ship_city", fields.CharField(default="", max_length=100)),
                ("ship_region", fields.CharField(default="", max_length=100)),
                ("ship_postal_code", fields.CharField(default="", max_length=20)),
                ("ship_country", fields.CharField(default="", max_length=2)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "orders",
                "app": "models",
                "unique_together": (("merchant", "number"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ProductVariant",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "merchant",
                    fields.ForeignKeyField(
                        "models.Merchant",
                        source_field="merchant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="variants",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "product_ref",
                    fields.CharField(
                        description="Groups the variants of one product (exchange only within a product).",
                        max_length=100,
                    ),
                ),
                ("sku", fields.CharField(max_length=100)),
                ("title", fields.CharField(max_length=300)),
                (
                    "options",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("price", fields.DecimalField(max_digits=12, decimal_places=2)),
                ("stock", fields.IntField(default=0)),
                ("reserved", fields.IntField(default=0)),
            ],
            options={
                "table": "product_variant",
                "app": "models",
                "unique_together": (("merchant", "sku"),),
                "pk_attr": "id",
                "table_description": "A sellable variant with stock — exchanges reserve stock here.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="OrderItem",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "order",
                    fields.ForeignKeyField(
                        "models.Order",
                        source_field="order_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="items",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "variant",
                    fields.ForeignKeyField(
                        "models.ProductVariant",
                        source_field="variant_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="order_items",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("sku", fields.CharField(max_length=100)),
                ("title", fields.CharField(max_length=300)),
                (
                    "variant_options",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("quantity", fields.IntField(default=1)),
                ("unit_price", fields.DecimalField(max_digits=12, decimal_places=2)),
                ("final_sale", fields.BooleanField(default=False)),
                ("category", fields.CharField(null=True, max_length=100)),
            ],
            options={"table": "order_item", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ReturnPolicy",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "merchant",
                    fields.ForeignKeyField(
                        "models.Merchant",
                        source_field="merchant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="return_policies",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(default="Standard", max_length=200)),
                ("is_active", fields.BooleanField(default=True)),
                (
                    "window_days",
                    fields.IntField(
                        default=30, description="Counted from the carrier’s delivered time."
                    ),
                ),
                (
                    "no_scan_margin_days",
                    fields.IntField(
                        default=7,
                        description="Without a delivery scan: ship date + this margin starts the window.",
                    ),
                ),
                (
                    "ineligible_categories",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "final_sale_categories",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "resolutions",
                    fields.JSONField(
                        default=default_resolutions,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "store_credit_bonus_percent",
                    fields.DecimalField(default=0, max_digits=5, decimal_places=2),
                ),
                (
                    "keep_item_threshold",
                    fields.DecimalField(null=True, max_digits=12, decimal_places=2),
                ),
                (
                    "return_shipping_fee",
                    fields.DecimalField(default=0, max_digits=12, decimal_places=2),
                ),
                (
                    "restocking_fee_percent",
                    fields.DecimalField(default=0, max_digits=5, decimal_places=2),
                ),
                (
                    "fee_waivers",
                    fields.JSONField(
                        default=dict,
                        description='e.g. {"exchange": true, "reasons": ["damaged", "wrong_item"]}',
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "auto_approve_rules",
                    fields.JSONField(
                        default=dict,
                        description='e.g. {"reasons": [...], "max_value": "100.00", "max_returns_per_customer": 3}',
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "methods",
                    fields.JSONField(
                        default=default_methods,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("label_expiry_days", fields.IntField(default=14)),
                (
                    "reserve_stock_at",
                    fields.CharField(
                        default="approval",
                        description='"approval" or "receipt": when an exchange reserves stock.',
                        max_length=16,
                    ),
                ),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "return_policy",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A merchant’s rules for returns — the active one applies to new requests.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ReturnReason",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "merchant",
                    fields.ForeignKeyField(
                        "models.Merchant",
                        source_field="merchant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="return_reasons",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "parent",
                    fields.ForeignKeyField(
                        "models.ReturnReason",
                        source_field="parent_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="children",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("code", fields.CharField(max_length=64)),
                (
                    "labels",
                    fields.JSONField(
                        default=dict,
                        description="locale -> label",
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("requires_photo", fields.BooleanField(default=False)),
                ("requires_comment", fields.BooleanField(default=False)),
                ("waives_fees", fields.BooleanField(default=False)),
                ("position", fields.IntField(default=0)),
                ("active", fields.BooleanField(default=True)),
            ],
            options={
                "table": "return_reason",
                "app": "models",
                "unique_together": (("merchant", "code"),),
                "pk_attr": "id",
                "table_description": 'A reason a customer can pick — ``parent`` nests them ("Doesn’t fit" → "Too small").',
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Shipment",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "merchant",
                    fields.ForeignKeyField(
                        "models.Merchant",
                        source_field="merchant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="shipments",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "order",
                    fields.ForeignKeyField(
                        "models.Order",
                        source_field="order_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="shipments",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "carrier_account",
                    fields.ForeignKeyField(
                        "models.CarrierAccount",
                        source_field="carrier_account_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="shipments",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("carrier_key", fields.CharField(max_length=64)),
                (
                    "carrier_pinned",
                    fields.BooleanField(
                        default=False,
                        description="True when a person chose the carrier, so detection never overrides it.",
                    ),
                ),
                ("tracking_number", fields.CharField(max_length=64)),
                (
                    "direction",
                    fields.CharEnumField(
                        default=Direction.OUTBOUND,
                        description="OUTBOUND: outbound\nRETURN: return",
                        enum_type=Direction,
                        max_length=16,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=Status.PENDING,
                        description="PENDING: pending\nINFO_RECEIVED: info_received\nIN_TRANSIT: in_transit\nOUT_FOR_DELIVERY: out_for_delivery\nFAILED_ATTEMPT: failed_attempt\nAVAILABLE_FOR_PICKUP: available_for_pickup\nDELIVERED: delivered\nEXCEPTION: exception\nRETURNED_TO_SENDER: returned_to_sender\nEXPIRED: expired",
                        enum_type=Status,
                        max_length=32,
                    ),
                ),
                (
                    "reason",
                    fields.CharEnumField(
                        null=True,
                        description="ADDRESS_ISSUE: address_issue\nRECIPIENT_UNAVAILABLE: recipient_unavailable\nREFUSED: refused\nDAMAGED: damaged\nLOST: lost\nCUSTOMS_HOLD: customs_hold\nWEATHER_DELAY: weather_delay\nCARRIER_DELAY: carrier_delay\nHELD_AT_CARRIER: held_at_carrier\nUNKNOWN: unknown",
                        enum_type=Reason,
                        max_length=32,
                    ),
                ),
                ("estimated_delivery", fields.DateField(null=True)),
                (
                    "eta_window_start",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "eta_window_end",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "first_estimated_delivery",
                    fields.DateField(
                        null=True,
                        description="The first ETA we ever saw: on-time analytics measure against it.",
                    ),
                ),
                ("shipped_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "delivered_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("signed_by", fields.CharField(null=True, max_length=200)),
                ("carrier_url", fields.CharField(null=True, max_length=500)),
                (
                    "last_event_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "last_polled_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "next_poll_at",
                    fields.DatetimeField(
                        null=True, db_index=True, auto_now=False, auto_now_add=False
                    ),
                ),
                (
                    "poll_failures",
                    fields.IntField(
                        default=0,
                        description="Consecutive failed polls of this shipment (drives its backoff).",
                    ),
                ),
                ("last_error", fields.TextField(null=True, unique=False)),
                (
                    "refresh_lease_until",
                    fields.DatetimeField(
                        null=True,
                        description="Lease that collapses concurrent on-demand refreshes into one carrier call.",
                        auto_now=False,
                        auto_now_add=False,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "shipment",
                "app": "models",
                "unique_together": (("merchant", "carrier_key", "tracking_number"),),
                "indexes": [
                    Index(fields=["merchant_id", "status"]),
                    Index(fields=["tracking_number"]),
                ],
                "pk_attr": "id",
                "table_description": "One parcel with one tracking number — its status is the latest carrier picture.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="OutboxMessage",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "merchant",
                    fields.ForeignKeyField(
                        "models.Merchant",
                        source_field="merchant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="messages",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "customer",
                    fields.ForeignKeyField(
                        "models.Customer",
                        source_field="customer_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="messages",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "shipment",
                    fields.ForeignKeyField(
                        "models.Shipment",
                        source_field="shipment_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="messages",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "channel",
                    fields.CharEnumField(
                        description="EMAIL: email\nSMS: sms", enum_type=Channel, max_length=16
                    ),
                ),
                ("recipient", fields.CharField(max_length=254)),
                ("trigger", fields.CharField(max_length=64)),
                (
                    "unique_key",
                    fields.CharField(
                        unique=True,
                        description='(subject, trigger, channel) — e.g. "shipment:12:delivered:email".',
                        max_length=255,
                    ),
                ),
                ("locale", fields.CharField(default="en", max_length=16)),
                ("subject", fields.CharField(default="", max_length=500)),
                ("body_text", fields.TextField(default="", unique=False)),
                ("body_html", fields.TextField(null=True, unique=False)),
                (
                    "state",
                    fields.CharEnumField(
                        default=MessageState.PENDING,
                        description="PENDING: pending\nSENDING: sending\nSENT: sent\nDELIVERED: delivered\nFAILED: failed\nCANCELLED: cancelled",
                        enum_type=MessageState,
                        max_length=16,
                    ),
                ),
                ("attempts", fields.IntField(default=0)),
                ("scheduled_for", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "lease_until",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("sent_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("provider_id", fields.CharField(null=True, db_index=True, max_length=100)),
                (
                    "delivery_status",
                    fields.CharField(
                        null=True,
                        description="Provider’s delivery receipt (Twilio MessageStatus, SMTP reply).",
                        max_length=32,
                    ),
                ),
                ("error", fields.TextField(null=True, unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "outbox_message",
                "app": "models",
                "indexes": [Index(fields=["state", "scheduled_for"])],
                "pk_attr": "id",
                "table_description": "A message to send, written with its cause — ``unique_key`` forbids a second copy.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ReturnRequest",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "merchant",
                    fields.ForeignKeyField(
                        "models.Merchant",
                        source_field="merchant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="returns",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "order",
                    fields.ForeignKeyField(
                        "models.Order",
                        source_field="order_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="returns",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "customer",
                    fields.ForeignKeyField(
                        "models.Customer",
                        source_field="customer_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="returns",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "number",
                    fields.CharField(description="The customer-facing RMA number.", max_length=32),
                ),
                (
                    "state",
                    fields.CharEnumField(
                        default=ReturnState.REQUESTED,
                        description="REQUESTED: requested\nAPPROVED: approved\nREJECTED: rejected\nNEEDS_REVIEW: needs_review\nAWAITING_SHIPMENT: awaiting_shipment\nIN_TRANSIT: in_transit\nRECEIVED: received\nINSPECTED: inspected\nRESOLVED: resolved\nCLOSED: closed\nCANCELLED: cancelled\nEXPIRED: expired",
                        enum_type=ReturnState,
                        max_length=20,
                    ),
                ),
                (
                    "method",
                    fields.CharEnumField(
                        null=True,
                        description="DROP_OFF_LABEL: drop_off_label\nDROP_OFF_QR: drop_off_qr\nCARRIER_PICKUP: carrier_pickup\nIN_STORE: in_store",
                        enum_type=ReturnMethod,
                        max_length=20,
                    ),
                ),
                (
                    "return_shipment",
                    fields.ForeignKeyField(
                        "models.Shipment",
                        source_field="return_shipment_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="return_requests",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "label_expires_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("currency", fields.CharField(default="USD", max_length=3)),
                ("refund_total", fields.DecimalField(default=0, max_digits=12, decimal_places=2)),
                ("credit_total", fields.DecimalField(default=0, max_digits=12, decimal_places=2)),
                ("fees_total", fields.DecimalField(default=0, max_digits=12, decimal_places=2)),
                ("customer_note", fields.TextField(default="", unique=False)),
                ("merchant_note", fields.TextField(default="", unique=False)),
                (
                    "submission_key",
                    fields.CharField(
                        null=True,
                        unique=True,
                        description="Makes a double submission of the same form create one request.",
                        max_length=64,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                (
                    "resolved_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "return_request",
                "app": "models",
                "unique_together": (("merchant", "number"),),
                "indexes": [Index(fields=["merchant_id", "state"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ReturnItem",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "return_request",
                    fields.ForeignKeyField(
                        "models.ReturnRequest",
                        source_field="return_request_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="items",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "order_item",
                    fields.ForeignKeyField(
                        "models.OrderItem",
                        source_field="order_item_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="return_items",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("quantity", fields.IntField(default=1)),
                (
                    "reason",
                    fields.ForeignKeyField(
                        "models.ReturnReason",
                        source_field="reason_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="items",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("comment", fields.TextField(default="", unique=False)),
                (
                    "photo_path",
                    fields.CharField(
                        null=True,
                        description="Stored outside the web root — served only through an authorised view.",
                        max_length=500,
                    ),
                ),
                (
                    "resolution",
                    fields.CharEnumField(
                        description="REFUND: refund\nSTORE_CREDIT: store_credit\nEXCHANGE: exchange\nKEEP_ITEM: keep_item",
                        enum_type=Resolution,
                        max_length=20,
                    ),
                ),
                (
                    "exchange_variant",
                    fields.ForeignKeyField(
                        "models.ProductVariant",
                        source_field="exchange_variant_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="exchange_items",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("amount", fields.DecimalField(default=0, max_digits=12, decimal_places=2)),
                ("condition", fields.CharField(null=True, max_length=32)),
                ("restock", fields.BooleanField(null=True)),
                (
                    "inspected_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={"table": "return_item", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Exchange",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "return_item",
                    fields.OneToOneField(
                        "models.ReturnItem",
                        source_field="return_item_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="exchange",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "new_variant",
                    fields.ForeignKeyField(
                        "models.ProductVariant",
                        source_field="new_variant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="exchanges",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "outbound_order",
                    fields.ForeignKeyField(
                        "models.Order",
                        source_field="outbound_order_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="exchanges",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "outbound_shipment",
                    fields.ForeignKeyField(
                        "models.Shipment",
                        source_field="outbound_shipment_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="exchanges",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "price_difference",
                    fields.DecimalField(
                        default=0,
                        description="Positive: the customer pays more — negative: refunded the difference.",
                        max_digits=12,
                        decimal_places=2,
                    ),
                ),
                ("stock_reserved", fields.BooleanField(default=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "exchange",
                "app": "models",
                "pk_attr": "id",
                "table_description": "An exchange of one returned item for another variant, with its outbound shipment.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ReturnTransition",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "return_request",
                    fields.ForeignKeyField(
                        "models.ReturnRequest",
                        source_field="return_request_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="transitions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "from_state",
                    fields.CharEnumField(
                        null=True,
                        description="REQUESTED: requested\nAPPROVED: approved\nREJECTED: rejected\nNEEDS_REVIEW: needs_review\nAWAITING_SHIPMENT: awaiting_shipment\nIN_TRANSIT: in_transit\nRECEIVED: received\nINSPECTED: inspected\nRESOLVED: resolved\nCLOSED: closed\nCANCELLED: cancelled\nEXPIRED: expired",
                        enum_type=ReturnState,
                        max_length=20,
                    ),
                ),
                (
                    "to_state",
                    fields.CharEnumField(
                        description="REQUESTED: requested\nAPPROVED: approved\nREJECTED: rejected\nNEEDS_REVIEW: needs_review\nAWAITING_SHIPMENT: awaiting_shipment\nIN_TRANSIT: in_transit\nRECEIVED: received\nINSPECTED: inspected\nRESOLVED: resolved\nCLOSED: closed\nCANCELLED: cancelled\nEXPIRED: expired",
                        enum_type=ReturnState,
                        max_length=20,
                    ),
                ),
                (
                    "actor",
                    fields.CharField(
                        description='"customer", "system", "carrier" or "staff:<id>"', max_length=64
                    ),
                ),
                ("note", fields.TextField(default="", unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "return_transition",
                "app": "models",
                "pk_attr": "id",
                "table_description": "Every state change of a return, with who made it and when (audit trail).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="StaffUser",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "merchant",
                    fields.ForeignKeyField(
                        "models.Merchant",
                        source_field="merchant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="staff",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("email", fields.CharField(unique=True, max_length=254)),
                ("name", fields.CharField(default="", max_length=200)),
                ("password_hash", fields.CharField(max_length=255)),
                (
                    "role",
                    fields.CharEnumField(
                        default=Role.STAFF,
                        description="OWNER: owner\nSTAFF: staff",
                        enum_type=Role,
                        max_length=16,
                    ),
                ),
                ("is_active", fields.BooleanField(default=True)),
                (
                    "last_login_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "staff_user",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A person who signs in to a merchant’s workspace. Passwords are argon2id hashes.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Survey",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "merchant",
                    fields.ForeignKeyField(
                        "models.Merchant",
                        source_field="merchant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="surveys",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "customer",
                    fields.ForeignKeyField(
                        "models.Customer",
                        source_field="customer_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="surveys",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "shipment",
                    fields.ForeignKeyField(
                        "models.Shipment",
                        source_field="shipment_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="surveys",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "return_request",
                    fields.ForeignKeyField(
                        "models.ReturnRequest",
                        source_field="return_request_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="surveys",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "outcome",
                    fields.CharEnumField(
                        description="SMOOTH: smooth\nLATE: late\nFAILED_ATTEMPT: failed_attempt\nEXCEPTION: exception\nLOST_OR_DAMAGED: lost_or_damaged\nRETURN: return\nEXCHANGE: exchange",
                        enum_type=Outcome,
                        max_length=20,
                    ),
                ),
                (
                    "questions",
                    fields.JSONField(
                        default=list,
                        description='Ordered question keys asked, e.g. ["ces_delivery", "csat_delivery"].',
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("locale", fields.CharField(default="en", max_length=16)),
                (
                    "token_hash",
                    fields.CharField(
                        unique=True,
                        description="SHA-256 of the single-use token in the link.",
                        max_length=64,
                    ),
                ),
                ("sent_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("opened_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "completed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "survey",
                "app": "models",
                "indexes": [
                    Index(fields=["merchant_id", "created_at"]),
                    Index(fields=["customer_id", "created_at"]),
                ],
                "pk_attr": "id",
                "table_description": "One survey for one outcome — opened through a signed, single-use link.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SurveyAnswer",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "merchant",
                    fields.ForeignKeyField(
                        "models.Merchant",
                        source_field="merchant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="survey_answers",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "survey",
                    fields.ForeignKeyField(
                        "models.Survey",
                        source_field="survey_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="answers",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("question", fields.CharField(max_length=64)),
                (
                    "metric",
                    fields.CharEnumField(
                        description="CSAT: csat\nNPS: nps\nCES: ces\nCUSTOM: custom",
                        enum_type=Metric,
                        max_length=16,
                    ),
                ),
                ("score", fields.SmallIntField(null=True)),
                ("comment", fields.TextField(null=True, unique=False)),
                ("carrier_key", fields.CharField(null=True, max_length=64)),
                (
                    "outcome",
                    fields.CharEnumField(
                        description="SMOOTH: smooth\nLATE: late\nFAILED_ATTEMPT: failed_attempt\nEXCEPTION: exception\nLOST_OR_DAMAGED: lost_or_damaged\nRETURN: return\nEXCHANGE: exchange",
                        enum_type=Outcome,
                        max_length=20,
                    ),
                ),
                ("return_reason", fields.CharField(null=True, max_length=64)),
                ("answered_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "survey_answer",
                "app": "models",
                "unique_together": (("survey", "question"),),
                "indexes": [Index(fields=["merchant_id", "metric", "answered_at"])],
                "pk_attr": "id",
                "table_description": "One answer — carrier, outcome and return reason are copied in so analytics need no joins.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="TrackingEvent",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "shipment",
                    fields.ForeignKeyField(
                        "models.Shipment",
                        source_field="shipment_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="events",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("occurred_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "status",
                    fields.CharEnumField(
                        description="PENDING: pending\nINFO_RECEIVED: info_received\nIN_TRANSIT: in_transit\nOUT_FOR_DELIVERY: out_for_delivery\nFAILED_ATTEMPT: failed_attempt\nAVAILABLE_FOR_PICKUP: available_for_pickup\nDELIVERED: delivered\nEXCEPTION: exception\nRETURNED_TO_SENDER: returned_to_sender\nEXPIRED: expired",
                        enum_type=Status,
                        max_length=32,
                    ),
                ),
                (
                    "reason",
                    fields.CharEnumField(
                        null=True,
                        description="ADDRESS_ISSUE: address_issue\nRECIPIENT_UNAVAILABLE: recipient_unavailable\nREFUSED: refused\nDAMAGED: damaged\nLOST: lost\nCUSTOMS_HOLD: customs_hold\nWEATHER_DELAY: weather_delay\nCARRIER_DELAY: carrier_delay\nHELD_AT_CARRIER: held_at_carrier\nUNKNOWN: unknown",
                        enum_type=Reason,
                        max_length=32,
                    ),
                ),
                ("carrier_code", fields.CharField(default="", max_length=64)),
                ("description", fields.TextField(default="", unique=False)),
                ("city", fields.CharField(null=True, max_length=100)),
                ("region", fields.CharField(null=True, max_length=100)),
                ("postal_code", fields.CharField(null=True, max_length=20)),
                ("country", fields.CharField(null=True, max_length=2)),
                (
                    "dedupe_key",
                    fields.CharField(
                        description="carrier code + time + place: the same scan seen twice is stored once.",
                        max_length=255,
                    ),
                ),
                (
                    "source",
                    fields.CharEnumField(
                        default=EventSource.POLL,
                        description="POLL: poll\nPUSH: push\nREFRESH: refresh\nIMPORT: import\nMANUAL: manual",
                        enum_type=EventSource,
                        max_length=16,
                    ),
                ),
                ("recorded_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "tracking_event",
                "app": "models",
                "unique_together": (("shipment", "dedupe_key"),),
                "indexes": [Index(fields=["shipment_id", "occurred_at"])],
                "pk_attr": "id",
                "table_description": "A carrier scan as normalised, kept with the carrier’s own code and text.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WebhookEndpoint",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "merchant",
                    fields.ForeignKeyField(
                        "models.Merchant",
                        source_field="merchant_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="webhook_endpoints",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("url", fields.CharField(max_length=500)),
                ("description", fields.CharField(default="", max_length=200)),
                (
                    "secret_encrypted",
                    fields.TextField(
                        description="Signing secret, encrypted like carrier credentials.",
                        unique=False,
                    ),
                ),
                (
                    "topics",
                    fields.JSONField(
                        default=list,
                        description='e.g. ["shipment.status_changed", "return.*"]',
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("enabled", fields.BooleanField(default=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={"table": "webhook_endpoint", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WebhookDelivery",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "endpoint",
                    fields.ForeignKeyField(
                        "models.WebhookEndpoint",
                        source_field="endpoint_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="deliveries",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "event",
                    fields.ForeignKeyField(
                        "models.DomainEvent",
                        source_field="event_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="webhook_deliveries",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("topic", fields.CharField(max_length=64)),
                (
                    "payload",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "state",
                    fields.CharEnumField(
                        default=DeliveryState.PENDING,
                        description="PENDING: pending\nDELIVERED: delivered\nFAILED: failed",
                        enum_type=DeliveryState,
                        max_length=16,
                    ),
                ),
                ("attempts", fields.IntField(default=0)),
                ("next_attempt_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "lease_until",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("response_status", fields.IntField(null=True)),
                ("response_excerpt", fields.TextField(null=True, unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "delivered_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "webhook_delivery",
                "app": "models",
                "unique_together": (("endpoint", "event"),),
                "indexes": [Index(fields=["state", "next_attempt_at"])],
                "pk_attr": "id",
                "table_description": "One event sent (or to be sent) to one endpoint — retried with backoff.",
            },
            bases=["Model"],
        ),
    ]
