"""Starlette endpoints of the customer tracking pages, and ``routes`` to mount.

GET /track?number=…, GET /track/{number}      number tier (one parcel, or a list for a paste)
GET /track/{number}/status                    the live htmx fragment (ETag / 304)
POST /orders/lookup                           order tier by order number + email or postcode
GET /t/{token}, GET /t/{token}/status         order tier from a signed link in a message
GET /brand/{slug}.css                         a merchant's colours as CSS custom properties

``?shop=<slug>`` scopes number and order lookups to one merchant (its branded page).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from portal import delivery_preferences as preference_changes
from portal.core.delivery_preferences import PreferencesError
from portal.core.links import make_tracking_link, read_tracking_link
from portal.core.rate_buffer import BufferedLimiter
from portal.core.rate_limit import Limit, RateLimiter, client_key
from portal.delivery_preferences import changeable
from portal.i18n import _
from portal.models import Merchant, Order, Shipment
from portal.tracking_page import lookup, reach, render
from portal.tracking_page import problem as claim_page
from portal.tracking_page.branding import brand_of, stylesheet
from portal.tracking_page.config import config_for
from portal.tracking_page.lookup import Outcome, PageCustomer
from portal.web.shop_language import use_customer_locale, use_shop_language
from portal.web.templating import templates_of


def not_found_message() -> str:
    return _(
        "We could not find a parcel with that number. Check it against your shipping "
        "confirmation and try again. New parcels can take a few hours to appear."
    )


def order_not_found_message() -> str:
    return _(
        "We could not find an order with these details. Check the order number and the "
        "email address or postcode you used, and try again."
    )


def malformed_message() -> str:
    return _(
        "This does not look like a tracking number. Tracking numbers have 7 to 40 letters "
        "and digits."
    )


# --- helpers ------------------------------------------------------------------------------


def _shop_query(shop: str | None) -> str:
    return f"?{urlencode({'shop': shop})}" if shop else ""


def lookup_page(
    request: Request, *, message: str | None = None, status_code: int = 200, **extra: Any
) -> Response:
    context = {"message": message, "shop": request.query_params.get("shop"), **extra}
    return templates_of(request).TemplateResponse(
        request, "tracking/lookup.html", context, status_code=status_code
    )


def _rate_limited(request: Request, retry_after: int) -> Response:
    message = _(
        "You have made many lookups in a short time. Please wait a few minutes and try again."
    )
    response = lookup_page(request, message=message, status_code=429)
    response.headers["Retry-After"] = str(retry_after)
    return response


async def _allowed(
    request: Request, limiter: BufferedLimiter | RateLimiter, limit: Limit, cost: int
) -> int | None:
    """None when allowed; else the seconds to wait.

    Tracking numbers are counted in memory and written once a second (``config.limiter``:
    a page costs no statement); order lookups, where guessing matters, one statement each
    (``config.limiter.exact``).
    """
    decision = await limiter.hit(limit, client_key(request), cost)
    return None if decision.allowed else decision.retry_after


def _number_status_url(number: str, shop: str | None) -> str:
    return f"/track/{quote(number, safe='')}/status{_shop_query(shop)}"


def _token_of(link: str) -> str:
    return link.rsplit("/", 1)[-1]


# --- number tier --------------------------------------------------------------------------


async def _scope(request: Request) -> tuple[str | None, int | None]:
    """The ``shop`` slug asked for and its merchant id (-1 when no such shop: finds nothing)."""
    shop = request.query_params.get("shop") or None
    if shop is None:
        return None, None
    merchant_id = await lookup.merchant_id_by_slug(shop, config_for(request.app).lookups)
    return shop, merchant_id if merchant_id is not None else -1


async def track(request: Request) -> Response:
    text = request.path_params.get("number") or request.query_params.get("number", "")
    try:
        numbers = lookup.parse_numbers(text[:2000])
    except lookup.TooManyNumbers as exc:
        message = _("You can track up to %(max)d parcels at once; you entered %(count)d.") % {
            "max": lookup.MAX_NUMBERS,
            "count": exc.count,
        }
        return lookup_page(request, message=message, status_code=400, numbers=text)
    if not numbers:
        return lookup_page(request)
    config = config_for(request.app)
    if (
        wait := await _allowed(request, config.limiter, config.number_limit, len(numbers))
    ) is not None:
        return _rate_limited(request, wait)
    shop, merchant_id = await _scope(request)
    results = await lookup.find_by_numbers(
        numbers, merchant_id=merchant_id, cache=config.lookups, with_events=len(numbers) == 1
    )
    if len(results) > 1:
        return await _list_page(request, results, shop)
    [result] = results
    if result.outcome is Outcome.MALFORMED:
        return lookup_page(request, message=malformed_message(), status_code=400, numbers=text)
    if result.shipment is None:
        return lookup_page(request, message=not_found_message(), status_code=404, numbers=text)
    shipment = result.shipment
    merchant, order = lookup.parties(shipment)  # read with the shipment
    use_shop_language(request, merchant.default_locale)
    return await render.shipment_page(
        request,
        shipments=[shipment],
        merchant=merchant,
        order=order,
        customer=lookup.customer_read(shipment),
        tier="number",
        status_urls=[_number_status_url(shipment.tracking_number, shop)],
    )


async def _list_page(
    request: Request, results: list[lookup.NumberResult], shop: str | None
) -> Response:
    from portal.tracking_page.wording import status_label

    rows = [
        {
            "entered": r.entered,
            "number": r.number,
            "outcome": r.outcome.value,
            "status": r.shipment.status.value if r.shipment else None,
            "label": status_label(r.shipment.status) if r.shipment else None,
            "url": f"/track/{quote(r.shipment.tracking_number, safe='')}{_shop_query(shop)}"
            if r.shipment
            else None,
        }
        for r in results
    ]
    return templates_of(request).TemplateResponse(
        request,
        "tracking/list.html",
        {
            "rows": rows,
            "shop": shop,
            "not_found": not_found_message(),
            "malformed": malformed_message(),
        },
    )


async def number_status(request: Request) -> Response:
    number = request.path_params["number"]
    config = config_for(request.app)
    if (wait := await _allowed(request, config.limiter, config.number_limit, 1)) is not None:
        return Response(status_code=429, headers={"Retry-After": str(wait)})
    shop, merchant_id = await _scope(request)
    [result] = await lookup.find_by_numbers(
        [number], merchant_id=merchant_id, cache=config.lookups, with_events=True
    )
    if result.shipment is None:
        return Response(status_code=404 if result.outcome is Outcome.NOT_FOUND else 400)
    return await _status_of(request, result.shipment, _number_status_url(number, shop), "number")


async def _status_of(request: Request, shipment: Shipment, url: str, tier: str) -> Response:
    await render.refresh_stale(request, config_for(request.app), [shipment])
    merchant, order = lookup.parties(shipment)  # read with the shipment
    customer = lookup.customer_read(shipment)  # and so was her row
    if tier == "order":  # her signed link: her language first
        _use_her_language(request, customer, merchant.default_locale)
    else:
        use_shop_language(request, merchant.default_locale)
    [block] = await render.status_blocks(
        request,
        [shipment],
        merchant,
        order,
        customer,
        full_signer=tier == "order",
        status_urls=[url],
    )
    return render.fragment_response(request, block, url)


# --- order tier ---------------------------------------------------------------------------


def _use_her_language(
    request: Request, customer: PageCustomer | None, default_locale: str | None
) -> None:
    """Her language first (her row, read by the page's lookup: no query), else the shop's."""
    use_customer_locale(request, customer.locale if customer else None, default_locale)


async def _order_page(
    request: Request,
    order: Order,
    merchant: Merchant,
    customer: PageCustomer | None,
    first: Shipment | None = None,
    preferences_error: str | None = None,
) -> Response:
    # Opened by her signed link or by proving the order is hers: her language first
    # (read with the order by both lookups).
    _use_her_language(request, customer, merchant.default_locale)
    shipments = await Shipment.filter(order_id=order.id).order_by("created_at", "id")
    if first is not None:
        shipments = [first, *[s for s in shipments if s.id != first.id]]
    settings = request.app.state.settings
    urls = [f"/t/{_token_of(make_tracking_link(settings, s))}/status" for s in shipments]
    return await render.shipment_page(
        request,
        shipments=shipments,
        merchant=merchant,
        order=order,
        customer=customer,
        tier="order",
        status_urls=urls,
        status_code=400 if preferences_error else 200,
        preferences_error=preferences_error,
    )


async def order_lookup(request: Request) -> Response:
    async with request.form() as form:
        number = str(form.get("order", ""))[:64]
        contact = str(form.get("contact", ""))[:254]
    config = config_for(request.app)
    if (wait := await _allowed(request, config.limiter.exact, config.order_limit, 1)) is not None:
        return _rate_limited(request, wait)
    _shop, merchant_id = await _scope(request)
    order = await lookup.find_order(number, contact, merchant_id=merchant_id)
    if order is None:
        return lookup_page(
            request, message=order_not_found_message(), status_code=404, order=number
        )
    merchant = await Merchant.get(id=order.merchant_id)
    return await _order_page(request, order, merchant, lookup.customer_read(order))


async def _from_token(request: Request) -> Shipment | Response:
    """The shipment a signed link names, or the friendly page for a forged or old link."""
    settings = request.app.state.settings
    token = request.path_params["token"]
    if read_tracking_link(settings, token, None) is None:
        message = _("This tracking link is not valid. Look your parcel up below instead.")
        return lookup_page(request, message=message, status_code=400, link_problem=True)
    shipment_id = read_tracking_link(settings, token, config_for(request.app).link_max_age)
    shipment = await lookup.find_signed(shipment_id) if shipment_id is not None else None
    if shipment is None:
        message = _("This tracking link has expired. Look your parcel up below instead.")
        return lookup_page(request, message=message, status_code=410, link_problem=True)
    # Before any of its words: the customer's language (read with the shipment), else the
    # shop's.
    _use_her_language(request, lookup.customer_read(shipment), shipment.merchant.default_locale)
    return shipment


async def signed_link(request: Request) -> Response:
    shipment = await _from_token(request)
    if isinstance(shipment, Response):
        return shipment
    if shipment.order is not None:
        customer = lookup.customer_read(shipment)
        return await _order_page(
            request, shipment.order, shipment.merchant, customer, first=shipment
        )
    merchant = shipment.merchant
    url = f"/t/{request.path_params['token']}/status"
    return await render.shipment_page(
        request,
        shipments=[shipment],
        merchant=merchant,
        order=None,
        customer=None,
        tier="order",
        status_urls=[url],
    )


async def problem(request: Request) -> Response:
    """The "Report a problem" form of the parcel a signed link names (GET), and the claim
    it opens (POST)."""
    shipment = await _from_token(request)
    if isinstance(shipment, Response):
        return shipment
    if request.method == "POST":
        return await claim_page.report(request, shipment)
    return await claim_page.problem_page(request, shipment)


def _form_preferences(form: Any) -> dict[str, Any]:
    return {
        "method": str(form.get("method", "home"))[:32],
        "point_id": str(form.get("point_id", ""))[:200] or None,
        "safe_place": str(form.get("safe_place", ""))[:1000] or None,
        "instructions": str(form.get("instructions", ""))[:2000] or None,
        "preferred_days": [str(d)[:16] for d in form.getlist("preferred_days")][:7],
    }


async def change_preferences(request: Request) -> Response:
    """The customer's new delivery choice, from the order page reached by a signed link,
    taken while no parcel of the order has left."""
    shipment = await _from_token(request)
    if isinstance(shipment, Response):
        return shipment
    order = shipment.order
    if order is None:
        return Response(status_code=404)
    async with request.form() as form:
        wanted = _form_preferences(form)
    siblings = await Shipment.filter(order_id=order.id)
    error = None
    if not changeable(siblings):
        error = _(
            "Your parcel is already on its way, so the delivery choice can no longer be "
            "changed here."
        )
    else:
        try:
            await preference_changes.change(
                order, wanted, source="customer", settings=request.app.state.settings
            )
        except PreferencesError:
            error = _(
                "Choose home, a locker or a pickup point (a locker or pickup point needs its "
                "number), and keep the notes short."
            )
    if error is None:
        return RedirectResponse(f"/t/{request.path_params['token']}", status_code=303)
    customer = lookup.customer_read(shipment)
    return await _order_page(
        request, order, shipment.merchant, customer, first=shipment, preferences_error=error
    )


async def signed_status(request: Request) -> Response:
    shipment = await _from_token(request)
    if isinstance(shipment, Response):
        return Response(status_code=shipment.status_code)
    return await _status_of(request, shipment, f"/t/{request.path_params['token']}/status", "order")


# --- branding -----------------------------------------------------------------------------


async def brand_css(request: Request) -> Response:
    merchant = await Merchant.get_or_none(slug=request.path_params["slug"][:64])
    if merchant is None:
        return Response("", status_code=404, media_type="text/css")
    body = stylesheet(brand_of(merchant))
    etag = render.etag_of(body.encode())
    headers = {"ETag": etag, "Cache-Control": "public, max-age=300"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="text/css", headers=headers)


routes: list[BaseRoute] = [
    Route("/track", track, name="track"),
    Route("/track/{number}/status", number_status, name="track_status"),
    Route("/track/{number}", track, name="track_number"),
    Route("/orders/lookup", order_lookup, methods=["POST"], name="order_lookup"),
    Route("/t/{token}/status", signed_status, name="signed_link_status"),
    Route("/t/{token}/problem", problem, methods=["GET", "POST"], name="signed_link_problem"),
    Route("/t/{token}/preferences", change_preferences, methods=["POST"], name="preferences"),
    Route("/t/{token}", signed_link, name="signed_link"),
    Route("/brand/{slug}.css", brand_css, name="brand_css"),
    *reach.routes,
]
