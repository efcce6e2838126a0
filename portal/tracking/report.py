"""What a sweep did: per carrier account while it runs, and summed up for the caller."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import TYPE_CHECKING

from carriers.base import TrackingResult
from portal.models import CarrierAccount
from portal.tracking.claim import Claimed

if TYPE_CHECKING:
    from portal.tracking.ingest import IngestOutcome


@dataclass(eq=False)
class AccountRun:
    """One account's share of a sweep: its shipments and what became of each."""

    account: CarrierAccount | None
    shipments: list[Claimed]
    results: list[tuple[int, TrackingResult]] = field(default_factory=list)
    #: Polls that failed: the shipment backs off.
    failed: list[tuple[Claimed, str]] = field(default_factory=list)
    #: Given back untouched, due again at the time given (rate limit, open circuit...).
    deferred: list[tuple[int, datetime]] = field(default_factory=list)
    #: Cannot be polled at all (no account, no adapter): put off, with the reason.
    parked: list[tuple[Claimed, datetime, str]] = field(default_factory=list)
    #: Failed carrier calls by error type.
    errors: Counter[str] = field(default_factory=Counter)
    calls: int = 0
    successes: int = 0
    #: Failed calls since the last successful one (drives the circuit breaker).
    trailing_failures: int = 0
    last_unavailable: str = ""
    rate_limited_until: datetime | None = None
    rate_limit_message: str = ""
    auth_error: str | None = None
    #: Failed calls retried at once in halves.
    split_calls: int = 0

    def defer(self, shipments: Iterable[Claimed], until: datetime) -> None:
        self.deferred.extend((s.id, until) for s in shipments)

    def park(self, until: datetime, message: str) -> None:
        self.parked.extend((s, until, message) for s in self.shipments)

    def fail(self, shipments: Iterable[Claimed], kind: str, message: str) -> None:
        self.errors[kind] += 1
        self.failed.extend((s, message) for s in shipments)

    def count(self, kind: str) -> None:
        self.errors[kind] += 1

    def succeeded(self) -> None:
        self.successes += 1
        self.trailing_failures = 0

    def unavailable(self, message: str) -> None:
        self.trailing_failures += 1
        self.last_unavailable = message

    def rate_limited(self, until: datetime, message: str) -> None:
        self.errors["rate_limited"] += 1
        if self.rate_limited_until is None or until > self.rate_limited_until:
            self.rate_limited_until = until
            self.rate_limit_message = message


@dataclass
class SweepReport:
    """Counts for one sweep (or several, merged)."""

    claimed: int = 0
    #: Carrier calls made.
    calls: int = 0
    #: Shipments the carrier answered for (including "not found").
    polled: int = 0
    not_found: int = 0
    #: Shipments with new events or a new status.
    updated: int = 0
    status_changes: int = 0
    new_events: int = 0
    delayed: int = 0
    #: Shipments whose poll failed; they back off.
    failed: int = 0
    #: Shipments given back untouched (rate limit, open circuit, paused account).
    deferred: int = 0
    #: Shipments that cannot be polled (no carrier account or adapter).
    skipped: int = 0
    #: Failed carrier calls by type: rate_limited, unavailable, auth, bad_response, ...
    errors: Counter[str] = field(default_factory=Counter)
    more_waiting: bool = False

    def add_run(self, run: AccountRun) -> None:
        self.calls += run.calls
        self.polled += len(run.results)
        self.not_found += sum(1 for _, r in run.results if r.not_found)
        self.failed += len(run.failed)
        self.deferred += len(run.deferred)
        self.skipped += len(run.parked)
        self.errors.update(run.errors)

    def add_outcomes(self, outcomes: Sequence[IngestOutcome]) -> None:
        for outcome in outcomes:
            self.new_events += outcome.new_events
            self.status_changes += outcome.status_changed
            self.delayed += outcome.delayed
            self.updated += bool(outcome.new_events or outcome.status_changed)

    def merge(self, other: SweepReport) -> None:
        for f in fields(self):
            if f.name == "errors":
                self.errors.update(other.errors)
            elif f.name != "more_waiting":
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        self.more_waiting = other.more_waiting

    def summary(self) -> str:
        """One line for logs and ``portal poll --once``."""
        parts = [
            f"claimed {self.claimed}",
            f"carrier calls {self.calls}",
            f"polled {self.polled} ({self.not_found} not found)",
            f"updated {self.updated} ({self.status_changes} status changes, {self.delayed} delays)",
            f"new events {self.new_events}",
            f"failed {self.failed}",
            f"deferred {self.deferred}",
            f"skipped {self.skipped}",
        ]
        if self.errors:
            parts.append("errors " + ", ".join(f"{k}={v}" for k, v in sorted(self.errors.items())))
        return "; ".join(parts)
