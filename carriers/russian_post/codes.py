"""Russian Post tracking: operation types (``OperType``) and attributes (``OperAttr``).

Every operation the service reports is a type (``8`` "Обработка", processing) and, for most
types, an attribute (``8.2`` "Прибыло в место вручения", arrived at the delivery office).
The specification (https://tracking.pochta.ru/specification) sends the codes with their
names and points to the service's dictionary of operation codes and attributes
(https://tracking.pochta.ru/support/dictionaries/operation_codes); :data:`OPERATIONS`
lists that dictionary as published, Russian names included, and :data:`CODES` flattens it
to ``"type"`` and ``"type.attr"`` keys, the form ``carrier_code`` takes.

Each type has one outcome; :data:`ATTRIBUTE_OUTCOMES` gives the attributes that mean
something else (a handing-over to the *sender* is a return, the notice left at the office
makes the parcel available for pickup, each failed attempt's cause its reason). A type or
attribute added to the dictionary later falls back to its type, then to :func:`classify`'s
reading of the name sent with it.
"""

from __future__ import annotations

import re

from carriers.base import Reason, Status

Outcome = tuple[Status, Reason | None]

_INFO: Outcome = (Status.INFO_RECEIVED, None)
_TRANSIT: Outcome = (Status.IN_TRANSIT, None)
_OUT: Outcome = (Status.OUT_FOR_DELIVERY, None)
_PICKUP: Outcome = (Status.AVAILABLE_FOR_PICKUP, None)
_DELIVERED: Outcome = (Status.DELIVERED, None)
_RETURNED: Outcome = (Status.RETURNED_TO_SENDER, None)
_FAILED: Outcome = (Status.FAILED_ATTEMPT, None)
_CUSTOMS: Outcome = (Status.EXCEPTION, Reason.CUSTOMS_HOLD)
_HELD: Outcome = (Status.EXCEPTION, Reason.HELD_AT_CARRIER)
_UNCLEAR: Outcome = (Status.EXCEPTION, Reason.UNKNOWN)


def _failed(reason: Reason | None) -> Outcome:
    return (Status.FAILED_ATTEMPT, reason)


def _returned(reason: Reason | None) -> Outcome:
    return (Status.RETURNED_TO_SENDER, reason)


#: Causes of an unsuccessful delivery attempt (types 12 and 42 share them).
_ATTEMPT_CAUSES: dict[int, str] = {
    1: "Временное отсутствие адресата",
    2: "Доставка отложена по просьбе адресата",
    3: "Неполный адрес",
    4: "Неправильный/нечитаемый/неполный адрес",
    5: "Адресат выбыл",
    6: "Адресат отказался от отправления",
    7: "Форс-мажор/непредвиденные обстоятельства",
    8: "Иная",
    9: "Адресат заберет отправление сам",
    10: "Адресат не доступен",
    11: "Неудачная доставка",
    12: "Истек срок хранения в почтомате",
    13: "По требованию отправителя",
    14: "Отправление повреждено и/или без вложения",
    15: "В ожидании оплаты сбора",
    16: "Адресат переехал",
    17: "У адресата есть абонентский ящик",
    18: "Нет доставки на дом",
    19: "Не отвечает таможенным требованиям",
    20: "Неполные/недостаточные/неверные документы",
    21: "Невозможно связаться с клиентом",
    22: "Адресат бастует",
    23: "Запрещенные вложения – отправление не доставлено",
    24: "Отказ в импорте – запрещенные вложения",
    25: "Засыл отправления",
    26: "За смертью получателя",
    27: "Национальный праздник",
    28: "Утрата",
}
_ATTEMPT_REASONS: dict[int, Reason | None] = {
    1: Reason.RECIPIENT_UNAVAILABLE,
    2: Reason.RECIPIENT_UNAVAILABLE,
    3: Reason.ADDRESS_ISSUE,
    4: Reason.ADDRESS_ISSUE,
    5: Reason.ADDRESS_ISSUE,
    6: Reason.REFUSED,
    7: Reason.CARRIER_DELAY,
    8: Reason.UNKNOWN,
    9: None,
    10: Reason.RECIPIENT_UNAVAILABLE,
    11: Reason.CARRIER_DELAY,
    12: Reason.NOT_COLLECTED,
    13: Reason.HELD_AT_CARRIER,
    14: Reason.DAMAGED,
    15: Reason.CUSTOMS_HOLD,
    16: Reason.ADDRESS_ISSUE,
    17: Reason.ADDRESS_ISSUE,
    18: Reason.ADDRESS_ISSUE,
    19: Reason.CUSTOMS_HOLD,
    20: Reason.CUSTOMS_HOLD,
    21: Reason.RECIPIENT_UNAVAILABLE,
    22: Reason.RECIPIENT_UNAVAILABLE,
    23: Reason.CUSTOMS_HOLD,
    24: Reason.CUSTOMS_HOLD,
    25: Reason.CARRIER_DELAY,
    26: Reason.RECIPIENT_UNAVAILABLE,
    27: Reason.CARRIER_DELAY,
    28: Reason.LOST,
}

#: OperType id -> (its name, its outcome, {OperAttr id: the attribute's name}).
OPERATIONS: dict[int, tuple[str, Outcome, dict[int, str]]] = {
    1: ("Прием", _TRANSIT, {
        1: "Единичный", 2: "Партионный", 3: "Партионный электронно",
        4: "Упрощенный единичный", 5: "По ведомости в РЦ (распределительном центре)",
        6: "По ведомости в СЦ (сортировочном центре)", 7: "Упрощенный предзаполненный",
        8: "Упрощенный предоплаченный",
    }),
    2: ("Вручение", _DELIVERED, {
        1: "Вручение адресату", 2: "Вручение отправителю", 3: "Выдано адресату через почтомат",
        4: "Выдано отправителю через почтомат", 5: "Адресату электронно",
        6: "Адресату почтальоном", 7: "Отправителю почтальоном", 8: "Адресату курьером",
        9: "Отправителю курьером", 10: "Адресату с контролем ответа",
        11: "Адресату с контролем ответа почтальоном",
        12: "Адресату с контролем ответа курьером", 13: "Вручение адресату по ПЭП",
        14: "Для передачи на оцифровку",
    }),
    3: ("Возврат", _RETURNED, {
        1: "Истек срок хранения", 2: "Заявление отправителя",
        3: "Отсутствие адресата по указанному адресу", 4: "Отказ адресата",
        5: "Смерть адресата", 6: "Невозможно прочесть адрес адресата",
        7: "Отказ в выпуске таможней",
        8: "Адресат, абонирующий абонементный почтовый шкаф, не указан или указан неправильно",
        9: "Иные обстоятельства", 10: "Неверный адрес", 11: "Несоответствие комплектности",
        12: "Запрещено САБ", 13: "Для проведения таможенных операций",
        14: "Распоряжение ЭТП", 15: "Частичный выкуп",
    }),
    4: ("Досылка почты", _TRANSIT, {
        1: "По заявлению пользователя", 2: "Выбытие адресата по новому адресу",
        3: "Засылка", 4: "Запрещено САБ", 5: "Передача на временное хранение",
        6: "Передача в невостребованные", 7: "По техническим причинам",
    }),
    5: ("Невручение", _UNCLEAR, {
        1: "Утрачено", 2: "Изъято", 3: "Засылка", 8: "Решение таможни",
    }),
    6: ("Хранение", _PICKUP, {
        1: "До востребования", 2: "На абонементный ящик", 3: "Установленный срок хранения",
        4: "Продление срока хранения по заявлению адресата",
        5: "Продление срока хранения по заявлению отправителя",
    }),
    7: ("Временное хранение", _HELD, {
        1: "Нероздано", 2: "Невостребовано", 3: "Содержимое запрещено к пересылке",
        4: "Ожидает результаты экспертизы",
    }),
    8: ("Обработка", _TRANSIT, {
        0: "Сортировка", 1: "Покинуло место приёма", 2: "Прибыло в место вручения",
        3: "Прибыло в сортировочный центр", 4: "Покинуло сортировочный центр",
        5: "Прибыло в место международного обмена",
        6: "Покинуло место международного обмена", 7: "Прибыло в место транзита",
        8: "Покинуло место транзита", 9: "Прибыло в почтомат",
        10: "Истекает срок хранения в почтомате", 11: "Переадресовано в почтомат",
        12: "Изъято из почтомата", 13: "Прибыло на территорию РФ",
        14: "Прибыло в Центр выдачи посылок", 15: "Передано курьеру (водителю)",
        16: "Доставлено для вручения электронно", 17: "Направлено в ЦГП",
        18: "Передано почтальону", 19: "Передача в кладовую хранения",
        20: "Покинуло место возврата/досылки", 21: "Уточнение адреса",
        22: "Ожидает курьерской доставки", 23: "Продление срока хранения",
        24: "Направлено извещение", 25: "Доставлено извещение",
        26: "Зарегистрировано с новым номером",
        27: "Истекает срок хранения (осталось 25 дней)",
        28: "Истекает срок хранения (осталось 5 дней)",
        29: "Находится на техническом исследовании", 30: "Поступило в ЦГП",
        31: "Покинуло ЦГП", 32: "Направлено в УКД",
        33: "Истекает срок хранения (осталось 23 дня)", 34: "До ввод данных",
        35: "Истекает срок хранения (осталось 10 дней)",
        36: "Зарегистрировано заявление на возврат",
        37: "Зарегистрировано заявление отправителя на продление срока хранения",
        38: "Зарегистрировано заявление адресата на продление срока хранения",
        39: "Сдано в ПВЗ", 40: "Истек срок хранения", 41: "Возврат скомплектован",
        42: "Истекает срок хранения (остался 1 день)",
        43: "Истек срок хранения (осталось 2 дня)", 44: "Сдано в СЦ", 45: "Резерв",
        46: "Резерв", 47: "Приостановлена обработка по 115-ФЗ",
        48: "Присвоено место адресного хранения", 49: "Направлено в пункт выдачи",
    }),
    9: ("Импорт международной почты", _TRANSIT, {}),
    10: ("Экспорт международной почты", _TRANSIT, {}),
    11: ("Прием на таможню", _TRANSIT, {}),
    12: ("Неудачная попытка вручения", _FAILED, dict(_ATTEMPT_CAUSES)),
    13: ("Регистрация отправки", _TRANSIT, {}),
    14: ("Таможенное оформление", _TRANSIT, {
        1: "Выпущено таможней", 2: "Возвращено таможней", 3: "Осмотрено таможней",
        4: "Отказ в выпуске", 5: "Направлено с таможенным уведомлением",
        6: "Направлено с обязательной уплатой таможенных платежей", 7: "Требуется досмотр",
        8: "Выпуск приостановлен", 9: "Отказ в приеме на таможню",
        10: "Проведен осмотр с использованием ТСТК", 11: "ТК в рамках СУР",
        12: "Досмотр завершен", 13: "Выпуск разрешен. Таможенные платежи уплачены",
        14: "Отказ в выпуске. Таможенные платежи не уплачены",
        15: "Таможенная декларация не прошла ФЛК",
        16: "Выпущено таможней. Средства зарезервированы",
        17: "Отказ в выпуске по решению должностного лица",
        18: "Требуется предъявление в ТО", 19: "Отказ в автоматическом выпуске",
        20: "Отказ в выпуске. Товары не предъявлены", 21: "Требуются результаты осмотра",
        22: "Возврат разрешен", 23: "Отказ в выпуске возвращаемых товаров",
        24: "Требуется рентген-контроль", 25: "В убытии отказано", 26: "Убытие разрешено",
    }),
    15: ("Передача на временное хранение", _HELD, {}),
    16: ("Уничтожение", (Status.EXCEPTION, Reason.LOST), {}),
    17: ("Оформление в собственность", (Status.EXCEPTION, Reason.NOT_COLLECTED), {}),
    18: ("Регистрация утраты", (Status.EXCEPTION, Reason.LOST), {}),
    19: ("Таможенные платежи поступили", _TRANSIT, {}),
    20: ("Регистрация", _INFO, {}),
    21: ("Доставка", _DELIVERED, {
        1: "Доставлено в почтовый ящик", 2: "Доставлено в руки адресату под роспись",
        3: "Доставлено на ресепшн или секретариат под роспись",
    }),
    22: ("Недоставка", _failed(Reason.ADDRESS_ISSUE), {
        1: "Отсутствие п/я", 2: "Отсутствие улицы, дома, квартиры",
        3: "Несоответствие индекса ОПС выдачи", 4: "Неверный адрес/адрес не существует",
        5: "Отказ в получении", 6: "Нет доступа по адресу", 7: "Организация сменила адрес",
        8: "Адресат выбыл", 9: "Отправление не поместилось в п/я",
    }),
    23: ("Поступление на временное хранение", _HELD, {}),
    24: ("Продление срока выпуска таможней", _CUSTOMS, {
        1: "Предъявить на ветеринарный контроль", 2: "Предъявить на фитосанитарный контроль",
        3: "Отбор проб и образцов", 4: "Прочее", 1019: "Запрещенные объекты",
        1020: "Имеются ограничения на импортируемые вложения", 1050: "Счет отсутствует",
        1051: "Счет некорректен", 1052: "Сертификат отсутствует или некорректен",
        1053: "Сертификат некорректен",
        1054: "Таможенная декларация отсутствует или некорректна",
        1055: "CN 22/23 некорректна", 1056: "Вложения с высокой стоимостью - требуется ТД",
        1057: "Контакт с клиентом невозможен",
        1058: "Ожидается передача в таможенный орган",
        1059: "Требуются данные НДС/Номер ввоза",
        1060: "Требуется сертификат для возвращенных вложений",
        1061: "Требуется форма перевода для банка", 1062: "Некомплектная поставка",
        1063: "Передано в таможенный орган",
        1064: "Задержано в таможенном органе без указания причины",
        1065: "Ожидается подтверждение стоимости от получателя",
        1070: "Имеются ограничения на экспортируемые вложения",
        1073: "Неполная или некорректная документация",
    }),
    25: ("Вскрытие", _TRANSIT, {}),
    26: ("Отмена", _TRANSIT, {1: "Требование отправителя", 2: "Ошибка оператора"}),
    27: ("Получена электронная регистрация", _INFO, {}),
    28: ("Присвоение идентификатора", _INFO, {}),
    29: ("Регистрация прохождения в ММПО", _TRANSIT, {}),
    30: ("Отправка SRM", _TRANSIT, {}),
    31: ("Обработка перевозчиком", _TRANSIT, {
        1: "Транспорт прибыл", 5: "Бронирование подтверждено", 6: "Включено в план погрузки",
        7: "Исключено из плана погрузки", 14: "Транспортный участок завершен",
        21: "Доставлено", 23: "Почта в месте назначения", 24: "Погружено на борт",
        31: "В пути", 40: "Почта поступила на склад перевозчика", 41: "Перегрузка",
        42: "Передано другому перевозчику", 43: "Получено от другого перевозчика",
        48: "Погружено", 57: "Не погружено", 59: "Выгружено", 74: "Принято к перевозке",
        82: "Возвращено",
    }),
    32: ("Поступление АПО", _TRANSIT, {}),
    33: ("Международная обработка", _TRANSIT, {
        1: "Передано перевозчику", 2: "Получено назначенным оператором",
        3: "Обработка назначенным оператором",
    }),
    34: ("Электронное уведомление загружено", _TRANSIT, {}),
    35: ("Отказ в курьерской доставке", _PICKUP, {
        1: "Не подлежащий доставке вид почтового отправления",
        2: "Превышение предельного веса, подлежащее доставке",
        3: "Превышение габаритных размеров, подлежащее доставке",
        4: "Дефектное почтовое отправление", 5: "Наличие Таможенного уведомления",
        6: "Отсутствие Соглашения об обмене почтовыми отправлениями с наложенным платежом",
        7: "Возвращенное почтовое отправление",
        8: "Превышение суммы наложенного платежа, подлежащей взиманию на дому",
        9: "Неверно оформленные бланки или их отсутствие",
    }),
    36: ("Уточнение вида оплаты доставки", _TRANSIT, {
        0: "Включена в тариф", 1: "Платная", 2: "Предоплаченная",
    }),
    37: ("Предварительное оформление", _INFO, {}),
    38: ("Задержка для уточнений у отправителя", _HELD, {
        4: "Неправильный/нечитаемый/неполный адрес", 13: "По требованию отправителя",
        25: "Засыл отправления",
    }),
    39: ("Таможенное декларирование", _TRANSIT, {
        1: "Регистрация", 2: "Предварительное решение \"выпуск разрешен\"",
        3: "Отказ в выпуске товаров. Требуется предъявление таможенному органу без осмотра",
        4: "Отказ в выпуске товаров. Требуется предъявление таможенному органу с осмотром",
        5: "Отказ в регистрации", 6: "Отказ в выпуске. Товары не предъявлены",
        7: "Данные от торговой площадки получены", 8: "Выпуск разрешен",
        9: "Отказ в выпуске",
    }),
    40: ("Таможенный контроль", _TRANSIT, {
        1: "Платежи уплачены", 2: "Уведомление о проведении контроля",
        3: "Отказ в выпуске по решению должностного лица",
    }),
    41: ("Обработка таможенных платежей", _TRANSIT, {
        1: "Сумма платежа удержана УО", 2: "Сумма платежа списана ФТС",
        3: "Сумма платежа для удержания УО", 4: "Сумма платежа удержана УО полностью",
        5: "Сумма платежа рассчитана УО", 6: "Сумма платежа удержана ФТС полностью",
    }),
    42: ("Вторая неудачная попытка вручения", _FAILED, dict(_ATTEMPT_CAUSES)),
    43: ("Вручение разрешено", _TRANSIT, {}),
    44: ("Отказ в приеме", _UNCLEAR, {}),
    45: ("Отказ от отправки электронного уведомления получателем", _TRANSIT, {}),
    46: ("Отмена присвоения идентификатора", _UNCLEAR, {}),
    47: ("Подтверждение возможности приема", _INFO, {}),
    48: ("Частичное вручение", _DELIVERED, {}),
    49: ("Отказ в продлении срока хранения", _PICKUP, {
        1: "Отправление уже вручено",
        2: "Заявка на продление срока хранения получена повторно",
        3: "Заявка на продление срока хранения подана позже, чем за 24 часа окончания "
        "нормативного срока хранения",
        4: "Наличие дебиторской задолженности по корпоративному клиенту",
        5: "Наличие запрета со стороны Компании дистанционной торговли "
        "(интернет-магазина) на продление срока хранения",
        6: "ПВЗ закрыт",
    }),
    50: ("Неудачная доставка в АПС", (Status.EXCEPTION, Reason.CARRIER_DELAY), {
        1: "АПС отсутствует", 2: "АПС не работает", 3: "К АПС нет доступа",
        4: "Курьер не успел", 5: "Нет свободных ячеек в АПС",
        6: "Курьер не смог совершить закладку",
        7: "Размер открывшейся ячейки меньше размера отправления",
    }),
    51: ("Неудачная доставка в ПВЗ", (Status.EXCEPTION, Reason.CARRIER_DELAY), {
        1: "ПВЗ закрыт временно", 2: "ПВЗ закрыт постоянно", 3: "Отказ ПВЗ в приеме",
        4: "Курьер не успел",
    }),
    52: ("Отказ в резервировании ячейки АПС", (Status.EXCEPTION, Reason.CARRIER_DELAY), {}),
}  # fmt: skip

#: Attributes whose outcome is not their type's.
ATTRIBUTE_OUTCOMES: dict[str, Outcome] = {
    # Handed over to the sender: the return is complete.
    "2.2": _RETURNED, "2.4": _RETURNED, "2.7": _RETURNED, "2.9": _RETURNED,
    "2.14": _TRANSIT,
    "3.1": _returned(Reason.NOT_COLLECTED), "3.2": _RETURNED,
    "3.3": _returned(Reason.ADDRESS_ISSUE), "3.4": _returned(Reason.REFUSED),
    "3.5": _returned(Reason.RECIPIENT_UNAVAILABLE), "3.6": _returned(Reason.ADDRESS_ISSUE),
    "3.7": _returned(Reason.CUSTOMS_HOLD), "3.8": _returned(Reason.ADDRESS_ISSUE),
    "3.9": _returned(Reason.UNKNOWN), "3.10": _returned(Reason.ADDRESS_ISSUE),
    "3.11": _returned(Reason.DAMAGED), "3.12": _returned(Reason.UNKNOWN),
    "3.13": _returned(Reason.CUSTOMS_HOLD), "3.14": _RETURNED, "3.15": _returned(Reason.REFUSED),
    "4.4": _HELD, "4.5": _HELD, "4.6": (Status.EXCEPTION, Reason.NOT_COLLECTED),
    "5.1": (Status.EXCEPTION, Reason.LOST), "5.2": _UNCLEAR,
    "5.3": (Status.EXCEPTION, Reason.CARRIER_DELAY), "5.8": _CUSTOMS,
    "6.5": _PICKUP,
    "7.2": (Status.EXCEPTION, Reason.NOT_COLLECTED),
    # Processing: at the delivery office, at a locker, with the postman or a courier.
    "8.2": _PICKUP, "8.9": _PICKUP, "8.10": _PICKUP, "8.14": _PICKUP,
    "8.15": _OUT, "8.18": _OUT, "8.19": _PICKUP, "8.21": (Status.EXCEPTION, Reason.ADDRESS_ISSUE),
    "8.23": _PICKUP, "8.24": _PICKUP, "8.25": _PICKUP, "8.26": _INFO,
    "8.27": _PICKUP, "8.28": _PICKUP, "8.33": _PICKUP, "8.35": _PICKUP,
    "8.37": _PICKUP, "8.38": _PICKUP, "8.39": _PICKUP,
    "8.40": (Status.EXCEPTION, Reason.NOT_COLLECTED), "8.42": _PICKUP, "8.43": _PICKUP,
    "8.47": _HELD, "8.48": _PICKUP,
    "14.2": _CUSTOMS, "14.4": _CUSTOMS, "14.7": _CUSTOMS, "14.8": _CUSTOMS, "14.9": _CUSTOMS,
    "14.14": _CUSTOMS, "14.15": _CUSTOMS, "14.17": _CUSTOMS, "14.18": _CUSTOMS,
    "14.19": _CUSTOMS, "14.20": _CUSTOMS, "14.21": _CUSTOMS, "14.23": _CUSTOMS,
    "14.24": _CUSTOMS, "14.25": _CUSTOMS,
    "22.5": _failed(Reason.REFUSED), "22.6": _failed(Reason.RECIPIENT_UNAVAILABLE),
    "22.9": _failed(Reason.CARRIER_DELAY),
    "31.82": _TRANSIT,
    "39.3": _CUSTOMS, "39.4": _CUSTOMS, "39.5": _CUSTOMS, "39.6": _CUSTOMS, "39.9": _CUSTOMS,
    "40.3": _CUSTOMS,
    "49.1": _DELIVERED,
    **{f"12.{attr}": _failed(reason) for attr, reason in _ATTEMPT_REASONS.items()},
    **{f"42.{attr}": _failed(reason) for attr, reason in _ATTEMPT_REASONS.items()},
}  # fmt: skip


def _flatten() -> dict[str, Outcome]:
    table: dict[str, Outcome] = {}
    for oper_type, (_, outcome, attributes) in OPERATIONS.items():
        table[str(oper_type)] = outcome
        for attr in attributes:
            key = f"{oper_type}.{attr}"
            table[key] = ATTRIBUTE_OUTCOMES.get(key, outcome)
    return table


#: ``"type"`` and ``"type.attr"`` -> outcome, every operation of the dictionary.
CODES: dict[str, Outcome] = _flatten()

#: Attributes that leave the parcel in a parcel locker (почтомат) rather than an office.
LOCKER_CODES = frozenset({"8.9", "8.10", "12.12", "42.12"})

#: Outcomes that leave the parcel waiting for the customer: where a later return without
#: a reason of its own is "not collected".
NOTICE_CODES = frozenset({"8.2", "8.24", "8.25", "8.9", "6.3"})

#: (phrases, outcome) read from the names of an operation the dictionary does not list
#: (Russian and English, as the service answers in either), first match wins. Phrases are
#: written as :func:`normalise` leaves text.
WORDING: list[tuple[tuple[str, ...], Outcome]] = [
    (("вручение отправителю", "to sender", "returned to sender"), _RETURNED),
    (("возврат", "return"), _RETURNED),
    (("неудачная попытка", "unsuccessful", "failed"), _FAILED),
    (("утрат", "lost", "loss"), (Status.EXCEPTION, Reason.LOST)),
    (("тамож", "custom"), _TRANSIT),
    (("почтомат", "прибыло в место вручения", "извещение", "хранени",
      "place of delivery", "notice", "storage", "parcel locker"), _PICKUP),
    (("почтальону", "курьеру", "to postman", "to courier"), _OUT),
    (("вручение", "delivered", "delivery to addressee", "handed"), _DELIVERED),
]  # fmt: skip

#: Fallback for an operation neither the dictionary nor the wording explains.
DEFAULT: Outcome = _TRANSIT

_BLANKS = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lower case with blanks collapsed: the form :data:`WORDING` is written in."""
    return _BLANKS.sub(" ", text.casefold()).strip()


def code_of(oper_type: int, attr: int | None) -> str:
    """The ``carrier_code`` of an operation: ``"8.2"``, or ``"9"`` for a type alone."""
    return str(oper_type) if attr is None else f"{oper_type}.{attr}"


def classify(oper_type: int, attr: int | None, wording: str = "") -> Outcome:
    """The outcome of an operation: its attribute, else its type, else its wording.

    An attribute the dictionary does not list takes its type's outcome, unless the type
    is the bare default and the wording says more.
    """
    code = code_of(oper_type, attr)
    if code in CODES:
        return CODES[code]
    if str(oper_type) in CODES:
        return CODES[str(oper_type)]
    text = normalise(wording)
    for phrases, outcome in WORDING:
        if any(phrase in text for phrase in phrases):
            return outcome
    return DEFAULT
