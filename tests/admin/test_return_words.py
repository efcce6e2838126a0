"""The workspace's words for what the portal writes on a return's history."""

from __future__ import annotations

from portal import i18n
from portal.admin.return_words import history_note


def test_the_portal_s_own_notes_are_in_the_reader_s_language_and_a_person_s_as_written() -> None:
    token = i18n.set_locale("ru")
    try:
        assert history_note("auto-approved", "system") == "одобрен по правилам возврата"
        assert history_note("max_value, out_of_stock", "system") == (
            "сумма выше автоматического лимита, товара для обмена нет в наличии"
        )
        assert history_note("auto-approved", "owner@shop.test") == "auto-approved"
        assert history_note("something new", "system") == "something new"
    finally:
        i18n.reset_locale(token)
