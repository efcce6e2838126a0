"""The outgoing HTTP client a process shares for carrier, Twilio and webhook calls."""

from __future__ import annotations

import functools
import ssl
from urllib.parse import urlsplit

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount

from portal.settings import Settings

USER_AGENT = "Doorstep/0.1"
SANDBOX_PATH = "/_sandbox/carrier"


def sandbox_base_url(settings: Settings) -> str:
    """Where the built-in sandbox carrier answers: this portal's own address."""
    return f"{settings.public_base_url}{SANDBOX_PATH}"


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The certificate store every client of the process verifies servers with.

    httpx builds this context for each new client, reading certifi's bundle: about 30 ms
    of CPU. One per process is enough (a context is safe to share between clients and
    threads); a process that builds many apps (the tests, one a test) pays it once.
    It is httpx's own default: certifi, or SSL_CERT_FILE / SSL_CERT_DIR when set.
    """
    return httpx.create_ssl_context()


def build_client(settings: Settings) -> httpx.AsyncClient:
    """One pooled client per process; timeouts are per request in the adapters.

    With the sandbox carrier on, calls to this portal's own address are answered by the
    sandbox app in-process, so ``portal worker`` and ``portal poll --once`` move the demo
    parcels without a web process running, and nothing calls itself over the network.
    """
    mounts: dict[str, httpx.AsyncBaseTransport] = {}
    if settings.sandbox_carrier:
        from carriers.sandbox.server import create_app as sandbox_app

        own = urlsplit(settings.public_base_url)
        app = Starlette(routes=[Mount(SANDBOX_PATH, app=sandbox_app())])
        mounts[f"{own.scheme}://{own.netloc}"] = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(
        headers={"User-Agent": USER_AGENT},
        timeout=httpx.Timeout(15.0, connect=5.0),
        limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        follow_redirects=False,
        mounts=mounts,
        verify=tls_context(),
    )
