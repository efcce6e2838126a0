"""Finds carrier adapters through the ``doorstep.carriers`` entry-point group.

Built-in adapters are registered exactly like third-party ones (see pyproject.toml).
An adapter that fails to load is recorded in :func:`load_errors`, never fatal.
"""

from __future__ import annotations

import logging
from importlib.metadata import entry_points

from carriers.base import CarrierAdapter

GROUP = "doorstep.carriers"
log = logging.getLogger(__name__)

_adapters: dict[str, type[CarrierAdapter]] | None = None
_errors: dict[str, str] = {}


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


def reload() -> None:
    """Forget what was loaded (after installing a plugin, and in tests)."""
    global _adapters
    _adapters = None
