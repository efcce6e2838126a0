"""CDEK order statuses (Appendix 1) and additional status codes (Appendix 2) → Doorstep.

Both appendices of CDEK's API v2 documentation (https://apidoc.cdek.ru/, "Приложение 1.
Статусы заказов", "Приложение 2. Дополнительные статусы"), every code, with CDEK's
wording as a comment. Where the wording decides the reading:

- ``RETURNED_TO_SENDER_CITY_WAREHOUSE`` and ``RETURNED_TO_TRANSIT_WAREHOUSE`` are a
  warehouse re-entering a parcel it could not hand on; CDEK says they are *not* a return
  to the sender: movement.
- ``RETURNED_TO_RECIPIENT_CITY_WAREHOUSE`` is a delivery that failed, another attempt
  to follow: a failed attempt.
- ``SENT_TO_SENDER_CITY`` and ``ACCEPTED_IN_SENDER_CITY`` are the way back to the shop:
  an exception until ``NOT_DELIVERED`` closes the order as returned.
- ``POSTOMAT_SEIZED`` is the locker's storage time running out (CDEK: "возврат в ИМ"):
  returned, not collected; ``POSTOMAT_RECEIVED`` is the customer taking it: delivered.
- ``NOT_DELIVERED`` is final; its ``reason_code`` (Appendix 2) says why, and
  :data:`REASONS` turns that into a reason.
"""

from __future__ import annotations

from carriers.base import Reason, Status

Outcome = tuple[Status, Reason | None]

_INFO: Outcome = (Status.INFO_RECEIVED, None)
_TRANSIT: Outcome = (Status.IN_TRANSIT, None)
_PICKUP: Outcome = (Status.AVAILABLE_FOR_PICKUP, None)
_DELIVERED: Outcome = (Status.DELIVERED, None)
_BACK: Outcome = (Status.EXCEPTION, Reason.UNKNOWN)

CODES: dict[str, Outcome] = {
    "ACCEPTED": _INFO,  # Принят: создан, требуются дополнительные валидации
    "CREATED": _INFO,  # Создан
    "REMOVED": (Status.EXCEPTION, Reason.UNKNOWN),  # Удален (отменен ИМ)
    "RECEIVED_AT_SHIPMENT_WAREHOUSE": _TRANSIT,  # Принят на склад отправителя
    "READY_FOR_SHIPMENT_IN_SENDER_CITY": _TRANSIT,  # Готов к отправке в городе-отправителе
    "RETURNED_TO_SENDER_CITY_WAREHOUSE": _TRANSIT,  # Возвращен на склад отправителя
    "TAKEN_BY_TRANSPORTER_FROM_SENDER_CITY": _TRANSIT,  # Сдан перевозчику в г.-отправителе
    "SENT_TO_TRANSIT_CITY": _TRANSIT,  # Отправлен в город-транзит
    "ACCEPTED_IN_TRANSIT_CITY": _TRANSIT,  # Встречен в городе-транзите
    "ACCEPTED_AT_TRANSIT_WAREHOUSE": _TRANSIT,  # Принят на склад транзита
    "RETURNED_TO_TRANSIT_WAREHOUSE": _TRANSIT,  # Возвращен на склад транзита
    "READY_FOR_SHIPMENT_IN_TRANSIT_CITY": _TRANSIT,  # Выдан на отправку в городе-транзите
    "TAKEN_BY_TRANSPORTER_FROM_TRANSIT_CITY": _TRANSIT,  # Сдан перевозчику в г.-транзите
    "SENT_TO_SENDER_CITY": _BACK,  # Отправлен в город-отправитель
    "SENT_TO_RECIPIENT_CITY": _TRANSIT,  # Отправлен в город-получатель
    "ACCEPTED_IN_SENDER_CITY": _BACK,  # Встречен в городе-отправителе
    "ACCEPTED_IN_RECIPIENT_CITY": _TRANSIT,  # Встречен в городе-получателе
    "ACCEPTED_AT_RECIPIENT_CITY_WAREHOUSE": _TRANSIT,  # Принят на склад доставки
    "ACCEPTED_AT_PICK_UP_POINT": _PICKUP,  # Принят на склад до востребования
    "TAKEN_BY_COURIER": (Status.OUT_FOR_DELIVERY, None),  # Выдан на доставку
    # Возвращен на склад доставки: доставка не удалась, ожидается очередная попытка
    "RETURNED_TO_RECIPIENT_CITY_WAREHOUSE": (Status.FAILED_ATTEMPT, None),
    "DELIVERED": _DELIVERED,  # Вручен
    "NOT_DELIVERED": (Status.RETURNED_TO_SENDER, None),  # Не вручен (возврат в ИМ)
    "ENTERED_TO_TRANSIT_WAREHOUSE": _TRANSIT,  # Поступил в город транзита
    "ENTERED_TO_RECIPIENT_CITY_WAREHOUSE": _TRANSIT,  # Поступил на склад доставки
    "ENTERED_TO_PICK_UP_POINT": _TRANSIT,  # Поступил на склад до востребования
    "IN_CUSTOMS_INTERNATIONAL": _TRANSIT,  # Таможенное оформление в стране отправления
    "SHIPPED_TO_DESTINATION": _TRANSIT,  # Отправлено в страну назначения
    "PASSED_TO_TRANSIT_CARRIER": _TRANSIT,  # Передано транзитному перевозчику
    "IN_CUSTOMS_LOCAL": _TRANSIT,  # Таможенное оформление в стране назначения
    "CUSTOMS_COMPLETE": _TRANSIT,  # Таможенное оформление завершено
    "POSTOMAT_POSTED": _PICKUP,  # Заложен в постамат
    # Изъят из постамата курьером: истек срок хранения, возврат в ИМ
    "POSTOMAT_SEIZED": (Status.RETURNED_TO_SENDER, Reason.NOT_COLLECTED),
    "POSTOMAT_RECEIVED": _DELIVERED,  # Изъят из постамата клиентом
    "INVALID": (Status.EXCEPTION, Reason.UNKNOWN),  # Некорректный заказ
}

#: Appendix 2: ``reason_code`` of a status (mostly of ``NOT_DELIVERED``) → the reason.
REASONS: dict[str, Reason] = {
    "1": Reason.ADDRESS_ISSUE,  # Возврат, неверный адрес
    "2": Reason.RECIPIENT_UNAVAILABLE,  # Возврат, не дозвонились
    "3": Reason.ADDRESS_ISSUE,  # Возврат, адресат не проживает
    "4": Reason.HELD_AT_CARRIER,  # Не должен выполняться: вес отличается от заявленного
    "5": Reason.LOST,  # Не должен выполняться: фактически нет отправления
    "6": Reason.HELD_AT_CARRIER,  # Не должен выполняться: дубль номера заказа
    "7": Reason.ADDRESS_ISSUE,  # Не должен выполняться: не доставляем в город/регион
    "8": Reason.DAMAGED,  # Повреждение упаковки при приемке от отправителя
    "9": Reason.DAMAGED,  # Повреждение упаковки у перевозчика
    "10": Reason.DAMAGED,  # Повреждение упаковки на складе / у курьера
    "11": Reason.REFUSED,  # Отказ от получения: без объяснения
    "12": Reason.REFUSED,  # Отказ: претензия к качеству товара
    "13": Reason.REFUSED,  # Отказ: недовложение
    "14": Reason.REFUSED,  # Отказ: пересорт
    "15": Reason.REFUSED,  # Отказ: не устроили сроки
    "16": Reason.REFUSED,  # Отказ: уже купил
    "17": Reason.REFUSED,  # Отказ: передумал
    "18": Reason.REFUSED,  # Отказ: ошибка оформления
    "19": Reason.REFUSED,  # Отказ: повреждение упаковки, у получателя
    "20": Reason.UNKNOWN,  # Частичная доставка
    "21": Reason.REFUSED,  # Отказ: нет денег
    "22": Reason.REFUSED,  # Отказ: товар не подошел / не понравился
    "23": Reason.NOT_COLLECTED,  # Возврат, истек срок хранения
    "24": Reason.CUSTOMS_HOLD,  # Возврат, не прошел таможню
    "25": Reason.CUSTOMS_HOLD,  # Не должен выполняться: является коммерческим грузом
    "26": Reason.LOST,  # Утерян
    "27": Reason.NOT_COLLECTED,  # Не востребован, утилизация
    "31": Reason.UNKNOWN,  # Возврат по запросу отправителя
    "32": Reason.UNKNOWN,  # Возврат по запросу плательщика
    "33": Reason.CUSTOMS_HOLD,  # Возврат, СНТ (сопроводительная накладная) не получено
}

#: Statuses during which the parcel is bound for, or waits at, its delivery point.
TOWARDS_POINT = frozenset(
    code
    for code, (status, _) in CODES.items()
    if status in (Status.IN_TRANSIT, Status.AVAILABLE_FOR_PICKUP)
) | {"CREATED", "ACCEPTED"}

#: A status CDEK adds later: kept on the event, read by its words or as movement.
DEFAULT: Outcome = _TRANSIT

#: (phrases, outcome) for a code the table lacks, matched in its lower-cased code and name.
KEYWORDS: list[tuple[tuple[str, ...], Outcome]] = [
    (("postomat_seized", "истек срок"), (Status.RETURNED_TO_SENDER, Reason.NOT_COLLECTED)),
    (("not_delivered", "не вручен"), (Status.RETURNED_TO_SENDER, None)),
    (("delivered", "вручен"), _DELIVERED),
    (("pick_up_point", "postomat", "постамат", "до востребования"), _PICKUP),
    (("courier", "на доставку"), (Status.OUT_FOR_DELIVERY, None)),
    (("sender_city", "город-отправитель", "возврат"), _BACK),
    (("customs", "тамож"), _TRANSIT),
]  # fmt: skip


def classify(code: str, name: str = "", reason_code: str | None = None) -> Outcome:
    """(status, reason) of a CDEK status; an Appendix 2 ``reason_code`` refines the reason
    of a failure or return. Unknown codes are read from their words, else as movement."""
    outcome = CODES.get(code.strip().upper())
    if outcome is None:
        words = f"{code} {name}".lower()
        outcome = next(
            (found for phrases, found in KEYWORDS if any(p in words for p in phrases)), DEFAULT
        )
    status, reason = outcome
    refined = REASONS.get((reason_code or "").strip())
    failure = (Status.RETURNED_TO_SENDER, Status.FAILED_ATTEMPT, Status.EXCEPTION)
    if refined is not None and status in failure and reason in (None, Reason.UNKNOWN):
        reason = refined
    return status, reason
