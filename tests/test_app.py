"""The application shell: health, error pages, security headers, languages, static files."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from portal.app import create_app
from tests.conftest import client_for, make_settings


async def test_healthz_reports_a_working_database(web: httpx.AsyncClient) -> None:
    response = await web.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True}
    assert response.headers["cache-control"] == "no-store"


async def test_healthz_says_503_when_the_database_is_gone(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path), manage_db=False)  # never connected
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        response = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] is False


async def test_the_home_page_offers_both_lookups(web: httpx.AsyncClient) -> None:
    response = await web.get("/")
    assert response.status_code == 200
    assert response.template.name == "home.html"  # type: ignore[attr-defined]
    assert 'name="number"' in response.text
    assert 'name="order"' in response.text


async def test_an_unknown_page_is_a_friendly_404(web: httpx.AsyncClient) -> None:
    response = await web.get("/no/such/page")
    assert response.status_code == 404
    assert response.template.name == "errors/404.html"  # type: ignore[attr-defined]
    assert "Go to parcel tracking" in response.text


async def test_an_unknown_api_path_is_problem_json(web: httpx.AsyncClient) -> None:
    response = await web.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


async def test_an_unhandled_error_is_a_friendly_500(tmp_path: Path, db: str) -> None:
    from starlette.routing import Route

    app = create_app(make_settings(tmp_path, database_url=db), manage_db=False)

    async def broken(request: object) -> None:
        raise RuntimeError("boom")

    app.router.routes.append(Route("/broken", broken))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/broken")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert "boom" not in response.text


async def test_every_response_carries_security_headers(web: httpx.AsyncClient) -> None:
    response = await web.get("/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize(
    ("params", "headers", "expected"),
    [
        ({}, {}, "en"),
        ({"lang": "pl"}, {}, "pl"),
        ({}, {"Accept-Language": "ro-RO,ro;q=0.9,en;q=0.5"}, "ro"),
        ({}, {"Accept-Language": "fr-FR, el;q=0.8, en;q=0.3"}, "el"),
        ({}, {"Cookie": "lang=ru"}, "ru"),
        ({"lang": "el"}, {"Cookie": "lang=ru", "Accept-Language": "pl"}, "el"),
        ({"lang": "xx"}, {"Accept-Language": "de"}, "en"),
    ],
)
async def test_it_negotiates_the_language(
    web: httpx.AsyncClient, params: dict[str, str], headers: dict[str, str], expected: str
) -> None:
    response = await web.get("/", params=params, headers=headers)
    assert response.headers["content-language"] == expected
    assert f'<html lang="{expected}">' in response.text


async def test_a_chosen_language_is_remembered(web: httpx.AsyncClient) -> None:
    response = await web.get("/", params={"lang": "pl"})
    assert "lang=pl" in response.headers["set-cookie"]
    assert "Gdzie jest moja przesyłka?" in response.text


async def test_static_files_and_htmx_are_served(web: httpx.AsyncClient) -> None:
    css = await web.get("/static/css/portal.css")
    assert css.status_code == 200
    htmx = await web.get("/static/vendor/htmx.min.js")
    assert htmx.status_code == 200, "run `make static` (the Makefile installs htmx from npm)"


async def test_the_sandbox_carrier_is_mounted_in_development(web: httpx.AsyncClient) -> None:
    response = await web.get("/_sandbox/carrier/health")
    assert response.status_code == 200


async def test_the_sandbox_carrier_is_off_in_production(tmp_path: Path, db: str) -> None:
    settings = make_settings(tmp_path, mode="production", database_url=db)
    app = create_app(settings, manage_db=False)
    async with client_for(app, base_url="https://t") as client:
        response = await client.get("/_sandbox/carrier/health")
        home = await client.get("/")
    assert response.status_code == 404
    assert "max-age" in home.headers["strict-transport-security"]


async def test_an_oversized_body_is_refused(web: httpx.AsyncClient) -> None:
    from portal.app import MAX_BODY_SIZE

    response = await web.post("/", content=b"x" * (MAX_BODY_SIZE + 1))
    assert response.status_code == 413
