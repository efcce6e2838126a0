"""Surveys whose link token the test knows, and a client that answers them like a browser."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from portal.models import Merchant, Outcome, Survey
from portal.surveys.outcomes import questions_for
from portal.surveys.scheduling import new_token
from tests import factories

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def survey(
    shop: Merchant | None = None,
    *,
    outcome: Outcome = Outcome.SMOOTH,
    custom: bool = False,
    locale: str = "en",
    expires_in: timedelta = timedelta(days=30),
    completed_ago: timedelta | None = None,
    **shop_fields: Any,
) -> tuple[Survey, str]:
    """A survey as the scheduler makes it (questions from the outcome) and its link token."""
    shop = shop or await factories.merchant(**shop_fields)
    customer = await factories.customer(shop)
    token, digest = new_token()
    now = datetime.now(UTC)
    made = await Survey.create(
        merchant=shop,
        customer=customer,
        outcome=outcome,
        questions=[q.key for q in questions_for(outcome, custom=custom)],
        locale=locale,
        token_hash=digest,
        expires_at=now + expires_in,
        completed_at=now - completed_ago if completed_ago is not None else None,
    )
    return made, token


async def csrf(client: httpx.AsyncClient, token: str) -> str:
    page = await client.get(f"/s/{token}")
    match = _CSRF.search(page.text)
    assert match, "the survey page carries a CSRF field"
    return match.group(1)


async def tap(
    client: httpx.AsyncClient,
    token: str,
    question: str,
    score: int | str | None = None,
    *,
    comment: str | None = None,
    htmx: bool = True,
    csrf_token: str | None = None,
) -> httpx.Response:
    """Post one answer as the page's form does (htmx by default, else a plain post)."""
    data: dict[str, str] = {
        "question": question,
        "csrf_token": csrf_token or await csrf(client, token),
    }
    if score is not None:
        data["score"] = str(score)
    if comment is not None:
        data["comment"] = comment
    headers = {"HX-Request": "true"} if htmx else {}
    return await client.post(f"/s/{token}/answers", data=data, headers=headers)
