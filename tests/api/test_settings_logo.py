"""``PUT`` and ``DELETE /settings/logo``, and ``portal settings logo``: a shop that never saw
the workspace puts its logo through the API or the command line, under the Settings
screen's own checks (:mod:`portal.logo`), and its tracking page and messages show it.

The carrier is DHL, faked at the HTTP layer with its documented tracking response
(https://developer.dhl.com/api-reference/shipment-tracking, tests/fixtures/dhl/).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from portal.models import Channel, Merchant, OutboxMessage
from portal.settings import Settings
from tests import factories
from tests.admin import images_data
from tests.api.conftest import api_client, make_key
from tests.api.test_merchant_settings import deliver_an_order

LOGO = "/api/v1/settings/logo"


def _files(settings: Settings) -> list[Path]:
    folder = Path(settings.var_dir) / "uploads" / "logos"
    return sorted(folder.iterdir()) if folder.exists() else []


async def test_a_shop_set_up_through_the_api_shows_its_logo_to_customers(
    api: httpx.AsyncClient, shop: Merchant, api_settings: Settings
) -> None:
    """No demo, no screen: the logo put through the API is on the tracking page and in
    the delivered e-mail, and served from the address ``GET /settings`` gives."""
    await factories.carrier_account(
        shop, carrier_key="dhl", settings=api_settings, credentials={"api_key": "k"}
    )
    before = (await api.get("/api/v1/settings")).json()
    put = await api.put(LOGO, content=images_data.png(), headers={"Content-Type": "image/png"})
    await deliver_an_order(api, "A-1", "00340434161094015902")

    assert before["logo_url"] is None
    assert put.status_code == 200
    address = f"{api_settings.public_base_url}/media/logo/{shop.slug}"
    assert put.json()["logo_url"] == address
    assert (await api.get("/api/v1/settings")).json()["logo_url"] == address
    page = await api.get("/track/00340434161094015902")
    assert f'src="/media/logo/{shop.slug}"' in page.text
    served = await api.get(f"/media/logo/{shop.slug}")
    assert (served.status_code, served.content) == (200, images_data.png())
    mail = await OutboxMessage.get(merchant_id=shop.id, channel=Channel.EMAIL)
    assert f'src="{address}"' in (mail.body_html or "")


async def test_a_logo_can_be_sent_as_the_screens_form_and_replaces_the_old_one(
    api: httpx.AsyncClient, shop: Merchant, api_settings: Settings
) -> None:
    first = await api.put(LOGO, content=images_data.webp(), headers={"Content-Type": "image/webp"})
    second = await api.put(LOGO, files={"logo": ("logo.jpg", images_data.jpeg(), "image/jpeg")})

    assert (first.status_code, second.status_code) == (200, 200)
    [kept] = _files(api_settings)
    assert kept.suffix == ".jpg" and kept.read_bytes() == images_data.jpeg()
    served = await api.get(f"/media/logo/{shop.slug}")
    assert served.headers["content-type"] == "image/jpeg"


@pytest.mark.parametrize(
    ("content_type", "body", "status", "words"),
    [
        ("image/svg+xml", images_data.SVG, 415, "SVG logos are not accepted"),
        ("image/png", images_data.SVG, 415, "SVG logos are not accepted"),
        ("image/png", b"GIF89a" + b"\0" * 20, 415, "not a PNG, JPEG or WebP image"),
        ("image/gif", b"GIF89a" + b"\0" * 20, 415, "Content-Type: image/png"),
        ("application/json", b"{}", 415, "Content-Type: image/png"),
        ("image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * (1024 * 1024), 413, "larger than 1 MB"),
        ("image/png", b"", 422, "not a PNG, JPEG or WebP image"),
        ("image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 8, 422, "seems damaged"),
        ("image/png", images_data.png(2001, 10), 422, "larger than 2000 × 2000 pixels"),
    ],
)
async def test_a_file_the_screen_refuses_is_refused_and_nothing_changes(
    api: httpx.AsyncClient,
    shop: Merchant,
    api_settings: Settings,
    content_type: str,
    body: bytes,
    status: int,
    words: str,
) -> None:
    assert (await api.put(LOGO, content=images_data.png())).status_code == 415  # no type
    await api.put(LOGO, content=images_data.png(), headers={"Content-Type": "image/png"})
    before = (await Merchant.get(id=shop.id)).branding

    response = await api.put(LOGO, content=body, headers={"Content-Type": content_type})

    assert response.status_code == status
    assert words in response.json()["detail"]
    assert (await Merchant.get(id=shop.id)).branding == before
    assert len(_files(api_settings)) == 1


async def test_a_form_without_the_logo_file_is_refused(api: httpx.AsyncClient) -> None:
    response = await api.put(LOGO, files={"picture": ("a.png", images_data.png(), "image/png")})

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"pointer": "/logo", "detail": "send the image as the `logo` file"}
    ]


async def test_deleting_the_logo_leaves_the_name_alone_and_keeps_the_colours(
    api: httpx.AsyncClient, shop: Merchant, api_settings: Settings
) -> None:
    await api.patch("/api/v1/settings", json={"primary_color": "#1f5fbf"})
    await api.put(LOGO, content=images_data.png(), headers={"Content-Type": "image/png"})

    deleted = await api.delete(LOGO)
    again = await api.delete(LOGO)

    assert (deleted.status_code, again.status_code) == (200, 200)
    assert deleted.json()["logo_url"] is None
    assert deleted.json()["primary_color"] == "#1f5fbf"
    assert _files(api_settings) == []
    assert (await api.get(f"/media/logo/{shop.slug}")).status_code == 404


async def test_another_shops_logo_is_out_of_reach(
    api: httpx.AsyncClient, api_app: Starlette, shop: Merchant, api_settings: Settings
) -> None:
    other = await factories.merchant()
    await api.put(LOGO, content=images_data.png(), headers={"Content-Type": "image/png"})
    async with api_client(api_app, await make_key(other)) as theirs:
        await theirs.delete(LOGO)
    async with api_client(api_app) as anonymous:
        refused = await anonymous.put(
            LOGO, content=images_data.png(), headers={"Content-Type": "image/png"}
        )

    assert refused.status_code == 401
    assert (await api.get("/api/v1/settings")).json()["logo_url"] is not None
    assert (await Merchant.get(id=other.id)).branding.get("logo_path") is None


def _portal(db: str, settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "PORTAL_VAR_DIR": str(settings.var_dir),
        "PORTAL_DATABASE_URL": db,
        "PORTAL_PUBLIC_BASE_URL": settings.public_base_url,
        "PORTAL_LOG_LEVEL": "WARNING",
    }
    return subprocess.run(
        [sys.executable, "-m", "portal.cli", *args],
        capture_output=True, text=True, env=environment, timeout=120,
    )  # fmt: skip


async def test_portal_settings_logo_puts_and_drops_it_as_the_api_does(
    api: httpx.AsyncClient, shop: Merchant, api_settings: Settings, db: str, tmp_path: Path
) -> None:
    good, bad = tmp_path / "logo.webp", tmp_path / "logo.svg"
    good.write_bytes(images_data.webp())
    bad.write_bytes(images_data.SVG)

    put = _portal(db, api_settings, "settings", "logo", "--merchant", shop.slug, str(good))
    seen = (await api.get("/api/v1/settings")).json()["logo_url"]
    refused = _portal(db, api_settings, "settings", "logo", "--merchant", shop.slug, str(bad))
    kept = (await api.get(f"/media/logo/{shop.slug}")).content
    dropped = _portal(db, api_settings, "settings", "logo", "--merchant", shop.slug, "--remove")
    neither = _portal(db, api_settings, "settings", "logo", "--merchant", shop.slug)

    assert put.returncode == 0, put.stderr
    assert seen == f"{api_settings.public_base_url}/media/logo/{shop.slug}"
    assert f'"logo_url": "{seen}"' in put.stdout
    assert refused.returncode == 1
    assert "nothing changed" in refused.stderr and "SVG logos are not accepted" in refused.stderr
    assert kept == images_data.webp()
    assert dropped.returncode == 0, dropped.stderr
    assert (await api.get("/api/v1/settings")).json()["logo_url"] is None
    assert neither.returncode == 1 and "FILE or --remove" in neither.stderr
