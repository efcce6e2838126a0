"""Finds carrier adapters through the ``doorstep.carriers`` entry-point group.

Built-in adapters are registered exactly like third-party ones (see pyproject.toml).
An adapter that fails to load is recorded in :func:`load_errors`, never fatal.
:func:`generation` changes whenever the set of adapters may have, so what is derived from
it (the detection table) knows when to rebuild.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from importlib.metadata import entry_points

from carriers.base import CarrierAdapter

GROUP = "doorstep.carriers"
log = logging.getLogger(__name__)

_adapters: dict[str, type[CarrierAdapter]] | None = None
_errors: dict[str, str] = {}
_generation = 0


def _load() -> dict[str, type[CarrierAdapter]]:
    global _adapters
    if _adapters is not None:
        return _adapters
    found: dict[str, type[CarrierAdapter]] = {}
    _errors.clear()
    for ep in entry_points(group=GROUP):
        try:
            adapter = ep.load()
        except Exception as exc:  # a broken plugin must not take the portal down
            _errors[ep.name] = f"{type(exc).__name__}: {exc}"
            log.warning("carrier adapter %r failed to load: %s", ep.name, exc)
            continue
        if not (isinstance(adapter, type) and issubclass(adapter, CarrierAdapter)):
            _errors[ep.name] = f"{ep.value} is not a CarrierAdapter subclass"
            continue
        if getattr(adapter, "key", None) != ep.name:
            _errors[ep.name] = f"{ep.value} declares key {getattr(adapter, 'key', None)!r}"
            continue
        found.setdefault(ep.name, adapter)
    _adapters = found
    return found


def available() -> list[str]:
    """Keys of every adapter that loaded, sorted."""
    return sorted(_load())


def get(key: str) -> type[CarrierAdapter]:
    """The adapter class for ``key``; KeyError when no such adapter loaded."""
    adapters = _load()
    if key not in adapters:
        raise KeyError(f"no carrier adapter {key!r} (available: {', '.join(sorted(adapters))})")
    return adapters[key]


def load_errors() -> dict[str, str]:
    """Adapters that failed to load, by key, with the reason (shown in the admin)."""
    _load()
    return dict(_errors)


def adapters() -> Mapping[str, type[CarrierAdapter]]:
    """Every adapter that loaded, by key (read-only view)."""
    return dict(_load())


def generation() -> int:
    """A number that changes on every :func:`reload`, :func:`register` and :func:`replace`."""
    return _generation


def register(adapter: type[CarrierAdapter]) -> None:
    """Add an adapter that is not installed as a package, until the next :func:`reload`.

    For an application embedding Doorstep, and for tests that need a stand-in carrier;
    installed plugins should use the entry point instead.
    """
    global _generation
    if not (isinstance(adapter, type) and issubclass(adapter, CarrierAdapter)):
        raise TypeError(f"{adapter!r} is not a CarrierAdapter subclass")
    _load()[adapter.key] = adapter
    _generation += 1


def replace(adapters: Iterable[type[CarrierAdapter]]) -> None:
    """Use exactly ``adapters`` until the next :func:`reload` (tests of a fixed set)."""
    global _adapters, _generation
    _adapters = {adapter.key: adapter for adapter in adapters}
    _errors.clear()
    _generation += 1


def reload() -> None:
    """Forget what was loaded (after installing a plugin, and in tests)."""
    global _adapters, _generation
    _adapters = None
    _generation += 1
