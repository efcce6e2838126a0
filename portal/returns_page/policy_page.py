"""A shop's return policy as a public page, in plain words, in the visitor's language."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal
from starlette.requests import Request
from starlette.responses import Response

from portal.core.currencies import local_currency
from portal.i18n import _, current_locale
from portal.models import Merchant, Order, ReturnPolicy
from portal.returns import policy
from portal.returns_page import presenter, rendering, wording
from portal.tracking_page.lookup import merchant_by_slug
from portal.web.shop_language import use_shop_language

PAGE = "returns/_policy.html"


@dataclass(frozen=True, slots=True)
class PolicyView:
    window_days: int
    final_sale: tuple[str, ...]
    ineligible: tuple[str, ...]
    resolutions: tuple[str, ...]
    bonus: str
    keep_item_threshold: str
    shipping_fee: str
    restocking: str
    waived_for_exchange: bool
    waiving_reasons: tuple[str, ...]
    methods: tuple[str, ...]
    reasons: tuple[presenter.ReasonGroup, ...]
    photo_reasons: tuple[str, ...]


async def _currency(merchant_id: int) -> str | None:
    """The latest order's currency; before any order, the shop's country's."""
    latest = await Order.filter(merchant_id=merchant_id).order_by("-id").first()
    if latest:
        return latest.currency
    shop = await Merchant.filter(id=merchant_id).only("id", "country").first()
    return local_currency(shop.country) if shop and shop.country else None


def _amount(value: Decimal, currency: str | None) -> str:
    if currency:
        return presenter.money(value, currency)
    return format_decimal(value, locale=current_locale())


async def policy_view(found: ReturnPolicy) -> PolicyView:
    merchant_id: int = found.merchant_id
    rules = policy.Rules.of(found)
    currency = await _currency(merchant_id)
    menu = await presenter.reason_menu(merchant_id)
    leaves = presenter.selectable(menu)
    labels = {o.code: o.label for g in menu for o in (g.option, *g.children)}
    threshold = rules.keep_item_threshold
    return PolicyView(
        window_days=rules.window_days,
        final_sale=tuple(sorted(rules.final_sale_categories)),
        ineligible=tuple(sorted(rules.ineligible_categories)),
        resolutions=tuple(wording.resolution(r) for r in rules.resolutions if r != "keep_item"),
        bonus=presenter.percent(rules.store_credit_bonus_percent)
        if rules.store_credit_bonus_percent
        else "",
        keep_item_threshold=_amount(threshold, currency) if threshold is not None else "",
        shipping_fee=_amount(rules.return_shipping_fee, currency)
        if rules.return_shipping_fee
        else "",
        restocking=presenter.percent(rules.restocking_fee_percent)
        if rules.restocking_fee_percent
        else "",
        waived_for_exchange=rules.waive_fees_for_exchange,
        waiving_reasons=tuple(
            sorted({labels.get(code, code) for code in rules.waiving_reasons}
                   | {o.label for o in leaves.values() if o.waives_fees})
        ),
        methods=tuple(wording.method(m) for m in found.methods or ()),
        reasons=menu,
        photo_reasons=tuple(o.label for o in leaves.values() if o.requires_photo),
    )  # fmt: skip


async def policy_page(request: Request) -> Response:
    merchant = await merchant_by_slug(request.path_params["slug"])
    if merchant is not None:
        use_shop_language(request, merchant.default_locale)
    found = (
        await ReturnPolicy.filter(merchant_id=merchant.id, is_active=True).order_by("-id").first()
        if merchant
        else None
    )
    if merchant is None or found is None:
        context: dict[str, Any] = {"view": None, "shop": merchant.name if merchant else ""}
        return rendering.step(
            request, PAGE, context, merchant=merchant, status_code=404, title=_("Return policy")
        )
    context = {"view": await policy_view(found), "shop": merchant.name}
    return rendering.step(request, PAGE, context, merchant=merchant, title=_("Return policy"))
