"""What the survey page shows, built without a request: scales, labels, support contact."""

from __future__ import annotations

from portal.survey_page.presenter import question_view, support_view, text_of
from portal.surveys.outcomes import CES_DELIVERY, NPS
from portal.surveys.wording import SupportContact, SurveyConfig


def test_an_unanswered_nps_offers_eleven_unpressed_choices() -> None:
    view = question_view(NPS, 2, 2, None, text="How likely…?")
    assert [c.score for c in view.choices] == list(range(11))
    assert view.choices[7].label == "7 out of 10"
    assert not any(c.pressed for c in view.choices)
    assert (view.low_label, view.high_label) == ("Very unlikely", "Very likely")
    assert view.anchor == "q-nps"


def test_a_ces_scale_runs_from_difficult_to_easy() -> None:
    view = question_view(CES_DELIVERY, 1, 2, None, text="How easy…?")
    assert [c.label for c in view.choices][::4] == ["1 out of 5", "5 out of 5"]
    assert (view.low_label, view.high_label) == ("Very difficult", "Very easy")


def test_support_shows_only_what_can_be_followed() -> None:
    shown = support_view(SupportContact("help@x.test", "+48 (22) 100-20-30", "javascript:alert(1)"))
    assert shown is not None
    assert (shown.email, shown.phone_link, shown.url) == ("help@x.test", "+48221002030", "")
    assert support_view(SupportContact(phone="call us")) is None
    assert support_view(SupportContact()) is None


def test_a_custom_question_without_text_still_reads() -> None:
    assert text_of("custom", "en", SurveyConfig(), "Acme") == (
        "How would you rate your experience with Acme?"
    )
