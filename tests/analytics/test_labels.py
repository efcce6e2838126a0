"""Names the analytics pages and exports put on their rows and filters."""

from __future__ import annotations

import pytest

from portal import i18n
from portal.analytics import labels


@pytest.mark.parametrize(
    ("locale", "cdek", "russian_post"),
    [
        ("ru", "СДЭК", "Почта России"),
        ("en", "CDEK", "Russian Post"),
        ("pl", "CDEK", "Russian Post"),
    ],
)
def test_a_carrier_is_named_as_its_customers_name_it_in_the_reader_s_language(
    locale: str, cdek: str, russian_post: str
) -> None:
    token = i18n.set_locale(locale)
    try:
        assert (labels.carrier("cdek"), labels.carrier("russian_post")) == (cdek, russian_post)
        assert labels.carrier("no_such_carrier") == "no_such_carrier"
    finally:
        i18n.reset_locale(token)
