"""The customer's withdrawal function (Art. 11a of Directive 2011/83/EU): two steps.

GET  /withdraw/start/{token}          the signed link every shipment e-mail carries
GET  /withdraw/orders/{id}            the statement: name, items, e-mail (no reason asked)
POST /withdraw/orders/{id}            checked, then shown back with "Confirm withdrawal here"
POST /withdraw/orders/{id}/confirm    recorded; the acknowledgement e-mail goes out at once

Access is the returns flow's (an order proven once by number and e-mail or postcode, or a
signed link). The browser sends back only the name, the e-mail and the quantities: every
post re-reads the order and re-checks the period and the items.
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from portal import i18n
from portal.core import links
from portal.i18n import _
from portal.models import Customer, Order
from portal.returns import withdrawal
from portal.returns import withdrawal_rules as rules
from portal.returns.withdrawal_messages import submitted_words
from portal.returns_page import access, rendering
from portal.returns_page.lookup_form import lookup_step
from portal.returns_page.orders import accessible_order

FORM = "returns/_withdraw.html"
CONFIRM = "returns/_withdraw_confirm.html"
DONE = "returns/_withdraw_done.html"


def withdraw_url(order_id: int) -> str:
    return f"/withdraw/orders/{order_id}"


def _date(value: date | None) -> str:
    """A day written out to end a sentence: a format's own final dot (Bulgarian and Russian
    "2026 г.", Ukrainian "2026 р.") is left to the sentence, not doubled."""
    if value is None:
        return ""
    return format_date(value, "long", locale=i18n.current_locale()).removesuffix(".")


def exception_words(found: rules.StatutoryException) -> str:
    return {
        rules.StatutoryException.SEALED_HYGIENE: _(
            "It was sealed for health or hygiene reasons and has been unsealed, so it cannot "
            "be withdrawn."
        ),
        rules.StatutoryException.MADE_TO_SPECIFICATION: _(
            "It was made to your specifications, so it cannot be withdrawn."
        ),
        rules.StatutoryException.PERISHABLE: _(
            "It can spoil or expire quickly, so it cannot be withdrawn."
        ),
    }[found]


def refusal_words(code: str, period: rules.Period | None) -> str:
    """A refusal in the customer's words; a closed period names the day it ended."""
    if code == rules.Refusal.PERIOD_ENDED:
        ended = period.last_day if period else None
        return _("The withdrawal period for this order ended on %(date)s.") % {"date": _date(ended)}
    words = {
        rules.Refusal.NOT_APPLICABLE: _(
            "This shop's orders are not covered by the EU right of withdrawal. You can still "
            "return items under the shop's return policy."
        ),
        rules.Refusal.NOTHING_LEFT: _(
            "Every item of this order has already been withdrawn or returned."
        ),
        rules.Refusal.EXCEPTED: _("This item cannot be withdrawn."),
        "name": _("Please enter your name."),
        "email": _("Please enter the e-mail address for the confirmation."),
        "empty": _("Choose at least one item to withdraw."),
        "unknown_item": _("This item is not part of the order."),
    }
    return words.get(code, _("This item cannot be withdrawn."))


def period_words(found: withdrawal.Review) -> str:
    if found.period.closes_at is None:
        return _(
            "Your %(days)d-day withdrawal period starts when the last item is delivered; you "
            "can already withdraw now."
        ) % {"days": found.terms.days}
    return _("You can withdraw until %(date)s.") % {"date": _date(found.period.last_day)}


async def _order(request: Request) -> Order | Response:
    order = await accessible_order(request, int(request.path_params["order_id"]))
    if order is None:
        message = _("Find your order first to withdraw from the contract.")
        return lookup_step(request, shop=None, merchant=None, message=message, status_code=404)
    return order


def _text(form: FormData, name: str, limit: int) -> str:
    value = form.get(name, "")
    return value.strip()[:limit] if isinstance(value, str) else ""


def _chosen(form: FormData, found: withdrawal.Review) -> dict[int, int]:
    chosen: dict[int, int] = {}
    for item in found.items:
        raw = _text(form, f"quantity-{item.id}", 6)
        if raw.isdigit() and int(raw) > 0:
            chosen[item.id] = int(raw)
    return chosen


async def _defaults(order: Order) -> tuple[str, str]:
    customer = await Customer.get_or_none(id=order.customer_id) if order.customer_id else None
    name = (customer.name if customer else "") or order.ship_name
    email = (customer.email if customer else None) or order.email
    return name or "", email or ""


def _page(
    request: Request,
    partial: str,
    found: withdrawal.Review,
    *,
    status_code: int = 200,
    **context: object,
) -> Response:
    items = [
        {
            "id": item.id,
            "title": item.title,
            "sku": item.sku,
            "ordered": item.ordered,
            "available": item.available,
            "withdrawable": item.withdrawable,
            "why_not": exception_words(item.exception) if item.exception else "",
        }
        for item in found.items
    ]
    full = {
        "order": found.order,
        "items": items,
        "period": period_words(found),
        "refusal": refusal_words(found.refusal, found.period) if found.refusal else "",
        "action": withdraw_url(found.order.id),
        **context,
    }
    title = _("Withdraw from contract")
    return rendering.step(
        request, partial, full, merchant=found.merchant, status_code=status_code, title=title
    )


async def start_link(request: Request) -> Response:
    """The link in a shipment e-mail: access to the order kept, then the statement form."""
    settings = request.app.state.settings
    try:
        merchant_id, order_id = links.read_start_token(settings, request.path_params["token"])
    except links.LinkProblem:
        message = _("This link is not valid any more. Find your order below instead.")
        return lookup_step(request, shop=None, merchant=None, message=message, status_code=400)
    order = await Order.get_or_none(id=order_id, merchant_id=merchant_id)
    if order is None:
        message = _("This link is not valid any more. Find your order below instead.")
        return lookup_step(request, shop=None, merchant=None, message=message, status_code=404)
    access.grant(request, order.id)
    return rendering.see_other(withdraw_url(order.id))


async def form_page(request: Request) -> Response:
    order = await _order(request)
    if isinstance(order, Response):
        return order
    found = await withdrawal.review(order)
    name, email = await _defaults(order)
    chosen = {i.id: i.available for i in found.items if i.withdrawable}
    return _page(request, FORM, found, name=name, email=email, chosen=chosen, errors={})


async def check_statement(request: Request) -> Response:
    """Step one posted: shown again with what to fix, or back for confirmation."""
    order = await _order(request)
    if isinstance(order, Response):
        return order
    async with request.form() as form:
        name = _text(form, "name", withdrawal.MAX_NAME)
        email = _text(form, "email", 254)
        found = await withdrawal.review(order)
        chosen = _chosen(form, found)
    problems: dict[int | None, str] = {}
    if not name:
        problems[None] = "name"
    elif "@" not in email or " " in email:
        problems[None] = "email"
    else:
        try:
            withdrawal.check(found, chosen)
        except withdrawal.WithdrawalRefused as refused:
            problems = refused.errors
    if problems:
        return _again(request, found, name, email, chosen, problems)
    lines = [
        {"id": item.id, "title": item.title, "sku": item.sku, "quantity": chosen[item.id]}
        for item in found.items
        if item.id in chosen
    ]
    return _page(
        request,
        CONFIRM,
        found,
        name=name,
        email=email,
        lines=lines,
        submission_key=withdrawal.new_submission_key(),
    )


def _again(
    request: Request,
    found: withdrawal.Review,
    name: str,
    email: str,
    chosen: dict[int, int],
    problems: dict[int | None, str],
) -> Response:
    general = problems.get(None)
    errors = {k: refusal_words(v, found.period) for k, v in problems.items() if k is not None}
    return _page(
        request,
        FORM,
        found,
        status_code=200 if rendering.is_htmx(request) else 400,
        name=name,
        email=email,
        chosen=chosen,
        errors=errors,
        message=refusal_words(general, found.period) if general else "",
    )


async def confirm(request: Request) -> Response:
    """Step two: the statement recorded and acknowledged, or shown again with why not."""
    order = await _order(request)
    if isinstance(order, Response):
        return order
    async with request.form() as form:
        name = _text(form, "name", withdrawal.MAX_NAME)
        email = _text(form, "email", 254)
        key = _text(form, "submission_key", 64) or withdrawal.new_submission_key()
        found = await withdrawal.review(order)
        chosen = _chosen(form, found)
    try:
        done = await withdrawal.submit(
            order,
            chosen,
            name=name,
            email=email,
            locale=i18n.current_locale(),
            submission_key=key,
            settings=request.app.state.settings,
        )
    except withdrawal.WithdrawalRefused as refused:
        found = await withdrawal.review(order)
        return _again(request, found, name, email, chosen, refused.errors)
    statement = done.withdrawal
    return _page(
        request,
        DONE,
        found,
        statement=statement,
        submitted=submitted_words(statement.submitted_at, found.zone, i18n.current_locale()),
        return_number=done.request.number,
        follow=links.follow_url(request.app.state.settings, order.merchant_id, done.request.number),
    )


async def order_offer(order: Order) -> dict[str, object]:
    """What the customer's order page shows about withdrawal: the function's link while the
    right can be used, nothing otherwise."""
    found = await withdrawal.review(order)
    if found.refusal is not None:
        return {"withdraw_url": "", "withdraw_until": ""}
    return {"withdraw_url": withdraw_url(order.id), "withdraw_until": period_words(found)}
