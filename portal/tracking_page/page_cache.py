"""The number-tier tracking page kept rendered, with a hole where the visitor's CSRF token goes.

A cached page used to cost a full render of ``page.html`` (base, language menu, lookup
forms, the shop's contact card) around its cached status fragment: most of its CPU
(benchmarks/README.md, issue 20). Everything on a number-tier page but the CSRF token is
the same for every visitor of one address in one language, so the page is rendered once
with a random placeholder for the token and kept, split at the placeholder, in
``config.pages`` for at most ``cache_seconds``; each request joins the pieces around its
own session's token (creating it, as rendering would).

The key holds every input the page is rendered from: the fragments' ETags (which change
with anything the status block shows), the shop's brand, the language, the address with
its query, host and scheme (the language links, ``url_for`` and the ``shop`` field come
from them) and the htmx headers the language links read. The order tier (a masked
address, the delivery-choice form) is never kept.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape
from starlette.requests import Request

from portal.i18n import current_locale
from portal.tracking_page.branding import Brand
from portal.web import csrf
from portal.web.templating import templates_of

PAGE_TEMPLATE = "tracking/page.html"


@dataclass(frozen=True, slots=True)
class KeptPage:
    """A rendered page split where the CSRF token goes, and what it was rendered from."""

    parts: tuple[str, ...]
    context: dict[str, Any]

    def html(self, token: str) -> str:
        return token.join(self.parts)


def page_key(request: Request, etags: Sequence[str], brand: Brand) -> tuple[Any, ...]:
    headers = request.headers
    return (
        tuple(etags),
        brand,
        current_locale(),
        request.scope.get("scheme"),
        headers.get("host"),  # url_for builds absolute addresses from it
        request.scope.get("root_path"),
        request.scope.get("path"),
        request.scope.get("query_string", b""),
        headers.get("hx-request"),
        headers.get("hx-current-url"),
    )


def render_kept(request: Request, context: dict[str, Any]) -> KeptPage:
    """Render ``page.html`` as TemplateResponse would, the CSRF token left as a hole."""
    templates = templates_of(request)
    hole = secrets.token_urlsafe(32)  # URL-safe: the same escaped or not
    full: dict[str, Any] = {"request": request}
    for processor in templates.context_processors:
        full.update(processor(request))
    full.update(context)
    full["csrf_token"] = lambda: hole
    full["csrf_field"] = lambda: Markup(
        f'<input type="hidden" name="{csrf.FIELD}" value="{escape(hole)}">'
    )
    html = templates.get_template(PAGE_TEMPLATE).render(full)
    return KeptPage(tuple(html.split(hole)), context)
