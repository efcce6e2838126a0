"""Calling a store, faked at HTTP only: a store that stays down is given up on after the
last attempt with exponential waits, ``Retry-After`` is honoured (RFC 9110 §10.2.3), a
revoked token is not retried, a 4xx other than those is an error at once, and a 429 pauses
every caller sharing the store's pace."""

from __future__ import annotations

import random
from datetime import datetime

import httpx
import pytest
import respx

from portal import pacing
from portal.platforms.base import PlatformError, Revoked, Unavailable
from portal.platforms.transport import Transport

URL = "https://shop.example.com/wp-json/wc/v3/orders"


def transport(client: httpx.AsyncClient, waits: list[float]) -> Transport:
    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    return Transport(client, sleep=sleep, rng=random.Random(1))


async def test_it_gives_up_after_the_last_attempt_with_exponential_waits() -> None:
    waits: list[float] = []
    with respx.mock(assert_all_called=True) as store:
        route = store.get(URL).mock(return_value=httpx.Response(503))
        async with httpx.AsyncClient() as client:
            calls = transport(client, waits)
            with pytest.raises(Unavailable, match=r"HTTP 503 \(gave up after 6 attempts\)"):
                await calls.request("GET", URL)

    assert route.call_count == 6
    assert len(waits) == 5 and calls.waited == waits
    for attempt, wait in enumerate(waits, start=1):
        assert 0.8 * 2 ** (attempt - 1) <= wait <= 1.2 * 2 ** (attempt - 1)


async def test_it_waits_what_retry_after_says_then_answers() -> None:
    waits: list[float] = []
    with respx.mock(assert_all_called=True) as store:
        store.get(URL).mock(
            side_effect=[
                httpx.Response(429, headers={"Retry-After": "3"}),
                httpx.Response(503, headers={"Retry-After": "1.5"}),
                httpx.Response(200, json=[]),
            ]
        )
        async with httpx.AsyncClient() as client:
            response = await transport(client, waits).request("GET", URL)

    assert response.json() == []
    assert waits == [3.0, 1.5]


async def test_it_does_not_retry_a_revoked_token() -> None:
    waits: list[float] = []
    with respx.mock(assert_all_called=True) as store:
        route = store.get(URL).mock(return_value=httpx.Response(401))
        async with httpx.AsyncClient() as client:
            with pytest.raises(Revoked):
                await transport(client, waits).request("GET", URL)

    assert route.call_count == 1 and waits == []


async def test_it_reports_another_4xx_at_once() -> None:
    waits: list[float] = []
    with respx.mock(assert_all_called=True) as store:
        route = store.get(URL).mock(return_value=httpx.Response(404, text="no such route"))
        async with httpx.AsyncClient() as client:
            with pytest.raises(PlatformError, match="HTTP 404: no such route"):
                await transport(client, waits).request("GET", URL)

    assert route.call_count == 1 and waits == []


async def test_a_429_pauses_every_transport_sharing_the_stores_pace() -> None:
    """BaseLinker's limit is its token's: one caller's 429 holds the others back too, for
    what ``Retry-After`` said (in memory here; portal/pacing.py shares it on PostgreSQL)."""
    schedule = pacing.Schedule()

    def pace(now: datetime) -> pacing.Pacer:
        return pacing.LocalPacer(1000.0, now, schedule)

    first: list[float] = []
    second: list[float] = []
    with respx.mock(assert_all_called=True) as store:
        route = store.get(URL).mock(
            side_effect=[
                httpx.Response(429, headers={"Retry-After": "30"}),
                httpx.Response(200, json=[]),
                httpx.Response(200, json=[]),
            ]
        )
        async with httpx.AsyncClient() as client:
            one, two = transport(client, first), transport(client, second)
            one.pace = two.pace = pace
            await one.request("GET", URL)
            await two.request("GET", URL)

    assert route.call_count == 3  # the second caller did not meet a 429 of its own
    assert first == [30.0]  # the 429's own retry waited it out, once
    assert len(second) == 1 and 29.0 <= second[0] <= 30.0  # the pause, before calling


async def test_a_call_that_makes_something_is_not_sent_again_after_a_fault() -> None:
    """``retry_faults=False`` (a Shopify refund or return): a 5xx or a dropped connection may
    come after the store made it, so it fails at once; a 429 (the store ran nothing) is
    still waited out and sent again."""
    waits: list[float] = []
    with respx.mock(assert_all_called=True) as store:
        route = store.post(URL).mock(
            side_effect=[
                httpx.Response(429, headers={"Retry-After": "2"}),
                httpx.Response(502),
                httpx.Response(201, json={}),
            ]
        )
        async with httpx.AsyncClient() as client:
            calls = transport(client, waits)
            with pytest.raises(Unavailable, match=r"HTTP 502 \(not sent again\)"):
                await calls.request("POST", URL, retry_faults=False)
            assert route.call_count == 2 and waits == [2.0]

            store.post(URL).mock(side_effect=httpx.ConnectError("reset"))
            with pytest.raises(Unavailable, match=r"ConnectError calling the store"):
                await calls.request("POST", URL, retry_faults=False)
    assert waits == [2.0], "no backoff: the caller decides when to look again"
