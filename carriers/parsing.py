"""Pure helpers shared by the carriers' parsers: typed JSON accessors that raise
:class:`~carriers.base.BadResponse` (naming the carrier) and nothing else.

Each parser makes one :class:`JsonReader` with its carrier's name as it should read in
messages and how much of the offending value to keep for diagnosis.
"""

from __future__ import annotations

import builtins
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from carriers.base import BadResponse, Reason, Status, TrackingEvent
from carriers.timestamps import parse_iso


def _repr(value: Any, limit: int) -> str:
    try:
        return repr(value)[:limit]
    except (ValueError, RecursionError):  # an integer too long to print, a deep nesting
        return f"<{type(value).__name__} that cannot be printed>"


def dump(value: Any, limit: int = 2000) -> str:
    """``value`` as JSON text (its repr when it is not JSON), at most ``limit`` characters."""
    try:
        return json.dumps(value)[:limit]
    except (TypeError, ValueError, RecursionError):
        return _repr(value, limit)


def short_repr(value: Any) -> str:
    """The first 500 characters of ``repr(value)``."""
    return _repr(value, 500)


def no_excerpt(value: Any) -> None:
    """Keep nothing of the offending value."""
    return None


def squash(number: str) -> str:
    """A tracking number without white space, upper-cased, for matching echoes."""
    return "".join(number.split()).upper()


def latest_status(events: Sequence[TrackingEvent]) -> tuple[Status, Reason | None]:
    """The newest event's status and reason (events oldest first); pending without any."""
    if not events:
        return Status.PENDING, None
    return events[-1].status, events[-1].reason


#: Day abbreviations as adapters word opening hours (``portal.opening_hours`` translates them).
WEEK_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def word_week(hours: Mapping[int, str]) -> str | None:
    """Hours per weekday (Monday = 1) worded as adapters word them, ``Mon–Fri 10:00–21:00,
    Sat–Sun 10:00–18:00``: days in a row with the same hours grouped, a day not given
    closed. None when no day is given."""
    groups: list[tuple[int, int, str]] = []
    for day in sorted(d for d in hours if 1 <= d <= 7):
        if groups and groups[-1][1] == day - 1 and groups[-1][2] == hours[day]:
            groups[-1] = (groups[-1][0], day, hours[day])
        else:
            groups.append((day, day, hours[day]))
    worded = ", ".join(
        f"{WEEK_DAYS[first - 1]}{'' if first == last else '–' + WEEK_DAYS[last - 1]} {span}"
        for first, last, span in groups
    )
    return worded or None


def decode_json(body: bytes, message: str) -> Any:
    """A pushed body decoded, or :class:`BadResponse` with ``message`` and the raw body."""
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise BadResponse(message, body) from exc


def _as_text(value: Any) -> str | None:
    """A string, int or float as stripped text, None when blank.

    TypeError for any other JSON value; ValueError for an integer too long to print.
    """
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise TypeError(type(value).__name__)
    return str(value).strip() or None  # str() raises ValueError for a too-long integer


@dataclass(frozen=True, slots=True)
class JsonReader:
    """Typed accessors for one carrier's decoded JSON.

    ``carrier`` starts every message (``"FedEx"``, ``"dhl:"``); ``excerpt`` turns the
    offending value into the :attr:`BadResponse.body` kept for diagnosis.
    """

    carrier: str
    excerpt: Callable[[Any], str | None] = no_excerpt

    def fail(self, message: str, value: Any) -> BadResponse:
        """The error to raise: the carrier, then ``message``; ``value`` excerpted as body."""
        return BadResponse(f"{self.carrier} {message}", self.excerpt(value))

    def obj(self, value: Any, what: str) -> dict[str, Any]:
        """``value`` when it is an object."""
        if not isinstance(value, dict):
            raise self.fail(f"{what} is not an object", value)
        return value

    def optional_obj(self, raw: dict[str, Any], key: str) -> dict[str, Any]:
        """A nested object that may be absent or null (then empty)."""
        value = raw.get(key)
        return {} if value is None else self.obj(value, key)

    def list(self, value: Any) -> list[Any]:
        """``value`` when it is a list; [] when absent."""
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail("sent an object where a list belongs", value)
        return value

    def text(self, value: Any) -> str | None:
        """A non-empty string, None when absent or blank; numbers are read as their text."""
        if value is None:
            return None
        try:
            return _as_text(value)
        except TypeError:
            raise self.fail(f"sent {type(value).__name__} where text belongs", value) from None
        except ValueError as exc:  # an integer too long to print
            raise self.fail("sent a number too long to read", value) from exc

    def field_text(self, raw: dict[str, Any], key: str) -> str | None:
        """``raw[key]`` as by :meth:`text`, with the key named when it is not text."""
        value = raw.get(key)
        if value is None:
            return None
        try:
            return _as_text(value)
        except (TypeError, ValueError) as exc:
            raise self.fail(f"{key} is not text", value) from exc

    def string(self, raw: dict[str, Any], key: str) -> str | None:
        """``raw[key]`` when it is a string (kept as sent) or absent."""
        value = raw.get(key)
        if value is None or isinstance(value, str):
            return value
        raise self.fail(f"{key} is not a string", raw)

    def required_string(self, raw: dict[str, Any], key: str, what: str) -> str:
        """``raw[key]`` when it is a non-empty string; ``{what} without {key}`` otherwise."""
        value = raw.get(key)
        if not isinstance(value, str) or not value:
            raise self.fail(f"{what} without {key}", raw)
        return value

    def optional_list(self, raw: dict[str, Any], key: str) -> builtins.list[Any]:
        """``raw[key]`` when it is a list; [] when absent or null."""
        value = raw.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(f"{key} is not a list", raw)
        return value

    def coordinate(self, raw: dict[str, Any], key: str, bound: float) -> float | None:
        """A latitude (``bound`` 90) or longitude (180) given as a number or its text;
        None when absent, :class:`BadResponse` when it is no finite number in range."""
        value = raw.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.fail(f"{key} is not a number", raw)
        try:
            number = float(value)
        except (ValueError, OverflowError) as exc:
            raise self.fail(f"{key} is not a number", raw) from exc
        if not math.isfinite(number) or abs(number) > bound:
            raise self.fail(f"{key} is out of range", raw)
        return number

    def iso_time(self, text: str, country: str | None, *, what: str = "time") -> datetime:
        """An ISO-8601 timestamp as UTC; one without an offset is placed by ``country``."""
        try:
            return parse_iso(text, country=country)
        except (ValueError, OverflowError) as exc:
            raise BadResponse(f"{self.carrier} bad {what} {text!r}", text) from exc

    def stated_date(self, text: str) -> date:
        """The calendar day an estimate states (its first ten characters), not shifted."""
        try:
            return date.fromisoformat(text[:10])
        except ValueError as exc:
            raise BadResponse(f"{self.carrier} bad estimated delivery {text!r}", text) from exc

    def token(self, payload: Any) -> tuple[str, float]:
        """``(access_token, expires_in seconds)`` from an OAuth answer (strings or numbers)."""
        body = self.obj(payload, "token response")
        token = self.text(body.get("access_token"))
        try:
            expires_in = float(self.text(body.get("expires_in")) or "")
        except ValueError as exc:
            raise BadResponse(f"{self.carrier} token response without a usable expires_in") from exc
        if not token or not math.isfinite(expires_in) or expires_in <= 0:
            raise BadResponse(f"{self.carrier} token response without access_token or expiry")
        return token, expires_in
