"""A carrier's name as its own customers write it, in the customer's language.

Adapters declare one ``display_name``, in Latin letters ("Nova Poshta"); a Ukrainian
message reads better with the name Ukrainians know the carrier by ("Нова Пошта"), as a
Bulgarian one with "Еконт" and a Greek one with "ΕΛΤΑ". Only the names the carriers
themselves use in that language are listed (their own sites: novaposhta.ua,
ukrposhta.ua, econt.com, speedy.bg, elta.gr, taxydromiki.com, cdek.ru, pochta.ru,
pocztapolska.pl); every other language keeps the adapter's name.
"""

from __future__ import annotations

from carriers import registry

#: carrier key -> language -> the carrier's own name in it.
LOCAL_NAMES: dict[str, dict[str, str]] = {
    "nova_poshta": {"uk": "Нова Пошта", "ru": "Новая Почта"},
    "ukrposhta": {"uk": "Укрпошта", "ru": "Укрпочта"},
    "econt": {"bg": "Еконт"},
    "speedy": {"bg": "Спиди"},
    "elta": {"el": "ΕΛΤΑ"},
    "geniki": {"el": "Γενική Ταχυδρομική"},
    "cdek": {"ru": "СДЭК", "uk": "СДЕК"},
    "russian_post": {"ru": "Почта России", "uk": "Пошта Росії"},
}


def carrier_name(carrier_key: str, locale: str | None = None) -> str:
    """``nova_poshta`` → "Нова Пошта" in Ukrainian, "Nova Poshta" in English; an unknown
    carrier's key in capitals."""
    local = LOCAL_NAMES.get(carrier_key, {}).get(locale or "")
    if local:
        return local
    try:
        return registry.get(carrier_key).display_name
    except KeyError:
        return carrier_key.upper()
