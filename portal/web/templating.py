"""One Jinja2 environment for pages, htmx partials and emails, with gettext installed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.templating import Jinja2Templates

from portal import i18n
from portal.web import csrf

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates"


def build_environment(directory: Path = TEMPLATE_DIR) -> Environment:
    env = Environment(
        loader=FileSystemLoader(directory),
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext
    )
    env.globals["languages"] = i18n.language_menu()
    env.globals["current_locale"] = i18n.current_locale
    return env


def _context(request: Request) -> dict[str, Any]:
    settings = request.app.state.settings
    return {
        "settings": settings,
        "locale": i18n.current_locale(),
        "csrf_token": lambda: csrf.csrf_token(request),
        "csrf_field": lambda: csrf.csrf_field(request),
    }


def build_templates(directory: Path = TEMPLATE_DIR) -> Jinja2Templates:
    return Jinja2Templates(env=build_environment(directory), context_processors=[_context])
