"""Deterministic parcel journeys: the sandbox carrier's whole "network", as pure functions.

A journey follows from the tracking number and an epoch alone, so any number of server
processes (and the tests) agree on every scan without sharing state, and a benchmark run
twice sees the same parcels. See the package docstring for the number format.

- :func:`plan` lays out every scan a parcel will ever get (cached, immutable).
- :func:`journey` is the part of it visible at ``now``: a prefix of the plan, so moving
  time forward only ever adds events.
- Randomness comes from SHA-512 of the number (never Python's salted ``hash``).
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cache, lru_cache
from typing import TypeVar
from zoneinfo import ZoneInfo

from carriers.base import DeliveryWindow
from carriers.sandbox import places
from carriers.sandbox.pickup_points import HOLD_DAYS, Collection, Spot, SpotKind, make_spot
from carriers.sandbox.places import Place

T = TypeVar("T")

#: Label times are counted in whole hours from this instant (see :func:`make_number`).
DEFAULT_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)

NUMBER_RE = re.compile(r"SBX(\d)(\d{6})(\d{3})(\d)")


class Scenario(StrEnum):
    DELIVERED = "delivered"
    FAILED_ATTEMPT = "failed_attempt"  # one failed attempt, delivered the next day
    EXCEPTION = "exception"  # ends in an exception (address, damaged, customs, lost)
    PICKUP_POINT = "pickup_point"  # a locker, shop or post office: waits, collected or not
    RETURNED = "returned"  # refused or unclaimed, back with the sender
    LABEL_ONLY = "label_only"  # label created, never handed over
    NOT_FOUND = "not_found"  # the carrier has never heard of it


#: The digit after ``SBX`` forces a scenario; 0, 7 and 8 let the number's hash choose.
FORCED: dict[int, Scenario] = {
    1: Scenario.DELIVERED,
    2: Scenario.FAILED_ATTEMPT,
    3: Scenario.EXCEPTION,
    4: Scenario.PICKUP_POINT,
    5: Scenario.RETURNED,
    6: Scenario.LABEL_ONLY,
    9: Scenario.NOT_FOUND,
}
HASHED_DIGITS = (0, 7, 8)
#: Share (percent) of each scenario among hashed numbers: most parcels just arrive.
HASHED_MIX = (
    (Scenario.DELIVERED, 72),
    (Scenario.FAILED_ATTEMPT, 10),
    (Scenario.PICKUP_POINT, 7),
    (Scenario.EXCEPTION, 6),
    (Scenario.RETURNED, 4),
    (Scenario.LABEL_ONLY, 1),
)
#: Exception kinds, chosen by ``serial % 4`` for forced numbers.
EXCEPTION_CODES = ("XAD", "XDM", "XCU", "XLS")

DESCRIPTIONS: dict[str, str] = {
    "LBL": "Shipment information received",
    "PKP": "Picked up",
    "ARR": "Arrived at sort facility",
    "DEP": "Departed sort facility",
    "CCL": "Cleared customs",
    "OFD": "Out for delivery",
    "ATT": "Delivery attempted: recipient not available, notice left",
    "ATA": "Delivery attempted: no access to the address",
    "REF": "Delivery refused by the recipient",
    "DLV": "Delivered",
    "DLN": "Delivered to a neighbour",
    "RPP": "Ready for collection at a pickup point",
    "RPD": "Redirected to another parcel locker: the chosen one is full",
    "RPR": "Reminder: the parcel waits for collection until its pickup deadline",
    "RPC": "Collected from the pickup point",
    "RPX": "Not collected by the pickup deadline: returning to sender",
    "RTN": "Returned to sender: not collected",
    "XWX": "Delayed by severe weather",
    "XAD": "Address incomplete or incorrect: awaiting correction",
    "XDM": "Parcel damaged in transit",
    "XCU": "Held by customs: documents required",
    "XLS": "Parcel cannot be located",
    "RTS": "Returning to sender",
    "RTD": "Returned to sender",
}


@dataclass(frozen=True, slots=True)
class Event:
    """One scan. ``eta`` is the carrier's estimate as it stands after this scan; ``spot`` is
    the pickup point the parcel is bound for or waits at, as known after this scan, and
    ``collection`` its deadline and code once it waits there."""

    code: str
    at: datetime  # aware UTC
    place: Place
    eta: date | DeliveryWindow | None = None
    signed_by: str | None = None
    left_at: str | None = None
    spot: Spot | None = None
    collection: Collection | None = None

    @property
    def description(self) -> str:
        return DESCRIPTIONS[self.code]


@dataclass(frozen=True, slots=True)
class Plan:
    """Every scan a parcel will ever get, oldest first."""

    number: str
    scenario: Scenario
    label_time: datetime
    events: tuple[Event, ...]


# --- numbers -------------------------------------------------------------------------


def check_digit(digits: str) -> str:
    """Luhn (mod 10) check digit of ``digits``, as used on credit cards."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def make_number(digit: int, label_hour: int, serial: int) -> str:
    """``SBX`` + scenario digit + 6-digit label hour + 3-digit serial + Luhn check digit."""
    if not (0 <= digit <= 9 and 0 <= label_hour < 1_000_000 and 0 <= serial < 1000):
        raise ValueError("digit 0-9, label_hour 0-999999, serial 0-999")
    body = f"{digit}{label_hour:06d}{serial:03d}"
    return f"SBX{body}{check_digit(body)}"


def split_number(number: str) -> tuple[int, int, int] | None:
    """(scenario digit, label hour, serial) of a well-formed number; None otherwise."""
    match = NUMBER_RE.fullmatch(number.strip().upper())
    if match is None:
        return None
    digit, hour, serial, check = match.groups()
    if check_digit(digit + hour + serial) != check:
        return None
    return int(digit), int(hour), int(serial)


def label_hour_of(moment: datetime, start: datetime = DEFAULT_EPOCH) -> int:
    """The label-hour field for a parcel labelled at ``moment``."""
    return int((moment - start).total_seconds() // 3600)


def make_numbers(
    count: int,
    seed: int = 0,
    *,
    now: datetime | None = None,
    days: float = 14.0,
    scenario: Scenario | None = None,
    start: datetime = DEFAULT_EPOCH,
) -> list[str]:
    """``count`` distinct numbers labelled during the ``days`` before ``now``.

    Same arguments, same numbers (``now`` defaults to the current time, so pass it for
    reproducible benchmarks). Without ``scenario`` the hash picks one per number
    (:data:`HASHED_MIX`), so a batch looks like real traffic at every stage of delivery.
    """
    now = now or datetime.now(UTC)
    last = label_hour_of(now, start) - 1
    first = max(0, last - max(1, int(days * 24)) + 1)
    if scenario is None:
        digits: tuple[int, ...] = HASHED_DIGITS
    else:
        digits = tuple(d for d, s in FORCED.items() if s is scenario)
    capacity = len(digits) * (last - first + 1) * 1000
    if count > capacity or last < 0:
        raise ValueError(f"cannot make {count} distinct numbers (at most {max(0, capacity)})")
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        number = make_number(rng.choice(digits), rng.randint(first, last), rng.randrange(1000))
        if number not in seen:
            seen.add(number)
            out.append(number)
    return out


# --- journeys --------------------------------------------------------------------------


class _Dice:
    """A stream of deterministic draws from the number's SHA-512."""

    __slots__ = ("_n", "_pool", "_seed")

    def __init__(self, seed: str) -> None:
        self._seed = seed.encode()
        self._n = 0
        self._pool = b""

    def below(self, n: int) -> int:
        if len(self._pool) < 4:
            self._n += 1
            self._pool = hashlib.sha512(self._seed + self._n.to_bytes(4, "big")).digest()
        value, self._pool = int.from_bytes(self._pool[:4], "big"), self._pool[4:]
        return value % n

    def between(self, lo: int, hi: int) -> int:
        return lo + self.below(hi - lo + 1)

    def minutes(self, lo: int, hi: int) -> timedelta:
        return timedelta(minutes=self.between(lo, hi))

    def pick(self, seq: Sequence[T]) -> T:
        return seq[self.below(len(seq))]

    def sample(self, seq: Sequence[T], k: int) -> list[T]:
        pool = list(seq)
        return [pool.pop(self.below(len(pool))) for _ in range(k)]


def _zone(place: Place) -> ZoneInfo:
    return _zone_named(place.zone)


@cache
def _zone_named(name: str) -> ZoneInfo:
    """ZoneInfo keeps only 8 zones strongly; we use ~25, and reloading them from disk is slow."""
    return ZoneInfo(name)


def _morning(after: datetime, place: Place, dice: _Dice) -> datetime:
    """The next delivery-round start (07:00-08:59 local, never a Sunday) after ``after``."""
    zone = _zone(place)
    local = after.astimezone(zone)
    day = local.date() if local.hour < 4 else local.date() + timedelta(days=1)
    if day.weekday() == 6:
        day += timedelta(days=1)
    start = datetime.combine(day, time(7), zone) + dice.minutes(0, 119)
    return start.astimezone(UTC)


def local_iso(at: datetime, place: Place) -> str:
    """``at`` as the wall time of ``place`` with its UTC offset, the way scans are reported."""
    return at.astimezone(_zone(place)).isoformat(timespec="seconds")


def _day_window(day: date, place: Place) -> DeliveryWindow:
    zone = _zone(place)
    return DeliveryWindow(
        datetime.combine(day, time(8), zone).astimezone(UTC),
        datetime.combine(day, time(20), zone).astimezone(UTC),
    )


def _near(moment: datetime) -> DeliveryWindow:
    """The window a driver announces once the parcel is on the van."""
    hour = moment.replace(minute=0, second=0, microsecond=0)
    return DeliveryWindow(hour - timedelta(hours=1), hour + timedelta(hours=2))


def _local_day(moment: datetime, place: Place) -> date:
    return moment.astimezone(_zone(place)).date()


def _choose(dice: _Dice) -> Scenario:
    roll = dice.below(100)
    for scenario, share in HASHED_MIX:
        if roll < share:
            return scenario
        roll -= share
    return Scenario.DELIVERED


def _route(dice: _Dice, international: bool) -> tuple[list[Place], Place, Place | None]:
    """(hubs in order, delivery town, first hub past a border or None)."""
    if international:
        outbound = dice.sample(places.EU_HUBS, dice.between(1, 2))
        inbound = dice.sample(places.GB_HUBS, dice.between(1, 2))
        return outbound + inbound, dice.pick(places.GB_HOMES), inbound[0]
    hubs, homes = dice.pick(places.DOMESTIC)
    return dice.sample(hubs, dice.between(2, 4)), dice.pick(homes), None


@lru_cache(maxsize=16_384)
def plan(number: str, start: datetime = DEFAULT_EPOCH) -> Plan | None:
    """The full journey of ``number``; None for malformed numbers and the not-found family."""
    parts = split_number(number)
    if parts is None:
        return None
    digit, label_hour, serial = parts
    number = number.strip().upper()
    forced = FORCED.get(digit)
    if forced is Scenario.NOT_FOUND:
        return None
    dice = _Dice(number)
    scenario = forced or _choose(dice)

    def variant(k: int) -> int:
        return serial % k if forced else dice.below(k)

    kind = EXCEPTION_CODES[variant(4)] if scenario is Scenario.EXCEPTION else ""
    international = kind == "XCU" or (kind == "" and dice.below(100) < 15)
    delayed = forced is None and scenario is Scenario.DELIVERED and dice.below(100) < 8
    hubs, home, border = _route(dice, international)
    origin = hubs[0]

    # The normal schedule first, so estimates made early are the ones a real carrier
    # would have given, whatever goes wrong later.
    label = start + timedelta(hours=label_hour) + dice.minutes(0, 59)
    pickup = label + dice.minutes(120, 20 * 60)
    delay_at = dice.below(len(hubs) - 1) if delayed else -1
    t = pickup
    scans: list[tuple[str, datetime, Place]] = []
    for i, hub in enumerate(hubs):
        t += dice.minutes(60, 240) if i == 0 else dice.minutes(180, 600)
        scans.append(("ARR", t, hub))
        if i == delay_at:
            t += dice.minutes(60, 180)
            scans.append(("XWX", t, hub))
            t += dice.minutes(20 * 60, 30 * 60)
        elif hub is border:
            t += dice.minutes(120, 480)
            scans.append(("CCL", t, hub))
        if i < len(hubs) - 1:
            t += dice.minutes(60, 360)
            scans.append(("DEP", t, hub))
    out_at = _morning(t, home, dice)
    drop_at = out_at + dice.minutes(60, 540)
    day = _local_day(out_at, home)
    window = _day_window(day, home)
    # A delayed parcel was first promised the day before the one it makes.
    promise = _day_window(day - timedelta(days=1), home) if delayed else window

    # Estimates: a date at label time, the day's window once moving, a narrow one on the van.
    events = [
        Event("LBL", label, origin, day - timedelta(days=1) if delayed else day),
        Event("PKP", pickup, origin, promise),
    ]
    for code, at, place in scans:
        if code == "XWX":
            promise = window
        events.append(Event(code, at, place, promise))
    if scenario is Scenario.LABEL_ONLY:
        return Plan(number, scenario, label, tuple(events[:1]))
    if kind:
        return Plan(number, scenario, label, tuple(_exception(events, kind, home, dice)))

    def retry(after: datetime) -> tuple[datetime, datetime]:
        again = _morning(after, home, dice)
        return again, again + dice.minutes(60, 540)

    van = Event("OFD", out_at, home, _near(drop_at))
    if scenario is Scenario.DELIVERED:
        events += [van, _delivered(drop_at, home, dice)]
    elif scenario is Scenario.FAILED_ATTEMPT:
        again, drop2 = retry(drop_at)
        code = ("ATT", "ATA")[variant(2)]
        events += [
            van,
            Event(code, drop_at, home, _day_window(_local_day(again, home), home)),
            Event("OFD", again, home, _near(drop2)),
            _delivered(drop2, home, dice),
        ]
    elif scenario is Scenario.PICKUP_POINT:
        # Variants: NNN odd, after a failed attempt; NNN // 2 % 3 (forced numbers), what
        # the recipient does: 0 nothing yet (waits), 1 collects it, 2 lets the deadline pass.
        after_attempt = variant(2)
        outcome = (serial // 2) % 3 if forced else (1, 1, 1, 1, 1, 1, 1, 2, 2, 2)[dice.below(10)]
        if after_attempt:
            again, _ = retry(drop_at)
            spot = make_spot(home, dice)
            events += [van, Event("ATT", drop_at, home)]
            ready_at = again + dice.minutes(60, 240)
        else:  # the recipient chose the point when ordering: known from the label on
            spot = make_spot(home, dice)
            events = [_at(ev, spot) for ev in events]
            ready_at = out_at + dice.minutes(60, 300)
            if spot.kind is SpotKind.LOCKER and dice.below(5) == 0:
                spot = make_spot(home, dice, SpotKind.LOCKER)
                events.append(Event("RPD", out_at, home, spot=spot))
        events += _collection(spot, ready_at, outcome, hubs[-1], origin, dice)
    else:  # RETURNED
        if variant(2):
            again, drop2 = retry(drop_at)
            redo = _day_window(_local_day(again, home), home)
            events += [
                van,
                Event("ATT", drop_at, home, redo),
                Event("OFD", again, home, _near(drop2)),
                Event("ATT", drop2, home),
            ]
            turned = drop2
        else:
            events += [van, Event("REF", drop_at, home)]
            turned = drop_at
        back = turned + dice.minutes(180, 600)
        events.append(Event("RTS", back, hubs[-1]))
        back += dice.minutes(18 * 60, 40 * 60)
        events.append(Event("RTS", back, origin))
        events.append(Event("RTD", _morning(back, origin, dice) + dice.minutes(60, 360), origin))
    return Plan(number, scenario, label, tuple(events))


def _at(event: Event, spot: Spot) -> Event:
    return Event(event.code, event.at, event.place, event.eta, spot=spot)


def _collection(
    spot: Spot, ready_at: datetime, outcome: int, last_hub: Place, origin: Place, dice: _Dice
) -> list[Event]:
    """The parcel at its point: ready, a reminder the day before the deadline, then
    collected (outcome 1), sent back when the deadline passes (2), or left waiting (0)."""
    home = spot.place
    if spot.kind is SpotKind.LOCKER:
        deadline = ready_at + timedelta(days=HOLD_DAYS[spot.kind])
    else:  # counters keep it until closing time on the last day
        last_day = _local_day(ready_at, home) + timedelta(days=HOLD_DAYS[spot.kind])
        deadline = datetime.combine(last_day, time(18), _zone(home)).astimezone(UTC)
    code = f"{dice.below(1_000_000):06d}" if spot.kind is SpotKind.LOCKER else None
    held = Collection(deadline, code)
    events = [Event("RPP", ready_at, home, spot=spot, collection=held)]
    remind_at = deadline - timedelta(days=1)
    if outcome == 1:
        collected = ready_at + dice.minutes(
            20, int((deadline - ready_at).total_seconds() // 60) - 20
        )
        if collected > remind_at:
            events.append(Event("RPR", remind_at, home, spot=spot, collection=held))
        signer = dice.pick(places.SIGNERS)
        events.append(Event("RPC", collected, home, None, signer, spot.name, spot, held))
        return events
    events.append(Event("RPR", remind_at, home, spot=spot, collection=held))
    if outcome == 0:
        return events
    back = deadline + dice.minutes(5, 120)
    events.append(Event("RPX", back, home, spot=spot, collection=held))
    back += dice.minutes(180, 600)
    events.append(Event("RTS", back, last_hub, spot=spot, collection=held))
    back += dice.minutes(18 * 60, 40 * 60)
    events.append(Event("RTS", back, origin, spot=spot, collection=held))
    returned = _morning(back, origin, dice) + dice.minutes(60, 360)
    events.append(Event("RTN", returned, origin, spot=spot, collection=held))
    return events


def _delivered(at: datetime, home: Place, dice: _Dice) -> Event:
    code = "DLN" if dice.below(10) == 0 else "DLV"
    left_at = "Neighbour" if code == "DLN" else dice.pick(places.LEFT_AT)
    return Event(code, at, home, None, dice.pick(places.SIGNERS), left_at)


def _exception(events: list[Event], kind: str, home: Place, dice: _Dice) -> list[Event]:
    """Cut the normal journey where ``kind`` strikes, ending in that exception scan."""
    arrivals = [i for i, ev in enumerate(events) if ev.code == "ARR"]
    if kind == "XAD":  # the driver finds no such address
        van_at = _morning(events[-1].at, home, dice)
        drop = van_at + dice.minutes(60, 540)
        return [*events, Event("OFD", van_at, home, _near(drop)), Event("XAD", drop, home)]
    if kind == "XCU":  # stopped at the first hub past the border
        cut = next(i for i in arrivals if events[i].place in places.GB_HUBS)
    elif kind == "XDM":  # found damaged on arrival at some hub
        cut = arrivals[dice.below(len(arrivals))]
    else:  # XLS: leaves the first hub and is never scanned again; declared lost days later
        cut = next(i for i, ev in enumerate(events) if ev.code == "DEP")
        kept = events[: cut + 1]
        return [*kept, Event(kind, kept[-1].at + dice.minutes(4 * 1440, 6 * 1440), kept[-1].place)]
    kept = events[: cut + 1]
    return [*kept, Event(kind, kept[-1].at + dice.minutes(30, 240), kept[-1].place)]


def journey(number: str, now: datetime, start: datetime = DEFAULT_EPOCH) -> list[Event]:
    """The scans of ``number`` visible at ``now``, oldest first (empty: carrier knows nothing)."""
    planned = plan(number, start)
    if planned is None:
        return []
    return [ev for ev in planned.events if ev.at <= now]


def scenario_of(number: str, start: datetime = DEFAULT_EPOCH) -> Scenario | None:
    """The scenario a well-formed number plays out (None when it is malformed)."""
    parts = split_number(number)
    if parts is None:
        return None
    planned = plan(number, start)
    return Scenario.NOT_FOUND if planned is None else planned.scenario


#: Fixed examples for tests, docs and demos (labelled 2026-01-05 00:xx UTC, long finished).
_EXAMPLE_HOUR = label_hour_of(datetime(2026, 1, 5, tzinfo=UTC))
SCENARIO_EXAMPLES: dict[str, str] = {
    "delivered": make_number(1, _EXAMPLE_HOUR, 1),
    "failed_attempt": make_number(2, _EXAMPLE_HOUR, 0),
    "failed_attempt_no_access": make_number(2, _EXAMPLE_HOUR, 1),
    "exception_address": make_number(3, _EXAMPLE_HOUR, 0),
    "exception_damaged": make_number(3, _EXAMPLE_HOUR, 1),
    "exception_customs": make_number(3, _EXAMPLE_HOUR, 2),
    "exception_lost": make_number(3, _EXAMPLE_HOUR, 3),
    "pickup_point": make_number(4, _EXAMPLE_HOUR, 0),
    "pickup_point_after_attempt": make_number(4, _EXAMPLE_HOUR, 1),
    "returned_refused": make_number(5, _EXAMPLE_HOUR, 0),
    "returned_unclaimed": make_number(5, _EXAMPLE_HOUR, 1),
    "label_only": make_number(6, _EXAMPLE_HOUR, 0),
    "not_found": make_number(9, _EXAMPLE_HOUR, 0),
}
