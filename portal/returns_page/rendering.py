"""One way to answer a returns step: the whole page, or only the step for htmx.

A plain form post gets the full page (layout, branding, the step inside its container);
an htmx request gets just the step, which replaces the container's content. htmx does not
swap 4xx answers, so a step shown again with a problem to fix is a 200 for htmx and a 400
(or 404, 409, 429) for a plain post.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.models import Merchant
from portal.tracking_page.branding import brand_of
from portal.web.templating import templates_of

PAGE = "returns/page.html"
LANGUAGES = "_languages.html"


def _menu_context(request: Request) -> dict[str, Any]:
    """What the language menu template needs outside a full page render."""
    context: dict[str, Any] = {"request": request}
    for processor in templates_of(request).context_processors:
        context.update(processor(request))
    return context


def is_htmx(request: Request) -> bool:
    return (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-boosted") != "true"
        and request.headers.get("hx-history-restore-request") != "true"
    )


def step(
    request: Request,
    partial: str,
    context: dict[str, Any],
    *,
    merchant: Merchant | None = None,
    status_code: int = 200,
    url: str | None = None,
    title: str = "",
) -> Response:
    """Render ``partial`` as the current step; ``url`` is where the step lives (pushed to
    the browser's history by htmx, so reload and back behave)."""
    templates = templates_of(request)
    fragment = is_htmx(request)
    full = {
        **context,
        "step": partial,
        "fragment": fragment,
        "brand": brand_of(merchant) if merchant else None,
        "title": title,
    }
    if fragment:
        if url:
            request.state.page_url = url
        response = templates.TemplateResponse(
            request, partial, full, status_code=200 if status_code < 500 else status_code
        )
        # The language menu again, out of band: its links now lead to this step's page.
        menu = templates.get_template(LANGUAGES).render({**_menu_context(request), "oob": True})
        body = bytes(response.body) + menu.encode()
        response.body = body
        response.headers["content-length"] = str(len(body))
        if url:
            response.headers["HX-Push-Url"] = url
        return response
    return templates.TemplateResponse(request, PAGE, full, status_code=status_code)


def see_other(url: str) -> Response:
    return RedirectResponse(url, status_code=303)
