"""Unsafe browser requests need the session's CSRF token; machine paths are exempt."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from portal.app import create_app
from tests.conftest import client_for, make_settings


async def echo(request: Request) -> PlainTextResponse:
    async with request.form() as form:
        return PlainTextResponse(f"ok {form.get('name', '')}")


@pytest.fixture
async def browser_client(tmp_path: Path, db: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(tmp_path, database_url=db), manage_db=False)
    app.router.routes.extend([Route("/echo", echo, methods=["POST"]),
                              Route("/webhooks/echo", echo, methods=["POST"])])  # fmt: skip
    async with client_for(app) as client:
        yield client


async def _token(client: httpx.AsyncClient) -> str:
    page = await client.get("/")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "the home page form carries a CSRF field"
    return match.group(1)


async def test_a_form_post_without_a_token_is_refused(browser_client: httpx.AsyncClient) -> None:
    await browser_client.get("/")
    response = await browser_client.post("/echo", data={"name": "x"})
    assert response.status_code == 403
    assert "reload the page" in response.text


async def test_a_form_post_with_the_token_goes_through(browser_client: httpx.AsyncClient) -> None:
    token = await _token(browser_client)
    response = await browser_client.post("/echo", data={"name": "ann", "csrf_token": token})
    assert response.status_code == 200
    assert response.text == "ok ann"


async def test_htmx_sends_the_token_as_a_header(browser_client: httpx.AsyncClient) -> None:
    token = await _token(browser_client)
    page = await browser_client.get("/")
    assert f'"X-CSRF-Token": "{token}"' in page.text
    response = await browser_client.post(
        "/echo", data={"name": "b"}, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 200


async def test_a_multipart_form_carries_the_token_as_its_first_field(
    browser_client: httpx.AsyncClient,
) -> None:
    token = await _token(browser_client)
    big = b"a,b\n" * 300_000  # 1.2 MB: streamed on, only the first part is read to check
    response = await browser_client.post(
        "/echo", data={"csrf_token": token, "name": "m"}, files={"upload": ("a.csv", big)}
    )
    assert response.status_code == 200
    assert response.text == "ok m"


async def test_a_token_in_the_url_is_not_accepted(browser_client: httpx.AsyncClient) -> None:
    # URLs end up in logs, history and Referer headers: a token there is not a secret.
    token = await _token(browser_client)
    response = await browser_client.post(
        f"/echo?csrf_token={token}", files={"upload": ("a.csv", b"a,b\n")}, data={"name": "m"}
    )
    assert response.status_code == 403


async def test_a_multipart_token_after_the_file_is_refused(
    browser_client: httpx.AsyncClient,
) -> None:
    token = await _token(browser_client)
    response = await browser_client.post(
        "/echo", files={"upload": ("a.csv", b"a,b\n"), "csrf_token": (None, token)}
    )
    assert response.status_code == 403


async def test_a_wrong_token_is_refused(browser_client: httpx.AsyncClient) -> None:
    await _token(browser_client)
    response = await browser_client.post("/echo", data={"csrf_token": "forged"})
    assert response.status_code == 403


async def test_another_origin_is_refused_even_with_the_token(
    browser_client: httpx.AsyncClient,
) -> None:
    token = await _token(browser_client)
    response = await browser_client.post(
        "/echo", data={"csrf_token": token}, headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 403


async def test_machine_paths_authenticate_otherwise_and_are_exempt(
    browser_client: httpx.AsyncClient,
) -> None:
    response = await browser_client.post("/webhooks/echo", data={"name": "api"})
    assert response.status_code == 200
