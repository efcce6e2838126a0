"""A carrier's name as its own customers write it, in the customer's language.

Adapters declare one ``display_name``, in Latin letters ("Nova Poshta"), and the names
the carrier itself uses in other languages (``local_names``: "Нова Пошта" in Ukrainian,
"Еконт" in Bulgarian, "ΕΛΤΑ" in Greek, from the carriers' own sites); a message, note or
page in that language uses the local name, every other language the adapter's name.
"""

from __future__ import annotations

from carriers import registry


def local_names() -> dict[str, dict[str, str]]:
    """carrier key -> language -> the carrier's own name in it, for every carrier that
    declares one."""
    return {
        key: dict(adapter.local_names)
        for key, adapter in registry.adapters().items()
        if adapter.local_names
    }


def carrier_name(carrier_key: str, locale: str | None = None) -> str:
    """``nova_poshta`` → "Нова Пошта" in Ukrainian, "Nova Poshta" in English; an unknown
    carrier's key in capitals."""
    try:
        adapter = registry.get(carrier_key)
    except KeyError:
        return carrier_key.upper()
    return adapter.local_names.get(locale or "") or adapter.display_name
