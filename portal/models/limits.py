"""Rate-limit counters shared by every process (see :mod:`portal.core.rate_limit`), and
the shared call schedules of carrier accounts and stores (:mod:`portal.pacing`)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from portal.models.merchants import CarrierAccount
from portal.models.platforms import PlatformConnection


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


class CarrierPace(Model):
    """The shared call schedule of one carrier account, or of one store connection whose
    platform limits its calls (BaseLinker's token), on PostgreSQL (portal/pacing.py).

    Every worker process reserves its next call to the account or store here, so the
    documented rate holds however many workers call it; ``paused_until`` is set when the
    carrier or store said slow down (429, a blocked token), and stops every worker's calls
    until then. Exactly one of ``account`` and ``connection`` is set.
    """

    id = fields.IntField(primary_key=True)
    account: fields.OneToOneNullableRelation[CarrierAccount] = fields.OneToOneField(
        "models.CarrierAccount", related_name="pace", on_delete=fields.CASCADE, null=True
    )
    account_id: int | None
    connection: fields.OneToOneNullableRelation[PlatformConnection] = fields.OneToOneField(
        "models.PlatformConnection", related_name="pace", on_delete=fields.CASCADE, null=True
    )
    connection_id: int | None
    #: The earliest moment the next call may start (the end of the last slot handed out).
    next_slot_at = fields.DatetimeField()
    paused_until = fields.DatetimeField(null=True)

    class Meta:
        table = "carrier_pace"
