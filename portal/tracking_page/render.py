"""Rendering the tracking page and its live fragment: refresh, load, present, ETag.

The fragment's ETag is a hash of its bytes, so it changes exactly when what a customer
sees changes; the page carries it in ``data-etag`` so the first poll is already a 304 when
nothing moved.

A rendered fragment is the same for every visitor of a parcel in one language, so it is
kept in the per-process ``config.fragments`` cache, keyed by the shipment row's version
(``updated_at``, status, last event: ingest bumps ``updated_at``) and by language, tier and
URL, for at most ``config.cache_seconds``. A change made through ingest shows as soon as the
row is read again; a direct database edit, the "no news for a while" hint or a new time
zone show within the TTL. The page around it (language menu, CSRF token, forms) is the
same for every parcel of a shop in one language: a number-tier page is that frame
(``page_cache``), rendered once with holes for the parcel's block, the visitor's token and
the page's address, and filled per request; the order tier is rendered for each request.
The fragment itself is the same for every parcel of one *shape* (status, stages, expected
day, carrier…) in one language but for the parcel's own values: a number-tier fragment
is ``_status.html`` rendered once per shape with holes for them (``status_frame``).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import urlencode

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send

from portal.core.links import withdrawal_url
from portal.core.timezones import delivery_zone
from portal.delivery_preferences import changeable
from portal.i18n import current_locale
from portal.models import Merchant, Order, OrderItem, Shipment
from portal.notifications.preferences_words import preference_words
from portal.returns import withdrawal
from portal.tracking.refresh import needs_refresh
from portal.tracking_page import events, lookup, reach, status_frame
from portal.tracking_page.branding import brand_of
from portal.tracking_page.config import PageConfig, config_for
from portal.tracking_page.lookup import MaskedAddress, PageCustomer, PageMerchant, PageOrder
from portal.tracking_page.page_cache import (
    PAGE_TEMPLATE,
    KeptPage,
    frame_html,
    frame_key,
    page_key,
    render_frame,
    render_kept,
)
from portal.tracking_page.presenter import ShipmentView, present, zone_for
from portal.web import csrf
from portal.web.option_words import options_text
from portal.web.templating import templates_of

STATUS_TEMPLATE = "tracking/_status.html"
#: Refreshes that outlived the page's wait; kept referenced until they finish.
_pending: set[asyncio.Task[Any]] = set()


def _forget(task: asyncio.Task[Any]) -> None:
    _pending.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved, so asyncio does not warn


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
    #: The customer's delivery choice in plain words ("" without one).
    preferences_text: str = ""
    #: The stored choice, to fill the form.
    preferences: dict[str, Any] | None = None
    #: Where the form posts while the parcel has not left; None once it has.
    preferences_url: str | None = None
    #: Set after a refused change: what to correct.
    preferences_error: str | None = None


async def refresh_stale(
    request: Request, config: PageConfig, shipments: Sequence[Shipment]
) -> None:
    """Ask the carrier about stale shipments, waiting at most ``refresh_timeout``."""
    if config.refresh is None:
        return
    now = config.clock()
    # The loaded row says whether a refresh could be due: a fresh parcel costs nothing. A
    # parcel this process asked about in the last cache_seconds is not asked about again
    # (its carrier call is running or was refused: no usable account, another's lease).
    live = [
        s
        for s in shipments
        if not s.status.is_final
        and needs_refresh(s, now, config.refresh_max_age)
        and config.lookups.get(("refreshing", s.id)) is None
    ]
    if not live:
        return
    read: dict[int, list[events.EventRow] | None] = {}
    for shipment in live:
        config.lookups.put(("refreshing", shipment.id), True)
        read[shipment.id] = events.attached(shipment)
        events.drop(shipment)  # read again after the refresh, with what it stored
    client = config.http_client(request.app.state)
    tasks = [
        (
            shipment,
            asyncio.ensure_future(
                config.refresh(
                    shipment,
                    request.app.state.settings,
                    client=client,
                    max_age=config.refresh_max_age,
                    timeout=config.refresh_timeout,
                )
            ),
        )
        for shipment in live
    ]
    await asyncio.wait([task for _, task in tasks], timeout=config.refresh_timeout)
    for shipment, task in tasks:
        if _stored_nothing(task) and (rows := read[shipment.id]) is not None:
            # No usable account, another viewer's lease, carrier trouble: nothing new to
            # read, so the events read with the shipment still hold (a second statement
            # a page for a stale parcel before; benchmarks/README.md, issue 20).
            events.keep(shipment, rows)
        # Finished or not, a failed refresh never breaks the page (refresh logs it); late
        # ones go on in the background and their answer shows on the next view or poll.
        _pending.add(task)
        task.add_done_callback(_forget)
    # refresh_if_stale reloads a shipment it refreshed; events are read after this.


def _stored_nothing(task: asyncio.Future[Any]) -> bool:
    """The refresh is over and says it stored nothing (``refresh_if_stale`` is True only
    when it stored the carrier's answer; a refresh still running may store one)."""
    return task.done() and not task.cancelled() and task.exception() is None and not task.result()


async def shipment_views(
    request: Request,
    shipments: Sequence[Shipment],
    merchant: Merchant | PageMerchant,
    order: Order | PageOrder | None,
    customer: PageCustomer | None,
    *,
    full_signer: bool,
) -> list[ShipmentView]:
    """The shipments' views in the customer's zone; ``customer`` is the row the page's
    lookup read with them (``lookup.customer_read``), never read again here."""
    config = config_for(request.app)
    zone = zone_for(merchant, order, customer, request.app.state.settings.default_time_zone)
    calendar = delivery_zone(
        order.ship_country if order is not None else None,
        order.ship_region if order is not None else None,
        merchant.time_zone,
    )
    read = {s.id: rows for s in shipments if (rows := events.attached(s)) is not None}
    missing = [s.id for s in shipments if s.id not in read]
    if missing:
        read |= await events.load_events(missing)
    now = config.clock()
    return [
        present(
            s,
            read[s.id],
            zone=zone,
            locale=current_locale(),
            now=now,
            full_signer=full_signer,
            calendar=calendar,
        )
        for s in shipments
    ]


def _fragment_context(request: Request, view: ShipmentView, status_url: str) -> dict[str, Any]:
    return {
        "view": view,
        "status_url": status_url,
        "poll_seconds": config_for(request.app).poll_seconds,
    }


class Block(NamedTuple):
    """One shipment's presented view, its rendered fragment and the fragment's ETag."""

    view: ShipmentView
    html: Markup
    etag: str


def _fragment_key(
    config: PageConfig, shipment: Shipment, status_url: str, full_signer: bool
) -> tuple[Any, ...]:
    return (
        shipment.id,
        shipment.updated_at,
        shipment.status,
        shipment.last_event_at,
        current_locale(),
        full_signer,
        status_url,
        config.poll_seconds,
    )


async def status_blocks(
    request: Request,
    shipments: Sequence[Shipment],
    merchant: Merchant | PageMerchant,
    order: Order | PageOrder | None,
    customer: PageCustomer | None,
    *,
    full_signer: bool,
    status_urls: Sequence[str],
) -> list[Block]:
    """Each shipment's block, from the fragment cache when its row has not changed."""
    config = config_for(request.app)

    async def block_of(shipment: Shipment, url: str) -> Block:
        async def fill() -> Block:
            [view] = await shipment_views(
                request, [shipment], merchant, order, customer, full_signer=full_signer
            )
            return Block(view, *render_fragment(request, view, url))

        key = _fragment_key(config, shipment, url, full_signer)
        return await config.fragments.get_or_fill(key, fill)

    if len(shipments) == 1:  # the usual page: no gather
        return [await block_of(shipments[0], status_urls[0])]
    pairs = zip(shipments, status_urls, strict=True)
    return list(await asyncio.gather(*(block_of(s, url) for s, url in pairs)))


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def render_fragment(request: Request, view: ShipmentView, status_url: str) -> tuple[Markup, str]:
    """The status fragment and its ETag: from its shape's frame (``status_frame``) when
    it has one, else rendered in full."""
    config = config_for(request.app)
    journey = view.journey
    key = status_frame.shape_key(view, status_url, config.poll_seconds)
    if key is None:
        context = _fragment_context(request, view, status_url)
        context["journey"] = journey
        html = templates_of(request).get_template(STATUS_TEMPLATE).render(context)
    else:
        frame = config.status_frames.get(key)
        if frame is None:  # the template only now (Jinja checks its file's age on every get)
            template = templates_of(request).get_template(STATUS_TEMPLATE)
            frame = status_frame.render_frame(template, view, status_url, config.poll_seconds)
            config.status_frames.put(key, frame)
        html = status_frame.fill(frame, view, status_url, journey)
    return Markup(html), etag_of(html.encode())


async def shipment_page(
    request: Request,
    *,
    shipments: Sequence[Shipment],
    merchant: Merchant | PageMerchant,
    order: Order | PageOrder | None,
    customer: PageCustomer | None,
    tier: str,
    status_urls: Sequence[str],
    status_code: int = 200,
    preferences_error: str | None = None,
) -> Response:
    config = config_for(request.app)
    await refresh_stale(request, config, shipments)
    blocks = await status_blocks(
        request,
        shipments,
        merchant,
        order,
        customer,
        full_signer=tier == "order",
        status_urls=status_urls,
    )
    kept_key = None
    if tier == "number" and status_code == 200 and config.cache_seconds > 0:
        kept_key = page_key(request, [block.etag for block in blocks], brand_of(merchant))
        kept = config.pages.get(kept_key)
        if kept is not None:
            return _kept_response(request, kept)
    context = await _page_context(
        request, shipments, merchant, order, customer, blocks, tier, status_urls, preferences_error
    )
    if kept_key is not None:
        kept = render_kept(request, context)
        config.pages.put(kept_key, kept)
        return _kept_response(request, kept)
    if tier == "number" and status_code == 200 and len(blocks) == 1:
        delivered = any(view.status == "delivered" for view in context["shipments"])
        key = frame_key(request, context["brand"], delivered, context["returns_url"])
        frame = config.frames.get(key)
        if frame is None:
            frame = render_frame(request, context)
            config.frames.put(key, frame)
        html = frame_html(request, frame, blocks[0])
        return RenderedResponse(html, PAGE_TEMPLATE, {"request": request, **context})
    return templates_of(request).TemplateResponse(
        request, PAGE_TEMPLATE, context, status_code=status_code
    )


def _kept_response(request: Request, kept: KeptPage) -> Response:
    """A kept page with this visitor's CSRF token (created, like a render would)."""
    html = kept.html(csrf.csrf_token(request))
    return RenderedResponse(html, PAGE_TEMPLATE, {"request": request, **kept.context})


async def _page_context(
    request: Request,
    shipments: Sequence[Shipment],
    merchant: Merchant | PageMerchant,
    order: Order | PageOrder | None,
    customer: PageCustomer | None,
    blocks: Sequence[Block],
    tier: str,
    status_urls: Sequence[str],
    preferences_error: str | None,
) -> dict[str, Any]:
    order_view = None
    offer: dict[str, object] = {"withdraw_url": "", "withdraw_until": ""}
    shop, proven = _models(merchant, order) if tier == "order" else (None, None)
    if shop is not None and proven is not None:
        # the order is proven here (signed link or lookup): the withdrawal function is
        # offered on this page too, through the same signed link the messages carry; the
        # shop and her row as the page's lookup read them, not read again
        if (await withdrawal.review(proven, read=(shop, customer))).refusal is None:
            settings = request.app.state.settings
            url = withdrawal_url(settings, proven.merchant_id, proven.id)
            offer["withdraw_url"] = url.removeprefix(settings.public_base_url)
        items = await OrderItem.filter(order_id=proven.id).order_by("id")
        url = status_urls[0] if status_urls else ""
        order_view = OrderView(
            number=proven.number,
            preferences_text=preference_words(proven.delivery_preferences, current_locale()),
            preferences=proven.delivery_preferences,
            preferences_url=url.removesuffix("/status") + "/preferences"
            if url.startswith("/t/") and changeable(shipments)
            else None,
            preferences_error=preferences_error,
            address=lookup.masked_address(proven),
            items=tuple(
                ItemView(
                    i.title,
                    options_text(i.variant_options),
                    i.quantity,
                )
                for i in items
            ),
        )
    reach_view = None
    if shop is not None and shipments:
        settings = request.app.state.settings
        saved = request.query_params.get("saved") == "channels"
        reach_view = reach.reach_view(settings, shop, proven, shipments[0], saved=saved)
    context = {
        "tier": tier,
        "reach": reach_view,
        "brand": brand_of(merchant),
        "shipments": [block.view for block in blocks],
        "blocks": blocks,
        "order": order_view,
        "shop": request.query_params.get("shop"),
        "returns_url": returns_entry(merchant, order_view),
        **offer,
    }
    return context


def _models(
    merchant: Merchant | PageMerchant, order: Order | PageOrder | None
) -> tuple[Merchant, Order | None]:
    """The order tier's shop and order, which it reads through the ORM's models: the
    number tier's plain rows (``lookup.parties``) carry too little for its page."""
    if isinstance(merchant, PageMerchant) or isinstance(order, PageOrder):
        raise TypeError("the order tier is rendered from the Merchant and Order models")
    return merchant, order


def returns_entry(merchant: Merchant | PageMerchant, order: OrderView | None) -> str:
    """Where "Return an item" leads: the shop's returns page, the order number filled in
    when the viewer already proved it is their order."""
    return _returns_url(merchant.slug, order.number if order is not None else None)


@lru_cache(maxsize=1024)  # a shop's parcels share it at the number tier
def _returns_url(slug: str, order_number: str | None) -> str:
    query = {"shop": slug}
    if order_number is not None:
        query["order"] = order_number
    return "/returns?" + urlencode(query)


class RenderedResponse(HTMLResponse):
    """HTML rendered earlier from ``template``; like Starlette's template responses it
    reports the template and context to the ``http.response.debug`` extension (tests)."""

    def __init__(
        self, html: str, template_name: str, context: dict[str, Any], **kwargs: Any
    ) -> None:
        super().__init__(html, **kwargs)
        self.template_name = template_name
        self.context = context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if "http.response.debug" in scope.get("extensions", {}):
            template = templates_of(self.context["request"]).get_template(self.template_name)
            info = {"template": template, "context": self.context}
            await send({"type": "http.response.debug", "info": info})
        await super().__call__(scope, receive, send)


def fragment_response(request: Request, block: Block, status_url: str) -> Response:
    headers = {"ETag": block.etag, "Cache-Control": "no-cache, private"}
    if block.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    context = {"request": request, **_fragment_context(request, block.view, status_url)}
    return RenderedResponse(block.html, STATUS_TEMPLATE, context, headers=headers)
