"""The survey settings' one set of rules (``portal/survey_settings.py``): what the screen,
the API and ``portal settings`` accept, under which path each refusal is, and how a
change is merged into what is stored."""

from __future__ import annotations

from typing import Any

import pytest

from portal import survey_settings
from portal.admin import surveys as screen
from portal.models import Merchant
from tests import factories


def test_every_problem_is_found_at_once_under_its_own_path() -> None:
    _values, problems = survey_settings.clean(
        {
            "enabled": "yes",
            "delay_days": "2.5",
            "custom_question": {"en": "x" * 301, "fr": "?"},
            "wording": {"pl": {"nps": 7, "other": "?"}, "xx": {}},
            "support": {"phone": "call me", "fax": "1"},
        }
    )

    assert set(problems) == {
        "enabled",
        "delay_days",
        "custom_question/en",
        "custom_question/fr",
        "wording/pl/nps",
        "wording/pl/other",
        "wording/xx",
        "support/phone",
        "support/fax",
    }
    assert problems["delay_days"].text() == "Enter a number of days from 0 to 30."
    assert problems["custom_question/en"].text() == "Use at most 300 characters."


@pytest.mark.parametrize(
    ("given", "before", "refused"),
    [
        ({"channels": []}, None, True),
        ({"enabled": True}, {"enabled": False, "channels": []}, True),
        ({"enabled": False, "channels": []}, None, False),
        ({"channels": []}, {"enabled": False, "channels": ["sms"]}, False),
    ],
)
def test_surveys_on_need_a_channel_counting_what_is_stored(
    given: dict[str, Any], before: dict[str, Any] | None, refused: bool
) -> None:
    _values, problems = survey_settings.clean(given, before)
    assert ("channels" in problems) is refused


def test_a_change_keeps_what_it_does_not_name() -> None:
    stored = {
        "enabled": True,
        "custom_question": {"en": "Did it fit?", "pl": "Pasował?"},
        "wording": {"pl": {"nps": "Polecisz?"}, "en": {"nps": "Tell a friend?"}},
        "support": {"email": "care@acme.test"},
        "pilot": "kept",
    }
    values, problems = survey_settings.clean(
        {"custom_question": {"pl": ""}, "wording": {"en": {"nps": ""}}, "support": {"url": ""}}
    )

    assert problems == {}
    assert survey_settings.stored(stored, values) == {
        "enabled": True,
        "custom_question": {"en": "Did it fit?"},
        "wording": {"pl": {"nps": "Polecisz?"}},
        "support": {"email": "care@acme.test"},
        "pilot": "kept",
    }


def test_the_screen_words_the_same_problems_under_its_fields() -> None:
    form = {"enabled": "1", "delay_days": "3", "support_email": "nope", "wording_pl_nps": "x" * 301}
    _values, errors = screen.check(form)
    _values, problems = survey_settings.clean(
        {"channels": [], "support": {"email": "nope"}, "wording": {"pl": {"nps": "x" * 301}}}
    )

    assert errors == {
        "channels": problems["channels"].text(),
        "support_email": problems["support/email"].text(),
        "wording_pl_nps": problems["wording/pl/nps"].text(),
    }


async def test_save_changes_the_delay_column_and_the_rest_in_one_value(db: str) -> None:
    shop = await factories.merchant(survey_settings={"pilot": "kept"})
    values, _problems = survey_settings.clean({"delay_days": 0, "channels": ["sms"]})

    saved = await survey_settings.save(shop.id, values)

    assert saved.survey_delay_days == 0
    assert saved.survey_settings == {"pilot": "kept", "channels": ["sms"]}
    assert survey_settings.current(await Merchant.get(id=shop.id))["channels"] == ["sms"]
