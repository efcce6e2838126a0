"""The attention queue: ``attention_item``, one row per episode that needs a person (late,
stuck, exception, failed attempt, returned to sender, unhappy answer, claim), unique per
merchant by its episode key."""

import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from portal.models.attention import AttentionKind


class Migration(migrations.Migration):
    dependencies = [("models", "0014_outbox_in_flight")]

    initial = False

    operations = [
        ops.CreateModel(
            name="AttentionItem",
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
                        related_name="attention_items",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="LATE: late\nSTUCK: stuck\nEXCEPTION: exception\nFAILED_ATTEMPT: failed_attempt\nRETURNED_TO_SENDER: returned_to_sender\nUNHAPPY_ANSWER: unhappy_answer\nCLAIM: claim",
                        enum_type=AttentionKind,
                        max_length=32,
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
                        related_name="attention_items",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "survey",
                    fields.ForeignKeyField(
                        "models.Survey",
                        source_field="survey_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="attention_items",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "carrier_key",
                    fields.CharField(
                        null=True,
                        description="The shipment's carrier, copied for the queue's filter.",
                        max_length=64,
                    ),
                ),
                (
                    "since",
                    fields.DatetimeField(
                        description="When the episode started.",
                        auto_now=False,
                        auto_now_add=False,
                    ),
                ),
                (
                    "episode",
                    fields.CharField(
                        description="``kind:subject:id:since``: one row per episode.",
                        max_length=160,
                    ),
                ),
                (
                    "detail",
                    fields.JSONField(
                        default=dict,
                        description="What the cause said (reason, score, question).",
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("opened_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "closed_at",
                    fields.DatetimeField(
                        null=True,
                        description="The episode ended on its own (delivered, moving again).",
                        auto_now=False,
                        auto_now_add=False,
                    ),
                ),
                (
                    "resolved_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "resolved_by",
                    fields.CharField(
                        null=True,
                        description="Who resolved it: a staff user's e-mail or ``API key <name>``.",
                        max_length=200,
                    ),
                ),
                (
                    "carrier_contacted_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("carrier_contacted_by", fields.CharField(null=True, max_length=200)),
            ],
            options={
                "table": "attention_item",
                "app": "models",
                "unique_together": (("merchant", "episode"),),
                "indexes": [
                    Index(fields=["merchant_id", "closed_at", "resolved_at"]),
                    Index(fields=["shipment_id", "kind"]),
                ],
                "pk_attr": "id",
                "table_description": "One episode that needs a person.",
            },
            bases=["Model"],
        ),
    ]
