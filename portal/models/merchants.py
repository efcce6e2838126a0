"""Merchants and what belongs to them directly: staff, API keys, carrier accounts."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from portal.models.json_field import json_field


class Merchant(Model):
    """A shop. Every other row belongs to exactly one merchant."""

    id = fields.IntField(primary_key=True)
    slug = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=200)
    #: logo_path, primary_color, accent_color, support_email, support_url, support_phone
    branding: dict[str, Any] = json_field(default=dict)
    time_zone = fields.CharField(max_length=64, default="UTC")
    default_locale = fields.CharField(max_length=16, default="en")
    quiet_hours_start = fields.CharField(max_length=5, default="21:00")
    quiet_hours_end = fields.CharField(max_length=5, default="08:00")
    #: Days without a carrier update before a shipment becomes ``expired``.
    expire_after_days = fields.IntField(default=30)
    #: Months of scans, domain events, messages and webhook deliveries kept (retention).
    history_retention_months = fields.IntField(default=13)
    survey_delay_days = fields.IntField(default=2)
    #: {"custom_question": {locale: text}, "wording": {locale: {question_key: text}}}
    survey_settings: dict[str, Any] = json_field(default=dict)
    #: trigger -> list of channels, e.g. {"delivered": ["email", "sms"]}
    notification_rules: dict[str, Any] = json_field(default=dict)
    #: Channels customers may choose, in the order the shop prefers, a WhatsApp
    #: message without an approved template falls back to the next one. None: e-mail, SMS.
    channel_order: list[str] | None = json_field(null=True)
    #: Channels quiet hours hold back. None: text messages only (SMS and WhatsApp).
    quiet_hours_channels: list[str] | None = json_field(null=True)
    #: ISO 3166-1 alpha-2 of where the shop is established: EU consumer law applies by
    #: default to a shop in the EU (see ``ReturnPolicy.eu_consumer_law``).
    country = fields.CharField(max_length=2, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "merchant"

    def __str__(self) -> str:
        return self.slug


class Role(StrEnum):
    OWNER = "owner"
    STAFF = "staff"


class StaffUser(Model):
    """A person who signs in to a merchant’s workspace. Passwords are argon2id hashes."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="staff", on_delete=fields.CASCADE
    )
    merchant_id: int
    email = fields.CharField(max_length=254, unique=True)
    name = fields.CharField(max_length=200, default="")
    password_hash = fields.CharField(max_length=255)
    role = fields.CharEnumField(Role, default=Role.STAFF, max_length=16)
    is_active = fields.BooleanField(default=True)
    last_login_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "staff_user"


class ApiKey(Model):
    """A bearer key for the REST API. Only a SHA-256 of the secret part is stored."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="api_keys", on_delete=fields.CASCADE
    )
    merchant_id: int
    name = fields.CharField(max_length=200)
    #: The public, non-secret start of the key, used to find the row.
    prefix = fields.CharField(max_length=16, unique=True)
    key_hash = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    #: Rate limit (GCRA): unix time at which the key's allowance next frees up.
    rate_limit_tat = fields.FloatField(default=0)

    class Meta:
        table = "api_key"


class CarrierAccount(Model):
    """A merchant’s credentials for one carrier, encrypted at rest, with its health."""

    id = fields.IntField(primary_key=True)
    merchant: fields.ForeignKeyRelation[Merchant] = fields.ForeignKeyField(
        "models.Merchant", related_name="carrier_accounts", on_delete=fields.CASCADE
    )
    merchant_id: int
    carrier_key = fields.CharField(max_length=64)
    name = fields.CharField(max_length=200)
    credentials_encrypted = fields.TextField()
    base_url_override = fields.CharField(max_length=500, null=True)
    enabled = fields.BooleanField(default=True)
    #: Polls the shop's shipments of this carrier that name no account (at most one per carrier).
    is_default = fields.BooleanField(default=False)
    #: Set when the carrier rejected the credentials — polling stops until fixed.
    paused_reason: str | None = fields.TextField(null=True)
    rate_limited_until = fields.DatetimeField(null=True)
    circuit_open_until = fields.DatetimeField(null=True)
    consecutive_failures = fields.IntField(default=0)
    last_success_at = fields.DatetimeField(null=True)
    last_error: str | None = fields.TextField(null=True)
    last_error_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "carrier_account"
        unique_together = (("merchant", "name"),)


class IdempotencyRecord(Model):
    """A POST’s answer, kept 24 h under the Idempotency-Key its API key sent with it."""

    id = fields.BigIntField(primary_key=True)
    api_key: fields.ForeignKeyRelation[ApiKey] = fields.ForeignKeyField(
        "models.ApiKey", related_name="idempotency_records", on_delete=fields.CASCADE
    )
    api_key_id: int
    key = fields.CharField(max_length=255)
    #: SHA-256 of method, path and canonical JSON body.
    fingerprint = fields.CharField(max_length=64)
    #: Null while the first request still runs (lease_until holds the key).
    status = fields.IntField(null=True)
    media_type = fields.CharField(max_length=100, default="application/json")
    body: str | None = fields.TextField(null=True)
    location = fields.CharField(max_length=500, null=True)
    lease_until = fields.DatetimeField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "api_idempotency_record"
        unique_together = (("api_key", "key"),)
        indexes = (("created_at",),)
