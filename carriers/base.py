"""The contract every carrier adapter fulfils, built-in or third-party.

Adapters turn a carrier's API into :class:`TrackingResult` objects in one shared
vocabulary (:class:`Status`, :class:`Reason`). They raise the typed errors below for
whole-call failures and leave every decision about retries to the tracking engine.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, ClassVar

import httpx


class Status(StrEnum):
    """What a customer sees (DESIGN.md, "Tracking status")."""

    PENDING = "pending"
    INFO_RECEIVED = "info_received"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    FAILED_ATTEMPT = "failed_attempt"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    DELIVERED = "delivered"
    EXCEPTION = "exception"
    RETURNED_TO_SENDER = "returned_to_sender"
    EXPIRED = "expired"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES


FINAL_STATUSES = frozenset({Status.DELIVERED, Status.RETURNED_TO_SENDER, Status.EXPIRED})


class Reason(StrEnum):
    """Why a parcel is in exception or an attempt failed (extendable)."""

    ADDRESS_ISSUE = "address_issue"
    RECIPIENT_UNAVAILABLE = "recipient_unavailable"
    REFUSED = "refused"
    DAMAGED = "damaged"
    LOST = "lost"
    CUSTOMS_HOLD = "customs_hold"
    WEATHER_DELAY = "weather_delay"
    CARRIER_DELAY = "carrier_delay"
    HELD_AT_CARRIER = "held_at_carrier"
    #: Waited at a locker or pickup point until its deadline and was not collected.
    NOT_COLLECTED = "not_collected"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class DeliveryWindow:
    """An estimated delivery window; both ends timezone-aware (UTC)."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class TrackingEvent:
    """One carrier scan, normalised. ``occurred_at`` is always timezone-aware UTC."""

    occurred_at: datetime
    status: Status
    reason: Reason | None = None
    carrier_code: str = ""
    description: str = ""
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None

    @property
    def dedupe_key(self) -> str:
        """Identity of a scan across polls and pushes: code, time and place."""
        t = self.occurred_at
        if t.tzinfo is not UTC:
            t = t.astimezone(UTC)
        # Formatted by hand: strftime costs more than the rest of a sweep's work per scan
        # (and %-formatting half what the same f-string with format specs does).
        parts = (t.year, t.month, t.day, t.hour, t.minute, t.second)
        stamp = "%04d%02d%02dT%02d%02d%02d" % parts  # noqa: UP031
        city, region, code, country = self.city, self.region, self.postal_code, self.country
        place = f"{city or ''}|{region or ''}|{code or ''}|{country or ''}"
        return f"{self.carrier_code}|{stamp}|{place.lower()}"


class PickupKind(StrEnum):
    """What kind of place holds a parcel for the customer to collect."""

    LOCKER = "locker"
    SHOP = "shop"
    POST_OFFICE = "post_office"
    DEPOT = "depot"


@dataclass(frozen=True, slots=True)
class PickupPoint:
    """Where a parcel waits (or will wait) for the customer: a locker, a shop, a post office.

    ``point_id`` is the carrier's own id (InPost ``KRA01M``, a Sameday easybox id…).
    ``pickup_deadline`` is timezone-aware UTC. ``pickup_code`` is the code that opens a
    locker: the portal shows it only to viewers who proved they are the customer.
    """

    point_id: str
    kind: PickupKind = PickupKind.SHOP
    name: str | None = None
    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    #: As the carrier words it ("Mon–Fri 08:00–20:00", "24/7").
    opening_hours: str | None = None
    pickup_deadline: datetime | None = None
    pickup_code: str | None = None


@dataclass(frozen=True, slots=True)
class NumberHint:
    """What the shop knows about one tracked parcel that some carriers ask for.

    ``language`` is the customer's language (ISO 639-1, ``"uk"``): carriers whose API
    answers in several languages are asked in it. ``phone`` is the recipient's phone
    (E.164): Nova Poshta, for one, returns full details only with it. ``postal_code`` is
    the destination's postcode, which a few carriers ask to match. Every field may be
    missing: an adapter must still track the number without it.
    """

    language: str | None = None
    phone: str | None = None
    postal_code: str | None = None


NO_HINT = NumberHint()


@dataclass(slots=True)
class TrackingResult:
    """Everything an adapter knows about one tracking number. Events are oldest first."""

    number: str
    status: Status = Status.PENDING
    reason: Reason | None = None
    events: list[TrackingEvent] = field(default_factory=list)
    estimated_delivery: date | DeliveryWindow | None = None
    delivered_at: datetime | None = None
    signed_by: str | None = None
    not_found: bool = False
    carrier_url: str | None = None
    #: The locker or point the parcel is sent to or waits at, when the carrier says.
    pickup_point: PickupPoint | None = None
    #: Adapters that set ``accepts_digests``: a digest of the carrier's raw answer for
    #: this number (at most 64 characters), stored with the shipment after a poll.
    digest: str | None = None
    #: The answer's digest is the one :meth:`CarrierAdapter.track_known` was given: the
    #: adapter did not parse it, and only ``number`` and ``digest`` are set.
    unchanged: bool = False


@dataclass(frozen=True, slots=True)
class NumberFormat:
    """One tracking-number format an adapter claims, for carrier detection.

    ``pattern`` must match the whole *normalised* number (upper case, no spaces or
    dashes; see :func:`carriers.detection.normalise`); ``check``, when given, validates
    the check digit of that whole normalised number. A number that matches the pattern
    but fails its check is not proposed: a typo is likelier than a carrier skipping its
    own check digit. ``confidence`` (0..1) says how much a match proves: a bare run of
    digits proves little, a prefix plus a check digit a lot.
    """

    name: str
    pattern: re.Pattern[str]
    confidence: float
    check: Callable[[str], bool] | None = None

    def matches(self, number: str) -> bool:
        """True when the normalised ``number`` has this format and passes its check."""
        if self.pattern.fullmatch(number) is None:
            return False
        return self.check is None or self.check(number)


# --- Errors: whole-call failures. A number the carrier does not know is a result. ---


class CarrierError(Exception):
    """Base of every error an adapter raises."""


class AuthError(CarrierError):
    """Credentials rejected (after one token refresh)."""


class RateLimited(CarrierError):
    """The carrier asked us to slow down; ``retry_after`` is seconds, when it said."""

    def __init__(self, message: str = "rate limited", retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class CarrierUnavailable(CarrierError):
    """5xx, timeouts and connection errors: worth retrying later."""


class BadResponse(CarrierError):
    """A response that does not parse; ``body`` keeps the raw text for diagnosis."""

    def __init__(self, message: str, body: str | bytes | None = None) -> None:
        super().__init__(message)
        if isinstance(body, bytes):
            body = body.decode("utf-8", errors="replace")
        self.body = body


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date); None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class CarrierAdapter:
    """Base class for adapters: metadata as class attributes, HTTP helpers, typed errors.

    Subclasses set the metadata and implement :meth:`track`. Optional capabilities
    (push, return labels) are declared with ``supports_push`` and by overriding
    :meth:`verify_webhook` / :meth:`parse_webhook` / :meth:`create_return_label`.
    """

    key: ClassVar[str]
    display_name: ClassVar[str]
    #: The carrier's own name in a language where it has one, as its site writes it
    #: (``{"uk": "Нова Пошта"}``); every other language gets :attr:`display_name`.
    local_names: ClassVar[Mapping[str, str]] = {}
    #: Public tracking page, with ``{number}`` where the tracking number goes.
    tracking_url: ClassVar[str] = ""
    default_base_url: ClassVar[str] = ""
    #: Most numbers one carrier call accepts.
    batch_size: ClassVar[int] = 1
    #: Carrier calls per second one account may make.
    rate_limit: ClassVar[float] = 5.0
    supports_push: ClassVar[bool] = False
    #: A simulated carrier for development and demos: never offered in production.
    simulated: ClassVar[bool] = False
    supports_return_labels: ClassVar[bool] = False
    #: Tracking-number formats this carrier issues, for detection (see :class:`NumberFormat`).
    number_formats: ClassVar[Sequence[NumberFormat]] = ()
    #: ISO 3166 countries whose post this adapter is: UPU S10 numbers (``RR123456785PL``)
    #: ending in one of them are proposed for it.
    postal_countries: ClassVar[frozenset[str]] = frozenset()
    #: True when :meth:`track` takes ``hints`` (a mapping number -> :class:`NumberHint`).
    #: The engine passes them only to such adapters, so adapters written before hints
    #: existed keep working unchanged.
    accepts_hints: ClassVar[bool] = False
    #: True when the adapter implements :meth:`track_known`: the sweep then hands it the
    #: digest of each parcel's last polled answer, and an unchanged answer is neither
    #: parsed nor merged again. Adapters without it are called as before.
    accepts_digests: ClassVar[bool] = False
    #: Languages (ISO 639-1) the carrier's API can word its event texts in, when it takes
    #: a language parameter; the customer's language is asked for when it is one of them.
    answer_languages: ClassVar[frozenset[str]] = frozenset()
    #: Credential fields the merchant fills in (name -> label), for the admin form.
    credential_fields: ClassVar[Mapping[str, str]] = {}
    timeout: ClassVar[float] = 15.0

    def __init__(
        self,
        credentials: Mapping[str, str],
        *,
        client: httpx.AsyncClient,
        base_url: str | None = None,
    ) -> None:
        self.credentials = dict(credentials)
        self.client = client
        self.base_url = (base_url or self.default_base_url).rstrip("/")

    # --- the operation every adapter implements ---

    async def track(
        self, numbers: Sequence[str], hints: Mapping[str, NumberHint] | None = None
    ) -> list[TrackingResult]:
        """One result per number, in the order given; batches split by the adapter.

        ``hints`` (only passed when :attr:`accepts_hints` is set) maps a number to what
        the shop knows about its parcel; a number may be missing from it.
        """
        raise NotImplementedError

    async def track_known(
        self,
        numbers: Sequence[str],
        hints: Mapping[str, NumberHint] | None,
        digests: Mapping[str, str],
    ) -> list[TrackingResult]:
        """:meth:`track`, told the digest of each number's last answer (``digests``; a
        number may be missing from it). Only called when :attr:`accepts_digests` is set.

        Every result carries the ``digest`` of its raw answer; a number whose answer has
        the digest given comes back as ``TrackingResult(number, digest=d, unchanged=True)``
        without being parsed. The digest must change whenever the adapter's parsing of the
        same answer would (put a version of the parser in it).
        """
        raise NotImplementedError

    def language_for(self, hint: NumberHint | None) -> str | None:
        """The customer's language when the carrier's API can answer in it, else None."""
        language = hint.language if hint is not None else None
        return language if language in self.answer_languages else None

    # --- optional capabilities ---

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        """True when a pushed body is authentic. Adapters without push reject everything."""
        return False

    def parse_webhook(self, body: bytes) -> list[TrackingResult]:
        """Results carried by a pushed body; raises :class:`BadResponse` when it is not one."""
        raise BadResponse(f"{self.key} does not accept pushed updates", body)

    async def create_return_label(self, **details: Any) -> bytes:
        """A printable return label (PDF bytes), for carriers that support it."""
        raise CarrierError(f"{self.key} cannot create return labels")

    # --- helpers shared by adapters ---

    def public_url(self, number: str) -> str | None:
        return self.tracking_url.format(number=number) if self.tracking_url else None

    @classmethod
    def batches(cls, numbers: Sequence[str]) -> list[list[str]]:
        size = max(1, cls.batch_size)
        return [list(numbers[i : i + size]) for i in range(0, len(numbers), size)]

    async def one_by_one(
        self, numbers: Sequence[str], track_one: Callable[[str], Awaitable[TrackingResult]]
    ) -> list[TrackingResult]:
        """Each number through ``track_one`` in turn, for an API that answers one number a
        call: no faster than ``rate_limit`` calls a second within this track call (the
        pace across calls and workers is :mod:`portal.pacing`'s)."""
        results: list[TrackingResult] = []
        started: float | None = None
        for number in numbers:
            if started is not None:
                await asyncio.sleep(max(0.0, started + 1 / self.rate_limit - time.monotonic()))
            started = time.monotonic()
            results.append(await track_one(number))
        return results

    async def send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send a request, turning transport failures and 429/5xx into typed errors.

        Other statuses (including 4xx other than 429) are returned for the adapter to
        interpret, since carriers use them for "not found" and validation errors.
        """
        kwargs.setdefault("timeout", self.timeout)
        try:
            response = await self.client.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            raise CarrierUnavailable(f"{self.key}: timed out") from exc
        except httpx.TransportError as exc:
            raise CarrierUnavailable(f"{self.key}: {type(exc).__name__}") from exc
        if response.status_code == 429:
            raise RateLimited(
                f"{self.key}: rate limited",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if response.status_code == 503 and "Retry-After" in response.headers:
            raise RateLimited(
                f"{self.key}: unavailable, retry later",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if response.status_code >= 500:
            raise CarrierUnavailable(f"{self.key}: HTTP {response.status_code}")
        return response

    @staticmethod
    def json_body(response: httpx.Response) -> Any:
        """The decoded JSON body, or :class:`BadResponse` with the raw text kept."""
        try:
            return json.loads(response.content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadResponse(
                f"invalid JSON (HTTP {response.status_code})", response.content
            ) from exc


@dataclass(slots=True)
class _Token:
    value: str
    expires_at: float


class TokenCache:
    """OAuth client-credentials tokens, one per account, shared by concurrent calls.

    Tokens are refreshed a minute before they expire; :meth:`invalidate` drops one
    after a 401 so the next call fetches a new one. Per process, which is enough:
    each process simply fetches its own token.
    """

    margin_seconds: ClassVar[float] = 60.0

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, ...], _Token] = {}
        self._locks: dict[tuple[str, ...], asyncio.Lock] = {}

    def _lock(self, key: tuple[str, ...]) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock

    async def get(
        self, key: tuple[str, ...], fetch: Callable[[], Awaitable[tuple[str, float]]]
    ) -> str:
        """A valid token for ``key``; ``fetch()`` returns ``(token, expires_in_seconds)``."""
        token = self._tokens.get(key)
        if token and token.expires_at - self.margin_seconds > time.monotonic():
            return token.value
        async with self._lock(key):
            token = self._tokens.get(key)
            if token and token.expires_at - self.margin_seconds > time.monotonic():
                return token.value
            value, expires_in = await fetch()
            self._tokens[key] = _Token(value, time.monotonic() + float(expires_in))
            return value

    def invalidate(self, key: tuple[str, ...], value: str | None = None) -> None:
        """Forget ``key``'s token (only if it is still ``value``, when given)."""
        token = self._tokens.get(key)
        if token and (value is None or token.value == value):
            del self._tokens[key]

    def clear(self) -> None:
        self._tokens.clear()
