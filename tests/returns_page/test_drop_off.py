"""The page a return's QR code opens at the counter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from portal.models import ReturnRequest
from portal.returns import labels, service
from portal.returns.service import Selection, create_return
from tests import factories
from tests.returns_page.helpers import Shop, shown_text


async def _path(web: httpx.AsyncClient, shop: Shop) -> tuple[ReturnRequest, str]:
    settings = web._transport.app.app.state.settings  # type: ignore[attr-defined]
    row = await create_return(
        shop.order,
        [Selection(shop.tee.id, 2, "refund", "too_small")],
        method="drop_off_qr",
        settings=settings,
    )
    url = labels.drop_off_url(settings, shop.merchant.id, row.number)
    return row, url.removeprefix(settings.public_base_url)


async def test_a_genuine_code_shows_the_return_to_the_clerk(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    row, path = await _path(web, shop)
    page = await web.get(path)  # no session: the clerk has no access to the order
    assert page.status_code == 200
    assert page.context["count"] == 2 and page.context["accept"]  # type: ignore[attr-defined]
    shown = shown_text(page.text)
    assert row.number in shown and "Ada" not in shown and "Tee" not in shown
    assert 'src="data:image/svg+xml;base64,' in page.text


async def test_a_forged_code_is_refused(web: httpx.AsyncClient, shop: Shop) -> None:
    row, path = await _path(web, shop)
    forged = path[:-4] + "AAAA"
    other_number = path.replace(row.number, "R-ZZZZZZ", 1)
    for bad in (forged, other_number, f"{labels.DROP_OFF_PATH}/{row.number}/nonsense"):
        answer = await web.get(bad)
        assert answer.status_code == 404
        assert "not valid" in answer.context["message"]  # type: ignore[attr-defined]


async def test_an_expired_or_cancelled_code_is_refused(web: httpx.AsyncClient, shop: Shop) -> None:
    row, path = await _path(web, shop)
    await ReturnRequest.filter(id=row.id).update(
        label_expires_at=datetime.now(UTC) - timedelta(minutes=1)
    )
    assert (await web.get(path)).status_code == 410
    await ReturnRequest.filter(id=row.id).update(label_expires_at=None)
    assert (await web.get(path)).status_code == 200
    await service.cancel(row, settings=factories.app_settings())
    answer = await web.get(path)
    assert answer.status_code == 410
    assert "no longer valid" in answer.context["message"]  # type: ignore[attr-defined]
