"""How the customer hears about an order, chosen on the tracking page.

Shown only to a viewer who proved who they are (a signed link from a message, or an order
looked up with its e-mail or postcode): the channels the shop offers, to tick for this
order, and "notify me in this browser" (web push), which subscribes this browser to the
order's parcels only. The signed token in the URL is the credential, as for the page
itself; the forms carry the session's CSRF token like every other form.

POST /t/{token}/channels      the customer's channels for the order (form)
POST /t/{token}/push          a browser's PushSubscription (JSON), for every parcel of the order
POST /t/{token}/push/remove   forget this browser ({"endpoint": …})
GET  /push-sw.js              the service worker, served from the root so it may show
                              notifications for the tracking pages
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from portal.analytics import labels
from portal.core.links import make_tracking_link, read_tracking_link
from portal.i18n import _
from portal.models import Channel, Merchant, Order, Shipment
from portal.notifications import channel_choice, webpush
from portal.tracking_page.config import config_for

SERVICE_WORKER = Path(__file__).resolve().parents[2] / "static" / "js" / "push-sw.js"
MAX_BODY = 4096


def channel_label(channel: Channel) -> str:
    """The channel's name as the workspace words it; the customer's own browser is "this
    browser" on their page."""
    if channel == Channel.PUSH:
        return _("Notifications in this browser")
    return _(labels.CHANNELS[channel])


@dataclass(frozen=True, slots=True)
class ChannelOption:
    value: str
    label: str
    chosen: bool
    #: Why it cannot be ticked (no phone, no consent…), or "" when it can.
    note: str = ""


@dataclass(frozen=True, slots=True)
class ReachView:
    """What the tracking page needs to offer the choice of channels."""

    channels_url: str
    options: tuple[ChannelOption, ...]
    push_url: str | None
    push_remove_url: str | None
    vapid_public_key: str | None
    saved: bool = False


def reach_view(
    settings: Any, merchant: Merchant, order: Order | None, shipment: Shipment, *, saved: bool
) -> ReachView | None:
    """The choice of channels for ``shipment``'s order, or None when there is nothing to
    choose (no order, or a shop that offers one channel and no push)."""
    offered = channel_choice.offered(merchant)
    token = make_tracking_link(settings, shipment).rsplit("/", 1)[-1]
    push = Channel.PUSH in offered and webpush.push_configured(settings)
    if order is None or (len([c for c in offered if c != Channel.PUSH]) < 2 and not push):
        return None
    chosen = channel_choice.customer_choice(order)
    options = tuple(
        ChannelOption(
            value=channel.value,
            label=channel_label(channel),
            chosen=channel in (chosen if chosen is not None else offered),
        )
        for channel in offered
        if channel != Channel.PUSH
    )
    return ReachView(
        channels_url=f"/t/{token}/channels",
        options=options,
        push_url=f"/t/{token}/push" if push else None,
        push_remove_url=f"/t/{token}/push/remove" if push else None,
        vapid_public_key=settings.vapid_public_key if push else None,
        saved=saved,
    )


async def _shipment(request: Request) -> Shipment | None:
    settings = request.app.state.settings
    shipment_id = read_tracking_link(
        settings, request.path_params["token"], config_for(request.app).link_max_age
    )
    if shipment_id is None:
        return None
    return await Shipment.filter(id=shipment_id).select_related("merchant", "order").first()


async def save_channels(request: Request) -> Response:
    """The customer's channels for this order: only channels the shop offers are kept."""
    shipment = await _shipment(request)
    if shipment is None or shipment.order is None:
        return Response(_("This tracking link is not valid."), status_code=404)
    async with request.form() as form:
        picked = {str(v) for v in form.getlist("channel")}
    offered = channel_choice.offered(shipment.merchant)
    chosen = [c.value for c in offered if c.value in picked and c != Channel.PUSH]
    await Order.filter(id=shipment.order.id).update(channels=chosen)
    token = request.path_params["token"]
    return RedirectResponse(f"/t/{token}?saved=channels#reach", status_code=303)


async def _json(request: Request) -> Any:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise ValueError("too large")
    return json.loads(body)


async def subscribe_push(request: Request) -> Response:
    """Store this browser's subscription for every parcel of the order."""
    shipment = await _shipment(request)
    settings = request.app.state.settings
    if shipment is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    if not webpush.push_configured(settings) or Channel.PUSH not in channel_choice.offered(
        shipment.merchant
    ):
        return JSONResponse({"error": "this shop does not offer browser notifications"}, 409)
    try:
        document = await _json(request)
        webpush.validate_subscription(document)
    except (ValueError, webpush.SubscriptionError) as exc:
        return JSONResponse({"error": f"not a push subscription: {exc}"}, status_code=400)
    now = datetime.now(UTC)
    parcels = await Shipment.filter(order_id=shipment.order_id) if shipment.order_id else [shipment]
    for parcel in parcels:
        await webpush.subscribe(parcel, document, now)
    return JSONResponse({"subscribed": len(parcels)}, status_code=201)


async def unsubscribe_push(request: Request) -> Response:
    """Forget this browser for every parcel of the order."""
    shipment = await _shipment(request)
    if shipment is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    try:
        document = await _json(request)
        endpoint = str(document["endpoint"])
    except (ValueError, KeyError, TypeError):
        return JSONResponse({"error": 'expected {"endpoint": …}'}, status_code=400)
    parcels = await Shipment.filter(order_id=shipment.order_id) if shipment.order_id else [shipment]
    removed = 0
    for parcel in parcels:
        removed += int(await webpush.unsubscribe(parcel, endpoint))
    return JSONResponse({"removed": removed})


async def service_worker(request: Request) -> Response:
    return Response(
        SERVICE_WORKER.read_text(encoding="utf-8"),
        media_type="application/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
    )


routes = [
    Route("/t/{token}/channels", save_channels, methods=["POST"], name="reach_channels"),
    Route("/t/{token}/push", subscribe_push, methods=["POST"], name="reach_push"),
    Route("/t/{token}/push/remove", unsubscribe_push, methods=["POST"], name="reach_push_remove"),
    Route("/push-sw.js", service_worker, name="push_service_worker"),
]
