"""Default templates exist in every language; merchant templates are checked before saving."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from babel.dates import format_date
from jinja2 import meta

from portal.models import NotificationTemplate
from portal.notifications.base import LOCALES, Trigger
from portal.notifications.sms import sms_segments
from portal.notifications.templates import (
    ENV,
    TemplateProblem,
    TemplateSource,
    compiled,
    default_path,
    file_default,
    tidy,
)
from portal.settings import Settings
from tests import factories
from tests.notifications.shipment_templates import (
    default_source,
    preview,
    render_message,
    sample_context,
    template_source,
    validate_template,
)

SHOP = SimpleNamespace(name="Sklep Ania", branding={"support_email": "help@shop.test"})


@pytest.mark.parametrize("trigger", list(Trigger))
@pytest.mark.parametrize("locale", LOCALES)
def test_every_trigger_has_valid_email_and_sms_defaults(
    trigger: Trigger, locale: str, settings: Settings
) -> None:
    assert default_path(trigger, "email", locale).exists()
    assert default_path(trigger, "sms", locale).exists()
    email = default_source(trigger, "email", locale)
    sms = default_source(trigger, "sms", locale)
    for source in (email.subject, email.body, sms.body):
        assert source.strip()
        assert validate_template(source, "email") == []

    context = sample_context(settings, SHOP, locale)
    rendered = render_message(email, "email", context, locale=locale, preferences_link="https://p")
    assert rendered.subject and "\n" not in rendered.subject
    assert context["tracking_link"] in rendered.text
    assert rendered.html is not None and context["tracking_link"] in rendered.html
    sms_context = sample_context(settings, SHOP, locale, "sms")
    text = render_message(sms, "sms", sms_context, locale=locale)
    assert sms_segments(text.text)[1] <= 2
    assert text.text.endswith(sms_context["tracking_link"])


@pytest.mark.parametrize("locale", [loc for loc in LOCALES if loc != "en"])
def test_translations_are_written_in_their_language(locale: str) -> None:
    for trigger in Trigger:
        english = default_source(trigger, "email", "en")
        translated = default_source(trigger, "email", locale)
        assert translated.subject != english.subject
        assert translated.body != english.body
        assert (
            default_source(trigger, "sms", locale).body != default_source(trigger, "sms", "en").body
        )
    if locale in ("ru", "el", "uk", "bg"):
        body = default_source(Trigger.DELIVERED, "email", locale).body
        assert sum(ch.isascii() for ch in body if ch.isalpha()) < len(body) / 2


def test_an_unknown_variable_is_refused_with_its_line() -> None:
    source = "{{ greeting }}\n\nYour parcel {{ tracking_nummer }} is here."
    assert validate_template(source, "email") == [
        TemplateProblem(3, "unknown variable 'tracking_nummer'")
    ]


def test_a_syntax_error_is_refused_with_its_line() -> None:
    problems = validate_template("Hello\n{% if eta %}\nSoon: {{ eta }}\n", "sms")
    assert len(problems) == 1
    assert problems[0].line >= 3
    assert "endif" in problems[0].message or "end of template" in problems[0].message


def test_an_unknown_attribute_is_refused_with_its_line() -> None:
    problems = validate_template("Hi\n{{ merchant.nmae }}", "email")
    assert len(problems) == 1
    assert problems[0].line == 2
    assert "nmae" in problems[0].message


def test_an_unknown_filter_is_refused() -> None:
    problems = validate_template("{{ status | shout }}", "sms")
    assert problems and "shout" in problems[0].message


def test_the_sandbox_refuses_python_internals() -> None:
    problems = validate_template("{{ merchant.name.__class__.__mro__ }}", "email")
    assert problems and problems[0].line == 1


def test_a_template_using_only_known_names_is_accepted() -> None:
    source = (
        "{{ greeting }}\n{% set who = customer_name or 'there' %}{{ who }}, "
        "{{ carrier_name }} {{ status | lower }}{% if eta %} {{ eta }}{% endif %}"
        " {{ merchant.branding.support_email }}"
    )
    assert validate_template(source, "email") == []


def test_the_html_part_escapes_what_customers_typed(settings: Settings) -> None:
    context = sample_context(settings, SHOP, "en")
    context["customer_name"] = "<script>alert(1)</script>"
    source = TemplateSource("Hi", "Hello {{ customer_name }}\n\nSee {{ tracking_link }}")
    rendered = render_message(source, "email", context, locale="en")
    assert rendered.html is not None
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;" in rendered.html
    assert f'<a href="{context["tracking_link"]}">' in rendered.html
    assert "<script>alert(1)</script>" in rendered.text


def test_branding_reaches_the_html_safely(settings: Settings) -> None:
    shop = SimpleNamespace(
        name="Shop",
        branding={
            "primary_color": "#ff6600",
            "accent_color": "red;x:url(evil)",
            "logo_path": "/l.png",
        },
    )
    context = sample_context(settings, shop, "en")
    source = default_source(Trigger.SHIPPED, "email", "en")
    html = render_message(source, "email", context, locale="en").html or ""
    assert "#ff6600" in html
    assert "evil" not in html
    assert 'src="https://portal.test/l.png"' in html


def test_a_long_sms_keeps_its_link(settings: Settings) -> None:
    context = sample_context(settings, SHOP, "pl", "sms")
    source = TemplateSource("", "{{ merchant.name }}: " + "bardzo długa wiadomość " * 20)
    text = render_message(source, "sms", context, locale="pl").text
    assert text.endswith(context["tracking_link"])
    assert sms_segments(text) == ("UCS-2", 2)


def test_the_preview_counts_segments_and_reports_problems(settings: Settings) -> None:
    good = preview(settings, SHOP, channel="sms", locale="en", subject="", body="{{ status }}")
    assert good.problems == [] and good.rendered is not None
    assert (good.encoding, good.segments) == ("GSM-7", 1)
    bad = preview(settings, SHOP, channel="email", locale="en", subject="{{ x }}", body="ok")
    assert bad.rendered is None and bad.problems == [TemplateProblem(1, "unknown variable 'x'")]


async def test_a_merchant_override_wins_for_its_locale_only(db: str) -> None:
    shop = await factories.merchant()
    await NotificationTemplate.create(
        merchant=shop, trigger="delivered", channel="sms", locale="pl", body="Doręczono!"
    )
    assert (await template_source(shop.id, "delivered", "sms", "pl_PL")).body == "Doręczono!"
    assert (await template_source(shop.id, "delivered", "sms", "en")) == default_source(
        "delivered", "sms", "en"
    )
    other = await factories.merchant()
    assert (await template_source(other.id, "delivered", "sms", "pl")) == default_source(
        "delivered", "sms", "pl"
    )


@pytest.mark.parametrize(
    "source",
    [
        # Nested loops over long strings: ten billion steps without a budget.
        "{% for a in 'x' * 99999 %}{% for b in 'y' * 99999 %}{% endfor %}{% endfor %}",
        "{% set s = 'x' * 99999 %}{% for a in s %}{% for b in s %}{{ b }}{% endfor %}{% endfor %}",
        "{{ 9 ** 999999999 }}",
        "{{ 'x' * 1000000000 }}",
        "{{ 'x' | center(1000000000) }}",
        "{{ '%1000000000s' | format('x') }}",
    ],
)
def test_a_costly_template_is_stopped_quickly(settings: Settings, source: str) -> None:
    import time

    started = time.monotonic()
    result = preview(settings, SHOP, channel="sms", locale="en", subject="", body=source)
    assert time.monotonic() - started < 2
    assert result.rendered is None
    assert result.problems and "not allowed" in result.problems[0].message


def test_an_ordinary_loop_is_not_limited(settings: Settings) -> None:
    source = "{% for c in 'abc' * 10 %}{{ c }}{% endfor %}"
    result = preview(settings, SHOP, channel="sms", locale="en", subject="", body=source)
    assert result.problems == []
    assert "abcabc" in (result.rendered.text if result.rendered else "")


@pytest.mark.parametrize("locale", ["bg", "ru", "uk"])
def test_a_date_that_ends_with_a_stop_does_not_double_the_sentences(locale: str) -> None:
    """Babel's long dates end with "г." / "р." in these languages; the return approval's
    sentence ends right after one."""
    source = file_default("return_approved", "email", locale)
    names = meta.find_undeclared_variables(ENV.parse(source.body))
    day = format_date(date(2026, 12, 21), "long", locale=locale)
    assert day.endswith(".")
    body = tidy(compiled(source.body).render({**dict.fromkeys(names, ""), "drop_off_by": day}))
    assert day in body and f"{day}." not in body
    assert tidy("Wait... and see a/../b") == "Wait... and see a/../b"


@pytest.mark.parametrize("trigger", [Trigger.LATE, Trigger.STUCK])
@pytest.mark.parametrize(
    ("locale", "carrier", "wanted"),
    [
        ("ru", "Почта России", "с перевозчиком (Почта России)"),
        ("uk", "Нова Пошта", "з перевізником (Нова Пошта)"),
        ("pl", "Poczta Polska", "z przewoźnikiem (Poczta Polska)"),
    ],
)
def test_a_carrier_s_name_stays_as_the_carrier_writes_it_where_the_sentence_declines(
    trigger: Trigger, locale: str, carrier: str, wanted: str, settings: Settings
) -> None:
    """Russian, Ukrainian and Polish decline nouns after "with" and "from": the name (which
    cannot be declined in a template) stands beside a word that is, never "с Почта России"."""
    context = {**sample_context(settings, SHOP, locale), "carrier_name": carrier}
    source = default_source(trigger, "email", locale)
    text = render_message(source, "email", context, locale=locale, preferences_link="https://p")
    assert wanted in text.text, text.text
    for preposition in ("с", "от", "з", "від", "od"):
        assert f" {preposition} {carrier}" not in text.text, text.text
