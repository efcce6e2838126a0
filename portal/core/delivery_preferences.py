"""The customer's delivery preferences on an order: one shape for the API, CSV, the tracking
page, messages and webhooks, checked in one place.

``{"method": "home" | "locker" | "pickup_point", "point_id": str | None,
"safe_place": str | None, "instructions": str | None, "preferred_days": ["mon", ...]}``.
A locker or pickup point needs its id; the text fields are trimmed and limited in length;
days are listed once, Monday first. :func:`clean` returns the stored form or raises
:class:`PreferencesError` naming the field, so bad input is refused whole and nothing is
half-saved.
"""

from __future__ import annotations

from typing import Any

METHODS: tuple[str, ...] = ("home", "locker", "pickup_point")
DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FIELDS: tuple[str, ...] = ("method", "point_id", "safe_place", "instructions", "preferred_days")
_LIMITS = {"point_id": 64, "safe_place": 200, "instructions": 500}


class PreferencesError(ValueError):
    """Preferences that cannot be stored; ``field`` names the culprit."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _text(raw: dict[str, Any], field: str) -> str | None:
    value = raw.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise PreferencesError(field, "must be text")
    value = " ".join(value.split())
    if len(value) > _LIMITS[field]:
        raise PreferencesError(field, f"must be at most {_LIMITS[field]} characters")
    return value or None


def _days(raw: Any) -> list[str]:
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        raw = [part for part in raw.replace(";", ",").replace(" ", ",").split(",") if part]
    if not isinstance(raw, list) or not all(isinstance(d, str) for d in raw):
        raise PreferencesError("preferred_days", "must be a list of days like mon, tue")
    wanted = {d.strip().lower()[:3] for d in raw}
    unknown = sorted(wanted - set(DAYS))
    if unknown:
        raise PreferencesError(
            "preferred_days", f"unknown day {unknown[0]!r} (use {', '.join(DAYS)})"
        )
    return [d for d in DAYS if d in wanted]


def clean(raw: Any) -> dict[str, Any] | None:
    """The stored form of ``raw`` (None for none), or :class:`PreferencesError`."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise PreferencesError("delivery_preferences", "must be an object")
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        raise PreferencesError(unknown[0], f"is not a preference (known: {', '.join(FIELDS)})")
    method = raw.get("method") or "home"
    if method not in METHODS:
        raise PreferencesError("method", f"must be one of {', '.join(METHODS)}")
    point_id = _text(raw, "point_id")
    if method != "home" and point_id is None:
        raise PreferencesError("point_id", f"is required for delivery to a {method}")
    return {
        "method": method,
        "point_id": point_id if method != "home" else None,
        "safe_place": _text(raw, "safe_place") if method == "home" else None,
        "instructions": _text(raw, "instructions"),
        "preferred_days": _days(raw.get("preferred_days")),
    }
