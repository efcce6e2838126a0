"""The reasons of :data:`~portal.notifications.phrases.REASON_WORDS`, worded for a text.

A text message has two segments: 134 characters in Cyrillic, Greek or any language with
a letter outside GSM-7, less a shop's name and the link. What is left is about sixty
characters for what happened *and* why, and the fitting rule drops whole trailing
sentences (:func:`portal.notifications.sms.fit_sms_body`), so a reason worded for an
e-mail went first: the customer learnt that the delivery failed but not that nobody was
home. These say the same thing in at most 35 characters, still whole sentences, so that a
merchant's own text can place them as it places the long ones.
"""

from __future__ import annotations

from carriers.base import Reason
from portal.notifications.base import pick_locale

#: The longest a short reason may be, in characters (a test holds every locale to it).
MAX_LENGTH = 35

SMS_REASON_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "address_issue": "The address could not be used.",
        "recipient_unavailable": "Nobody was in to take the parcel.",
        "refused": "The parcel was refused.",
        "damaged": "The parcel was damaged in transit.",
        "lost": "The carrier cannot find the parcel.",
        "customs_hold": "The parcel is held at customs.",
        "weather_delay": "Bad weather is delaying delivery.",
        "carrier_delay": "The carrier is behind schedule.",
        "held_at_carrier": "The carrier is holding the parcel.",
        "not_collected": "The parcel was not collected.",
        "unknown": "The carrier has not said why yet.",
    },
    "pl": {
        "address_issue": "Problem z adresem doręczenia.",
        "recipient_unavailable": "Nikogo nie zastano.",
        "refused": "Odmówiono przyjęcia przesyłki.",
        "damaged": "Przesyłka została uszkodzona.",
        "lost": "Nie można odnaleźć przesyłki.",
        "customs_hold": "Przesyłkę zatrzymał urząd celny.",
        "weather_delay": "Pogoda opóźnia doręczenie.",
        "carrier_delay": "Przewoźnik ma opóźnienia.",
        "held_at_carrier": "Przesyłka czeka u przewoźnika.",
        "not_collected": "Przesyłki nie odebrano w terminie.",
        "unknown": "Przyczyny jeszcze nie podano.",
    },
    "ro": {
        "address_issue": "Problemă cu adresa de livrare.",
        "recipient_unavailable": "Destinatarul nu a fost prezent.",
        "refused": "Coletul a fost refuzat.",
        "damaged": "Coletul a fost deteriorat.",
        "lost": "Curierul nu găsește coletul.",
        "customs_hold": "Coletul este reținut la vamă.",
        "weather_delay": "Vremea rea întârzie livrarea.",
        "carrier_delay": "Curierul are întârzieri.",
        "held_at_carrier": "Coletul este reținut de curier.",
        "not_collected": "Coletul nu a fost ridicat la timp.",
        "unknown": "Motivul nu a fost încă precizat.",
    },
    "ru": {
        "address_issue": "Проблема с адресом доставки.",
        "recipient_unavailable": "Получателя не было на месте.",
        "refused": "От посылки отказались.",
        "damaged": "Посылка повреждена.",
        "lost": "Посылку не удаётся найти.",
        "customs_hold": "Посылка задержана на таможне.",
        "weather_delay": "Доставку задерживает непогода.",
        "carrier_delay": "У перевозчика задержки.",
        "held_at_carrier": "Посылка хранится у перевозчика.",
        "not_collected": "Посылку не забрали в срок.",
        "unknown": "Причина пока неизвестна.",
    },
    "el": {
        "address_issue": "Πρόβλημα με τη διεύθυνση.",
        "recipient_unavailable": "Ο παραλήπτης απουσίαζε.",
        "refused": "Το δέμα δεν έγινε δεκτό.",
        "damaged": "Το δέμα υπέστη ζημιά.",
        "lost": "Το δέμα δεν εντοπίζεται.",
        "customs_hold": "Το δέμα κρατείται στο τελωνείο.",
        "weather_delay": "Καθυστέρηση λόγω κακοκαιρίας.",
        "carrier_delay": "Η μεταφορική έχει καθυστερήσεις.",
        "held_at_carrier": "Το δέμα φυλάσσεται στη μεταφορική.",
        "not_collected": "Το δέμα δεν παραλήφθηκε εγκαίρως.",
        "unknown": "Η αιτία δεν έχει αναφερθεί ακόμη.",
    },
    "uk": {
        "address_issue": "Проблема з адресою доставки.",
        "recipient_unavailable": "Одержувача не було на місці.",
        "refused": "Від посилки відмовилися.",
        "damaged": "Посилку пошкоджено.",
        "lost": "Посилку не вдається знайти.",
        "customs_hold": "Посилку затримано на митниці.",
        "weather_delay": "Доставку затримує негода.",
        "carrier_delay": "У перевізника затримки.",
        "held_at_carrier": "Посилка чекає в перевізника.",
        "not_collected": "Посилку не забрали вчасно.",
        "unknown": "Причина поки невідома.",
    },
    "bg": {
        "address_issue": "Проблем с адреса за доставка.",
        "recipient_unavailable": "Нямаше кой да получи пратката.",
        "refused": "Пратката беше отказана.",
        "damaged": "Пратката е повредена.",
        "lost": "Куриерът не открива пратката.",
        "customs_hold": "Пратката е задържана в митница.",
        "weather_delay": "Лошото време забавя доставката.",
        "carrier_delay": "Куриерът има закъснение.",
        "held_at_carrier": "Куриерът задържа пратката.",
        "not_collected": "Пратката не е получена навреме.",
        "unknown": "Причината още не е посочена.",
    },
}


def sms_reason_words(reason: str | Reason | None, locale: str) -> str:
    """``customs_hold`` → "The parcel is held at customs." (short, for a text); empty for
    none, the unknown reason's words for a reason this table does not know."""
    if not reason:
        return ""
    table = SMS_REASON_WORDS[pick_locale(locale)]
    return table.get(str(reason)) or table[Reason.UNKNOWN.value]
