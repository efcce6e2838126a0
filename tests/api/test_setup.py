"""``GET /setup``: the set-up checklist's words in the language the request asks for
(``?lang=``, then ``Accept-Language``, as every request of the portal chooses), as the
workspace home shows them in the workspace's language; English otherwise."""

from __future__ import annotations

import httpx
import pytest

ENGLISH = [
    "Connect a carrier account",
    "Bring in your orders",
    "Say where customers can reach you",
    "Set your return policy",
    "Add return reasons",
    "Add your logo or colours",
]
POLISH = [
    "Połącz konto przewoźnika",
    "Wprowadź swoje zamówienia",
    "Podaj, gdzie klienci mogą się z Tobą skontaktować",
    "Ustal politykę zwrotów",
    "Dodaj powody zwrotu",
    "Dodaj logo lub kolory",
]


def titles(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [step["title"] for step in answer.json()["steps"]]


async def test_it_answers_in_english_when_no_language_is_asked_for(api: httpx.AsyncClient) -> None:
    answer = await api.get("/api/v1/setup")
    assert titles(answer) == ENGLISH
    policy = answer.json()["steps"][3]
    assert policy["missing"] == "Without a return policy every return is refused."
    assert answer.headers["Content-Language"] == "en"
    assert "Accept-Language" in answer.headers["Vary"]


@pytest.mark.parametrize("asked", ["pl", "pl-PL,pl;q=0.9,en;q=0.8", "de;q=1, pl;q=0.5"])
async def test_it_answers_in_the_language_accept_language_asks_for(
    api: httpx.AsyncClient, asked: str
) -> None:
    answer = await api.get("/api/v1/setup", headers={"Accept-Language": asked})
    assert titles(answer) == POLISH
    policy = answer.json()["steps"][3]
    assert policy["missing"] == "Bez polityki zwrotów każdy zwrot jest odrzucany."
    assert answer.headers["Content-Language"] == "pl"
    # Only the words change: keys, pages and operations are the same in every language.
    english = (await api.get("/api/v1/setup")).json()["steps"]
    assert [{**s, "title": "", "missing": ""} for s in answer.json()["steps"]] == [
        {**s, "title": "", "missing": ""} for s in english
    ]


async def test_a_language_the_portal_lacks_answers_english(api: httpx.AsyncClient) -> None:
    answer = await api.get("/api/v1/setup", headers={"Accept-Language": "de-DE, fr;q=0.5"})
    assert titles(answer) == ENGLISH
    assert answer.headers["Content-Language"] == "en"


async def test_the_lang_parameter_comes_before_accept_language(api: httpx.AsyncClient) -> None:
    answer = await api.get("/api/v1/setup?lang=uk", headers={"Accept-Language": "pl"})
    assert titles(answer)[3:5] == ["Встановіть правила повернення", "Додайте причини повернення"]
    assert answer.headers["Content-Language"] == "uk"
