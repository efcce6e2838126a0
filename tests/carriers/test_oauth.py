"""OAuth client credentials (:mod:`carriers.oauth`) as UPS, FedEx, USPS, GLS and BOX NOW use
it: one cached token, a single refresh after a 401, and AuthError for refused or missing
credentials.

Each carrier's token request itself (form, Basic auth or JSON) is tested in its own file.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from carriers import registry
from carriers.base import AuthError, Status
from carriers.oauth import OAuthAdapter
from tests.carriers.helpers import Carrier, load_fixture, rows

#: What each carrier answers: the body of its 401, the status its journey.json reads as.
UNAUTHORIZED: dict[str, Any] = {
    "ups": None,
    "fedex": load_fixture("fedex", "unauthorized.json"),
    "usps": None,
    "gls": load_fixture("gls", "token_expired.json"),
    "boxnow": None,  # the Partner API documents a bare 401
    "cdek": None,
}
JOURNEY_STATUS = {
    "ups": Status.OUT_FOR_DELIVERY,
    "fedex": Status.OUT_FOR_DELIVERY,
    "usps": Status.IN_TRANSIT,
    "gls": Status.INFO_RECEIVED,
    "boxnow": Status.AVAILABLE_FOR_PICKUP,
    "cdek": Status.DELIVERED,
}
#: What each token endpoint says when it refuses the client.
TOKEN_REFUSED: dict[str, Any] = {
    "ups": {"response": {"errors": []}},
    "fedex": load_fixture("fedex", "unauthorized.json"),
    "usps": {"error": "invalid_client"},
    "gls": {"errors": [{"message": "Invalid client identifier", "type": "400"}]},
    "boxnow": load_fixture("boxnow", "error_p400.json"),
    "cdek": load_fixture("cdek", "token_refused.json"),
}
OAUTH_CARRIERS = pytest.mark.parametrize("carrier", list(UNAUTHORIZED), indirect=True)


def token(carrier: Carrier, value: str) -> httpx.Response:
    return httpx.Response(
        200, json={**load_fixture(carrier.name, "token.json"), "access_token": value}
    )


@OAUTH_CARRIERS
async def test_it_refreshes_the_token_once_after_a_401(carrier: Carrier, client, respx_mock):
    name = carrier.name
    assert carrier.token_url
    tokens = respx_mock.post(carrier.token_url).mock(
        side_effect=[token(carrier, "stale"), token(carrier, "fresh")]
    )
    route = carrier.route(respx_mock).mock(
        side_effect=[
            httpx.Response(401, json=UNAUTHORIZED[name]),
            httpx.Response(200, json=load_fixture(name, "journey.json")),
        ]
    )

    [result] = await carrier.make(client).track([carrier.number])

    assert result.status is JOURNEY_STATUS[name]
    assert (tokens.call_count, route.call_count) == (2, 2)
    assert [c.request.headers["Authorization"] for c in route.calls] == [
        "Bearer stale",
        "Bearer fresh",
    ]


@OAUTH_CARRIERS
async def test_a_second_401_raises_auth_error(carrier: Carrier, client, respx_mock):
    tokens = carrier.token_route(respx_mock)
    route = carrier.route(respx_mock).respond(401, json=UNAUTHORIZED[carrier.name])
    adapter = carrier.make(client)

    with pytest.raises(AuthError):
        await adapter.track([carrier.number])
    assert (tokens.call_count, route.call_count) == (2, 2)


@pytest.mark.parametrize(
    ("carrier", "status"),
    [
        *rows("ups", (400,), (401,)),
        *rows("fedex", (400,), (401,)),
        *rows("usps", (400,), (401,)),
        *rows("gls", (400,), (401,)),
        *rows("boxnow", (400,), (401,)),
        *rows("cdek", (400,), (401,)),
    ],
    indirect=["carrier"],
)
async def test_a_refused_token_request_raises_auth_error(
    carrier: Carrier, client, respx_mock, status
):
    assert carrier.token_url
    respx_mock.post(carrier.token_url).respond(status, json=TOKEN_REFUSED[carrier.name])
    route = carrier.route(respx_mock)

    with pytest.raises(AuthError):
        await carrier.make(client).track([carrier.number])
    assert not route.called


@pytest.mark.parametrize("credentials", [{}, {"client_id": "x"}], ids=["none", "no-secret"])
@OAUTH_CARRIERS
async def test_missing_credentials_raise_auth_error_without_a_call(
    carrier: Carrier, client, respx_mock, credentials
):
    adapter = carrier.cls(credentials, client=client)

    with pytest.raises(AuthError):
        await adapter.track([carrier.number])
    assert not respx_mock.calls


def test_every_oauth_adapter_is_covered():
    oauth = {key for key in registry.available() if issubclass(registry.get(key), OAuthAdapter)}
    assert oauth == set(UNAUTHORIZED)
