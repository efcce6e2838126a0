"""The survey settings' one set of rules (``portal/survey_settings.py``): what the screen,
the API and ``portal settings`` accept, under which path each refusal is, and how a
change is merged into what is stored."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

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


async def _until_another_waits_for_a_lock(conn: BaseDBAsyncClient) -> None:
    """Return once another PostgreSQL session waits for a lock this one holds (the row);
    fail if none does within a generous bound."""
    for _attempt in range(3000):
        rows = await conn.execute_query_dict(
            "SELECT count(*) AS waiting FROM pg_locks "
            "WHERE NOT granted AND pg_backend_pid() = ANY(pg_blocking_pids(pid))"
        )
        if rows[0]["waiting"]:
            return
        await asyncio.sleep(0.01)
    pytest.fail("the second change never waited for the row")


async def test_two_changes_at_once_cannot_leave_surveys_on_without_a_channel(db: str) -> None:
    """One change takes away the last channel (surveys are off), another switches surveys
    on (a channel is stored): each passes :func:`clean` on what it read. The first holds
    the row while the second starts; on PostgreSQL the second, on a connection of its own,
    waits for the row lock (``SELECT … FOR UPDATE``), then checks again on what the first
    stored and is refused, changing nothing. (SQLite's one connection runs the second after
    the first has committed: the same outcome, without a lock to wait for.)"""
    shop = await factories.merchant(survey_settings={"enabled": False, "channels": ["email"]})
    before = survey_settings.current(shop)
    no_channel, first_problems = survey_settings.clean({"channels": []}, before)
    switch_on, second_problems = survey_settings.clean({"enabled": True}, before)
    assert first_problems == second_problems == {}
    started = asyncio.Event()

    async def second() -> Merchant:
        await started.wait()
        return await survey_settings.save(shop.id, switch_on)

    racing = asyncio.create_task(second())  # made outside the transaction: its own connection
    async with in_transaction() as conn:
        await survey_settings.save(shop.id, no_channel)  # holds the row until this commits
        started.set()
        if db.startswith("postgres"):
            await _until_another_waits_for_a_lock(conn)

    with pytest.raises(survey_settings.Refused) as refused:
        await racing
    assert list(refused.value.problems) == ["channels"]
    stored = survey_settings.current(await Merchant.get(id=shop.id))
    assert (stored["enabled"], stored["channels"]) == (False, [])
