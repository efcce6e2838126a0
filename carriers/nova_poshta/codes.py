"""Nova Poshta tracking ``StatusCode``s → Doorstep's vocabulary.

The table holds every code of the "Актуальні статуси трекінгу" list in Nova Poshta's API
documentation (https://developers.novaposhta.ua/, model ``TrackingDocument``, method
``getStatusDocuments``), with Nova Poshta's wording as a comment, plus three older codes
(14, 107, 108) that integrations still receive. Where the wording decides the reading:

- 7 and 8 (arrived at the branch, loaded into a Poshtomat locker) and 14 (handed to the
  recipient to inspect at the branch) wait for the customer: available for pickup.
- 102, 103 and 108 are refusals: the parcel goes back under a new waybill and this one
  never moves again, so they are final, ``returned_to_sender`` / ``refused``.
- 105 "storage stopped" is the pickup deadline passing: returned, ``not_collected``.
- 106 "received, and a return waybill created" is delivered: the return waybill carries
  the cash-on-delivery money or documents back, not the parcel.
- 3 "number not found" is kept for completeness; the adapter reports it as ``not_found``.
"""

from __future__ import annotations

from carriers.base import Reason, Status

Outcome = tuple[Status, Reason | None]

_TRANSIT: Outcome = (Status.IN_TRANSIT, None)
_PICKUP: Outcome = (Status.AVAILABLE_FOR_PICKUP, None)
_DELIVERED: Outcome = (Status.DELIVERED, None)
_REFUSED: Outcome = (Status.RETURNED_TO_SENDER, Reason.REFUSED)
_NOT_COLLECTED: Outcome = (Status.RETURNED_TO_SENDER, Reason.NOT_COLLECTED)

CODES: dict[str, Outcome] = {
    # Відправник самостійно створив цю накладну, але ще не надав до відправки
    "1": (Status.INFO_RECEIVED, None),
    "2": (Status.EXCEPTION, Reason.UNKNOWN),  # Видалено
    "3": (Status.PENDING, None),  # Номер не знайдено
    "4": _TRANSIT,  # Відправлення у місті ХХХХ (міжобласне)
    "41": _TRANSIT,  # Відправлення у місті ХХХХ (локал стандарт / локал експрес)
    "5": _TRANSIT,  # Відправлення прямує до міста YYYY
    "6": _TRANSIT,  # Відправлення у місті YYYY, орієнтовна доставка до ВІДДІЛЕННЯ-XXX
    "7": _PICKUP,  # Прибув на відділення
    "8": _PICKUP,  # Прибув на відділення (завантажено в Поштомат)
    "9": _DELIVERED,  # Відправлення отримано
    "10": _DELIVERED,  # Відправлення отримано; грошовий переказ надійде протягом доби
    "11": _DELIVERED,  # Відправлення отримано; грошовий переказ видано одержувачу
    "12": (Status.INFO_RECEIVED, None),  # Нова Пошта комплектує ваше відправлення
    "14": _PICKUP,  # Відправлення передано до огляду отримувачу (older code)
    "101": (Status.OUT_FOR_DELIVERY, None),  # На шляху до одержувача
    "102": _REFUSED,  # Відмова від отримання (відправником створено замовлення на повернення)
    "103": _REFUSED,  # Відмова одержувача (отримувач відмовився від відправлення)
    "104": _TRANSIT,  # Змінено адресу
    "105": _NOT_COLLECTED,  # Припинено зберігання
    "106": _DELIVERED,  # Одержано і створено ЄН зворотньої доставки
    "107": _PICKUP,  # Нараховується плата за зберігання (older code)
    "108": _REFUSED,  # Відмова одержувача (older code)
    # Невдала спроба доставки через відсутність Одержувача на адресі або зв'язку з ним
    "111": (Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE),
    "112": _TRANSIT,  # Дата доставки перенесена Одержувачем
}

#: "Номер не знайдено": the waybill does not exist (or not yet).
NOT_FOUND = "3"

#: Codes after which the parcel waits at (or is bound for) its branch or Poshtomat.
TOWARDS_POINT = frozenset({"1", "4", "41", "5", "6", "7", "8", "12", "14", "104", "107", "112"})

#: A code the table does not hold and no keyword explains: kept, read as movement.
DEFAULT: Outcome = _TRANSIT

#: (phrases, outcome) in priority order, matched in the lower-cased ``Status`` text of a
#: code the table lacks (Nova Poshta words its statuses in Ukrainian).
KEYWORDS: list[tuple[tuple[str, ...], Outcome]] = [
    (("припинено зберігання", "термін зберігання"), _NOT_COLLECTED),
    (("відмов",), _REFUSED),
    (("повернен", "зворотн"), (Status.RETURNED_TO_SENDER, None)),
    (("невдала спроба",), (Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE)),
    (("отримано", "одержано"), _DELIVERED),
    (("прибув", "поштомат"), _PICKUP),
    (("на шляху до одержувача",), (Status.OUT_FOR_DELIVERY, None)),
    (("видалено",), (Status.EXCEPTION, Reason.UNKNOWN)),
]  # fmt: skip


def classify(code: str, text: str = "") -> Outcome:
    """The table's outcome for ``code``; else the first keyword rule ``text`` meets."""
    known = CODES.get(code.strip())
    if known is not None:
        return known
    words = " ".join(text.lower().split())
    for phrases, outcome in KEYWORDS:
        if any(phrase in words for phrase in phrases):
            return outcome
    return DEFAULT
