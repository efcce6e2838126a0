"""The customer's delivery choice: one shape, bad input refused whole with the field named."""

from __future__ import annotations

import pytest

from portal.core.delivery_preferences import PreferencesError, clean
from portal.notifications.preferences_words import preference_words


def test_it_fills_defaults_and_tidies_text() -> None:
    assert clean({"safe_place": "  behind   the gate ", "preferred_days": "wed, mon"}) == {
        "method": "home",
        "point_id": None,
        "safe_place": "behind the gate",
        "instructions": None,
        "preferred_days": ["mon", "wed"],
    }
    assert clean(None) is None


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"method": "drone"}, "method"),
        ({"method": "locker"}, "point_id"),
        ({"instructions": "x" * 501}, "instructions"),
        ({"preferred_days": ["funday"]}, "preferred_days"),
        ({"colour": "red"}, "colour"),
        ({"safe_place": 3}, "safe_place"),
        ("home", "delivery_preferences"),
    ],
)
def test_bad_input_names_its_field(raw: object, field: str) -> None:
    with pytest.raises(PreferencesError) as refused:
        clean(raw)
    assert refused.value.field == field


def test_a_point_is_kept_only_for_lockers_and_points() -> None:
    home = clean({"method": "home", "point_id": "KRA01M"})
    assert home is not None and home["point_id"] is None
    locker = clean({"method": "locker", "point_id": "KRA01M", "safe_place": "porch"})
    assert locker is not None and locker["safe_place"] is None


def test_messages_word_the_choice_in_the_customers_language() -> None:
    chosen = clean({"method": "locker", "point_id": "KRA01M", "preferred_days": ["mon", "fri"]})
    assert preference_words(chosen, "en") == "Parcel locker KRA01M; preferred days: Mon, Fri"
    assert preference_words(chosen, "pl").startswith("Paczkomat KRA01M; preferowane dni: pon.")
    assert preference_words(None, "en") == ""
