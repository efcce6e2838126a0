"""Reading and acting on the attention queue, always for one merchant.

The workspace screen, its navigation counts, the workspace home and the API all read the
open items through here, so "open" means the same everywhere: neither resolved by a person
nor ended by its episode. Actions record who acted and when; acting on another merchant's
item, or on one already resolved, changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.functions import Count
from tortoise.queryset import QuerySet

from portal.models import AttentionItem, AttentionKind

#: The age filter's choices: days since the episode started.
AGES: tuple[int, ...] = (1, 3, 7)
_KINDS = frozenset(k.value for k in AttentionKind)


def open_items(merchant_id: int) -> QuerySet[AttentionItem]:
    return AttentionItem.filter(merchant_id=merchant_id, closed_at=None, resolved_at=None)


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """The screen's and the API's filters; empty means any."""

    kind: AttentionKind | None = None
    carrier_key: str | None = None
    #: Only items whose episode started at least this many days ago.
    older_than_days: int | None = None

    @classmethod
    def parse(cls, params: Any) -> QueueFilter:
        """From query parameters; values it does not know are ignored, never an error page."""
        kind = str(params.get("kind") or "")
        carrier = str(params.get("carrier") or "").strip()[:64]
        age = str(params.get("age") or "")
        return cls(
            kind=AttentionKind(kind) if kind in _KINDS else None,
            carrier_key=carrier or None,
            older_than_days=int(age) if age.isdigit() and int(age) in AGES else None,
        )

    def apply(self, query: QuerySet[AttentionItem], now: datetime) -> QuerySet[AttentionItem]:
        if self.kind is not None:
            query = query.filter(kind=self.kind)
        if self.carrier_key is not None:
            query = query.filter(carrier_key=self.carrier_key)
        if self.older_than_days is not None:
            query = query.filter(since__lte=now - timedelta(days=self.older_than_days))
        return query


async def counts(merchant_id: int) -> dict[AttentionKind, int]:
    """Open items per kind (kinds with none are left out)."""
    rows = await (
        open_items(merchant_id).annotate(n=Count("id")).group_by("kind").values_list("kind", "n")
    )
    return {AttentionKind(kind): int(n) for kind, n in rows if n}


async def page(
    merchant_id: int, f: QueueFilter, now: datetime, *, limit: int, before: int | None = None
) -> tuple[list[AttentionItem], bool]:
    """Open items matching ``f``, newest first, keyset-paged by id; and whether more wait."""
    query = f.apply(open_items(merchant_id), now)
    if before is not None:
        query = query.filter(id__lt=before)
    rows = await query.order_by("-id").limit(limit + 1).select_related("shipment", "survey")
    return rows[:limit], len(rows) > limit


async def carriers(merchant_id: int) -> list[str]:
    """The carriers of the merchant's open items, for the filter's choices."""
    keys = await (
        open_items(merchant_id)
        .filter(carrier_key__isnull=False)
        .distinct()
        .values_list("carrier_key", flat=True)
    )
    return sorted({str(k) for k in keys})


async def resolve(merchant_id: int, item_id: int, *, who: str, now: datetime) -> bool:
    """Mark an open item resolved; False when the merchant has no such open item."""
    done = await (
        open_items(merchant_id).filter(id=item_id).update(resolved_at=now, resolved_by=who[:200])
    )
    return bool(done)


async def carrier_contacted(merchant_id: int, item_id: int, *, who: str, now: datetime) -> bool:
    """Record that someone contacted the carrier about an open item (the item stays open)."""
    done = await (
        open_items(merchant_id)
        .filter(id=item_id)
        .update(carrier_contacted_at=now, carrier_contacted_by=who[:200])
    )
    return bool(done)
