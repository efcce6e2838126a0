"""Which return reasons apply to which items (:mod:`portal.returns.reason_categories`)."""

from __future__ import annotations

from portal.returns.reason_categories import applies, effective


def test_a_reason_without_categories_applies_to_every_item() -> None:
    assert applies(effective([], None), "shoes")
    assert applies(effective(None, None), None)


def test_a_reason_with_categories_applies_only_to_items_of_them() -> None:
    charger = effective(["chargers", "cables"], None)
    assert applies(charger, "cables")
    assert not applies(charger, "shoes")


def test_categories_match_without_regard_to_case() -> None:
    assert applies(effective(["shoes"], None), "Shoes")
    assert applies(effective(["Shoes"], None), "SHOES")
    assert applies(effective(["Straße"], None), "STRASSE")  # casefolded, not just lowered
    assert applies(effective(["ΠΑΠΟΎΤΣΙΑ"], None), "παπούτσια")
    assert not applies(effective(["shoes"], None), "shoe")


def test_an_item_without_a_category_gets_only_reasons_without_categories() -> None:
    assert not applies(effective(["shoes"], None), None)
    assert applies(effective([], []), None)


def test_a_reason_under_a_heading_takes_its_list_unless_it_has_its_own() -> None:
    assert effective([], ["shoes"]) == ("shoes",)
    assert effective(None, ["shoes"]) == ("shoes",)
    assert effective(["boots"], ["shoes"]) == ("boots",)
