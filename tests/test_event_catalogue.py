"""The event catalogue is the one list of kinds: code, webhook topics and docs keep to it."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path
from typing import Any, get_type_hints

import pytest

from portal import event_catalogue as catalogue
from portal import events
from portal.models.returns import ReturnState
from portal.webhooks_out import topics

ROOT = Path(__file__).resolve().parent.parent
PORTAL = ROOT / "portal"
EMITTERS = {"emit", "EventSpec"}


def _modules() -> list[tuple[str, ast.Module]]:
    found = []
    for path in sorted(PORTAL.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        found.append((name, ast.parse(path.read_text(encoding="utf-8"))))
    return found


def _called(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _kind_argument(node: ast.Call) -> ast.expr | None:
    for keyword in node.keywords:
        if keyword.arg == "kind":
            return keyword.value
    return node.args[1] if _called(node) == "EventSpec" and len(node.args) > 1 else None


def _emitted_kinds() -> list[tuple[str, int, set[str] | None]]:
    """(module, line, the kinds an emit or EventSpec there can name; None: unknowable)."""
    found = []
    for name, tree in _modules():
        module: Any = None
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _called(node) in EMITTERS):
                continue
            expr = _kind_argument(node)
            if expr is None or name == "portal.events":
                continue
            if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
                kinds: set[str] | None = {expr.value}
            elif isinstance(expr, ast.Call) and _called(expr) == "return_kind":
                kinds = set(catalogue.RETURN_KINDS)  # any state: checked below
            elif isinstance(expr, ast.Call) and _called(expr) == "claim_kind":
                kinds = set(catalogue.CLAIM_KINDS)  # any claim state
            elif isinstance(expr, ast.Name | ast.Attribute):
                module = module or importlib.import_module(name)
                kinds = {str(eval(ast.unparse(expr), vars(module)))}
            else:
                kinds = None
            found.append((name, node.lineno, kinds))
    return found


def test_every_emitted_kind_is_in_the_catalogue() -> None:
    emitted = _emitted_kinds()
    assert len(emitted) >= 8  # the scan found the emitters (tracking, returns, surveys)
    for module, line, kinds in emitted:
        assert kinds is not None, f"{module}:{line}: emit a catalogue constant, not {kinds}"
        unknown = kinds - set(catalogue.KINDS)
        assert not unknown, f"{module}:{line} emits {unknown}, which the catalogue lacks"


def test_return_kinds_are_one_per_return_state() -> None:
    assert set(catalogue.RETURN_STATES) == {state.value for state in ReturnState}
    assert len(catalogue.RETURN_STATES) == len(ReturnState)


def test_every_kind_has_a_one_line_doc_and_a_typed_payload() -> None:
    for kind in catalogue.CATALOGUE:
        assert kind.doc and "\n" not in kind.doc, kind.name
        assert get_type_hints(kind.payload), kind.name


def _webhook_section() -> str:
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    start = text.index("## Outgoing webhooks")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def test_docs_api_documents_every_kind_and_topic() -> None:
    section = _webhook_section()
    documented = set(re.findall(r"`([a-z_]+\.[a-z_<>*]+)`", section))
    states = set(re.findall(r"`([a-z_]+)`", section))
    for kind in catalogue.CATALOGUE:
        for name in (kind.name, *kind.webhook_topics):
            family, _, rest = name.partition(".")
            generic = (
                family in ("return", "claim") and f"{family}.<state>" in documented
            ) and rest in states
            assert name in documented or generic, f"docs/api.md does not document {name}"


def test_webhook_topics_come_from_the_catalogue() -> None:
    declared = {t for kind in catalogue.CATALOGUE for t in kind.webhook_topics}
    assert set(topics.TOPICS) == declared
    assert set(topics.RETURN_TOPICS) == set(catalogue.RETURN_KINDS)
    assert topics.PING not in catalogue.KINDS


def test_every_module_that_registers_a_listener_is_loaded() -> None:
    registering = {
        name
        for name, tree in _modules()
        if name != "portal.events"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _called(node) in ("listen", "listen_batch")
    }
    assert registering == set(events.LISTENER_MODULES)


def test_listening_to_an_unknown_kind_is_refused() -> None:
    with pytest.raises(catalogue.UnknownEventKind, match=r"shipment\.teleported"):
        events.listen("shipment.teleported")
