"""After confirming: the return's own page (state, timeline, amounts, label and QR code),
cancelling it until it ships, the printable label, and the lasting follow link.

A return is shown only when its order is one this browser has access to (see
:mod:`portal.returns_page.access`); RMA numbers are unique per shop, and the lookup is
limited to those orders, so a guessed number shows nothing.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from portal.carrier_display import carrier_name
from portal.core import links, timezones
from portal.core.timezones import recipient_zone
from portal.i18n import _, current_locale
from portal.models import (
    Customer,
    Exchange,
    Order,
    ReturnItem,
    ReturnRequest,
    ReturnTransition,
    Shipment,
)
from portal.models.returns import ReturnState as S
from portal.returns import labels, return_parcel, service, short_links, states
from portal.returns.review import ReturnRefused, active_policy
from portal.returns_page import access, presenter, rendering, wording
from portal.returns_page.lookup_form import lookup_step
from portal.returns_page.orders import merchant_of
from portal.tracking import accounts
from portal.web.shop_language import use_language_of_shop

RETURN = "returns/_return.html"
DROP_OFF_METHODS = frozenset({"drop_off_label", "drop_off_qr"})
#: States in which the label and QR code can still be used.
SENDABLE = frozenset({S.APPROVED, S.AWAITING_SHIPMENT})


@dataclass(frozen=True, slots=True)
class LineView:
    title: str
    quantity: int
    resolution: str
    reason: str
    amount: str
    comment: str
    #: For an exchange: the replacement's options ("size: M").
    replacement: str = ""


@dataclass(frozen=True, slots=True)
class StepView:
    state: str
    when: str


def data_uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


async def _zone_of(request: Request, order: Order) -> ZoneInfo:
    customer = await Customer.get_or_none(id=order.customer_id) if order.customer_id else None
    return recipient_zone(
        customer=customer,
        order=order,
        merchant=await merchant_of(order),
        default_time_zone=request.app.state.settings.default_time_zone,
    )


async def return_step(
    request: Request,
    row: ReturnRequest,
    order: Order,
    *,
    created: bool = False,
    message: str = "",
    status_code: int = 200,
    url: str | None = None,
    parcel_problem: str = "",
    parcel_number: str = "",
) -> Response:
    settings = request.app.state.settings
    zone = await _zone_of(request, order)
    items = await ReturnItem.filter(return_request_id=row.id).select_related("order_item", "reason")
    swaps = {
        e.return_item_id: e.new_variant_id
        for e in await Exchange.filter(return_item_id__in=[i.id for i in items])
    }
    swap_words = await presenter.replacements(swaps.values())
    lines = [
        LineView(
            title=i.order_item.title,
            quantity=i.quantity,
            resolution=wording.resolution(i.resolution),
            reason=presenter.label_of(i.reason.labels, i.reason.code) if i.reason else "",
            amount=presenter.money(i.amount, row.currency),
            comment=i.comment,
            replacement=swap_words.get(swaps.get(i.id, 0), ""),
        )
        for i in items
    ]
    steps = [
        StepView(wording.history_step(t.to_state), presenter.local_time(t.created_at, zone))
        for t in await ReturnTransition.filter(return_request_id=row.id).order_by("id")
    ]
    state = S(row.state)
    sendable = state in SENDABLE and (row.method or "") in DROP_OFF_METHODS
    # No address to send it to: no label and no code to hand in yet (the shop is told).
    address_missing = sendable and not labels.has_return_address(
        await _return_address(row.merchant_id)
    )
    sendable = sendable and not address_missing
    merchant_id: int = row.merchant_id
    context = {
        "row": row,
        "order": order,
        "created": created,
        "message": message,
        "state": wording.state(state),
        "under_review": state in (S.REQUESTED, S.NEEDS_REVIEW),
        "next_steps": wording.next_steps(state, row.method),
        "lines": lines,
        "steps": steps,
        "has_refund": any(i.resolution in ("refund", "keep_item") for i in items),
        "has_credit": any(i.resolution == "store_credit" for i in items),
        "refund_total": presenter.money(row.refund_total, row.currency),
        "credit_total": presenter.money(row.credit_total, row.currency),
        "fees_total": presenter.money(row.fees_total, row.currency),
        "has_fees": row.fees_total > 0,
        "method": wording.method(row.method) if row.method else "",
        "cancellable": state in states.CUSTOMER_CANCELLABLE,
        "sendable": sendable,
        "address_missing": address_missing,
        "send_by": presenter.last_whole_day(row.label_expires_at, zone)
        if sendable and row.label_expires_at
        else "",
        "qr": data_uri(labels.qr_svg(labels.drop_off_url(settings, merchant_id, row.number)))
        if sendable
        else "",
        "follow_url": links.follow_url(settings, merchant_id, row.number),
        "parcel": (
            await Shipment.get_or_none(id=row.return_shipment_id)
            if row.return_shipment_id
            else None
        ),
        "parcel_open": state in return_parcel.OPEN and (row.method or "") != "in_store",
        "parcel_problem": parcel_problem,
        "parcel_number": parcel_number,
        "carriers": [
            (key, carrier_name(key, current_locale())) for key in accounts.offered(settings)
        ],
    }
    merchant = await merchant_of(order)
    return rendering.step(
        request,
        RETURN,
        context,
        merchant=merchant,
        status_code=status_code,
        url=url,
        title=_("Return %(number)s") % {"number": row.number},
    )


async def _accessible(request: Request) -> tuple[ReturnRequest | None, Order | None]:
    number = request.path_params["number"][:32]
    orders = access.granted_orders(request)
    row = (
        await ReturnRequest.filter(number=number, order_id__in=orders).order_by("-id").first()
        if orders
        else None
    )
    order = await Order.get(id=row.order_id) if row else None
    if row is not None:
        await use_language_of_shop(request, row.merchant_id)
    return row, order


def _no_access(request: Request) -> Response:
    message = _("To see a return, find its order first.")
    return lookup_step(request, shop=None, merchant=None, message=message, status_code=404)


def already_open_message(number: str) -> str:
    return _(
        "You already started return %(number)s for this order. Here it is, with its label "
        "when it has one; you can also return another item below."
    ) % {"number": number}


async def return_page(request: Request) -> Response:
    row, order = await _accessible(request)
    if row is None or order is None:
        return _no_access(request)
    created = request.query_params.get("new") == "1"
    message = ""
    if request.query_params.get("open") == "1":
        message = already_open_message(row.number)
    if request.query_params.get("parcel") == "1":
        message = _(
            "Thank you: we follow your parcel from now on and tell the shop when it arrives."
        )
    return await return_step(request, row, order, created=created, message=message)


async def follow_link(request: Request) -> Response:
    found = links.read_follow_token(request.app.state.settings, request.path_params["token"])
    number = request.path_params["number"][:32]
    row = None
    if found is not None and found[1] == number:
        row = await ReturnRequest.get_or_none(merchant_id=found[0], number=number)
    return _open(request, row)


async def short_follow_link(request: Request) -> Response:
    """The short link a text message carries (:mod:`portal.returns.short_links`)."""
    settings, params = request.app.state.settings, request.path_params
    return _open(request, await short_links.FOLLOW.find(settings, params["number"], params["code"]))


def _open(request: Request, row: ReturnRequest | None) -> Response:
    """The return's page for the link's holder, or the lookup form when the link is bad."""
    if row is None:
        message = _("This returns link is not valid. Find your order below instead.")
        return lookup_step(request, shop=None, merchant=None, message=message, status_code=404)
    access.grant(request, row.order_id)
    return rendering.see_other(f"/returns/{row.number}")


async def cancel(request: Request) -> Response:
    row, order = await _accessible(request)
    if row is None or order is None:
        return _no_access(request)
    try:
        await service.cancel(row, actor="customer", settings=request.app.state.settings)
    except states.TransitionRefused:
        fresh = await ReturnRequest.get(id=row.id)
        message = _(
            "This return can no longer be cancelled: the items are already on their way. "
            "The shop will settle it when they arrive."
        )
        return await return_step(request, fresh, order, message=message, status_code=409)
    if rendering.is_htmx(request):
        message = _("Your return has been cancelled.")
        return await return_step(request, row, order, message=message)
    return rendering.see_other(f"/returns/{row.number}")


async def add_parcel(request: Request) -> Response:
    """The customer adds the tracking number they got at the drop-off counter."""
    row, order = await _accessible(request)
    if row is None or order is None:
        return _no_access(request)
    async with request.form() as form:
        number = str(form.get("tracking_number") or "")[:64]
        carrier = str(form.get("carrier") or "") or None
    try:
        await return_parcel.link(
            row,
            number,
            carrier=carrier,
            offered=accounts.offered(request.app.state.settings),
            now=datetime.now(UTC),
        )
    except return_parcel.ParcelRefused as refused:
        return await return_step(
            request,
            row,
            order,
            status_code=422,
            parcel_problem=wording.parcel_problem(refused.code),
            parcel_number=number,
        )
    message = _("Thank you: we follow your parcel from now on and tell the shop when it arrives.")
    fresh = await ReturnRequest.get(id=row.id)
    if rendering.is_htmx(request):
        return await return_step(request, fresh, order, message=message)
    return rendering.see_other(f"/returns/{row.number}?parcel=1")


def _address(lines: list[str | None]) -> list[str]:
    return [line for line in lines if line]


async def _return_address(merchant_id: int) -> dict[str, str]:
    try:
        found = await active_policy(merchant_id)
    except ReturnRefused:
        return {}
    return found.return_address or {}


async def label(request: Request) -> Response:
    row, order = await _accessible(request)
    if row is None or order is None:
        return _no_access(request)
    if S(row.state) not in SENDABLE or (row.method or "") not in DROP_OFF_METHODS:
        return _no_access(request)
    merchant_id: int = row.merchant_id
    to = await _return_address(merchant_id)
    if not labels.has_return_address(to):
        message = _(
            "The shop has not given the address returns go to yet, so there is no label to "
            "print. The shop sees this in its workspace; come back to this page later."
        )
        return await return_step(request, row, order, message=message, status_code=409)
    merchant = await merchant_of(order)
    city = " ".join(p for p in (order.ship_postal_code, order.ship_city) if p)
    # Names and addresses print as written (the label embeds a Unicode font); the headings
    # stay English, which carriers and counter clerks read wherever the customer lives.
    text = labels.LabelText(
        number=row.number,
        from_lines=_address([order.ship_name, order.ship_line1, order.ship_line2, city,
                             order.ship_country]),
        to_lines=_address([to.get("name") or merchant.name, to.get("line1"), to.get("line2"),
                           " ".join(p for p in (to.get("postal_code"), to.get("city")) if p),
                           to.get("region"), to.get("country")]),
        drop_off_by=timezones.last_whole_day(row.label_expires_at, await _zone_of(request, order))
        if row.label_expires_at else None,
    )  # fmt: skip
    url = labels.drop_off_url(request.app.state.settings, merchant_id, row.number)
    # Subsetting the font is CPU work of some tens of milliseconds: off the event loop.
    pdf = await run_in_threadpool(labels.label_pdf, text, url)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="return-{row.number}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )
