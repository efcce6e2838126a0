"""A pickup point as stored on a shipment: :class:`carriers.base.PickupPoint` as plain JSON.

The shipment keeps the point the carrier last described (``Shipment.pickup_point``) and
its deadline as a column of its own (``Shipment.pickup_deadline``) so that reminders can
query it. The JSON is compared as a whole to tell whether a result changed the point, so
:func:`to_json` must be deterministic: the same point always gives the same dict.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from carriers.base import PickupKind, PickupPoint

#: Longest text kept per field: carriers' descriptions are short, a runaway one is not kept.
_TEXT_MAX = 500
_TEXT_FIELDS = (
    "point_id", "name", "street", "city", "postal_code", "country", "opening_hours",
    "pickup_code",
)  # fmt: skip


def _text(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value[:_TEXT_MAX] if value else None


def _coordinate(value: object, limit: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if -limit <= number <= limit else None


def _utc(when: datetime | None) -> datetime | None:
    if when is None or when.tzinfo is None:
        return None  # a deadline without a zone would be shown at the wrong hour
    return when.astimezone(UTC)


def _kind(value: object) -> PickupKind:
    try:
        return PickupKind(str(value))
    except ValueError:
        return PickupKind.SHOP


def is_usable(point: PickupPoint) -> bool:
    """Whether a carrier's point says enough to show: an id, a name or a street."""
    return any(_text(v) for v in (point.point_id, point.name, point.street))


def to_json(point: PickupPoint) -> dict[str, Any]:
    """The point as stored: texts trimmed, coordinates in range, the deadline in UTC."""
    data: dict[str, Any] = {name: _text(getattr(point, name)) for name in _TEXT_FIELDS}
    data["kind"] = _kind(point.kind).value
    data["latitude"] = _coordinate(point.latitude, 90.0)
    data["longitude"] = _coordinate(point.longitude, 180.0)
    if data["latitude"] is None or data["longitude"] is None:
        data["latitude"] = data["longitude"] = None
    deadline = _utc(point.pickup_deadline)
    data["pickup_deadline"] = deadline.isoformat() if deadline else None
    return data


def deadline_of(data: dict[str, Any]) -> datetime | None:
    """The stored point's deadline, for the ``pickup_deadline`` column."""
    raw = data.get("pickup_deadline")
    return datetime.fromisoformat(raw) if isinstance(raw, str) else None


def from_json(data: object) -> PickupPoint | None:
    """The stored JSON back as a :class:`PickupPoint`; None for anything unreadable."""
    if not isinstance(data, dict):
        return None
    if not any(_text(data.get(name)) for name in ("point_id", "name", "street")):
        return None
    kind = _kind(data.get("kind"))
    try:
        deadline = deadline_of(data)
    except ValueError:
        deadline = None
    latitude = _coordinate(data.get("latitude"), 90.0)
    longitude = _coordinate(data.get("longitude"), 180.0)
    return PickupPoint(
        point_id=_text(data.get("point_id")) or "",
        kind=kind,
        name=_text(data.get("name")),
        street=_text(data.get("street")),
        city=_text(data.get("city")),
        postal_code=_text(data.get("postal_code")),
        country=_text(data.get("country")),
        latitude=latitude if longitude is not None else None,
        longitude=longitude if latitude is not None else None,
        opening_hours=_text(data.get("opening_hours")),
        pickup_deadline=_utc(deadline),
        pickup_code=_text(data.get("pickup_code")),
    )
