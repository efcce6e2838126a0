"""FedEx Track API v1 adapter: HTTP, OAuth and webhook checks; parsing is in
:mod:`carriers.fedex.parse`.

Up to 30 numbers per call; the batches of one ``track()`` run concurrently under a small
semaphore. Pushed updates (FedEx's paid Advanced Integrated Visibility webhooks) are
signed with ``fdx-signature`` = Base64(HMAC-SHA256(security token, raw body)).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar
from uuid import uuid4

import httpx

from carriers.base import (
    AuthError,
    BadResponse,
    CarrierAdapter,
    TokenCache,
    TrackingResult,
)
from carriers.fedex import parse

#: OAuth tokens per (base_url, client_id), shared by every FedExAdapter in the process.
TOKENS = TokenCache()


class FedExAdapter(CarrierAdapter):
    """Tracks FedEx parcels through ``/track/v1/trackingnumbers`` and accepts pushes."""

    key = "fedex"
    display_name = "FedEx"
    tracking_url = "https://www.fedex.com/fedextrack/?trknbr={number}"
    default_base_url = "https://apis.fedex.com"
    batch_size = 30
    #: FedEx allows 1,400 transactions per 10 s per project but only 100k Track calls a
    #: day by default; 10 calls/s (300 numbers/s) stays far from both.
    rate_limit = 10.0
    supports_push = True
    credential_fields: ClassVar[dict[str, str]] = {
        "client_id": "API key",
        "client_secret": "Secret key",
        "webhook_secret": "Webhook security token (only for pushed updates)",
    }
    #: Batches in flight at once for one ``track()``.
    concurrency: ClassVar[int] = 4

    async def track(self, numbers: Sequence[str]) -> list[TrackingResult]:
        """Batches of 30, at most :attr:`concurrency` at a time, results in order.

        The first failure cancels the batches still running and is raised as itself
        (not as an ExceptionGroup), so callers see the typed carrier error.
        """
        gate = asyncio.Semaphore(self.concurrency)

        async def one(batch: list[str]) -> list[TrackingResult]:
            async with gate:
                return await self._track_batch(batch)

        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(one(b)) for b in self.batches(numbers)]
        except BaseExceptionGroup as failed:
            raise failed.exceptions[0] from None
        return [result for task in tasks for result in task.result()]

    async def _track_batch(self, batch: list[str]) -> list[TrackingResult]:
        body = {
            "includeDetailedScans": True,
            "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": n}} for n in batch],
        }
        url = f"{self.base_url}/track/v1/trackingnumbers"
        response = await self._authorized("POST", url, json=body)
        if response.status_code == 200:
            results = parse.parse_track(self.json_body(response), batch)
        elif response.status_code == 400 and self._numbers_rejected(response):
            # The whole call was refused over the numbers themselves. Alone, such a
            # number is unusable (not found); in a batch, ask for each on its own so
            # one bad number cannot keep the other 29 from being tracked.
            if len(batch) == 1:
                results = [TrackingResult(number=batch[0], not_found=True)]
            else:
                results = [r for n in batch for r in await self._track_batch([n])]
        elif response.status_code == 403:
            raise AuthError("fedex: access refused (HTTP 403)")
        else:
            raise BadResponse(f"fedex: unexpected HTTP {response.status_code}", response.content)
        for result in results:
            result.carrier_url = self.public_url(result.number)
        return results

    def _numbers_rejected(self, response: httpx.Response) -> bool:
        codes = parse.error_codes(self.json_body(response))
        return bool(codes) and all(c.startswith(parse.NUMBER_ERROR_PREFIX) for c in codes)

    # --- push ---

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        """True when ``fdx-signature`` is the Base64 HMAC-SHA256 of the raw body."""
        secret = self.credentials.get("webhook_secret", "")
        given = next((v for k, v in headers.items() if k.lower() == "fdx-signature"), "")
        if not secret or not given:
            return False
        digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
        expected = base64.b64encode(digest)
        return hmac.compare_digest(expected, given.strip().encode("utf-8"))

    def parse_webhook(self, body: bytes) -> list[TrackingResult]:
        """Results in a pushed body (see :func:`carriers.fedex.parse.parse_push`)."""
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadResponse("fedex: pushed body is not JSON", body) from exc
        results = parse.parse_push(payload)
        for result in results:
            result.carrier_url = self.public_url(result.number)
        return results

    # --- OAuth ---

    @property
    def _token_key(self) -> tuple[str, str]:
        return (self.base_url, self.credentials.get("client_id", ""))

    async def _authorized(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send with a bearer token; on 401 drop the token, fetch a new one, retry once."""
        for _ in range(2):
            token = await TOKENS.get(self._token_key, self._fetch_token)
            headers = {
                "authorization": f"Bearer {token}",
                "x-locale": "en_US",
                "x-customer-transaction-id": str(uuid4()),
                "accept": "application/json",
            }
            response = await self.send(method, url, headers=headers, **kwargs)
            if response.status_code != 401:
                return response
            TOKENS.invalidate(self._token_key, token)
        raise AuthError("fedex: token rejected twice (HTTP 401)")

    async def _fetch_token(self) -> tuple[str, float]:
        client_id = self.credentials.get("client_id", "")
        client_secret = self.credentials.get("client_secret", "")
        if not client_id or not client_secret:
            raise AuthError("fedex: client_id and client_secret are required")
        response = await self.send(
            "POST",
            f"{self.base_url}/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": client_secret,
            },
            headers={"accept": "application/json"},
        )
        if response.status_code in (400, 401, 403):
            raise AuthError(f"fedex: token request refused (HTTP {response.status_code})")
        if response.status_code != 200:
            raise BadResponse(
                f"fedex: token endpoint HTTP {response.status_code}", response.content
            )
        return parse.parse_token(self.json_body(response))
