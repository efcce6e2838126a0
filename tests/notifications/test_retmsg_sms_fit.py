"""Every text message kind, in every language, with long real-world values: within its
segment budget, its link whole at the end, nothing cut inside a word, and a parcel waiting
at a pickup point keeps where, until when and with which code, and every kind keeps its
main news: a failed delivery or a problem its reason, whichever it is (the shared fitting
rule, :func:`portal.notifications.sms.fit_sms_body`), and a late or stuck parcel's text keeps
its second sentence, what happens next, and a shipped parcel's its expected day, whatever the
month."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from carriers.base import Reason
from portal.carrier_display import carrier_name
from portal.core.links import make_short_tracking_link
from portal.models import Channel
from portal.notifications import composer, phrases
from portal.notifications.base import LOCALES, Trigger
from portal.notifications.context import format_eta
from portal.notifications.dispatcher import dispatch_once
from portal.notifications.sentences import split_sentences
from portal.notifications.shipments import SHIPMENTS, ShipmentNews
from portal.notifications.sms import (
    ELASTIC_MIN,
    MAX_SEGMENTS,
    _sentences,
    fit_sms_body,
    sms_segments,
)
from portal.notifications.templates import TemplateSource, compiled, tidy
from portal.returns.messages import RETURNS
from portal.settings import Settings
from portal.surveys.message import SURVEYS
from portal.surveys.scheduling import invitation_link
from tests.notifications.helpers import (
    MESSAGES_URL,
    emit_status,
    parcel,
    twilio_payload,
    twilio_settings,
)

#: A portal on a shop's own sub-domain, and ids of a shop some years in.
SETTINGS = Settings(secret_key="fit-test-" * 4, public_base_url="https://returns.shop.ru")
SHIPMENT_ID = 1_234_567
SURVEY_ID = 765_432
#: Shop names of 17-19 characters in each language.
SHOP = {
    "en": "Garden & Home Store",
    "pl": "Sklep Ogród i Dom",
    "ro": "Casa și Grădina SRL",
    "ru": "Магазин Дом и Сад",
    "el": "Σπίτι και Κήπος ΑΕ",
    "uk": "Магазин Дім і Сад",
    "bg": "Магазин Дом и Сад",
}
#: Pickup points as carriers name them, address included where they put it in the name.
POINT = {
    "en": "InPost Locker 120 Main Street, Springfield",
    "pl": "Paczkomat KRA01M Galeria Kazimierz, ul. Podgórska 34",
    "ro": "easybox Sameday Piața Unirii 3, București",
    "ru": "Пункт выдачи СДЭК «Тверская-Ямская», ул. Тверская 12",
    "el": "Box Now Αθήνα Σύνταγμα, Ερμού 12",
    "uk": "Відділення №125 (до 30 кг): вул. Хрещатик, 22",
    "bg": "Еконт офис София Младост 1, бул. Ал. Малинов 19",
}
#: The carrier with the longest local name in each market.
CARRIER = {
    "en": "poczta_polska",
    "pl": "poczta_polska",
    "ro": "fan_courier",
    "ru": "russian_post",
    "el": "geniki",
    "uk": "nova_poshta",
    "bg": "econt",
}
KINDS = [
    (family, trigger)
    for family in (SHIPMENTS, RETURNS, SURVEYS)
    for trigger in family.triggers
    if Channel.SMS in family.template_channels
]
PICKUP = (Trigger.READY_FOR_PICKUP.value, Trigger.PICKUP_REMINDER.value)
#: Texts kept whole with any month's date, and the variable that holds it: a late or stuck
#: parcel's second sentence says what happens next ("we are watching it"), as its news alone
#: leaves the customer asking whether anyone is on it; a shipped parcel's main sentence ends
#: with the expected day, and cut before it ("dostawa ok.") it reads "delivery OK".
WHOLE = {
    Trigger.LATE.value: "missed_date",
    Trigger.STUCK.value: "missed_date",
    Trigger.SHIPPED.value: "eta",
}


def worst_context(family: composer.Family[Any], trigger: str, locale: str) -> dict[str, Any]:
    shop = SimpleNamespace(id=7, slug="shop", name=SHOP[locale], branding={})
    context = composer.sample_context(
        family, SETTINGS, shop, trigger=trigger, channel=Channel.SMS, locale=locale
    )
    if family is SHIPMENTS:
        shipment = SimpleNamespace(id=SHIPMENT_ID)
        context["tracking_link"] = make_short_tracking_link(SETTINGS, shipment)
        context["pickup_point"] = POINT[locale]
        context["carrier_name"] = carrier_name(CARRIER[locale], locale)
    if family is SURVEYS:
        context["survey_link"] = invitation_link(SETTINGS, SURVEY_ID, "x" * 43, Channel.SMS)
    return context


def render(
    family: composer.Family[Any], trigger: str, locale: str, **values: Any
) -> tuple[str, str, str]:
    """(the text as sent, the unfitted body, the link), ``values`` replacing the sample's."""
    context = worst_context(family, trigger, locale) | values
    source = family.default(trigger, Channel.SMS, locale)
    text = composer.render(
        family, source, trigger=trigger, channel=Channel.SMS, context=context, locale=locale
    ).text
    body = " ".join(tidy(compiled(source.body).render(context)).split())
    return text, body, str(context[family.link])


@pytest.mark.parametrize(("family", "trigger"), KINDS, ids=[t for _, t in KINDS])
@pytest.mark.parametrize("locale", LOCALES)
def test_every_text_fits_its_budget_with_its_link_whole(
    family: composer.Family[Any], trigger: str, locale: str
) -> None:
    text, body, link = render(family, trigger, locale)
    assert sms_segments(text)[1] <= composer.segment_budget(family, trigger), text
    assert text.endswith(f" {link}") and link.startswith(SETTINGS.public_base_url), text
    head = text.removesuffix(f" {link}")
    assert not head.endswith(("…", "...")) or trigger in PICKUP, f"cut inside: {text}"
    assert body.startswith(head.split(". ")[0]), text
    if trigger in WHOLE:
        # Every month's date: "28 października", "28 Φεβρουαρίου" are the longest.
        for month in range(1, 13):
            day = format_eta(date(2026, month, 28), locale, short=True)
            text, body, link = render(family, trigger, locale, **{WHOLE[trigger]: day})
            assert text == f"{body.replace(link, '').strip()} {link}", f"sentence lost: {text}"


@pytest.mark.parametrize("trigger", PICKUP)
@pytest.mark.parametrize("locale", LOCALES)
def test_a_waiting_parcel_says_where_until_when_and_its_code(trigger: str, locale: str) -> None:
    text, _, _ = render(SHIPMENTS, trigger, locale)
    context = worst_context(SHIPMENTS, trigger, locale)
    deadline = " ".join(context["pickup_deadline"].split())  # a narrow space is sent as one
    assert context["pickup_code"] in text and deadline in text, text
    assert POINT[locale][:ELASTIC_MIN] in text, text
    assert sms_segments(text)[1] <= 3


@pytest.mark.parametrize("trigger", ["failed_attempt", "exception"])
@pytest.mark.parametrize("locale", LOCALES)
def test_a_failed_delivery_or_a_problem_keeps_its_reason(trigger: str, locale: str) -> None:
    """Whichever reason: it is the news (nobody was home, held at customs), not the
    sentence before it; only the carrier's name may go."""
    for reason in Reason:
        words = phrases.reason_words(reason, locale, short=True)
        text, _, _ = render(SHIPMENTS, trigger, locale, reason=words)
        assert words in text, text
        assert sms_segments(text)[1] <= MAX_SEGMENTS


@pytest.mark.parametrize("trigger", ["failed_attempt", "exception"])
@pytest.mark.parametrize("locale", LOCALES)
def test_the_reason_code_becomes_the_short_wording_in_a_text_and_the_long_in_an_email(
    trigger: str, locale: str
) -> None:
    """Through the family's own context (``shipment_context``), from the carrier's reason
    code, not a wording put in the context by hand."""
    shop = SimpleNamespace(
        id=7, slug="shop", name=SHOP[locale], branding={}, time_zone="Europe/Warsaw", country="PL"
    )
    customer = SimpleNamespace(id=3, name="", time_zone=None, country="PL")
    parcel = SimpleNamespace(
        id=SHIPMENT_ID, tracking_number="SBX1", carrier_key=CARRIER[locale], status=trigger,
        estimated_delivery=None, pickup_point=None, pickup_deadline=None,
    )  # fmt: skip
    differ = 0
    for reason in Reason:
        short = phrases.reason_words(reason, locale, short=True)
        long = phrases.reason_words(reason, locale)
        texts = {}
        for channel in (Channel.SMS, Channel.EMAIL):
            message = composer.Message(
                SHIPMENTS, trigger, SHIPMENT_ID, ShipmentNews(parcel, trigger, reason.value),
                merchant=shop, customer=customer, order=None,
            )  # fmt: skip
            context = composer.context_for(SETTINGS, message, channel, locale)
            source = SHIPMENTS.default(trigger, channel, locale)
            texts[channel] = composer.render(
                SHIPMENTS, source, trigger=trigger, channel=channel, context=context,
                locale=locale,
            ).text  # fmt: skip
        sms, email = texts[Channel.SMS], texts[Channel.EMAIL]
        assert short in sms and sms_segments(sms)[1] <= MAX_SEGMENTS, sms
        assert long in email, reason
        if short not in long:  # a few reasons are worded alike
            assert long not in sms and short not in email, reason
            differ += 1
    assert differ >= len(Reason) // 2


#: What each text must keep with long values: the sample's variable whose value carries
#: the news, or None for the whole text (only a sentence that reassures may go).
MUST_KEEP = {
    "late": "missed_date",
    "stuck": "carrier_name",
    "returned_to_sender": None,
    "return_approved": None,  # approved, and the day to drop the parcel off by
    "return_rejected": None,  # not accepted, and the shop's reason (the sample's)
    "return_received": None,
    "return_expired": None,  # expired, and that a new return can be started
}


@pytest.mark.parametrize("trigger", MUST_KEEP)
@pytest.mark.parametrize("locale", LOCALES)
def test_a_text_keeps_its_main_news(trigger: str, locale: str) -> None:
    family = RETURNS if trigger.startswith("return_") else SHIPMENTS
    text, body, link = render(family, trigger, locale)
    name = MUST_KEEP[trigger]
    if name is None:
        assert text == f"{body.replace(link, '').strip()} {link}", text
    else:
        assert str(worst_context(family, trigger, locale)[name]) in text, text


def test_the_pickup_budget_is_the_only_exception_to_two_segments() -> None:
    budgets = {
        (family.key, trigger): composer.segment_budget(family, trigger) for family, trigger in KINDS
    }
    assert {k for k, v in budgets.items() if v != MAX_SEGMENTS} == {
        ("shipment", trigger) for trigger in PICKUP
    }


def test_an_elastic_value_is_clipped_at_a_word_before_its_sentence_goes() -> None:
    link = "https://p.test/t/abc"
    point = "Пункт выдачи СДЭК «Тверская-Ямская», ул. Тверская 12"
    body = f"Магазин Дом и Сад: посылка ждёт вас до 2 декабря, 17:00, код 123456. Пункт: {point}."
    plain = fit_sms_body(body, link, locale="ru")
    assert "Пункт:" not in plain  # without the rule the sentence goes whole
    fitted = fit_sms_body(body, link, elastic=[point], locale="ru")
    assert sms_segments(fitted) == ("UCS-2", 2)
    assert fitted.endswith(f"Пункт: Пункт выдачи СДЭК «Тверская-Ямская»… {link}"), fitted
    assert "…." not in fitted  # the value's full stop went into the ellipsis


def test_an_elastic_value_is_never_clipped_below_its_minimum() -> None:
    point = "Paczkomat KRA01M Galeria Kazimierz"
    body = "Sklep: " + "bardzo długie zdanie " * 8 + f". Punkt: {point}."
    fitted = fit_sms_body(body, "https://p.test/t/x", max_segments=1, elastic=[point], locale="pl")
    assert "Punkt" not in fitted and "Paczkomat" not in fitted
    assert fit_sms_body("A. B", "", elastic=["", "B"], locale="en") == "A. B"


#: A shop's own pickup text: the point's sentence, then one of its own.
THANKS = "Спасибо, что вы с нами, и хорошего вам дня!"
MERCHANT_PICKUP = TemplateSource(
    "",
    "{{ merchant.name }}: посылка ждёт до {{ pickup_deadline }}, код {{ pickup_code }}. "
    "Пункт: {{ pickup_point }}. "
    + THANKS
    + " Ждём вас снова в нашем магазине. {{ tracking_link }}",
)


def test_a_shops_sentence_after_the_point_goes_before_the_points_name_is_clipped() -> None:
    """A merchant's template with a sentence after ``{{ pickup_point }}``: dropping that
    sentence is enough, so the point keeps its whole name (it used to be clipped, and the
    shop's sentences kept)."""
    context = worst_context(SHIPMENTS, "ready_for_pickup", "ru")
    text = composer.render(
        SHIPMENTS,
        MERCHANT_PICKUP,
        trigger="ready_for_pickup",
        channel=Channel.SMS,
        context=context,
        locale="ru",
    ).text
    assert f"Пункт: {POINT['ru']}. {context['tracking_link']}" in text, text
    assert THANKS not in text and "…" not in text, text
    assert sms_segments(text) == ("UCS-2", 3)


def test_a_clipped_name_ends_its_sentence_and_keeps_it() -> None:
    """When clipping is needed too, the sentences after the point's go first, and the
    clipped name's ellipsis ends its sentence: the point's sentence is not merged with the
    next and dropped with it."""
    link = "https://p.test/t/abc"
    point = POINT["ru"]
    head = "Магазин Дом и Сад: посылка ждёт до 2 декабря, код 123456."
    body = f"{head} Пункт: {point}. {THANKS} {THANKS}"
    fitted = fit_sms_body(body, link, 2, elastic=[point], locale="ru")
    assert fitted.startswith(f"{head} Пункт: {point[:ELASTIC_MIN]}"), fitted
    assert fitted.endswith(f"… {link}") and "Спасибо" not in fitted, fitted
    assert sms_segments(fitted) == ("UCS-2", 2)
    # Three segments leave room for the whole name once the shop's sentences go.
    whole = fit_sms_body(f"{body} {THANKS}", link, 3, elastic=[point], locale="ru")
    assert whole == f"{head} Пункт: {point}. {THANKS} {link}", whole
    # A full stop inside the name ("ул. Тверская") does not end its sentence.
    assert _sentences(f"Пункт: {point}. Спасибо!", [point], "ru") == [
        f"Пункт: {point}.",
        "Спасибо!",
    ]
    assert split_sentences("Пункт выдачи… Спасибо!", "ru") == ["Пункт выдачи…", "Спасибо!"]


@respx.mock
async def test_a_russian_pickup_text_reaches_twilio_whole(db: str) -> None:
    """Through the composer, the outbox and the dispatcher to Twilio's Messages API (faked
    at HTTP as documented:
    https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource)."""
    settings = twilio_settings(public_base_url="https://returns.shop.ru")
    route = respx.post(MESSAGES_URL).mock(
        return_value=httpx.Response(201, json=twilio_payload("message_created"))
    )
    # Tomorrow 13:00 in Moscow, after the parcel is imported and outside quiet hours
    # (21:00-08:00 there), whenever the test runs.
    now = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
    now += timedelta(days=1)
    deadline = now + timedelta(days=2)
    point = {"point_id": "MSK123", "kind": "shop", "name": POINT["ru"], "city": "Москва"}
    p = await parcel(
        merchant={"name": SHOP["ru"]},
        customer={"locale": "ru", "phone": "+79161234567", "sms_opt_in": True},
        shipment={
            "carrier_key": "cdek",
            "status": "available_for_pickup",
            "pickup_point": {**point, "pickup_code": "123456"},
            "pickup_deadline": deadline,
        },
    )
    await emit_status(p.shipment, "available_for_pickup", settings=settings, occurred_at=now)
    async with httpx.AsyncClient() as http:
        while (await dispatch_once(settings, http_client=http, now=now)).claimed:
            pass
    texts = [parse_qs(c.request.content.decode()) for c in route.calls]
    [body] = [t["Body"][0] for t in texts if t["To"] == ["+79161234567"]]
    assert body.startswith(f"{SHOP['ru']}: посылка ждёт до "), body
    assert ", код 123456. Пункт: Пункт выдачи СДЭК" in body, body
    assert sms_segments(body) == ("UCS-2", 3)
    assert body.split()[-1].startswith("https://returns.shop.ru/t/")
