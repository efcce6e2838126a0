"""zeep over Doorstep's httpx client, for the carriers that speak SOAP (Poczta Polska, DPD Polska).

What every SOAP adapter needs alike lives here; what its service means (the operation, the
credentials, which faults are refused credentials) stays in the adapter's own ``soap`` module.

- The service description ships beside the adapter and is parsed from disk:
  :class:`DiskOnly` reads local paths and refuses any URL (http, https, file), so a WSDL or
  schema is never fetched at run time.
- :class:`ClientTransport` is zeep's :class:`~zeep.transports.AsyncTransport` bound to the
  adapter's ``httpx.AsyncClient`` (which respx fakes in tests). zeep's own constructor is not
  called: it would overwrite the shared client's headers and open a second, synchronous
  client for loading WSDLs.
- Whole-call failures become Doorstep's typed errors before zeep reads the answer: transport
  failures and timeouts, 401/403, 429 (and 503 with ``Retry-After``), and a 5xx that is not a
  SOAP fault. A fault (which Java SOAP stacks send with HTTP 500, refused credentials
  included) goes on to zeep, which raises :class:`zeep.exceptions.Fault`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from zeep import AsyncClient, Settings
from zeep.proxy import AsyncServiceProxy
from zeep.transports import AsyncTransport
from zeep.wsdl import Document

from carriers.base import (
    AuthError,
    BadResponse,
    CarrierUnavailable,
    RateLimited,
    parse_retry_after,
)

#: An adapter's own look at an answer before zeep reads it; it raises to refuse the answer.
Check = Callable[[httpx.Response], None]


class DiskOnly(AsyncTransport):
    """zeep's transport for loading a shipped WSDL: local paths are read, URLs refused."""

    def __init__(self, carrier: str) -> None:
        # Not AsyncTransport.__init__: it opens two HTTP clients this never uses.
        self.carrier = carrier
        self.cache = None
        self._close_session = False
        self.logger = logging.getLogger(__name__)

    def _load_remote_data(self, url: str) -> bytes:
        """zeep's hook for http, https and file URLs, which a shipped WSDL never needs."""
        raise BadResponse(f"{self.carrier}: the shipped WSDL refers to {url}, never fetched")


def load_wsdl(path: Path, carrier: str, settings: Settings) -> Document:
    """The service description at ``path``, read from disk only (callers cache it)."""
    # zeep annotates the transport as a class although it takes (and uses) an instance.
    return Document(str(path), DiskOnly(carrier), settings=settings)  # type: ignore[arg-type]


def _is_fault(body: bytes) -> bool:
    return b"Fault>" in body and b"Envelope" in body


class ClientTransport(DiskOnly):
    """zeep's async transport posting through Doorstep's shared ``httpx.AsyncClient``.

    ``check``, when given, sees every answer the shared rules let through (SOAP faults
    included), for what the adapter knows zeep would misread.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        carrier: str,
        timeout: float,
        check: Check | None = None,
    ) -> None:
        super().__init__(carrier)
        self.client = client
        self.operation_timeout = timeout
        self.check = check

    async def post(self, address: str, message: Any, headers: Any) -> httpx.Response:
        try:
            response: httpx.Response = await self.client.post(
                address, content=message, headers=dict(headers), timeout=self.operation_timeout
            )
        except httpx.TimeoutException as exc:
            raise CarrierUnavailable(f"{self.carrier}: timed out") from exc
        except httpx.TransportError as exc:
            raise CarrierUnavailable(f"{self.carrier}: {type(exc).__name__}") from exc
        status = response.status_code
        if status in (401, 403):
            raise AuthError(f"{self.carrier}: credentials rejected (HTTP {status})")
        retry_after = response.headers.get("Retry-After")
        if status == 429 or (status == 503 and retry_after is not None):
            raise RateLimited(
                f"{self.carrier}: rate limited (HTTP {status})",
                retry_after=parse_retry_after(retry_after),
            )
        if status >= 500 and not _is_fault(response.content):
            raise CarrierUnavailable(f"{self.carrier}: HTTP {status}")
        if self.check is not None:
            self.check(response)
        return response

    async def aclose(self) -> None:
        """The client belongs to Doorstep: nothing to close here."""


def bind(
    document: Document,
    binding: str,
    transport: ClientTransport,
    *,
    address: str,
    settings: Settings,
    wsse: Any = None,
) -> AsyncServiceProxy:
    """The operations of ``binding`` at ``address``, posting through ``transport``."""
    # zeep leaves these constructors unannotated (pyproject: untyped_calls_exclude).
    zeep_client = AsyncClient(document, wsse=wsse, transport=transport, settings=settings)
    return AsyncServiceProxy(zeep_client, document.bindings[binding], address=address)
