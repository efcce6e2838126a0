"""The session cookie is signed as Starlette's own middleware signs it, byte for byte."""

from __future__ import annotations

import pytest
from itsdangerous import BadSignature, TimestampSigner
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware as StarletteSessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from portal.web.sessions import SessionMiddleware, SessionSigner
from tests.conftest import client_for

SECRET = "s" * 40
AT = 1_796_000_000


def _frozen(signer: TimestampSigner) -> TimestampSigner:
    signer.get_timestamp = lambda: AT  # type: ignore[method-assign]
    return signer


@pytest.mark.parametrize("value", [b"", b"eyJjc3JmX3Rva2VuIjogImFiYyJ9", bytes(range(256))])
def test_it_signs_exactly_as_itsdangerous_defaults(value: bytes) -> None:
    ours, theirs = _frozen(SessionSigner(SECRET)), _frozen(TimestampSigner(SECRET))
    assert ours.sign(value) == theirs.sign(value)
    assert ours.unsign(theirs.sign(value), max_age=60) == value
    assert theirs.unsign(ours.sign(value), max_age=60) == value


def test_it_refuses_another_secrets_signature() -> None:
    signed = TimestampSigner("t" * 40).sign(b"data")
    with pytest.raises(BadSignature):
        SessionSigner(SECRET).unsign(signed)
    assert SessionSigner(SECRET).sign(b"data") != TimestampSigner("t" * 40).sign(b"data")


async def _visit(request: Request) -> PlainTextResponse:
    request.session["count"] = request.session.get("count", 0) + 1
    return PlainTextResponse(str(request.session["count"]))


def _app(middleware: type[StarletteSessionMiddleware]) -> Starlette:
    return Starlette(
        routes=[Route("/", _visit)],
        middleware=[Middleware(middleware, secret_key=SECRET, session_cookie="portal_session")],
    )


async def test_a_cookie_set_by_either_middleware_is_read_by_the_other(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: AT)
    async with (
        client_for(_app(SessionMiddleware)) as ours,
        client_for(_app(StarletteSessionMiddleware)) as theirs,
    ):
        first, same = await ours.get("/"), await theirs.get("/")
        assert first.headers["set-cookie"] == same.headers["set-cookie"]
        ours_cookie, their_cookie = first.cookies["portal_session"], same.cookies["portal_session"]
        ours.cookies.clear()
        theirs.cookies.clear()
        read = await theirs.get("/", headers={"cookie": f"portal_session={ours_cookie}"})
        assert read.text == "2"
        read = await ours.get("/", headers={"cookie": f"portal_session={their_cookie}"})
        assert read.text == "2"
