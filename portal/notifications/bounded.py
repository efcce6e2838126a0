"""A sandbox whose templates cannot run for long: message templates are written by shops.

Jinja's sandbox stops templates from reaching Python internals, but not from working
hard: ``{% for a in range(99999) %}{% for b in range(99999) %}…`` or ``9 ** 9 ** 9`` in
a preview would hold the web process (and every request it serves) for minutes. Here
every render gets a budget: loop steps (every ``{% for %}``), attribute reads and calls
are counted and timed, ``*`` and ``**`` may not build huge values, and width arguments of
filters that pad text are capped. Over budget, the render stops with
:class:`TemplateTooCostly`, a :class:`~jinja2.exceptions.SecurityError` the template
checker reports like any other sandbox refusal.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Template, nodes
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

#: Loop steps, calls and attribute reads one render may make.
MAX_STEPS = 50_000
#: Wall time one render may take, in seconds.
MAX_SECONDS = 0.5
#: The longest string or list ``*`` may build, and the largest exponent ``**`` may use.
MAX_LENGTH = 100_000
MAX_EXPONENT = 64
#: The widest padding a filter (center, indent, format) may ask for.
MAX_WIDTH = 1_000


class TemplateTooCostly(SecurityError):
    """The template needs more work than one message may take."""


@dataclass
class Budget:
    steps: int = 0
    deadline: float = field(default_factory=lambda: time.monotonic() + MAX_SECONDS)

    def spend(self, steps: int = 1) -> None:
        self.steps += steps
        if self.steps > MAX_STEPS:
            raise TemplateTooCostly("the template loops too many times")
        if self.steps % 64 == 0 and time.monotonic() > self.deadline:
            raise TemplateTooCostly("the template takes too long to render")


_budget: ContextVar[Budget | None] = ContextVar("template_budget", default=None)


def _spend(steps: int = 1) -> None:
    budget = _budget.get()
    if budget is not None:
        budget.spend(steps)


class BoundedTemplate(Template):
    """Each top-level render starts a fresh budget (an included layout shares it)."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        if _budget.get() is not None:
            return super().render(*args, **kwargs)
        token = _budget.set(Budget())
        try:
            return super().render(*args, **kwargs)
        finally:
            _budget.reset(token)


def _counted_range(*args: int) -> Iterator[int]:
    numbers = range(*args)
    if len(numbers) > MAX_STEPS:
        raise TemplateTooCostly("the range is too long")
    for number in numbers:
        _spend()
        yield number


def loop_steps(iterable: Any) -> Iterator[Any]:
    """Every ``{% for %}`` iterates through this: each step is paid for."""
    for item in iterable:
        _spend()
        yield item


def _capped(filter_function: Callable[..., Any], *positions: int) -> Callable[..., Any]:
    """``filter_function`` refusing numbers above MAX_WIDTH in its numeric arguments."""

    def capped(*args: Any, **kwargs: Any) -> Any:
        for value in (*args[1:], *kwargs.values()):
            if isinstance(value, int) and not isinstance(value, bool) and value > MAX_WIDTH:
                raise TemplateTooCostly("the width is too large")
        return filter_function(*args, **kwargs)

    return capped


def _bounded_format(value: Any, *args: Any, **kwargs: Any) -> str:
    for width in _format_widths(str(value)):
        if width > MAX_WIDTH:
            raise TemplateTooCostly("the width is too large")
    from jinja2.filters import do_format

    return do_format(value, *args, **kwargs)


def _format_widths(text: str) -> Iterator[int]:
    import re

    for digits in re.findall(r"%[-+ #0]*(\d+)", text):
        yield int(digits)


class BoundedSandbox(SandboxedEnvironment):
    """The sandbox with a per-render budget (see the module's docstring)."""

    intercepted_binops = frozenset({"*", "**"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.template_class = BoundedTemplate
        self.globals["range"] = _counted_range
        self.globals.pop("lipsum", None)  # lipsum(n=10**6) is a loop of its own
        for name in ("center", "indent", "truncate", "wordwrap"):
            self.filters[name] = _capped(self.filters[name])
        self.filters["format"] = _bounded_format

    loop_steps = staticmethod(loop_steps)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        """The template's tree with every loop's iterable passed through loop_steps (an
        environment attribute, so the checker does not see a variable of its own)."""
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Call(
                nodes.EnvironmentAttribute("loop_steps"), [loop.iter], [], None, None
            )
        return tree

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _spend()
        if operator == "**":
            if isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
                raise TemplateTooCostly("the power is too large")
            return left**right
        for sized, count in ((left, right), (right, left)):
            if (
                isinstance(sized, str | list | tuple)
                and isinstance(count, int)
                and len(sized) * count > MAX_LENGTH
            ):
                raise TemplateTooCostly("the text or list is too long")
        return left * right

    def getattr(self, obj: Any, attribute: str) -> Any:
        _spend()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        _spend()
        return super().getitem(obj, argument)

    def call(
        __self,
        __context: Context,
        __obj: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        _spend()
        return SandboxedEnvironment.call(__self, __context, __obj, *args, **kwargs)
