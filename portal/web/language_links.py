"""Where the language menu's links lead: the same page in another language.

A bare ``?lang=pl`` link drops the page's own query (a tracking number, the analytics
filters), and after a plain form post it points at a POST-only address, so switching
language showed an empty lookup form or "405 Method Not Allowed". A GET page keeps its
query with ``lang`` replaced; a page answering a form post goes back to the page the form
was on (the Referer, same site only), or home. An htmx step (a returns step swapped into
the page) leads to the address the step is shown at, so a language switch keeps the
customer's place instead of reloading the form they started from.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.requests import Request

LANG = "lang"


def _same_site_referer(request: Request) -> tuple[str, list[tuple[str, str]]] | None:
    referer = request.headers.get("referer")
    if not referer:
        return None
    parts = urlsplit(referer)
    if parts.netloc and parts.netloc != request.url.netloc:
        return None
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return parts.path, parse_qsl(parts.query, keep_blank_values=True)


def _page_of_step(request: Request) -> tuple[str, list[tuple[str, str]]] | None:
    """For an htmx step: the address it is shown at (pushed to history), else the page
    the browser is on (``HX-Current-URL``), same site only."""
    pushed = getattr(request.state, "page_url", None)
    if isinstance(pushed, str) and pushed.startswith("/") and not pushed.startswith("//"):
        parts = urlsplit(pushed)
        return parts.path, parse_qsl(parts.query, keep_blank_values=True)
    if request.headers.get("hx-request") != "true":
        return None
    current = request.headers.get("hx-current-url")
    if not current:
        return None
    parts = urlsplit(current)
    if parts.netloc and parts.netloc != request.url.netloc:
        return None
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return parts.path, parse_qsl(parts.query, keep_blank_values=True)


#: What ``request.url`` escapes or drops in a path: such a path is read through it.
_URL_CHANGES = re.compile(r"[?#\\\t\r\n]|^//")


def _own_address(request: Request) -> tuple[str, list[tuple[str, str]]]:
    """``request.url.path`` and the query's items, without building the request's whole
    URL (host, scheme, a parse) for the usual path: every page's language menu asks."""
    scope = request.scope
    path: str = scope["path"]
    if _URL_CHANGES.search(path):
        path = request.url.path
    if not scope.get("query_string"):
        return path, []
    return path, request.query_params.multi_items()


def _page_of(request: Request) -> tuple[str, list[tuple[str, str]]]:
    step = _page_of_step(request)
    if step is not None:
        return step
    if request.method in ("GET", "HEAD"):
        return _own_address(request)
    previous = _same_site_referer(request)
    return previous if previous is not None else ("/", [])


#: Where a request keeps its language links' common part (the menu asks seven times).
_MEMO = "portal.language_base"


def language_base(request: Request) -> str:
    """What every language link of the current page starts with: its address and query
    without ``lang``, ending in ``?`` or ``&`` (a page kept rendered fills it in)."""
    page_url = getattr(request.state, "page_url", None)
    memo = request.scope.get(_MEMO)
    if memo is None or memo[0] != page_url:
        path, query = _page_of(request)
        kept = urlencode([(key, value) for key, value in query if key != LANG])
        memo = request.scope[_MEMO] = (page_url, f"{path}?{kept}&" if kept else f"{path}?")
    base: str = memo[1]
    return base


def language_url(request: Request, code: str) -> str:
    """The address of the current page in language ``code`` (a site-relative URL)."""
    return language_base(request) + urlencode([(LANG, code)])
