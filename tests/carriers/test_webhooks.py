"""Pushed updates, for every adapter that accepts them.

Bodies signed with HMAC-SHA256 (FedEx, AfterShip, EasyPost, the sandbox) verify only with
this account's secret, in the carrier's header, over the exact bytes; signatures are computed
here, independently of :mod:`carriers.signatures`. DHL's static header secret, EasyPost's
NFKD-normalised secret and each carrier's pushed payloads are tested in their own files.
Whatever is pushed, parsing it raises BadResponse and nothing else.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carriers import registry
from carriers.aftership import AfterShipAdapter
from carriers.base import BadResponse, CarrierAdapter
from carriers.boxnow import BoxNowAdapter
from carriers.dhl import DHLAdapter
from carriers.easypost import EasyPostAdapter
from carriers.fedex import FedExAdapter
from carriers.sandbox import SCENARIO_EXAMPLES, SandboxAdapter
from carriers.sandbox.server import track_payload
from tests.carriers.helpers import JSON, base64_hmac, load_fixture


def easypost_sign(body: bytes, secret: str) -> str:
    key = unicodedata.normalize("NFKD", secret).encode()
    return "hmac-sha256-hex=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def sandbox_sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Signed:
    """How one carrier signs a push, and an account of it with and without a secret."""

    cls: type[CarrierAdapter]
    secret: str
    credentials: dict[str, str]
    #: The same account without any webhook secret.
    unsigned_credentials: dict[str, str]
    #: The header, spelled every way the carrier (or a proxy) may spell it.
    headers: tuple[str, ...]
    sign: Callable[[bytes, str], str]
    body: bytes
    #: Header values that look like a signature but are not this body's.
    garbage: tuple[str, ...]


SANDBOX_BODY = json.dumps(
    track_payload([SCENARIO_EXAMPLES["delivered"]], datetime(2026, 2, 1, tzinfo=UTC))
).encode()

SIGNED = {
    "fedex": Signed(
        cls=FedExAdapter,
        secret="fdx-security-token",
        credentials={
            "client_id": "a",
            "client_secret": "b",
            "webhook_secret": "fdx-security-token",
        },
        unsigned_credentials={"client_id": "a", "client_secret": "b"},
        headers=("FDX-Signature", "fdx-signature"),
        sign=base64_hmac,
        body=json.dumps(load_fixture("fedex", "push_single.json")).encode(),
        garbage=("not base64 at all ✗",),
    ),
    "aftership": Signed(
        cls=AfterShipAdapter,
        secret="aftership-webhook-secret",
        credentials={"api_key": "k", "webhook_secret": "aftership-webhook-secret"},
        unsigned_credentials={"api_key": "k"},
        headers=("aftership-hmac-sha256", "Aftership-Hmac-Sha256", "AFTERSHIP-HMAC-SHA256"),
        sign=base64_hmac,
        body=json.dumps(load_fixture("aftership", "webhook_tracking_update.json")).encode(),
        garbage=("garbage ✓",),
    ),
    "easypost": Signed(
        cls=EasyPostAdapter,
        secret="whsec_doorstep",
        credentials={"api_key": "k", "webhook_secret": "whsec_doorstep"},
        unsigned_credentials={"api_key": "k"},
        headers=("X-Hmac-Signature", "x-hmac-signature", "X-HMAC-SIGNATURE"),
        sign=easypost_sign,
        body=json.dumps(load_fixture("easypost", "event_tracker_updated.json")).encode(),
        garbage=("garbage ✓",),
    ),
    "sandbox": Signed(
        cls=SandboxAdapter,
        secret="s3cret",
        credentials={"api_key": "k", "webhook_secret": "s3cret"},
        unsigned_credentials={},
        headers=("X-Sandbox-Signature", "x-sandbox-signature"),
        sign=sandbox_sign,
        body=SANDBOX_BODY,
        garbage=("sha256=é", sandbox_sign(SANDBOX_BODY, "s3cret").removeprefix("sha256=")),
    ),
}


def adapter(name: str, client, *, signed: bool = True) -> CarrierAdapter:
    case = SIGNED[name]
    return case.cls(case.credentials if signed else case.unsigned_credentials, client=client)


@pytest.mark.parametrize(
    ("name", "header"),
    [(name, header) for name, case in SIGNED.items() for header in case.headers],
)
def test_a_correctly_signed_body_verifies_whatever_the_header_case(client, name, header):
    case = SIGNED[name]
    signature = case.sign(case.body, case.secret)

    assert adapter(name, client).verify_webhook({header: signature}, case.body) is True


def forgeries(case: Signed) -> dict[str, dict[str, str]]:
    header = case.headers[0]
    return {
        "other-secret": {header: case.sign(case.body, "guess")},
        "other-body": {header: case.sign(b"another body", case.secret)},
        "empty": {header: ""},
        **{f"garbage-{i}": {header: value} for i, value in enumerate(case.garbage)},
        "missing": {},
        "unrelated-headers-only": {"Content-Type": "application/json"},
    }


@pytest.mark.parametrize(
    ("name", "forgery"),
    [
        pytest.param(name, forgery, id=f"{name}-{forgery}")
        for name, case in SIGNED.items()
        for forgery in forgeries(case)
    ],
)
def test_forged_or_missing_signatures_are_rejected(client, name, forgery):
    case = SIGNED[name]

    assert adapter(name, client).verify_webhook(forgeries(case)[forgery], case.body) is False


@pytest.mark.parametrize("name", list(SIGNED))
def test_a_body_changed_after_signing_is_rejected(client, name):
    case = SIGNED[name]
    headers = {case.headers[0]: case.sign(case.body, case.secret)}
    verifier = adapter(name, client)

    assert verifier.verify_webhook(headers, case.body + b" ") is False
    assert verifier.verify_webhook(headers, case.body.replace(b'"', b"'", 1)) is False


@pytest.mark.parametrize("name", list(SIGNED))
def test_without_a_configured_secret_nothing_verifies(client, name):
    case = SIGNED[name]
    verifier = adapter(name, client, signed=False)

    for secret in ("", case.secret):
        headers = {case.headers[0]: case.sign(case.body, secret)}
        assert verifier.verify_webhook(headers, case.body) is False


#: parse_webhook never touches the network, so the client is never opened.
PUSH_TARGETS = {
    "fedex": FedExAdapter({}, client=httpx.AsyncClient()),
    "dhl": DHLAdapter({}, client=httpx.AsyncClient()),
    "aftership": AfterShipAdapter({}, client=httpx.AsyncClient()),
    "easypost": EasyPostAdapter({}, client=httpx.AsyncClient()),
    "sandbox": SandboxAdapter({}, client=httpx.AsyncClient()),
    # BOX NOW signs inside the body, not in a header: its verification is in test_boxnow.py.
    "boxnow": BoxNowAdapter({}, client=httpx.AsyncClient()),
}


def test_every_adapter_that_accepts_pushes_is_covered():
    built_in = [registry.get(key) for key in registry.available()]
    pushing = {a.key for a in built_in if a.__module__.startswith("carriers.") and a.supports_push}
    assert pushing == set(PUSH_TARGETS)


@pytest.mark.parametrize("name", list(PUSH_TARGETS))
@settings(max_examples=200)
@given(body=st.binary() | JSON.map(lambda v: json.dumps(v).encode()))
def test_arbitrary_pushed_bodies_never_raise_anything_but_bad_response(name, body: bytes):
    with contextlib.suppress(BadResponse):
        PUSH_TARGETS[name].parse_webhook(body)
