"""One Jinja2 environment for pages, htmx partials and emails, with gettext installed.

Two helpers every page calls many times are made cheap: ``url_for`` remembers the URLs it
built (per route table and site address; they cannot change while the app runs) and the
gettext callables skip Jinja's generic call machinery and remember a translation that has
no placeholders. Both give exactly what Jinja's and Starlette's own helpers give. Template
files are checked for edits at most once a second (not on every render and include), and
compiled once per process however many environments are built (see ``SharedBytecode``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import (
    BytecodeCache,
    Environment,
    FileSystemLoader,
    pass_context,
    pass_eval_context,
    select_autoescape,
)
from jinja2.bccache import Bucket
from jinja2.nodes import EvalContext
from markupsafe import Markup
from starlette.datastructures import URL
from starlette.requests import Request
from starlette.templating import Jinja2Templates

from portal import i18n
from portal.web import csrf
from portal.web.language_links import language_url

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates"
#: Most remembered URLs (or translations) before the memo starts again.
MEMO_LIMIT = 4096

_URL_MEMO = "_portal_url_memo"
#: Seconds between two checks of a template file for edits.
RELOAD_CHECK_SECONDS = 1.0


class ThrottledFileSystemLoader(FileSystemLoader):
    """A FileSystemLoader whose templates stat their file at most once a second."""

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        checked_at = time.monotonic()

        def throttled() -> bool:
            nonlocal checked_at
            now = time.monotonic()
            if now - checked_at < RELOAD_CHECK_SECONDS:
                return True
            checked_at = now
            return uptodate()

        return source, filename, throttled


class SharedBytecode(BytecodeCache):
    """Compiled templates kept in memory for every environment of the process.

    Each app builds its own environment, and an environment compiles each template the
    first time it renders it: 5-10 ms of CPU a template. A process builds many apps (the
    test suite one a test, thousands in a run), and without this each recompiled the
    same pages. Jinja keys a bucket by template name and file and checks the source's
    checksum, so an edited file is compiled again.
    """

    def __init__(self) -> None:
        self._code: dict[str, tuple[str, Any]] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        found = self._code.get(bucket.key)
        if found is not None and found[0] == bucket.checksum:
            bucket.code = found[1]

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = (bucket.checksum, bucket.code)

    def clear(self) -> None:
        self._code.clear()


#: Only environments built by :func:`build_environment` share it: their options are the
#: same, so one template compiles to the same code in all of them.
_BYTECODE = SharedBytecode()

_plain: dict[tuple[str, str, bool], str] = {}


@pass_context
def url_for(context: Any, name: str, /, **path_params: Any) -> URL:
    """Starlette's ``url_for``, remembered per router, site address and arguments."""
    request: Request = context["request"]
    try:
        key = (str(request.base_url), name, tuple(sorted(path_params.items())))
        hash(key)
    except TypeError:
        return request.url_for(name, **path_params)
    router = request.scope["router"]
    memo: dict[tuple[Any, ...], URL] | None = getattr(router, _URL_MEMO, None)
    if memo is None:
        memo = {}
        setattr(router, _URL_MEMO, memo)
    found = memo.get(key)
    if found is None:
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        found = memo[key] = request.url_for(name, **path_params)
    return found


def _translated(eval_ctx: EvalContext, text: str, variables: dict[str, Any]) -> str:
    rv: str = Markup(text) if eval_ctx.autoescape else text
    return rv % variables  # always a format string, like Jinja's newstyle gettext


@pass_eval_context
def gettext(eval_ctx: EvalContext, message: str, /, **variables: Any) -> str:
    if variables:
        return _translated(eval_ctx, i18n.gettext(message), variables)
    key = (i18n.current_locale(), message, eval_ctx.autoescape)
    found = _plain.get(key)
    if found is None:
        if len(_plain) >= MEMO_LIMIT:
            _plain.clear()
        found = _plain[key] = _translated(eval_ctx, i18n.gettext(message), {})
    return found


def stored_message(message: str) -> str:
    """A message kept in the database that may be one of ours (a store's or carrier's
    status line written in English) or someone else's words (an error body a store sent
    back): translated when it is ours, and in both cases plain text for autoescape, never
    a format string (``_()`` would mark it safe and ``%`` it)."""
    return str(i18n.gettext(message))


@pass_eval_context
def ngettext(
    eval_ctx: EvalContext, singular: str, plural: str, num: int, /, **variables: Any
) -> str:
    variables.setdefault("num", num)
    return _translated(eval_ctx, i18n.ngettext(singular, plural, num), variables)


@pass_eval_context
def pgettext(eval_ctx: EvalContext, context: str, message: str, /, **variables: Any) -> str:
    variables.setdefault("context", context)
    return _translated(eval_ctx, i18n.pgettext(context, message), variables)


def build_environment(directory: Path = TEMPLATE_DIR) -> Environment:
    env = Environment(
        loader=ThrottledFileSystemLoader(directory),
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=_BYTECODE,
    )
    # jinja2.ext.i18n adds this method to the environment at run time.
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext
    )
    env.globals.update(gettext=gettext, _=gettext, ngettext=ngettext, pgettext=pgettext)
    env.globals["languages"] = i18n.language_menu()
    env.globals["current_locale"] = i18n.current_locale
    env.globals["url_for"] = url_for
    env.globals["stored_message"] = stored_message
    return env


def _context(request: Request) -> dict[str, Any]:
    settings = request.app.state.settings
    return {
        "settings": settings,
        "locale": i18n.current_locale(),
        "csrf_token": lambda: csrf.csrf_token(request),
        "csrf_field": lambda: csrf.csrf_field(request),
        "language_url": lambda code: language_url(request, code),
    }


def build_templates(directory: Path = TEMPLATE_DIR) -> Jinja2Templates:
    return Jinja2Templates(env=build_environment(directory), context_processors=[_context])


def templates_of(request: Request) -> Jinja2Templates:
    """The app's templates, typed: Starlette's ``app.state`` holds anything."""
    templates: Jinja2Templates = request.app.state.templates
    return templates
