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

With the cache off (or a parcel seen for the first time) the page around the status
fragment is still the same for every parcel of one shop in one language: a **frame**
(``frame_for``) is rendered once per shop's brand, language, site address and ``shop``
scope, with holes for everything that differs between parcels and visitors (the CSRF
token, the language links' address, the parcel's id, its fragment and ETag), and each
page is the frame's pieces joined around its own values. Rendering ``page.html`` was a
quarter of an uncached page's CPU (benchmarks/README.md, issue 20).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup, escape
from starlette.requests import Request

from portal.i18n import current_locale
from portal.tracking_page.branding import Brand
from portal.web import csrf
from portal.web.language_links import LANG, language_base
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


# --- the frame: one shop's page in one language, with holes for the parcel -----------

#: The frame's holes, in the order ``Frame.html`` takes their values.
HOLES = ("csrf", "languages", "id", "etag", "status")


@dataclass(frozen=True, slots=True)
class Frame:
    """``page.html`` for one parcel, split at its holes: literal text at even indexes,
    a hole's index into ``HOLES`` at odd ones."""

    parts: tuple[str | int, ...]

    def html(self, values: Sequence[str]) -> str:
        parts = list(self.parts)
        parts[1::2] = [values[i] for i in self.parts[1::2]]  # type: ignore[index]
        return "".join(parts)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class _HoleView:
    """Stands for a ShipmentView where ``page.html`` reads one (its id)."""

    id: str


def frame_key(request: Request, brand: Brand, delivered: bool, returns_url: str) -> tuple[Any, ...]:
    return (
        brand,
        current_locale(),
        request.scope.get("scheme"),
        request.headers.get("host"),  # url_for builds absolute addresses from it
        request.scope.get("root_path"),
        request.query_params.get("shop"),
        delivered,
        returns_url,
    )


def render_frame(request: Request, context: dict[str, Any]) -> Frame:
    """Render ``page.html`` for a number-tier page of one parcel, every per-parcel and
    per-visitor value a hole. ``context`` is the page's context with its one block."""
    templates = templates_of(request)
    mark = secrets.token_hex(16)  # plain letters and digits: the same escaped or quoted
    hole = {name: f"{mark}{i}x" for i, name in enumerate(HOLES)}
    if len(context["blocks"]) != 1:
        raise ValueError("a frame holds exactly one parcel's block")
    full: dict[str, Any] = {"request": request}
    for processor in templates.context_processors:
        full.update(processor(request))
    full.update(context)
    full["blocks"] = [(_HoleView(hole["id"]), Markup(hole["status"]), hole["etag"])]
    full["csrf_token"] = lambda: hole["csrf"]
    full["csrf_field"] = lambda: Markup(
        f'<input type="hidden" name="{csrf.FIELD}" value="{hole["csrf"]}">'
    )
    full["language_url"] = lambda code: hole["languages"] + urlencode([(LANG, code)])
    html = templates.get_template(PAGE_TEMPLATE).render(full)
    pieces = re.split(f"{mark}([0-9]+)x", html)
    return Frame(tuple(int(p) if i % 2 else p for i, p in enumerate(pieces)))


def frame_html(request: Request, frame: Frame, block: Any) -> str:
    """The frame filled with this parcel's block and this visitor's token and address."""
    return frame.html(
        (
            csrf.csrf_token(request),
            str(escape(language_base(request))),
            str(block.view.id),
            str(escape(block.etag)),
            str(block.html),
        )
    )
