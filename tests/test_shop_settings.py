"""The shop's settings: one set of checks (the Settings screen's and the API's), what a
shop that never chose sees, and saving that keeps what it was not given."""

from __future__ import annotations

from typing import Any

import pytest

from portal import i18n, shop_settings
from portal.models import Merchant
from portal.shop_settings import Problem, clean
from tests import factories


def _words(problems: dict[str, Problem]) -> dict[str, str]:
    return {path: problem.text() for path, problem in problems.items()}


@pytest.mark.parametrize("colour", ["#1f5fbf", "#000000", "#0b3d91"])
def test_dark_colours_are_accepted_as_primary(colour: str) -> None:
    assert shop_settings.colour_problem(colour, primary=True) is None


@pytest.mark.parametrize("colour", ["1f5fbf", "#1f5fb", "#1f5fbfa", "#gggggg", "red", ""])
def test_malformed_colours_are_refused(colour: str) -> None:
    assert shop_settings.colour_problem(colour, primary=False) is not None


def test_a_light_primary_colour_fails_the_contrast_check() -> None:
    assert shop_settings.colour_problem("#ffff00", primary=True) is not None
    assert shop_settings.colour_problem("#ffff00", primary=False) is None
    assert round(shop_settings.contrast_with_white("#000000"), 1) == 21.0


def test_values_are_tidied_as_the_screen_always_did() -> None:
    values, problems = clean(
        {
            "name": "  Acme  ",
            "primary_color": " #1F5FBF ",
            "accent_color": "",
            "time_zone": " Europe/Warsaw ",
            "quiet_hours_channels": ["whatsapp", "email"],
            "expire_after_days": "21",
            "history_retention_months": 24.0,
            "notification_rules": {"delivered": ["sms", "email"]},
        }
    )
    assert problems == {}
    assert values == {
        "name": "Acme",
        "primary_color": "#1f5fbf",
        "accent_color": "",
        "time_zone": "Europe/Warsaw",
        "quiet_hours_channels": ["email", "whatsapp"],
        "expire_after_days": 21,
        "history_retention_months": 24,
        "notification_rules": {"delivered": ["email", "sms"]},
    }


def test_only_the_settings_given_are_checked() -> None:
    assert clean({"default_locale": "pl"}) == ({"default_locale": "pl"}, {})
    assert clean({"unknown": 1}) == ({}, {})


def test_every_problem_is_told_with_the_screens_words() -> None:
    _values, problems = clean(
        {
            "name": " ",
            "primary_color": "#eeeeee",
            "support_email": "help",
            "support_url": "ftp://acme.test",
            "support_phone": "call us",
            "default_locale": "xx",
            "time_zone": "Mars/Base",
            "quiet_hours_start": "25:00",
            "expire_after_days": 0,
            "history_retention_months": True,
            "channel_order": [],
        }
    )
    assert _words(problems) == {
        "name": "Enter the shop's name.",
        "primary_color": "White text is hard to read on this colour. Choose a darker one.",
        "support_email": "Enter an e-mail address like help@example.com.",
        "support_url": "Enter a full address starting with https://",
        "support_phone": "Enter a phone number with digits, spaces and +.",
        "default_locale": "Choose one of the listed languages.",
        "time_zone": "Enter a time zone like Europe/Warsaw.",
        "quiet_hours_start": "Enter a time as HH:MM, for example 21:00.",
        "expire_after_days": "Enter a number of days from 1 to 365.",
        "history_retention_months": "Enter a number of months from 3 to 120.",
        "channel_order": "Offer at least one channel.",
    }


def test_a_name_longer_than_its_column_is_refused() -> None:
    column = Merchant._meta.fields_map["name"]
    assert column.max_length == shop_settings.NAME_MAX  # type: ignore[attr-defined]  # a CharField
    assert clean({"name": "x" * shop_settings.NAME_MAX})[1] == {}
    problems = clean({"name": "x" * (shop_settings.NAME_MAX + 1)})[1]
    assert _words(problems) == {"name": "The name may be at most 200 characters long."}


@pytest.mark.parametrize(
    ("rules", "path"),
    [
        ({"claim_submitted": ["sms"]}, "notification_rules/claim_submitted"),
        ({"survey": ["email"]}, "notification_rules/survey"),
        ({"a/b": []}, "notification_rules/a~1b"),
        ({"delivered": "email"}, "notification_rules/delivered"),
        ({"delivered": ["fax"]}, "notification_rules/delivered"),
        (["delivered"], "notification_rules"),
    ],
)
def test_rules_no_box_offers_are_refused_under_their_own_path(rules: Any, path: str) -> None:
    """Claims are written for e-mail only; surveys choose their channels elsewhere."""
    _values, problems = clean({"notification_rules": rules})
    assert list(problems) == [path]
    assert problems[path].text() == "Choose from the listed options."


@pytest.mark.parametrize("order", [["sms", "sms"], ["fax"], "email", [None]])
def test_an_offer_must_list_known_channels_once(order: Any) -> None:
    assert list(clean({"channel_order": order})[1]) == ["channel_order"]


def test_a_problem_is_worded_by_whoever_shows_it() -> None:
    problem = clean({"history_retention_months": 2})[1]["history_retention_months"]
    assert problem.text() == "Enter a number of months from 3 to 120."
    token = i18n.set_locale("pl")
    try:
        polish = problem.text(i18n.gettext)
    finally:
        i18n.reset_locale(token)
    assert polish != problem.text() and "3" in polish and "120" in polish


async def test_a_shop_that_never_chose_sees_what_really_happens(db: str) -> None:
    shop = await factories.merchant()
    settings = shop_settings.current(shop)
    assert settings["channel_order"] == ["email", "sms"]
    assert settings["quiet_hours_channels"] == ["sms", "whatsapp"]
    assert settings["notification_rules"]["delivered"] == ["email"]
    assert settings["notification_rules"]["out_for_delivery"] == ["email", "sms"]
    assert settings["notification_rules"]["claim_submitted"] == ["email"]
    assert set(settings["notification_rules"]) == set(shop_settings.TRIGGERS)
    assert (settings["primary_color"], settings["support_email"]) == ("", "")


async def test_saving_keeps_the_logo_and_the_rules_not_given(db: str) -> None:
    shop = await factories.merchant(
        branding={"logo_path": "abc.png", "support_email": "old@acme.test"},
        notification_rules={"survey": ["sms"], "shipped": []},
    )
    values, _problems = clean(
        {"support_email": "help@acme.test", "notification_rules": {"delivered": ["sms"]}}
    )
    saved = await shop_settings.save(shop.id, values)

    assert saved.branding == {"logo_path": "abc.png", "support_email": "help@acme.test"}
    assert saved.notification_rules == {"survey": ["sms"], "shipped": [], "delivered": ["sms"]}
    assert saved.name == shop.name
