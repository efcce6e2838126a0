"""What a survey says, per locale: default question texts, the merchant's own wording,
its custom question, and the default invitation message.

A merchant's survey configuration lives in one JSON value, ``Merchant.survey_settings``
(written by the ``/admin/surveys`` screen; read with ``getattr`` and tolerant of any part
missing or malformed)::

    {"enabled": true,
     "channels": ["email", "sms"],
     "custom_question": {"en": "Did the size fit?", "pl": "Czy rozmiar pasował?"},
     "wording": {"pl": {"csat_delivery": "…"}},
     "support": {"email": "help@shop.test", "phone": "+48 …", "url": "https://…"}}

The delay after delivery is the ``Merchant.survey_delay_days`` column (the scheduler
selects on it in SQL). Without ``channels`` the older ``notification_rules["survey"]`` is
read, then email. Without a ``support`` part the page offers the branding's support
contact. The invitation's text can be overridden like any notification, as a
``NotificationTemplate`` row with trigger ``"survey"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from portal.models import Channel
from portal.notifications.base import DEFAULT_LOCALE, pick_locale

SURVEY_TRIGGER = "survey"
DEFAULT_CHANNELS: tuple[Channel, ...] = (Channel.EMAIL,)
SUPPORT_KEYS = ("email", "phone", "url")

QUESTION_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "csat_delivery": "How satisfied are you with the delivery of your order?",
        "nps": "How likely are you to recommend {merchant} to a friend or colleague?",
        "ces_delivery": "How easy was it to get your parcel?",
        "ces_return": "How easy was it to return your item?",
        "csat_resolution": "How satisfied are you with how your return was resolved?",
    },
    "pl": {
        "csat_delivery": "Jak bardzo jesteś zadowolony(-a) z dostawy zamówienia?",
        "nps": "Jak prawdopodobne jest, że polecisz {merchant} znajomemu lub współpracownikowi?",
        "ces_delivery": "Jak łatwo było odebrać przesyłkę?",
        "ces_return": "Jak łatwo było zwrócić produkt?",
        "csat_resolution": "Jak bardzo jesteś zadowolony(-a) z rozpatrzenia zwrotu?",
    },
    "ro": {
        "csat_delivery": "Cât de mulțumit(ă) ești de livrarea comenzii?",
        "nps": "Cât de probabil este să recomanzi {merchant} unui prieten sau coleg?",
        "ces_delivery": "Cât de ușor a fost să primești coletul?",
        "ces_return": "Cât de ușor a fost să returnezi produsul?",
        "csat_resolution": "Cât de mulțumit(ă) ești de modul în care a fost rezolvat returul?",
    },
    "ru": {
        "csat_delivery": "Насколько вы довольны доставкой заказа?",
        "nps": "Насколько вероятно, что вы порекомендуете {merchant} другу или коллеге?",
        "ces_delivery": "Насколько легко было получить посылку?",
        "ces_return": "Насколько легко было вернуть товар?",
        "csat_resolution": "Насколько вы довольны тем, как был решён вопрос с возвратом?",
    },
    "el": {
        "csat_delivery": "Πόσο ικανοποιημένοι είστε με την παράδοση της παραγγελίας σας;",
        "nps": "Πόσο πιθανό είναι να προτείνετε το {merchant} σε έναν φίλο ή συνάδελφο;",
        "ces_delivery": "Πόσο εύκολο ήταν να παραλάβετε το δέμα σας;",
        "ces_return": "Πόσο εύκολο ήταν να επιστρέψετε το προϊόν;",
        "csat_resolution": "Πόσο ικανοποιημένοι είστε με τον τρόπο που διευθετήθηκε "
        "η επιστροφή σας;",
    },
    "uk": {
        "csat_delivery": "Наскільки ви задоволені доставкою замовлення?",
        "nps": "Наскільки ймовірно, що ви порекомендуєте {merchant} другові чи колезі?",
        "ces_delivery": "Наскільки легко було отримати посилку?",
        "ces_return": "Наскільки легко було повернути товар?",
        "csat_resolution": "Наскільки ви задоволені тим, як вирішили питання з поверненням?",
    },
    "bg": {
        "csat_delivery": "Доколко сте доволни от доставката на поръчката си?",
        "nps": "Колко вероятно е да препоръчате {merchant} на приятел или колега?",
        "ces_delivery": "Колко лесно беше да получите пратката си?",
        "ces_return": "Колко лесно беше да върнете продукта?",
        "csat_resolution": "Доколко сте доволни от начина, по който беше уредено връщането?",
    },
}

#: The invitation: ``delivery``/``return`` open the body, ``cta`` labels the button.
MESSAGE_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "subject": "How did we do?",
        "delivery": "We would love to hear how your delivery went. It takes under a minute.",
        "return": "We would love to hear how your return went. It takes under a minute.",
        "cta": "Answer the survey",
        "sms": "{merchant}: how did we do? Tell us in one tap:",
    },
    "pl": {
        "subject": "Jak nam poszło?",
        "delivery": "Chcielibyśmy wiedzieć, jak przebiegła dostawa. To zajmie mniej niż minutę.",
        "return": "Chcielibyśmy wiedzieć, jak przebiegł zwrot. To zajmie mniej niż minutę.",
        "cta": "Wypełnij ankietę",
        "sms": "{merchant}: jak nam poszło? Odpowiedz jednym dotknięciem:",
    },
    "ro": {
        "subject": "Cum ne-am descurcat?",
        "delivery": "Ne-ar plăcea să aflăm cum a decurs livrarea. Durează mai puțin de un minut.",
        "return": "Ne-ar plăcea să aflăm cum a decurs returul. Durează mai puțin de un minut.",
        "cta": "Răspunde la sondaj",
        "sms": "{merchant}: cum ne-am descurcat? Spune-ne dintr-o atingere:",
    },
    "ru": {
        "subject": "Как мы справились?",
        "delivery": "Расскажите, как прошла доставка. Это займёт меньше минуты.",
        "return": "Расскажите, как прошёл возврат. Это займёт меньше минуты.",
        "cta": "Пройти опрос",
        "sms": "{merchant}: как мы справились? Ответьте в одно касание:",
    },
    "el": {
        "subject": "Πώς τα πήγαμε;",
        "delivery": "Θα θέλαμε να μάθουμε πώς πήγε η παράδοση. Χρειάζεται λιγότερο από ένα λεπτό.",
        "return": "Θα θέλαμε να μάθουμε πώς πήγε η επιστροφή. Χρειάζεται λιγότερο από ένα λεπτό.",
        "cta": "Απαντήστε στην έρευνα",
        "sms": "{merchant}: πώς τα πήγαμε; Πείτε μας με ένα πάτημα:",
    },
    "uk": {
        "subject": "Як ми впоралися?",
        "delivery": "Розкажіть, як пройшла доставка. Це займе менше хвилини.",
        "return": "Розкажіть, як пройшло повернення. Це займе менше хвилини.",
        "cta": "Пройти опитування",
        "sms": "{merchant}: як ми впоралися? Відповідайте одним дотиком:",
    },
    "bg": {
        "subject": "Как се справихме?",
        "delivery": "Ще се радваме да научим как мина доставката. Отнема по-малко от минута.",
        "return": "Ще се радваме да научим как мина връщането. Отнема по-малко от минута.",
        "cta": "Попълнете анкетата",
        "sms": "{merchant}: как се справихме? Кажете ни с едно докосване:",
    },
}


@dataclass(frozen=True, slots=True)
class SurveyConfig:
    """A merchant's survey choices, with every part present."""

    channels: tuple[Channel, ...] = DEFAULT_CHANNELS
    #: locale -> text of the merchant's own question; empty when it has none.
    custom_question: dict[str, str] = field(default_factory=dict)
    #: locale -> question key -> the merchant's wording.
    wording: dict[str, dict[str, str]] = field(default_factory=dict)
    #: False when the merchant switched surveys off: none are created.
    enabled: bool = True
    #: ``email`` / ``phone`` / ``url`` for follow-ups, as the merchant set them here.
    support: dict[str, str] = field(default_factory=dict)

    @property
    def has_custom_question(self) -> bool:
        return any(text.strip() for text in self.custom_question.values())


def _str_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if isinstance(v, str) and v.strip()}


def _channels(value: Any) -> tuple[Channel, ...] | None:
    if not isinstance(value, list):
        return None
    return tuple(Channel(c) for c in value if c in Channel._value2member_map_)


def survey_config(merchant: Any) -> SurveyConfig:
    """The merchant's configuration, tolerant of missing or malformed parts."""
    raw = getattr(merchant, "survey_settings", None) or {}
    raw = raw if isinstance(raw, dict) else {}
    rules = getattr(merchant, "notification_rules", None) or {}
    channels = _channels(raw.get("channels"))
    if channels is None:
        channels = _channels(rules.get(SURVEY_TRIGGER) if isinstance(rules, dict) else None)
    wording = raw.get("wording")
    support = _str_map(raw.get("support"))
    return SurveyConfig(
        channels=DEFAULT_CHANNELS if channels is None else channels,
        custom_question=_str_map(raw.get("custom_question")),
        wording={str(k): _str_map(v) for k, v in wording.items()}
        if isinstance(wording, dict)
        else {},
        enabled=raw.get("enabled") is not False,
        support={k: v.strip() for k, v in support.items() if k in SUPPORT_KEYS},
    )


@dataclass(frozen=True, slots=True)
class SupportContact:
    """Where a disappointed customer can reach the merchant; any part may be empty."""

    email: str = ""
    phone: str = ""
    url: str = ""

    def __bool__(self) -> bool:
        return bool(self.email or self.phone or self.url)


def support_contact(merchant: Any, config: SurveyConfig | None = None) -> SupportContact:
    """The survey settings' support contact, else the branding's (``support_email`` …).

    Taken as a whole from one place, so a survey never mixes two teams' contacts.
    """
    config = config or survey_config(merchant)
    chosen = config.support
    if not any(chosen.values()):
        branding = getattr(merchant, "branding", None) or {}
        branding = branding if isinstance(branding, dict) else {}
        chosen = {k: str(branding.get(f"support_{k}") or "").strip() for k in SUPPORT_KEYS}
    return SupportContact(**{k: chosen.get(k, "") for k in SUPPORT_KEYS})


def question_text(key: str, locale: str, config: SurveyConfig, merchant_name: str) -> str:
    """The text of one question in ``locale``: the merchant's wording, else ours.

    The custom question falls back to the merchant's text in English, then in any language.
    """
    language = pick_locale(locale)
    if key == "custom":
        texts = config.custom_question
        return texts.get(language) or texts.get(DEFAULT_LOCALE) or next(iter(texts.values()), "")
    text = config.wording.get(language, {}).get(key) or QUESTION_TEXT[language].get(key)
    text = text or QUESTION_TEXT[DEFAULT_LOCALE][key]
    return text.replace("{merchant}", merchant_name)


def message_words(locale: str) -> dict[str, str]:
    return {**MESSAGE_WORDS[DEFAULT_LOCALE], **MESSAGE_WORDS[pick_locale(locale)]}
