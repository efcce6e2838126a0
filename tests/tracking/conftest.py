"""Fixtures for the tracking-engine tests (helpers live in tests/tracking/helpers.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from portal import events
from portal.models import DomainEvent
from portal.settings import Settings
from portal.tracking import refresh
from tests.tracking.helpers import BASE, IN_EMIT, Carrier


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        secret_key="tracking-tests-" + "k" * 40,
        carrier_base_urls={"sandbox": BASE},
        var_dir=tmp_path,
    )


@pytest.fixture
def emits(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Kinds of the domain events emitted (one by one or in bulk); statements run while
    emitting are marked so query counts can leave out the per-event cost (the events and
    their listeners)."""
    seen: list[str] = []
    real, real_many = events.emit, events.emit_many

    async def emit(**kwargs: Any) -> DomainEvent:
        seen.append(kwargs["kind"])
        token = IN_EMIT.set(True)
        try:
            return await real(**kwargs)
        finally:
            IN_EMIT.reset(token)

    async def emit_many(specs: Sequence[events.EventSpec], **kwargs: Any) -> list[DomainEvent]:
        seen.extend(spec.kind for spec in specs)
        token = IN_EMIT.set(True)
        try:
            return await real_many(specs, **kwargs)
        finally:
            IN_EMIT.reset(token)

    monkeypatch.setattr(events, "emit", emit)
    monkeypatch.setattr(events, "emit_many", emit_many)
    return seen


@pytest.fixture
def respx_mock() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


@pytest.fixture
async def carrier(respx_mock: respx.MockRouter) -> AsyncIterator[Carrier]:
    """The sandbox carrier at BASE, every call recorded."""
    sandbox = Carrier()
    respx_mock.post(f"{BASE}/v1/track").mock(side_effect=sandbox.handle)
    try:
        yield sandbox
    finally:
        await sandbox.asgi.aclose()


@pytest.fixture
async def client(carrier: Carrier) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as c:
        yield c
        await refresh.drain()  # background refreshes finish before their client closes
