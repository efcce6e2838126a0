"""The e-mail that tells a shop's support team a customer was unhappy with an outcome.

Written for staff, not customers: in the merchant's default language, with the customer's
contact details, what happened to the parcel or return, every question with its score and
comment, and a button to the order in the admin. It uses the shared e-mail layout (the
shop's logo and colours) with staff wording in its footer, and no unsubscribe link (the
address is the shop's own support contact; removing it from the survey settings stops the
alerts).
"""

from __future__ import annotations

from portal import i18n
from portal.analytics.labels import METRICS, OUTCOMES, label
from portal.i18n import _
from portal.notifications.context import merchant_context
from portal.notifications.templates import Rendered, in_layout, tidy
from portal.settings import Settings
from portal.surveys.answers import needs_follow_up
from portal.surveys.facts import SurveyFacts
from portal.surveys.wording import question_text, survey_config


def admin_link(settings: Settings, facts: SurveyFacts) -> str:
    """The order in the admin; the parcel when there is no order; else the admin's start."""
    base = f"{settings.public_base_url}/admin"
    if facts.order is not None:
        return f"{base}/orders/{facts.order.id}"
    if facts.shipment is not None:
        return f"{base}/shipments/{facts.shipment.id}"
    return base


def _details(facts: SurveyFacts) -> list[str]:
    lines = [_("Customer: %(name)s") % {"name": facts.customer_name or "—"}]
    if facts.customer_email:
        lines.append(_("E-mail: %(email)s") % {"email": facts.customer_email})
    if facts.customer_phone:
        lines.append(_("Phone: %(phone)s") % {"phone": facts.customer_phone})
    if facts.order_number:
        lines.append(_("Order: %(number)s") % {"number": facts.order_number})
    if facts.return_number:
        lines.append(_("Return: %(number)s") % {"number": facts.return_number})
    outcome = label(OUTCOMES, str(facts.survey.outcome), "")
    lines.append(_("What happened: %(outcome)s") % {"outcome": outcome})
    return lines


def _answer_blocks(facts: SurveyFacts, locale: str) -> list[str]:
    config = survey_config(facts.merchant)
    blocks = []
    for asked in facts.questions:
        text = question_text(asked.key, locale, config, facts.merchant.name)
        lines = [f"{text} ({label(METRICS, asked.metric.value, '')})"]
        answer = facts.answers.get(asked.key)
        if answer is None or answer.score is None:
            lines.append(_("Not answered"))
        else:
            values = {"score": answer.score, "high": asked.high}
            if needs_follow_up(asked.metric, answer.score):
                lines.append(_("Score: %(score)s of %(high)s (low)") % values)
            else:
                lines.append(_("Score: %(score)s of %(high)s") % values)
        comment = (answer.comment or "").strip() if answer is not None else ""
        if comment:
            lines.append(_("Comment: %(comment)s") % {"comment": comment})
        else:
            lines.append(_("No comment"))
        blocks.append("\n".join(lines))
    return blocks


def _body(facts: SurveyFacts, locale: str) -> str:
    intro = _(
        "A customer of %(shop)s gave a low score in a survey and may want to hear from your team."
    ) % {"shop": facts.merchant.name}
    parts = [intro, "\n".join(_details(facts)), _("Answers"), *_answer_blocks(facts, locale)]
    return tidy("\n\n".join(parts))


def _subject(facts: SurveyFacts) -> str:
    if facts.order_number:
        return _("A customer needs a follow-up: order %(number)s") % {"number": facts.order_number}
    return _("A customer needs a follow-up")


def render_alert(settings: Settings, facts: SurveyFacts, locale: str) -> Rendered:
    """Subject, plain text and HTML of the alert, in ``locale``, from the current answers."""
    token = i18n.set_locale(i18n.supported(locale) or i18n.DEFAULT_LOCALE)
    try:
        language = i18n.current_locale()
        body = _body(facts, language)
        subject = _subject(facts)
        words = {
            "cta": _("Open the order") if facts.order is not None else _("Open in Doorstep"),
            "support": "",
            "footer": _(
                "You receive this because this address is the support contact of %(shop)s "
                "for unhappy survey answers."
            )
            % {"shop": facts.merchant.name},
            "manage": "",
            "unsubscribe": "",
        }
    finally:
        i18n.reset_locale(token)
    return in_layout(
        body,
        subject,
        {"merchant": merchant_context(facts.merchant, settings)},
        locale=language,
        link=admin_link(settings, facts),
        words=words,
    )
