"""The polling sweep: claim due shipments, ask their carriers, write the answers in bulk.

One :func:`sweep_once` is one bounded unit of work (STYLE.md): it claims at most
``batch_size`` shipments, calls each carrier account concurrently (each within its
adapter's batch size and rate limit), ingests every answer in one transaction, and
gives every other shipment back with a new ``next_poll_at``. It reports whether more
work is waiting. The statements it issues do not grow with the number of shipments.

Carrier faults never stop a sweep and never touch known history:

- ``RateLimited``: the account waits out Retry-After (or a default); its shipments come
  back after that, without counting as failures;
- ``CarrierUnavailable``, ``BadResponse`` (and any unexpected error): the call is retried
  at once in two halves, and those in halves again (:data:`SPLIT_DEPTH`), so a passing
  fault or one bad number does not hold back a whole batch; shipments whose last try
  failed back off one by one (30 s doubling, capped at 15 min, jittered, stored);
- ``CarrierUnavailable`` also grows the account's failure streak; at
  :data:`accounts.CIRCUIT_THRESHOLD` its circuit opens for a short cooldown (30 s,
  doubling with each failed probe up to 5 min), then one probe call is made (half-open)
  and a success closes it;
- ``AuthError``: the account is paused and its merchant told (``carrier_account.auth_failed``);
- ``BadResponse``: logged with the raw body, an excerpt kept in ``shipment.last_error``.

A shipment without a carrier account is polled through its merchant's only account for
that carrier, else the one marked default for it; otherwise it is parked (``last_error``
says why).

Adapters that set ``accepts_hints`` get each number's :class:`carriers.base.NumberHint`
(the customer's language, phone and postcode), read in one query per sweep for their
shipments only (:mod:`portal.tracking.hints`); the others are called as they always were.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

import httpx
from tortoise.expressions import Q

from carriers import registry
from carriers.base import (
    AuthError,
    BadResponse,
    CarrierAdapter,
    CarrierUnavailable,
    NumberHint,
    RateLimited,
    TrackingResult,
)
from portal import pacing
from portal.core import draining
from portal.crypto import DecryptionError
from portal.models import CarrierAccount, EventSource
from portal.settings import Settings
from portal.tracking import accounts, cadence, claim
from portal.tracking.accounts import ERROR_EXCERPT
from portal.tracking.claim import Claimed
from portal.tracking.hints import hints_for, track_numbers
from portal.tracking.ingest import IngestOutcome, ingest_many
from portal.tracking.report import AccountRun, SweepReport

log = logging.getLogger(__name__)

#: Carrier accounts called at the same time, and calls in flight per account.
MAX_ACCOUNTS = 8
PER_ACCOUNT = 4
#: Spread shipments given back to a waiting account over this much time.
SPREAD = timedelta(seconds=30)
#: A failed batch call is retried at once in halves, down to this many halvings.
SPLIT_DEPTH = 2
#: ``last_error`` of a shipment parked for want of an account.
NO_ACCOUNT = (
    "no carrier account to poll this shipment with: the shop has none for its carrier, "
    "or several and none is named on the shipment or marked default"
)


def _spread(until: datetime, rand: cadence.Rand) -> datetime:
    return until + SPREAD * rand()


def _resolve_accounts(
    claimed: Sequence[Claimed], found: Sequence[CarrierAccount]
) -> dict[int | None, list[Claimed]]:
    """Group shipments by the account to poll them with (None: no usable account), as
    :func:`portal.tracking.accounts.polling_account` chooses it."""
    known = {a.id for a in found}
    by_merchant: dict[int, list[CarrierAccount]] = defaultdict(list)
    for account in found:
        by_merchant[account.merchant_id].append(account)
    groups: dict[int | None, list[Claimed]] = defaultdict(list)
    for shipment in claimed:
        if shipment.carrier_account_id is not None:
            named = shipment.carrier_account_id
            account_id: int | None = named if named in known else None
        else:
            chosen = accounts.polling_account(shipment, by_merchant[shipment.merchant_id])
            account_id = chosen.id if chosen is not None else None
        groups[account_id].append(shipment)
    return groups


async def _load_accounts(claimed: Sequence[Claimed]) -> list[CarrierAccount]:
    """The accounts named by the shipments, and those of merchants with unassigned ones."""
    ids = {c.carrier_account_id for c in claimed if c.carrier_account_id is not None}
    orphans = {c.merchant_id for c in claimed if c.carrier_account_id is None}
    return list(await CarrierAccount.filter(Q(id__in=list(ids)) | Q(merchant_id__in=list(orphans))))


def _wanting_hints(runs: Sequence[AccountRun]) -> list[int]:
    """Ids of the shipments whose adapter takes hints: only theirs are read."""
    wanted: list[int] = []
    for run in runs:
        if run.account is None:
            continue
        try:
            takes = registry.get(run.account.carrier_key).accepts_hints
        except KeyError:
            continue  # parked by _run_account
        if takes:
            wanted.extend(s.id for s in run.shipments)
    return wanted


class _Poller:
    """Calls one account's carrier for its shipments and sorts out what happened."""

    def __init__(
        self,
        run: AccountRun,
        adapter: CarrierAdapter,
        now: datetime,
        rand: cadence.Rand,
        per_account: int,
        hints: Mapping[int, NumberHint],
    ) -> None:
        self.run, self.adapter, self.now, self.rand = run, adapter, now, rand
        #: Tracking number -> its hint, for an adapter that takes hints (else empty).
        self.hints: dict[str, NumberHint] = {}
        if adapter.accepts_hints:
            for shipment in run.shipments:
                if shipment.id in hints:
                    self.hints.setdefault(shipment.tracking_number, hints[shipment.id])
        #: Tracking number -> digest of its last answer, for an adapter that takes them.
        self.digests: dict[str, str] = {}
        self.account = run.account
        self.streak = self.account.consecutive_failures if self.account else 0
        self.stopped_until: datetime | None = None
        self.pacer: pacing.Pacer = pacing.LocalPacer(adapter.rate_limit, now)
        self.slots = asyncio.Semaphore(max(1, per_account))

    async def poll(self) -> None:
        by_number: dict[str, list[Claimed]] = defaultdict(list)
        for shipment in self.run.shipments:
            by_number[shipment.tracking_number].append(shipment)
        if self.adapter.accepts_digests:
            for number, shipments in by_number.items():
                # Two shipments of one number that disagree: parse the answer for both.
                digests = {s.poll_digest for s in shipments}
                if len(digests) == 1 and (digest := digests.pop()) is not None:
                    self.digests[number] = digest
        batches = self.adapter.batches(list(by_number))
        key = pacing.carrier_account(self.account.id) if self.account else None
        self.pacer = pacing.pacer_for(key, self.adapter.rate_limit, self.now, calls=len(batches))
        if self.account is not None and self.account.circuit_open_until is not None:
            # Half-open: one probe call decides whether the rest may go.
            await self._call(batches[0], by_number)
            batches = batches[1:]
        await asyncio.gather(*(self._call(b, by_number) for b in batches))

    async def _call(
        self, numbers: list[str], by_number: dict[str, list[Claimed]], depth: int = 0
    ) -> None:
        shipments = [s for n in numbers for s in by_number[n]]
        split = False
        async with self.slots:
            if draining.stop_requested():
                # The worker is stopping: give these back due now for another worker.
                self.run.defer(shipments, self.now)
                return
            if self.stopped_until is None and (paused := await self.pacer.wait()) is not None:
                self._stop(paused)  # a 429 met by this worker or another
            if self.stopped_until is not None:
                self.run.defer(shipments, _spread(self.stopped_until, self.rand))
                return
            self.run.calls += 1
            try:
                results = await track_numbers(
                    self.adapter,
                    numbers,
                    {n: self.hints[n] for n in numbers if n in self.hints},
                    {n: self.digests[n] for n in numbers if n in self.digests},
                )
            except RateLimited as exc:
                wait = (
                    timedelta(seconds=exc.retry_after)
                    if exc.retry_after is not None
                    else accounts.DEFAULT_RATE_LIMIT_BACKOFF
                )
                until = self.now + wait
                self.run.rate_limited(until, str(exc))
                self._stop(until)
                await self.pacer.pause(until)  # every worker's calls to the account
                self.run.defer(shipments, _spread(until, self.rand))
            except AuthError as exc:
                self.run.auth_error = str(exc) or "credentials rejected"
                self.run.count("auth")
                self._stop(self.now + accounts.PARK)
                self.run.defer(shipments, self.now + accounts.PARK)
            except CarrierUnavailable as exc:
                self.streak += 1
                self.run.unavailable(str(exc))
                if self.streak >= accounts.CIRCUIT_THRESHOLD:
                    self._stop(self.now + accounts.circuit_cooldown(self.streak))
                split = self._failed(numbers, depth, shipments, "unavailable", str(exc))
            except BadResponse as exc:
                body = (exc.body or "")[:ERROR_EXCERPT]
                log.warning(
                    "%s: bad response for %d numbers: %s\n%s",
                    self.adapter.key,
                    len(numbers),
                    exc,
                    body,
                )
                message = f"{exc}: {body}" if body else str(exc)
                split = self._failed(numbers, depth, shipments, "bad_response", message)
            except Exception as exc:  # an adapter bug must not stop the sweep
                log.exception(
                    "%s: unexpected error tracking %d numbers", self.adapter.key, len(numbers)
                )
                message = f"{type(exc).__name__}: {exc}"
                split = self._failed(numbers, depth, shipments, "unexpected", message)
            else:
                self.streak = 0
                self.run.succeeded()
                self._collect(numbers, results, by_number)
        if split:
            # Outside the slot: the halves queue for it like any other call.
            half = len(numbers) // 2
            await asyncio.gather(
                self._call(numbers[:half], by_number, depth + 1),
                self._call(numbers[half:], by_number, depth + 1),
            )

    def _failed(
        self, numbers: list[str], depth: int, shipments: list[Claimed], kind: str, message: str
    ) -> bool:
        """A call failed: True when its numbers are to be retried now in two halves (the
        carrier answers other calls, and one bad number or a passing fault should not
        hold back a hundred); else the shipments back off one by one."""
        if len(numbers) > 1 and depth < SPLIT_DEPTH and self.stopped_until is None:
            self.run.count(kind)
            self.run.split_calls += 1
            return True
        self.run.fail(shipments, kind, message)
        return False

    def _stop(self, until: datetime) -> None:
        if self.stopped_until is None or until > self.stopped_until:
            self.stopped_until = until

    def _collect(
        self,
        numbers: list[str],
        results: list[TrackingResult],
        by_number: dict[str, list[Claimed]],
    ) -> None:
        pairs: list[tuple[str, TrackingResult | None]]
        if len(results) == len(numbers):
            pairs = list(zip(numbers, results, strict=True))
        else:
            found = {r.number.strip().upper(): r for r in results}
            pairs = [(n, found.get(n.strip().upper())) for n in numbers]
        for number, result in pairs:
            if result is None:
                self.run.fail(by_number[number], "bad_response", "carrier omitted this number")
                continue
            for shipment in by_number[number]:
                self.run.results.append((shipment.id, result))


async def _run_account(
    run: AccountRun,
    settings: Settings,
    client: httpx.AsyncClient,
    now: datetime,
    rand: cadence.Rand,
    per_account: int,
    hints: Mapping[int, NumberHint],
) -> None:
    account = run.account
    if account is None:
        run.park(now + accounts.PARK, NO_ACCOUNT)
        return
    waiting_until = accounts.retry_at(account, now)
    if waiting_until is not None:
        run.defer(run.shipments, _spread(waiting_until, rand))
        return
    try:
        adapter = accounts.build_adapter(account, settings, client)
    except KeyError as exc:
        run.park(now + accounts.PARK, f"no adapter installed for {account.carrier_key!r}: {exc}")
        return
    except DecryptionError as exc:
        run.auth_error = f"credentials cannot be decrypted: {exc}"
        run.defer(run.shipments, now + accounts.PARK)
        return
    except Exception as exc:  # a plugin that cannot even be built must not stop the sweep
        log.exception("carrier account %s: cannot build its adapter", account.id)
        run.park(now + accounts.PARK, f"adapter failed to start: {type(exc).__name__}: {exc}")
        return
    await _Poller(run, adapter, now, rand, per_account, hints).poll()


async def _write_back(
    runs: Sequence[AccountRun],
    report: SweepReport,
    now: datetime,
    rand: cadence.Rand,
    settings: Settings,
) -> None:
    """Everything the sweep learnt, in a constant number of statements."""
    outcomes = await _ingest_isolating(runs, now, rand, settings)
    report.add_outcomes(outcomes)
    failures = [
        (
            s.id,
            now + cadence.call_backoff(s.poll_failures + 1, rand),
            s.poll_failures + 1,
            message[:ERROR_EXCERPT],
        )
        for run in runs
        for s, message in run.failed
    ]
    failures += [(s.id, when, s.poll_failures, msg) for run in runs for s, when, msg in run.parked]
    await claim.record_failures(failures, now=now)
    await claim.reschedule([item for run in runs for item in run.deferred], now=now)
    for run in runs:
        await _record_account(run, now, settings)
        report.add_run(run)


async def _ingest_isolating(
    runs: Sequence[AccountRun], now: datetime, rand: cadence.Rand, settings: Settings
) -> list[IngestOutcome]:
    """Bulk ingest; if the batch fails (a result our code cannot store), retry one by one
    so that one poisoned result cannot hold back the others."""
    results = [item for run in runs for item in run.results]
    try:
        return await ingest_many(
            results, source=EventSource.POLL, now=now, rand=rand, settings=settings
        )
    except Exception:
        log.exception("bulk ingest of %d results failed; retrying one by one", len(results))
    outcomes: list[IngestOutcome] = []
    for run in runs:
        claimed = {s.id: s for s in run.shipments}
        for item in run.results:
            try:
                outcomes += await ingest_many(
                    [item], source=EventSource.POLL, now=now, rand=rand, settings=settings
                )
            except Exception as exc:
                log.exception("ingest failed for shipment %s", item[0])
                run.fail([claimed[item[0]]], "ingest", f"{type(exc).__name__}: {exc}")
    return outcomes


async def _record_account(run: AccountRun, now: datetime, settings: Settings) -> None:
    account = run.account
    if account is None:
        return
    if run.auth_error is not None:
        await accounts.pause(account, run.auth_error, now, settings)
    if run.rate_limited_until is not None:
        await accounts.record_rate_limited(
            account.id, run.rate_limited_until, run.rate_limit_message, now
        )
    if run.successes:
        await accounts.record_success(account.id, now)
    if run.trailing_failures:
        opened = await accounts.record_unavailable(
            account.id, run.trailing_failures, run.last_unavailable, now
        )
        if opened:
            log.warning("circuit opened for carrier account %s (%s)", account.id, account.name)


async def sweep_once(
    settings: Settings,
    *,
    client: httpx.AsyncClient,
    now: datetime | None = None,
    batch_size: int = 500,
    max_accounts: int = MAX_ACCOUNTS,
    per_account: int = PER_ACCOUNT,
    rand: cadence.Rand = random.random,
) -> SweepReport:
    """Claim, poll and write back at most ``batch_size`` due shipments."""
    now = now or datetime.now(UTC)
    report = SweepReport()
    if draining.stop_requested():
        return report
    holder = claim.new_holder()
    claimed = await claim.claim_due(now, batch_size, holder=holder)
    report.claimed = len(claimed)
    report.more_waiting = len(claimed) >= batch_size
    if not claimed:
        return report
    found = await _load_accounts(claimed)
    by_id = {a.id: a for a in found}
    runs = [
        AccountRun(by_id.get(account_id) if account_id is not None else None, shipments)
        for account_id, shipments in _resolve_accounts(claimed, found).items()
    ]
    hints = await hints_for(_wanting_hints(runs))
    gate = asyncio.Semaphore(max(1, max_accounts))

    async def guarded(run: AccountRun) -> None:
        async with gate:
            await _run_account(run, settings, client, now, rand, per_account, hints)

    ids = [c.id for c in claimed]

    async def renew() -> None:
        await claim.renew(ids, now=datetime.now(UTC), holder=holder)

    try:
        async with draining.Heartbeat(renew, claim.HEARTBEAT.total_seconds(), "poll sweep"):
            await asyncio.gather(*(guarded(run) for run in runs))
        await _write_back(runs, report, now, rand, settings)
    except BaseException:
        # Cancelled at the end of a stopping worker's grace (or a bug): hand the batch
        # back rather than leave it to the lease.
        await _release_quietly(ids, holder)
        raise
    # Every shipment of the batch has its result or its new schedule written: the
    # leases end (removed after, never before, so no other worker sees one due between).
    await claim.release(ids, holder=holder)
    return report


async def _release_quietly(ids: list[int], holder: int) -> None:
    try:
        await asyncio.wait_for(claim.release(ids, holder=holder), timeout=5)
    except Exception as exc:
        log.warning("could not give back %d claimed shipments: %r", len(ids), exc)


async def sweep_until_idle(
    settings: Settings,
    *,
    client: httpx.AsyncClient,
    now: datetime | None = None,
    batch_size: int = 500,
    max_batches: int | None = None,
    budget_seconds: float | None = None,
    parallel: int = 2,
) -> SweepReport:
    """Sweep batch after batch while more is due, within ``max_batches`` / a time budget.

    ``parallel`` sweeps run side by side (their claims never overlap), so one batch's
    carrier calls overlap another's database writes.
    """
    total = SweepReport()
    started = time.monotonic()
    budget = [max_batches]

    def may_continue() -> bool:
        if budget[0] is not None:
            if budget[0] <= 0:
                return False
            budget[0] -= 1
        return budget_seconds is None or time.monotonic() - started < budget_seconds

    async def lane() -> None:
        while not draining.stop_requested() and may_continue():
            report = await sweep_once(settings, client=client, now=now, batch_size=batch_size)
            total.merge(report)
            if not report.more_waiting:
                return

    await asyncio.gather(*(lane() for _ in range(max(1, parallel))))
    total.more_waiting = await claim.any_due(now or datetime.now(UTC))
    return total


async def poll_once(
    settings: Settings,
    *,
    client: httpx.AsyncClient | None = None,
    now: datetime | None = None,
    batch_size: int = 500,
) -> SweepReport:
    """Poll everything due now, then stop (``portal poll --once``). The database must be
    connected; an HTTP client is made for the run when none is given."""
    if client is not None:
        return await sweep_until_idle(settings, client=client, now=now, batch_size=batch_size)
    async with httpx.AsyncClient() as own:
        return await sweep_until_idle(settings, client=own, now=now, batch_size=batch_size)


async def poll_job(settings: Settings, client: httpx.AsyncClient) -> bool:
    """APScheduler job: sweep for at most ~50 s; True when work is still waiting."""
    report = await sweep_until_idle(settings, client=client, budget_seconds=50.0)
    if report.claimed:
        log.info("poll sweep: %s", report.summary())
    return report.more_waiting
