"""Checking a template before it is saved, for any family of messages.

A family (shipment, return, survey) gives the names its templates may use and a sample
context; this finds syntax errors and unknown names statically, then renders against
the sample to catch misspelt attributes and sandbox violations, each with its line.
"""

from __future__ import annotations

import traceback
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from jinja2 import TemplateSyntaxError, meta, nodes
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment


@dataclass(frozen=True, slots=True)
class TemplateProblem:
    """Why a template cannot be saved, and on which line."""

    line: int
    message: str


def _template_line(exc: BaseException) -> int:
    """The template line an exception was raised from (Jinja rewrites tracebacks)."""
    line = 0
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == "<template>":
            line = lineno
    return line


def check_template(
    env: SandboxedEnvironment, source: str, allowed: Collection[str], sample: dict[str, Any]
) -> list[TemplateProblem]:
    """Problems that stop ``source`` from being saved; empty when it may be."""
    try:
        tree = env.parse(source)
        template = env.from_string(source)
    except TemplateSyntaxError as exc:
        return [TemplateProblem(exc.lineno or 1, exc.message or "syntax error")]
    problems = []
    for name in sorted(meta.find_undeclared_variables(tree) - set(allowed)):
        lines = [n.lineno for n in tree.find_all(nodes.Name) if n.name == name and n.ctx == "load"]
        problems.append(TemplateProblem(min(lines, default=1), f"unknown variable '{name}'"))
    if problems:
        return problems
    try:
        template.render(sample)
    except UndefinedError as exc:
        problems.append(TemplateProblem(_template_line(exc) or 1, f"unknown name: {exc.message}"))
    except SecurityError as exc:
        problems.append(TemplateProblem(_template_line(exc) or 1, f"not allowed: {exc}"))
    except Exception as exc:
        problems.append(TemplateProblem(_template_line(exc) or 1, f"{type(exc).__name__}: {exc}"))
    return problems
