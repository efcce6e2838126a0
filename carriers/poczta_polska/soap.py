"""zeep, set up for Poczta Polska's tracking service: the shipped WSDL and a signed service.

The WSDL and its two schemas live in ``wsdl/`` beside this module and are parsed once per
process from disk; loading, posting through Doorstep's client and the typed errors of a
whole call are :mod:`carriers.soap`'s, shared with the other SOAP carriers.
"""

from __future__ import annotations

import functools
from pathlib import Path

import httpx
from zeep import Settings
from zeep.proxy import AsyncServiceProxy
from zeep.wsdl import Document
from zeep.wsse.username import UsernameToken

from carriers.soap import ClientTransport, bind, load_wsdl

WSDL = Path(__file__).resolve().parent / "wsdl" / "Sledzenie.wsdl"
BINDING = "{http://sledzenie.pocztapolska.pl}SledzenieSoap11Binding"

#: Lenient about elements the service may add later; the parser checks what it reads.
SETTINGS = Settings(strict=False)


@functools.cache
def document() -> Document:
    """The parsed service description, shared by every adapter in the process."""
    return load_wsdl(WSDL, "poczta_polska", SETTINGS)


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
    # zeep leaves this constructor unannotated (pyproject: untyped_calls_exclude).
    token = UsernameToken(username, password)
    transport = ClientTransport(client, carrier=carrier, timeout=timeout)
    return bind(document(), BINDING, transport, address=address, settings=SETTINGS, wsse=token)
