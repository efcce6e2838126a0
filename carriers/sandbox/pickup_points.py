"""Pickup points of the sandbox carrier: lockers, shops and post offices in the delivery
towns, and how long each keeps a parcel (:mod:`carriers.sandbox.journey` sends parcels there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol, TypeVar

from carriers.sandbox import places
from carriers.sandbox.places import Place

T = TypeVar("T")


class Dice(Protocol):
    """The journey's deterministic draws (``journey._Dice``)."""

    def below(self, n: int) -> int: ...

    def between(self, lo: int, hi: int) -> int: ...

    def pick(self, seq: Sequence[T]) -> T: ...


class SpotKind(StrEnum):
    LOCKER = "locker"
    SHOP = "shop"
    POST_OFFICE = "post_office"


#: How long each kind of point keeps a parcel: lockers two days, counters a week.
HOLD_DAYS: dict[SpotKind, int] = {SpotKind.LOCKER: 2, SpotKind.SHOP: 7, SpotKind.POST_OFFICE: 7}
OPENING_HOURS: dict[SpotKind, str] = {
    SpotKind.LOCKER: "24/7",
    SpotKind.SHOP: "Mon–Sat 08:00–20:00",
    SpotKind.POST_OFFICE: "Mon–Fri 08:00–18:00, Sat 09:00–13:00",
}


@dataclass(frozen=True, slots=True)
class Spot:
    """A pickup point: where a parcel goes to wait for its recipient."""

    point_id: str
    kind: SpotKind
    name: str
    street: str
    place: Place
    latitude: float
    longitude: float

    @property
    def opening_hours(self) -> str:
        return OPENING_HOURS[self.kind]


@dataclass(frozen=True, slots=True)
class Collection:
    """What the recipient needs once the parcel waits at a point: until when, and the code."""

    deadline: datetime  # aware UTC
    code: str | None  # lockers only


def make_spot(home: Place, dice: Dice, kind: SpotKind | None = None) -> Spot:
    """A pickup point in the delivery town: a locker most often, else a shop or the post."""
    kind = kind or dice.pick((SpotKind.LOCKER,) * 3 + (SpotKind.SHOP, SpotKind.POST_OFFICE))
    lat, lon = places.CENTRES[home.city]
    n = dice.between(1, 99)
    town = "".join(ch for ch in home.city.upper() if ch.isalpha())[:3]
    street = f"{dice.pick(places.STREETS[home.country])} {dice.between(1, 120)}"
    if kind is SpotKind.LOCKER:
        name = f"Sandbox Locker {town}{n:02d}"
    elif kind is SpotKind.SHOP:
        name = f"{dice.pick(places.PICKUP_SHOPS)} (Sandbox Point {town}{n:02d})"
    else:
        name = f"{home.city} Post Office {n}"
    return Spot(
        point_id=f"{town}{n:02d}{kind.value[0].upper()}",
        kind=kind,
        name=name,
        street=street,
        place=home,
        latitude=round(lat + (dice.below(2001) - 1000) / 100_000, 5),
        longitude=round(lon + (dice.below(2001) - 1000) / 100_000, 5),
    )
