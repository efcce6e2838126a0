"""The SOAP plumbing for Poczta Polska: the shipped WSDL, a zeep transport over Doorstep's client.

The WSDL and its two schemas live in ``wsdl/`` beside this module and are parsed once
per process from disk; a reference to anything remote while loading them is refused, so
the service description can never be fetched at run time.

:class:`ClientTransport` is zeep's :class:`~zeep.transports.AsyncTransport` bound to the
adapter's ``httpx.AsyncClient`` (which respx fakes in tests). zeep's own constructor is
not called: it would overwrite the shared client's headers and open a second, synchronous
client for loading WSDLs. Transport failures, 401/403, 429 and a 5xx that is not a SOAP
fault become Doorstep's typed errors here; a SOAP fault (which Axis2 sends with HTTP 500,
authentication failures included) goes on to zeep, which raises :class:`zeep.exceptions.Fault`.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
from zeep import AsyncClient, Settings
from zeep.proxy import AsyncServiceProxy
from zeep.transports import AsyncTransport
from zeep.wsdl import Document
from zeep.wsse.username import UsernameToken

from carriers.base import AuthError, CarrierUnavailable, RateLimited, parse_retry_after

WSDL = Path(__file__).resolve().parent / "wsdl" / "Sledzenie.wsdl"
BINDING = "{http://sledzenie.pocztapolska.pl}SledzenieSoap11Binding"

#: Lenient about elements the service may add later; the parser checks what it reads.
SETTINGS = Settings(strict=False)


class DiskLoader:
    """Loads the shipped WSDL and schemas; any URL (http, https, file) is refused."""

    cache = None

    def load(self, url: str) -> bytes:
        if urlparse(url).scheme in ("http", "https", "file"):
            raise ValueError(f"poczta_polska: the WSDL is loaded from disk only, not {url}")
        return Path(url).read_bytes()


@functools.cache
def document() -> Document:
    """The parsed service description, shared by every adapter in the process."""
    # zeep annotates the transport as a class although it takes (and uses) an instance.
    return Document(str(WSDL), DiskLoader(), settings=SETTINGS)  # type: ignore[arg-type]


def _is_fault(body: bytes) -> bool:
    return b"Fault>" in body and b"Envelope" in body


class ClientTransport(AsyncTransport):
    """zeep's async transport posting through a shared ``httpx.AsyncClient``."""

    def __init__(self, client: httpx.AsyncClient, *, timeout: float, carrier: str) -> None:
        self.client = client
        self.wsdl_client = None
        self.cache = None
        self.operation_timeout = timeout
        self.carrier = carrier
        self._close_session = False
        self.logger = logging.getLogger(__name__)

    def load(self, url: str) -> bytes:
        return DiskLoader().load(url)

    async def aclose(self) -> None:
        """The client belongs to Doorstep: nothing to close here."""

    async def post(self, address: str, message: Any, headers: Any) -> httpx.Response:
        try:
            response: httpx.Response = await self.client.post(
                address, content=message, headers=headers, timeout=self.operation_timeout
            )
        except httpx.TimeoutException as exc:
            raise CarrierUnavailable(f"{self.carrier}: timed out") from exc
        except httpx.TransportError as exc:
            raise CarrierUnavailable(f"{self.carrier}: {type(exc).__name__}") from exc
        status = response.status_code
        if status in (401, 403):
            raise AuthError(f"{self.carrier}: credentials rejected (HTTP {status})")
        if status == 429 or (status == 503 and "Retry-After" in response.headers):
            raise RateLimited(
                f"{self.carrier}: rate limited (HTTP {status})",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if status >= 500 and not _is_fault(response.content):
            raise CarrierUnavailable(f"{self.carrier}: HTTP {status}")
        return response


def service(
    client: httpx.AsyncClient,
    *,
    address: str,
    username: str,
    password: str,
    timeout: float,
    carrier: str,
) -> AsyncServiceProxy:
    """The tracking service at ``address``, signing each call with a UsernameToken.

    The documentation asks for the password as ``PasswordText`` (no digest).
    """
    # zeep leaves these constructors unannotated (pyproject: untyped_calls_exclude).
    token = UsernameToken(username, password)
    zeep_client = AsyncClient(
        document(),
        wsse=token,
        transport=ClientTransport(client, timeout=timeout, carrier=carrier),
        settings=SETTINGS,
    )
    binding = document().bindings[BINDING]
    return AsyncServiceProxy(zeep_client, binding, address=address)
