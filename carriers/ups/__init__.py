"""UPS Track API adapter: HTTP and OAuth only; parsing lives in :mod:`carriers.ups.parse`.

UPS tracks one number per call, so a batch becomes several calls run concurrently under a
small semaphore (enough to hide latency, few enough not to trip UPS's unpublished limits).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, ClassVar
from urllib.parse import quote
from uuid import uuid4

import httpx

from carriers.base import (
    AuthError,
    BadResponse,
    CarrierAdapter,
    TokenCache,
    TrackingResult,
)
from carriers.ups import parse

#: OAuth tokens per (base_url, client_id), shared by every UPSAdapter in the process.
TOKENS = TokenCache()


class UPSAdapter(CarrierAdapter):
    """Tracks UPS parcels through the Track API (``/api/track/v1/details``)."""

    key = "ups"
    display_name = "UPS"
    tracking_url = "https://www.ups.com/track?tracknum={number}"
    default_base_url = "https://onlinetools.ups.com"
    batch_size = 1
    #: UPS publishes no figure for the Track API; kept modest.
    rate_limit = 10.0
    supports_push = False  # Track Alert pushes carry no signature we could verify
    credential_fields: ClassVar[dict[str, str]] = {
        "client_id": "Client ID",
        "client_secret": "Client secret",
    }
    #: Track calls in flight at once for one ``track()``.
    concurrency: ClassVar[int] = 4

    async def track(self, numbers: Sequence[str]) -> list[TrackingResult]:
        """One call per number, at most :attr:`concurrency` at a time, results in order.

        The first failure cancels the calls still running and is raised as itself
        (not as an ExceptionGroup), so callers see the typed carrier error.
        """
        gate = asyncio.Semaphore(self.concurrency)

        async def one(number: str) -> TrackingResult:
            async with gate:
                return await self._track_one(number)

        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(one(n)) for n in numbers]
        except BaseExceptionGroup as failed:
            raise failed.exceptions[0] from None
        return [task.result() for task in tasks]

    async def _track_one(self, number: str) -> TrackingResult:
        url = f"{self.base_url}/api/track/v1/details/{quote(number, safe='')}"
        params = {
            "locale": "en_US",
            "returnSignature": "true",
            "returnMilestones": "false",
            "returnPOD": "true",
        }
        response = await self._authorized("GET", url, params=params)
        if response.status_code == 404:
            result = TrackingResult(number=number, not_found=True)
        elif response.status_code in (200, 400):
            # 400 is UPS's answer to a malformed number ({"response": {"errors": ...}});
            # the parser turns that body into not_found and anything else into BadResponse.
            [result] = parse.parse_track(self.json_body(response), number)
        elif response.status_code == 403:
            raise AuthError(f"ups: access refused (HTTP 403) for client {self._client_id}")
        else:
            raise BadResponse(f"ups: unexpected HTTP {response.status_code}", response.content)
        result.carrier_url = self.public_url(number)
        return result

    # --- OAuth ---

    @property
    def _client_id(self) -> str:
        return self.credentials.get("client_id", "")

    @property
    def _token_key(self) -> tuple[str, str]:
        return (self.base_url, self._client_id)

    async def _authorized(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send with a bearer token; on 401 drop the token, fetch a new one, retry once."""
        for _ in range(2):
            token = await TOKENS.get(self._token_key, self._fetch_token)
            headers = {
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                "transId": uuid4().hex,  # unique per request, 32 chars as UPS allows
                "transactionSrc": "doorstep",
            }
            response = await self.send(method, url, headers=headers, **kwargs)
            if response.status_code != 401:
                return response
            TOKENS.invalidate(self._token_key, token)
        raise AuthError("ups: token rejected twice (HTTP 401)")

    async def _fetch_token(self) -> tuple[str, float]:
        client_secret = self.credentials.get("client_secret", "")
        if not self._client_id or not client_secret:
            raise AuthError("ups: client_id and client_secret are required")
        response = await self.send(
            "POST",
            f"{self.base_url}/security/v1/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(self._client_id, client_secret),
            headers={"Accept": "application/json"},
        )
        if response.status_code in (400, 401, 403):
            raise AuthError(f"ups: token request refused (HTTP {response.status_code})")
        if response.status_code != 200:
            raise BadResponse(f"ups: token endpoint HTTP {response.status_code}", response.content)
        return parse.parse_token(self.json_body(response))
