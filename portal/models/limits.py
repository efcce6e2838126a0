"""Rate-limit counters shared by every process (see :mod:`portal.core.rate_limit`)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class RateLimitCount(Model):
    """Units one key spent in one window of one limit (``scope``: sign-in, lookups…).

    One row per (scope, key, window start), counted up by an atomic upsert, so any number of
    web processes share each limit. Rows past ``expires_at`` no longer count and are purged.
    """

    id = fields.BigIntField(primary_key=True)
    scope = fields.CharField(max_length=32)
    key = fields.CharField(max_length=300)
    window_start = fields.BigIntField(description="Unix time (seconds) the window opened.")
    count = fields.IntField(default=0)
    expires_at = fields.BigIntField(description="Unix time after which the row no longer counts.")

    class Meta:
        table = "rate_limit_count"
        unique_together = (("scope", "key", "window_start"),)
        indexes = (("expires_at",),)


class MaintenanceRun(Model):
    """When a once-a-day maintenance task (``retention``) last started, shared by workers.

    A worker claims a run with a conditional update (exactly one row changed: it is
    ours), so several workers never repeat the same day's run.
    """

    name = fields.CharField(max_length=64, primary_key=True)
    started_at = fields.DatetimeField()

    class Meta:
        table = "maintenance_run"
