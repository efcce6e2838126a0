"""Layers hold: domain packages never import pages or the API, the floor imports neither, and
no module imports itself in a circle (imports inside functions count too).

Read statically from the source, so an import hidden in a function body, which only runs on
one code path, is caught as surely as one at the top of a module.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Packages that say what the business does; pages and the API sit on top of them.
DOMAIN = (
    "portal.attention",
    "portal.notifications",
    "portal.returns",
    "portal.surveys",
    "portal.tracking",
    "portal.webhooks_out",
    "portal.models",
    "portal.analytics",
    "portal.platforms",
    "portal.claims",
    "portal.privacy",
    "carriers",
)
#: What serves HTTP: no domain package may reach up into these.
PAGES_AND_API = (
    "portal.admin",
    "portal.api",
    "portal.returns_page",
    "portal.tracking_page",
    "portal.survey_page",
    "portal.web",
)
#: The floor may only stand on the schema, the settings, the carriers' vocabulary and itself;
#: the vocabulary includes how a country's wall time is read (``carriers.timestamps``: the
#: legal-zone table, one for scans and messages alike).
FLOOR = "portal.core"
FLOOR_MAY_IMPORT = (
    "portal.core",
    "portal.models",
    "portal.settings",
    "carriers.base",
    "carriers.timestamps",
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    """Every module of ``portal`` and ``carriers`` except the migrations."""
    found = {}
    for package in ("portal", "carriers"):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[_module_name(path)] = path
    return found


def _under(name: str, packages: tuple[str, ...] | str) -> bool:
    packages = (packages,) if isinstance(packages, str) else packages
    return any(name == p or name.startswith(p + ".") for p in packages)


@cache
def imports_of(name: str) -> frozenset[str]:
    """What ``name`` imports anywhere in its source, as module names of this repository.

    ``from a import b`` names the module ``a.b`` when there is one, else ``a``; a package's
    own ``__init__`` running first is Python's doing, not an edge of ours.
    """
    known = modules()
    path = known[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            subs = {f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known}
            found.update(subs)
            if len(subs) < len(node.names):
                found.add(base)
    return frozenset(m for m in found if m != name and (m in known or _under(m, PAGES_AND_API)))


def _modules_in(packages: tuple[str, ...] | str) -> list[str]:
    return sorted(m for m in modules() if _under(m, packages))


@pytest.mark.parametrize("module", _modules_in(DOMAIN))
def test_domain_packages_do_not_import_pages_or_the_api(module: str) -> None:
    upward = sorted(m for m in imports_of(module) if _under(m, PAGES_AND_API))
    assert not upward, f"{module} imports {upward}: move what it needs to {FLOOR}"


@pytest.mark.parametrize("module", _modules_in(FLOOR))
def test_the_floor_stands_on_nothing_above_it(module: str) -> None:
    above = sorted(m for m in imports_of(module) if not _under(m, FLOOR_MAY_IMPORT))
    assert not above, f"{module} imports {above}"


def _cycles(graph: dict[str, frozenset[str]]) -> Iterator[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    yield sorted(group)


def test_no_module_imports_itself_through_others() -> None:
    graph = {m: frozenset(i for i in imports_of(m) if i in modules()) for m in modules()}
    assert list(_cycles(graph)) == []


def test_the_cycle_check_sees_imports_inside_functions() -> None:
    graph = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset()}
    assert list(_cycles(graph)) == [["a", "b", "c"]]
    # portal.scheduler imports the CSV purge inside a job function, not at the top.
    assert "portal.admin.csv_import" in imports_of("portal.scheduler")


def test_each_returns_page_module_imports_alone() -> None:
    """Each in a clean slate (every ``portal`` module forgotten first), in a fresh interpreter,
    so a cycle cannot hide behind modules an earlier import already loaded."""
    names = _modules_in("portal.returns_page")
    script = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    for loaded in [m for m in sys.modules if m.split('.')[0] in ('portal', 'carriers')]:\n"
        "        del sys.modules[loaded]\n"
        "    importlib.import_module(name)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
