"""Whole-call failures, the same for every adapter: 429/503 with and without Retry-After,
5xx, timeouts and unusable bodies, each faked at the HTTP layer with respx.

Each row names its adapter and states that adapter's own expectation; the per-carrier
files keep what only one carrier does (its 4xx answers, its token endpoint, ...).
"""

from __future__ import annotations

import httpx
import pytest

from carriers.base import BadResponse, CarrierUnavailable, RateLimited
from tests.carriers.helpers import Carrier, rows


@pytest.mark.parametrize(
    ("carrier", "status", "retry_after_header", "retry_after"),
    [
        *rows("ups", (429, "30", 30.0), (429, None, None), (503, "5", 5.0)),
        *rows("fedex", (429, "10", 10.0), (429, None, None), (503, "5", 5.0)),
        *rows("usps", (429, "30", 30.0), (429, None, None), (503, "30", 30.0)),
        *rows("dhl", (429, "1", 1.0), (429, None, None), (503, "60", 60.0)),
        *rows("aftership", (429, "30", 30), (429, None, None)),
        *rows("easypost", (429, "30", 30), (429, None, None)),
    ],
    indirect=["carrier"],
)
async def test_rate_limits_raise_rate_limited_with_the_delay_asked_for(
    carrier: Carrier, client, respx_mock, status, retry_after_header, retry_after
):
    adapter = carrier.adapter(client, respx_mock)
    headers = {"Retry-After": retry_after_header} if retry_after_header else {}
    carrier.route(respx_mock).respond(status, headers=headers, json=carrier.error_json)

    with pytest.raises(RateLimited) as caught:
        await adapter.track([carrier.number])
    assert caught.value.retry_after == retry_after


@pytest.mark.parametrize(
    ("carrier", "answer"),
    [
        *rows("ups", (500,), (502,), (503,), (httpx.ReadTimeout,)),
        *rows("fedex", (500,), (502,), (503,), (httpx.ConnectTimeout,)),
        *rows("usps", (500,), (502,), (503,), (httpx.ReadTimeout,)),
        *rows("dhl", (500,), (502,), (httpx.ConnectTimeout,)),
        *rows("aftership", (502,), (500,), (httpx.ConnectTimeout,)),
        *rows("easypost", (502,), (500,), (httpx.ConnectTimeout,)),
        *rows("sandbox", (httpx.ReadTimeout,)),
    ],
    indirect=["carrier"],
)
async def test_5xx_and_timeouts_are_carrier_unavailable(
    carrier: Carrier, client, respx_mock, answer: int | type[httpx.TimeoutException]
):
    adapter = carrier.adapter(client, respx_mock)
    if isinstance(answer, int):
        carrier.route(respx_mock).respond(answer)
    else:
        carrier.route(respx_mock).mock(side_effect=answer("slow"))

    with pytest.raises(CarrierUnavailable):
        await adapter.track([carrier.number])


@pytest.mark.parametrize(
    ("carrier", "status", "body"),
    [
        *rows("ups", (200, "<html>maintenance</html>")),
        *rows("fedex", (200, "<html>maintenance</html>")),
        *rows("usps", (200, "<html>maintenance</html>"), (404, '{"error": "no route"}')),
        *rows(
            "dhl",
            (200, '{"shipments": ['),  # invalid JSON
            (404, "<html>Not Found</html>"),  # a proxy's page, not DHL's problem body
            (405, '{"title": "Method Not Allowed", "status": 405}'),
        ),
        *rows("aftership", (200, "{not json")),
        *rows("easypost", (200, "<html>oops</html>")),
        *rows("sandbox", (200, '{"parcels": [')),
    ],
    indirect=["carrier"],
)
async def test_an_unusable_answer_is_a_bad_response_that_keeps_the_body(
    carrier: Carrier, client, respx_mock, status, body
):
    adapter = carrier.adapter(client, respx_mock)
    carrier.route(respx_mock).respond(status, content=body.encode())

    with pytest.raises(BadResponse) as caught:
        await adapter.track([carrier.number])
    assert caught.value.body == body, "the raw body is kept for diagnosis"
