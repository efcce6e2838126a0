"""ASGI middleware: the request's language, and the security headers on every response."""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal import i18n

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ]
)


#: ``scope["state"]`` key: True when the visitor's ``?lang=``, cookie or Accept-Language
#: named a shipped language, False when the language is the default for want of one.
LOCALE_CHOSEN = "locale_chosen"


class LocaleMiddleware:
    """Picks the language (query ``lang``, cookie, Accept-Language, default) for the request.

    A ``?lang=`` choice is remembered in a cookie for a year. Whether the visitor's request
    chose it is kept in ``scope["state"]["locale_chosen"]``: a page about one shop then
    falls back to the shop's language instead of English (``portal.web.shop_language``).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Only the two headers it reads, and the cookie parsed only when it may hold ours:
        # this runs before every page (benchmarks/README.md, issue 20).
        cookie_header = accept_language = None
        for key, value in scope["headers"]:
            if key == b"cookie":
                cookie_header = value.decode("latin-1")
            elif key == b"accept-language":
                accept_language = value.decode("latin-1")
        raw_query = scope.get("query_string", b"")
        query = None
        if b"lang=" in raw_query:
            query = parse_qs(raw_query.decode("latin-1")).get("lang", [None])[0]
        cookie = None
        if cookie_header and i18n.COOKIE in cookie_header:
            cookies: SimpleCookie = SimpleCookie()
            try:
                cookies.load(cookie_header)
            except Exception:  # a malformed cookie header must not break the page
                cookies = SimpleCookie()
            cookie = cookies[i18n.COOKIE].value if i18n.COOKIE in cookies else None
        chosen = i18n.visitor_choice(query=query, cookie=cookie, accept_language=accept_language)
        locale = chosen or i18n.DEFAULT_LOCALE
        token = i18n.set_locale(locale)
        remember = i18n.supported(query) is not None and i18n.supported(query) != cookie
        state = scope.setdefault("state", {})
        state["locale"] = locale
        state[LOCALE_CHOSEN] = chosen is not None

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                out.append("Content-Language", scope.get("state", {}).get("locale", locale))
                vary = out.get("Vary")
                out["Vary"] = (
                    f"{vary}, Accept-Language, Cookie" if vary else "Accept-Language, Cookie"
                )
                if remember:
                    out.append(
                        "Set-Cookie",
                        f"{i18n.COOKIE}={locale}; Path=/; Max-Age=31536000; SameSite=Lax",
                    )
            await send(message)

        try:
            await self.app(scope, receive, send_with_language)
        finally:
            i18n.reset_locale(token)


#: Paths whose pages show staff personal data about customers.
PRIVATE_PREFIXES = ("/admin", "/dev/")


def _is_private(path: str) -> bool:
    return path == "/admin" or path.startswith(PRIVATE_PREFIXES)


class SecurityHeadersMiddleware:
    """Adds CSP, frame, referrer and sniffing protections (and HSTS in production)."""

    def __init__(self, app: ASGIApp, *, production: bool = False) -> None:
        self.app = app
        self.production = production
        headers = {
            "content-security-policy": CONTENT_SECURITY_POLICY,
            "x-content-type-options": "nosniff",
            "x-frame-options": "DENY",
            "referrer-policy": "strict-origin-when-cross-origin",
            "permissions-policy": "camera=(), microphone=(), geolocation=()",
        }
        if production:
            headers["strict-transport-security"] = "max-age=31536000"
        #: Added to a response that does not set them itself (raw, as ASGI sends them).
        self.headers = tuple((k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = message["headers"] = list(message.get("headers", ()))
                given = {name.lower() for name, _ in raw}
                raw.extend(h for h in self.headers if h[0] not in given)
                if _is_private(scope.get("path", "")) and b"cache-control" not in given:
                    # Customers' names, addresses and messages: never kept by a shared
                    # computer's browser cache or a proxy after the staff member leaves.
                    raw.append((b"cache-control", b"no-store"))
            await send(message)

        await self.app(scope, receive, send_with_headers)
