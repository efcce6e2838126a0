"""A page tied to one shop speaks the shop's language when the visitor asked for none.

:class:`~portal.web.middleware.LocaleMiddleware` picks the request's language before any
page knows its shop: ``?lang=``, the cookie, then ``Accept-Language``, else English, and
records in ``scope["state"]`` whether the visitor's own choice decided it. A customer page
about one shop's parcel, order or return learns the shop later (the signed link, the
number found, the order granted); when the visitor expressed no language the portal
ships, the page switches to the shop's ``Merchant.default_locale`` there, before any of
its words are written. The response's ``Content-Language`` follows
``scope["state"]["locale"]``.

A page a signed tracking link opens belongs to one customer: it speaks her language
(``Customer.locale``, the one her messages are written in) before the shop's, so the
short link of a text message, which names no language, opens as the message read.

A page listing several shops' parcels keeps the negotiated language. The survey and the
preferences page have their own rule (the language of the customer's messages).
"""

from __future__ import annotations

from starlette.requests import Request

from portal import i18n
from portal.models import Merchant
from portal.web.middleware import LOCALE_CHOSEN


def visitor_chose(request: Request) -> bool:
    """Whether the visitor's request named a shipped language (no state: assume it did)."""
    return bool(request.scope.get("state", {}).get(LOCALE_CHOSEN, True))


def use_shop_language(request: Request, default_locale: str | None) -> str:
    """Make the shop's language the request's own unless the visitor chose one; returns
    the request's language. Lasts until the middleware restores the language it found."""
    current = i18n.current_locale()
    if visitor_chose(request):
        return current
    locale = i18n.supported(default_locale)
    if locale is None or locale == current:
        return current
    i18n.set_locale(locale)
    request.scope.setdefault("state", {})["locale"] = locale
    return locale


async def use_language_of_shop(request: Request, merchant_id: int) -> str:
    """:func:`use_shop_language` for a shop known by its id: its one column is read only
    when the visitor chose no language."""
    if visitor_chose(request):
        return i18n.current_locale()
    found = await Merchant.filter(id=merchant_id).values_list("default_locale", flat=True)
    return use_shop_language(request, str(found[0]) if found else None)


def use_customer_locale(request: Request, locale: str | None, default_locale: str | None) -> str:
    """:func:`use_shop_language` with the customer's own language (``Customer.locale``,
    read by the page's own lookup: no query of its own) first."""
    if visitor_chose(request):
        return i18n.current_locale()
    return use_shop_language(request, i18n.supported(locale) or default_locale)
