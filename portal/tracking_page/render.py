"""Rendering the tracking page and its live fragment: refresh, load, present, ETag.

The fragment's ETag is a hash of its bytes, so it changes exactly when what a customer
sees changes (a direct database edit included); the page carries it in ``data-etag`` so
the first poll is already a 304 when nothing moved.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from portal.i18n import current_locale
from portal.models import Customer, Merchant, Order, OrderItem, Shipment, TrackingEvent
from portal.tracking_page import lookup
from portal.tracking_page.branding import brand_of
from portal.tracking_page.config import PageConfig, config_for
from portal.tracking_page.lookup import MaskedAddress
from portal.tracking_page.presenter import ShipmentView, present, zone_for

STATUS_TEMPLATE = "tracking/_status.html"
#: Refreshes that outlived the page's wait; kept referenced until they finish.
_pending: set[asyncio.Task[Any]] = set()


def _forget(task: asyncio.Task[Any]) -> None:
    _pending.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved, so asyncio does not warn


def templates_of(request: Request) -> Any:
    return request.app.state.templates


@dataclass(frozen=True, slots=True)
class ItemView:
    title: str
    options: str
    quantity: int


@dataclass(frozen=True, slots=True)
class OrderView:
    number: str
    address: MaskedAddress
    items: tuple[ItemView, ...]


async def refresh_stale(
    request: Request, config: PageConfig, shipments: Sequence[Shipment]
) -> None:
    """Ask the carrier about stale shipments, waiting at most ``refresh_timeout``."""
    if config.refresh is None:
        return
    live = [s for s in shipments if not s.status.is_final]
    if not live:
        return
    client = config.http_client(request.app.state)
    tasks = {
        asyncio.ensure_future(
            config.refresh(
                shipment,
                request.app.state.settings,
                client=client,
                max_age=config.refresh_max_age,
                timeout=config.refresh_timeout,
            )
        )
        for shipment in live
    }
    await asyncio.wait(tasks, timeout=config.refresh_timeout)
    for task in tasks:
        # Finished or not, a failed refresh never breaks the page (refresh logs it); late
        # ones go on in the background and their answer shows on the next view or poll.
        _pending.add(task)
        task.add_done_callback(_forget)
    # refresh_if_stale reloads a shipment it refreshed; events are read after this.


async def load_events(shipment_ids: Sequence[int]) -> dict[int, list[TrackingEvent]]:
    by_shipment: dict[int, list[TrackingEvent]] = {i: [] for i in shipment_ids}
    if shipment_ids:
        for event in await TrackingEvent.filter(shipment_id__in=list(shipment_ids)).order_by(
            "occurred_at", "id"
        ):
            by_shipment[event.shipment_id].append(event)
    return by_shipment


async def shipment_views(
    request: Request,
    shipments: Sequence[Shipment],
    merchant: Merchant,
    order: Order | None,
    *,
    full_signer: bool,
) -> list[ShipmentView]:
    config = config_for(request.app)
    customer = (
        await Customer.get_or_none(id=order.customer_id) if order and order.customer_id else None
    )
    zone = zone_for(merchant, order, customer, request.app.state.settings.default_time_zone)
    events = await load_events([s.id for s in shipments])
    now = config.clock()
    return [
        present(
            s, events[s.id], zone=zone, locale=current_locale(), now=now, full_signer=full_signer
        )
        for s in shipments
    ]


def _fragment_context(request: Request, view: ShipmentView, status_url: str) -> dict[str, Any]:
    return {
        "view": view,
        "status_url": status_url,
        "poll_seconds": config_for(request.app).poll_seconds,
    }


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def render_fragment(request: Request, view: ShipmentView, status_url: str) -> tuple[Markup, str]:
    html = (
        templates_of(request)
        .get_template(STATUS_TEMPLATE)
        .render(_fragment_context(request, view, status_url))
    )
    return Markup(html), etag_of(html.encode())


async def shipment_page(
    request: Request,
    *,
    shipments: Sequence[Shipment],
    merchant: Merchant,
    order: Order | None,
    tier: str,
    status_urls: Sequence[str],
    status_code: int = 200,
) -> Response:
    await refresh_stale(request, config_for(request.app), shipments)
    views = await shipment_views(request, shipments, merchant, order, full_signer=tier == "order")
    blocks = [
        (view, *render_fragment(request, view, url))
        for view, url in zip(views, status_urls, strict=True)
    ]
    order_view = None
    if tier == "order" and order is not None:
        items = await OrderItem.filter(order_id=order.id).order_by("id")
        order_view = OrderView(
            number=order.number,
            address=lookup.masked_address(order),
            items=tuple(
                ItemView(
                    i.title,
                    ", ".join(f"{k}: {v}" for k, v in (i.variant_options or {}).items()),
                    i.quantity,
                )
                for i in items
            ),
        )
    context = {
        "tier": tier,
        "brand": brand_of(merchant),
        "shipments": views,
        "blocks": blocks,
        "order": order_view,
        "shop": request.query_params.get("shop"),
    }
    return templates_of(request).TemplateResponse(
        request, "tracking/page.html", context, status_code=status_code
    )


def fragment_response(request: Request, view: ShipmentView, status_url: str) -> Response:
    response = templates_of(request).TemplateResponse(
        request, STATUS_TEMPLATE, _fragment_context(request, view, status_url)
    )
    etag = etag_of(response.body)
    headers = {"ETag": etag, "Cache-Control": "no-cache, private"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return response
