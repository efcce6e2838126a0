"""The notification preferences page behind every message's signed link.

``GET`` shows the customer's channel choices; ``POST`` either saves the form or, when the
body is ``List-Unsubscribe=One-Click`` (RFC 8058, sent by mail providers on the customer's
behalf), unsubscribes from email and answers 200 with no body. The signed token in the
URL is the only credential, so the page needs no session and no cookie.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates
from tortoise.transactions import in_transaction

from portal import consent, i18n
from portal.core.links import PREFERENCES_PATH, read_preferences_token
from portal.models import Channel, ConsentSource, Customer
from portal.notifications import channel_choice, phrases
from portal.notifications.base import pick_locale

TEMPLATE = "notifications/preferences.html"
ONE_CLICK = "One-Click"


async def _customer(request: Request) -> Customer | None:
    settings = request.app.state.settings
    customer_id = read_preferences_token(settings, request.path_params["token"])
    if customer_id is None:
        return None
    return await Customer.filter(id=customer_id).select_related("merchant").first()


def _render(request: Request, locale: str, context: dict[str, Any], status_code: int) -> Response:
    """Render in ``locale`` throughout: the page's own words and the layout around them
    (and its ``Content-Language``, which follows the request's state)."""
    templates: Jinja2Templates = request.app.state.templates
    token = i18n.set_locale(locale)
    request.state.locale = locale
    try:
        return templates.TemplateResponse(
            request,
            TEMPLATE,
            {"words": phrases.words(locale), "locale": locale, **context},
            status_code=status_code,
        )
    finally:
        i18n.reset_locale(token)


def _page(
    request: Request,
    customer: Customer | None,
    *,
    notice: str = "",
    status_code: int = 200,
) -> Response:
    if customer is None:
        locale = i18n.negotiate(
            query=request.query_params.get("lang"),
            cookie=request.cookies.get(i18n.COOKIE),
            accept_language=request.headers.get("accept-language"),
        )
        return _render(request, locale, {"invalid": True}, status_code)
    merchant = customer.merchant
    chosen = i18n.supported(request.query_params.get("lang"))  # the layout's language menu
    locale = chosen or pick_locale(customer.locale, merchant.default_locale)
    context = {
        "invalid": False,
        "notice": notice,
        "intro": phrases.words(locale)["prefs_intro"].format(merchant=merchant.name),
        "merchant_name": merchant.name,
        "email_opt_in": customer.email_opt_in,
        "sms_opt_in": customer.sms_opt_in,
        "whatsapp_opt_in": customer.whatsapp_opt_in,
        "offers_whatsapp": Channel.WHATSAPP in channel_choice.offered(merchant),
        "has_phone": bool(customer.phone),
        "action": str(request.url.path),
        # The language her messages are written in: hers if she (or the shop) chose one,
        # else the shop's; the page's own language (``?lang=``) does not change it.
        "languages": i18n.language_menu(),
        "messages_locale": pick_locale(customer.locale, merchant.default_locale),
    }
    return _render(request, locale, context, status_code)


async def preferences_page(request: Request) -> Response:
    """GET shows the preferences; POST saves them or performs a one-click unsubscribe."""
    customer = await _customer(request)
    if request.method == "GET":
        return _page(request, customer, status_code=200 if customer else 404)
    form = await request.form()
    if form.get("List-Unsubscribe") == ONE_CLICK:
        if customer is None:
            return Response(status_code=404)
        await consent.record([customer], Channel.EMAIL, False, ConsentSource.UNSUBSCRIBE)
        return Response(status_code=200)
    if customer is None:
        return _page(request, None, status_code=404)
    if form.get("form") != "preferences":
        return Response(status_code=400)
    email_opt_in = form.get("email_opt_in") == "1"
    sms_opt_in = form.get("sms_opt_in") == "1" and bool(customer.phone)
    choices = [(Channel.EMAIL, email_opt_in), (Channel.SMS, sms_opt_in)]
    if Channel.WHATSAPP in channel_choice.offered(customer.merchant):
        choices.append(
            (Channel.WHATSAPP, form.get("whatsapp_opt_in") == "1" and bool(customer.phone))
        )
    language = i18n.supported(str(form.get("language") or ""))
    changes_language = language is not None and language != pick_locale(
        customer.locale, customer.merchant.default_locale
    )
    async with in_transaction() as conn:
        for channel, granted in choices:
            await consent.record([customer], channel, granted, ConsentSource.PREFERENCES, conn=conn)
        if changes_language:
            customer.locale = language
            await customer.save(update_fields=["locale"], using_db=conn)
    words = phrases.words(pick_locale(customer.locale, customer.merchant.default_locale))
    notice = words["prefs_saved"]
    if not email_opt_in:
        notice += " " + words["prefs_unsubscribed"].format(merchant=customer.merchant.name)
    return _page(request, customer, notice=notice)


routes = [
    Route(f"{PREFERENCES_PATH}/{{token}}", preferences_page, methods=["GET", "POST"]),
]
