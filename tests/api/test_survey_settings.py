"""``GET`` and ``PATCH /settings/surveys``: a shop configured through the API alone (or
``portal settings``) reads and changes everything the survey settings screen holds —
on or off, channels, delay, wording, its own question, the support contact — under the
screen's own checks; the surveys then follow them; another shop's key sees only its own.

The carrier is DHL, faked at the HTTP layer with its documented tracking response
(tests/fixtures/dhl/), as in test_merchant_settings.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from portal.models import Merchant, OutboxMessage, Survey
from portal.settings import Settings
from portal.surveys.scheduling import schedule_due_surveys
from tests import factories
from tests.api.conftest import api_client, make_key
from tests.api.test_merchant_settings import deliver_an_order

SURVEYS = "/api/v1/settings/surveys"


async def test_a_new_shop_reads_its_survey_settings_as_they_work_now(
    api: httpx.AsyncClient,
) -> None:
    response = await api.get(SURVEYS)

    assert response.status_code == 200
    assert response.json() == {
        "enabled": True,
        "channels": ["email"],
        "delay_days": 2,
        "custom_question": {},
        "wording": {},
        "support": {},
    }


async def test_a_shop_asks_by_text_on_the_day_of_delivery_once_it_says_so(
    api: httpx.AsyncClient, shop: Merchant, api_settings: Settings
) -> None:
    """With the defaults a delivery waits two days and then gets an e-mail; after the
    shop sets no delay and SMS through the API, the scheduler's real pass asks the
    customer by text at once."""
    await factories.carrier_account(
        shop, carrier_key="dhl", settings=api_settings, credentials={"api_key": "k"}
    )
    shipment_id = await deliver_an_order(api, "S-1", "00340434161094015902")
    soon = datetime.now(UTC) + timedelta(minutes=1)
    await schedule_due_surveys(api_settings, None, now=soon)
    assert not await Survey.exists(shipment_id=shipment_id)

    changed = await api.patch(
        SURVEYS,
        json={"delay_days": 0, "channels": ["sms"]},
    )
    await schedule_due_surveys(api_settings, None, now=soon)

    assert changed.status_code == 200
    assert (changed.json()["delay_days"], changed.json()["channels"]) == (0, ["sms"])
    survey = await Survey.get(shipment_id=shipment_id)
    message = await OutboxMessage.get(unique_key=f"survey:{survey.id}:sms")
    assert message.recipient == "+48601234567"
    assert not await OutboxMessage.exists(unique_key=f"survey:{survey.id}:email")


async def test_texts_not_sent_stay_and_an_empty_one_clears_its_own(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    await api.patch(SURVEYS, json={"wording": {"pl": {"nps": "Polecisz nas?"}}})
    await api.patch(
        SURVEYS,
        json={
            "wording": {"pl": {"csat_delivery": "Jak dostawa?"}},
            "custom_question": {"en": "Did it fit?"},
            "support": {"email": "care@acme.test", "url": "https://acme.test/help"},
        },
    )
    response = await api.patch(
        SURVEYS, json={"wording": {"pl": {"nps": ""}}, "support": {"url": ""}}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["wording"] == {"pl": {"csat_delivery": "Jak dostawa?"}}
    assert body["custom_question"] == {"en": "Did it fit?"}
    assert body["support"] == {"email": "care@acme.test"}
    await shop.refresh_from_db()
    assert shop.survey_settings["support"] == {"email": "care@acme.test"}


async def test_bad_values_are_refused_each_with_its_pointer_and_nothing_changes(
    api: httpx.AsyncClient,
) -> None:
    before = (await api.get(SURVEYS)).json()
    shape = await api.patch(
        SURVEYS,
        json={
            "delay_days": 31,
            "channels": ["fax"],
            "wording": {"pl": {"nps": "x" * 301}},
            "custom_question": {"xx": "?"},
        },
    )
    rules = await api.patch(
        SURVEYS,
        json={
            "channels": [],
            "custom_question": {"en": "Did it fit?"},
            "support": {"email": "nope", "url": "ftp://acme.test"},
        },
    )

    assert shape.status_code == rules.status_code == 422
    pointers = {e["pointer"] for e in shape.json()["errors"]}
    assert pointers == {"/delay_days", "/channels/0", "/wording/pl/nps", "/custom_question/xx"}
    assert {e["pointer"]: e["detail"] for e in rules.json()["errors"]} == {
        "/channels": "Choose at least one way to send surveys.",
        "/support/email": "Enter an e-mail address like help@example.com.",
        "/support/url": "Enter a full address starting with https://",
    }
    assert (await api.get(SURVEYS)).json() == before


async def test_surveys_switched_on_need_a_channel_already_stored_or_sent(
    api: httpx.AsyncClient,
) -> None:
    off = await api.patch(SURVEYS, json={"enabled": False, "channels": []})
    on_alone = await api.patch(SURVEYS, json={"enabled": True})
    on_with_one = await api.patch(SURVEYS, json={"enabled": True, "channels": ["email"]})

    assert off.status_code == 200 and off.json()["enabled"] is False
    assert on_alone.status_code == 422
    assert [e["pointer"] for e in on_alone.json()["errors"]] == ["/channels"]
    assert on_with_one.status_code == 200 and on_with_one.json()["enabled"] is True


async def test_an_empty_change_is_refused(api: httpx.AsyncClient) -> None:
    response = await api.patch(SURVEYS, json={})
    assert response.status_code == 422


async def test_a_key_changes_only_its_own_shop(
    api: httpx.AsyncClient, api_app: Starlette, shop: Merchant
) -> None:
    other = await factories.merchant()
    async with api_client(api_app, await make_key(other)) as theirs:
        changed = await theirs.patch(SURVEYS, json={"delay_days": 9, "enabled": False})

    assert changed.status_code == 200
    mine = (await api.get(SURVEYS)).json()
    assert (mine["delay_days"], mine["enabled"]) == (2, True)
    await other.refresh_from_db()
    assert other.survey_delay_days == 9


def _portal(database_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "PORTAL_VAR_DIR": str(tmp_path / "cli-var"),
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_LOG_LEVEL": "WARNING",
    }
    return subprocess.run(
        [sys.executable, "-m", "portal.cli", *args],
        capture_output=True, text=True, env=environment, timeout=120,
    )  # fmt: skip


async def test_what_portal_settings_changes_the_api_reads_back(
    api: httpx.AsyncClient, shop: Merchant, db: str, tmp_path: Path
) -> None:
    done = _portal(
        db, tmp_path, "settings", "set", "--merchant", shop.slug,
        "name=Acme Outdoor", "channel_order=sms,email", "expire_after_days=21",
        "surveys.delay_days=4", "surveys.channels=sms,email",
        "surveys.custom_question.pl=Czy rozmiar pasował?",
    )  # fmt: skip
    refused = _portal(
        db, tmp_path, "settings", "set", "--merchant", shop.slug,
        "name=Changed", "primary_color=#ffffff", "surveys.support.email=nope",
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["surveys"]["delay_days"] == 4
    settings: dict[str, Any] = (await api.get("/api/v1/settings")).json()
    assert (settings["name"], settings["channel_order"]) == ("Acme Outdoor", ["sms", "email"])
    assert settings["expire_after_days"] == 21
    surveys = (await api.get(SURVEYS)).json()
    assert (surveys["delay_days"], surveys["channels"]) == (4, ["email", "sms"])
    assert surveys["custom_question"] == {"pl": "Czy rozmiar pasował?"}
    assert refused.returncode == 1
    assert "/primary_color: White text is hard to read" in refused.stderr
    assert "/surveys/support/email: Enter an e-mail address" in refused.stderr
    assert (await api.get("/api/v1/settings")).json()["name"] == "Acme Outdoor"


@pytest.mark.parametrize("path", ["/api/v1/settings/surveys"])
async def test_the_api_needs_a_key(api_app: Starlette, path: str) -> None:
    async with api_client(api_app) as anonymous:
        assert (await anonymous.get(path)).status_code == 401
