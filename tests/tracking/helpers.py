"""Shared pieces for the tracking-engine tests: the clock, the carrier, and shipments in bulk.

The carrier is the real sandbox app (``carriers.sandbox.server.create_app``) reached through
respx: respx records every call and injects what the app cannot do on demand (timeouts),
everything else (faults, 401s, payloads) comes from the app itself.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter, deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from carriers.sandbox.server import FAULT_HEADER, RETRY_AFTER_HEADER, create_app
from portal.models import CarrierAccount, Merchant, Shipment

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
BASE = "http://sandbox.test"
DUE = NOW - timedelta(minutes=1)


@dataclass(frozen=True)
class Fault:
    """What the next carrier call does instead of answering normally."""

    #: A sandbox fault ("429", "500", "503", "garbage", ...), sent as X-Sandbox-Fault.
    kind: str | None = None
    #: Retry-After the sandbox sends with it ("none" for none).
    retry_after: str | None = None
    #: An exception raised instead of any answer (a timeout).
    error: Exception | None = None
    #: Seconds the carrier takes first.
    delay: float = 0.0


class Carrier:
    """The sandbox carrier behind respx, recording the numbers of every call."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now
        self.app = create_app(clock=lambda: self.now)
        self.asgi = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=BASE)
        self.calls: list[list[str]] = []
        self.faults: deque[Fault] = deque()
        self.always: Fault | None = None

    def fail_next(self, fault: Fault, times: int = 1) -> None:
        self.faults.extend([fault] * times)

    def per_number(self) -> Counter[str]:
        return Counter(n for call in self.calls for n in call)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        try:
            numbers = json.loads(request.content).get("numbers", [])
        except ValueError:
            numbers = []
        self.calls.append(list(numbers))
        fault = self.faults.popleft() if self.faults else self.always
        headers = dict(request.headers)
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.error is not None:
                raise fault.error
            if fault.kind is not None:
                headers[FAULT_HEADER] = fault.kind
            if fault.retry_after is not None:
                headers[RETRY_AFTER_HEADER] = fault.retry_after
        answer = await self.asgi.request(
            request.method, request.url.path, content=request.content, headers=headers
        )
        return httpx.Response(
            answer.status_code,
            headers={k: v for k, v in answer.headers.items() if k.lower() != "content-length"},
            content=answer.content,
        )


async def make_shipments(
    shop: Merchant,
    account: CarrierAccount | None,
    numbers: Sequence[str],
    *,
    next_poll_at: datetime | None = DUE,
    **fields: Any,
) -> list[Shipment]:
    """Many shipments at once (one INSERT), returned in the order of ``numbers``."""
    fields.setdefault("created_at", NOW - timedelta(days=1))
    await Shipment.bulk_create(
        [
            Shipment(
                merchant=shop,
                carrier_account=account,
                carrier_key="sandbox",
                tracking_number=number,
                next_poll_at=next_poll_at,
                **fields,
            )
            for number in numbers
        ]
    )
    found = {s.tracking_number: s for s in await Shipment.filter(tracking_number__in=numbers)}
    return [found[n] for n in numbers]


#: Set while a domain event is being emitted: its INSERT and whatever listeners do are
#: the listeners' cost per event, not the engine's per batch.
IN_EMIT: ContextVar[bool] = ContextVar("in_emit", default=False)


class QueryCounter(logging.Handler):
    """Counts SQL statements as Tortoise logs them (every execute_* logs one record)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []
        self.in_emits: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == "%s: %s" and record.args:
            (self.in_emits if IN_EMIT.get() else self.statements).append(str(record.args[0]))

    @property
    def count(self) -> int:
        """Statements issued by the engine itself (outside domain-event emission)."""
        return len(self.statements)


@contextmanager
def counting_queries() -> Iterator[QueryCounter]:
    logger = logging.getLogger("tortoise.db_client")
    counter = QueryCounter()
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)
