"""An example receiver, as a merchant would write one: verify the signature, then accept.

It is a real Starlette app; tests reach it through ``httpx.ASGITransport``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from portal.webhooks_out.signing import verify_signature


@dataclass
class Receiver:
    secret: str
    #: Status to answer once the signature checks out (tests make it fail on purpose).
    status: int = 200
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    accepted: list[dict[str, Any]] = field(default_factory=list)
    rejected: int = 0
    raw: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    async def hook(self, request: Request) -> PlainTextResponse:
        body = await request.body()
        self.raw.append((dict(request.headers), body))
        if not verify_signature(
            self.secret, request.headers.get("doorstep-signature"), body, self.clock()
        ):
            self.rejected += 1
            return PlainTextResponse("bad signature", status_code=400)
        payload = json.loads(body)
        assert request.headers["doorstep-event-id"] == payload["id"]
        assert request.headers["doorstep-topic"] == payload["topic"]
        self.accepted.append(payload)
        return PlainTextResponse("thanks" if self.status < 300 else "boom", status_code=self.status)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app()))


URL = "https://merchant.example.test/hook"
