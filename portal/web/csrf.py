"""CSRF protection for every unsafe request made by a browser.

A random token lives in the signed session; forms carry it as ``csrf_token`` (hidden field,
``{{ csrf_field() }}`` in templates) and htmx sends it as the ``X-CSRF-Token`` header
(``base.html`` sets ``hx-headers`` on ``<body>``). Multipart forms carry it as their *first*
field (``{{ csrf_field() }}`` right after ``<form>``): browsers send fields in document
order, so only the first part of an upload is read to find it and the rest streams on. It
is never put in a URL, where logs, history and Referer headers would keep it.
Machine-to-machine paths (the REST API with bearer keys, carrier and Twilio webhooks,
RFC 8058 one-click unsubscribe) are exempt: they authenticate otherwise.
"""

from __future__ import annotations

import hmac
import re
import secrets
from urllib.parse import parse_qs, urlsplit

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_KEY = "csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
#: Paths that authenticate by other means (bearer keys, signatures, RFC 8058).
EXEMPT_PREFIXES: tuple[str, ...] = (
    "/api/",
    "/webhooks/",
    "/_sandbox/",
    "/unsubscribe/",
)
MAX_FORM_BYTES = 1024 * 1024


def token_for(session: dict[str, str]) -> str:
    """The session's CSRF token, created on first use."""
    token = session.get(SESSION_KEY)
    if not token:
        token = session[SESSION_KEY] = secrets.token_urlsafe(32)
    return token


def csrf_token(request: Request) -> str:
    return token_for(request.session)


def csrf_field(request: Request) -> Markup:
    value = escape(csrf_token(request))
    return Markup(f'<input type="hidden" name="{FIELD}" value="{value}">')


def _forbidden() -> PlainTextResponse:
    return PlainTextResponse(
        "This form has expired or did not come from this site. Go back, reload the page and "
        "try again.",
        status_code=403,
    )


class CSRFMiddleware:
    """Rejects unsafe requests without the session's token (must sit inside SessionMiddleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] in SAFE_METHODS
            or scope["path"].startswith(EXEMPT_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        expected = scope.get("session", {}).get(SESSION_KEY)
        if not expected or not _same_origin(headers, scope):
            await _forbidden()(scope, receive, send)
            return
        presented = headers.get(HEADER)
        replay: list[Message] = []
        content_type = headers.get("content-type", "")
        if presented is None and content_type.startswith("application/x-www-form-urlencoded"):
            body, replay = await _read_body(receive)
            if body is None:
                await PlainTextResponse("Form too large.", status_code=413)(scope, receive, send)
                return
            presented = parse_qs(body.decode("latin-1")).get(FIELD, [None])[0]
        elif presented is None and content_type.startswith("multipart/form-data"):
            presented, replay = await _first_part_token(receive, content_type)
        if not presented or not hmac.compare_digest(presented, expected):
            await _forbidden()(scope, receive, send)
            return
        if replay:
            pending = list(replay)

            async def replayed() -> Message:
                return pending.pop(0) if pending else await receive()

            await self.app(scope, replayed, send)
        else:
            await self.app(scope, receive, send)


#: How much of a multipart body is read to find the token in its first part.
FIRST_PART_BYTES = 16 * 1024
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)


async def _first_part_token(
    receive: Receive, content_type: str
) -> tuple[str | None, list[Message]]:
    """The token when it is the multipart body's first field; the messages read, to replay.

    Reads at most FIRST_PART_BYTES, so an upload of any size is not buffered here.
    """
    match = _BOUNDARY.search(content_type)
    messages: list[Message] = []
    if match is None:
        return None, messages
    delimiter = b"--" + match.group(1).encode("latin-1")
    head = b""
    while len(head) < FIRST_PART_BYTES:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        head += message.get("body", b"")
        if head.count(delimiter) >= 2 or not message.get("more_body", False):
            break
    parts = head.split(delimiter)
    if len(parts) < 3:
        return None, messages
    headers, _, value = parts[1].partition(b"\r\n\r\n")
    if f'name="{FIELD}"'.encode() not in headers or b"filename=" in headers:
        return None, messages
    return value.removesuffix(b"\r\n").decode("latin-1"), messages


def _same_origin(headers: dict[str, str], scope: Scope) -> bool:
    """False when the browser says the request comes from another site."""
    origin = headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    host = headers.get("host", "")
    return urlsplit(origin).netloc == host


async def _read_body(receive: Receive) -> tuple[bytes | None, list[Message]]:
    chunks: list[bytes] = []
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return None, messages
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks), messages
