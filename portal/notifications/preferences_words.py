"""The customer's delivery preferences in plain words, per locale, for messages and pages.

Like :mod:`portal.notifications.phrases`, a fixed table per language (messages render
outside any request, in the customer's language); day names come from Babel's CLDR data.
``uk`` and ``bg`` are here already so those languages only need switching on.
"""

from __future__ import annotations

from typing import Any

from babel import Locale

from portal.core.delivery_preferences import DAYS
from portal.notifications.base import DEFAULT_LOCALE

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "home": "Home delivery",
        "locker": "Parcel locker {point}",
        "pickup_point": "Pickup point {point}",
        "safe_place": "safe place: {text}",
        "instructions": "instructions: {text}",
        "days": "preferred days: {days}",
    },
    "pl": {
        "home": "Dostawa do domu",
        "locker": "Paczkomat {point}",
        "pickup_point": "Punkt odbioru {point}",
        "safe_place": "bezpieczne miejsce: {text}",
        "instructions": "wskazówki: {text}",
        "days": "preferowane dni: {days}",
    },
    "ro": {
        "home": "Livrare la domiciliu",
        "locker": "Locker {point}",
        "pickup_point": "Punct de ridicare {point}",
        "safe_place": "loc sigur: {text}",
        "instructions": "instrucțiuni: {text}",
        "days": "zile preferate: {days}",
    },
    "ru": {
        "home": "Доставка на дом",
        "locker": "Постамат {point}",
        "pickup_point": "Пункт выдачи {point}",
        "safe_place": "безопасное место: {text}",
        "instructions": "указания: {text}",
        "days": "удобные дни: {days}",
    },
    "el": {
        "home": "Παράδοση στο σπίτι",
        "locker": "Θυρίδα παραλαβής {point}",
        "pickup_point": "Σημείο παραλαβής {point}",
        "safe_place": "ασφαλές σημείο: {text}",
        "instructions": "οδηγίες: {text}",
        "days": "προτιμώμενες ημέρες: {days}",
    },
    "uk": {
        "home": "Доставка додому",
        "locker": "Поштомат {point}",
        "pickup_point": "Пункт видачі {point}",
        "safe_place": "безпечне місце: {text}",
        "instructions": "вказівки: {text}",
        "days": "зручні дні: {days}",
    },
    "bg": {
        "home": "Доставка до дома",
        "locker": "Автомат за пратки {point}",
        "pickup_point": "Пункт за получаване {point}",
        "safe_place": "сигурно място: {text}",
        "instructions": "указания: {text}",
        "days": "предпочитани дни: {days}",
    },
}


def _language(locale: str | None) -> str:
    language = (locale or "").replace("-", "_").split("_")[0].lower()
    return language if language in WORDS else DEFAULT_LOCALE


def day_names(days: list[str], locale: str | None) -> str:
    """``["mon", "fri"]`` → "Mon, Fri" in ``locale``."""
    names = Locale.parse(_language(locale)).days["format"]["abbreviated"]
    return ", ".join(str(names[DAYS.index(day)]) for day in days if day in DAYS)


def preference_words(preferences: dict[str, Any] | None, locale: str | None) -> str:
    """ "Parcel locker KRA01M; preferred days: Mon, Fri", or "" without preferences."""
    if not preferences:
        return ""
    words = WORDS[_language(locale)]
    method = preferences.get("method") or "home"
    parts = [words[method].format(point=preferences.get("point_id") or "").strip()]
    for field in ("safe_place", "instructions"):
        if preferences.get(field):
            parts.append(words[field].format(text=preferences[field]))
    if preferences.get("preferred_days"):
        parts.append(words["days"].format(days=day_names(preferences["preferred_days"], locale)))
    return "; ".join(parts)
