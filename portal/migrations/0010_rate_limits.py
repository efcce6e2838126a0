"""One table of rate-limit counters for every limit that must hold across processes.

``rate_limit_count`` keeps units per (scope, key, window start), counted up by
``INSERT … ON CONFLICT DO UPDATE … RETURNING`` (SQLite and PostgreSQL alike). Sign-in
failures move into it, so ``sign_in_attempt`` goes: its rows only ever mattered for 15
minutes, so nothing is carried over.
"""

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0009_credit_ledger")]

    initial = False

    operations = [
        ops.CreateModel(
            name="RateLimitCount",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("scope", fields.CharField(max_length=32)),
                ("key", fields.CharField(max_length=300)),
                (
                    "window_start",
                    fields.BigIntField(description="Unix time (seconds) the window opened."),
                ),
                ("count", fields.IntField(default=0)),
                (
                    "expires_at",
                    fields.BigIntField(
                        description="Unix time after which the row no longer counts."
                    ),
                ),
            ],
            options={
                "table": "rate_limit_count",
                "app": "models",
                "unique_together": (("scope", "key", "window_start"),),
                "indexes": [Index(fields=["expires_at"])],
                "pk_attr": "id",
                "table_description": (
                    "Units one key spent in one window of one limit (``scope``: sign-in, lookups…)."
                ),
            },
            bases=["Model"],
        ),
        ops.DeleteModel(name="SignInAttempt"),
    ]
