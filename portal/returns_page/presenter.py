"""What the returns steps show: items with their eligibility, reasons in the customer's
language, exchange choices and prices, all formatted for the current locale and zone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_percent

from portal.core import timezones
from portal.i18n import DEFAULT_LOCALE, current_locale
from portal.models import Order, OrderItem, ProductVariant, ReturnReason
from portal.returns import policy, reason_categories
from portal.returns.review import OrderReview
from portal.returns_page import wording
from portal.returns_page.draft import Choice, Draft
from portal.web.option_words import options_text


def money(amount: Decimal, currency: str) -> str:
    return format_currency(amount, currency, locale=current_locale())


def percent(value: Decimal) -> str:
    return format_percent(value / 100, locale=current_locale(), decimal_quantization=False)


def last_day(closes: datetime, zone: ZoneInfo) -> str:
    """The last day of a window that ends at ``closes`` (local midnight), written out.

    It always ends a sentence, so a format's own final dot (Russian "2026 г.") is left to
    the sentence: "до 16 декабря 2026 г." rather than "г..".
    """
    day = (closes.astimezone(zone) - timedelta(seconds=1)).date()
    return format_date(day, "long", locale=current_locale()).removesuffix(".")


def last_whole_day(deadline: datetime, zone: ZoneInfo) -> str:
    """The last local day that is wholly before ``deadline``, written out: "hand it in by
    16 December" then holds all day, however late on the 17th the deadline falls."""
    day = timezones.last_whole_day(deadline, zone)
    return format_date(day, "long", locale=current_locale()).removesuffix(".")


def local_time(moment: datetime, zone: ZoneInfo) -> str:
    """A moment in the customer's zone: the locale's long date and short time, joined as
    CLDR joins them (Babel). The time is the tracking page's (``format_time`` "short"), so
    one locale reads one clock on both: Greek "7 Δεκεμβρίου 2026 - 2:05 μ.μ.", Polish
    "7 grudnia 2026 14:05", English "December 7, 2026, 2:05 PM"."""
    locale = Locale.parse(current_locale())
    pattern = (
        str(locale.datetime_formats["long"])
        .replace("{1}", locale.date_formats["long"].pattern)
        .replace("{0}", locale.time_formats["short"].pattern)
    )
    return format_datetime(moment, pattern, tzinfo=zone, locale=locale)


def label_of(labels: dict[str, str] | None, fallback: str) -> str:
    """A merchant-written label in the current language, else English, else any."""
    found = labels or {}
    return (
        found.get(current_locale())
        or found.get(DEFAULT_LOCALE)
        or next((v for v in found.values() if v), "")
        or fallback
    )


@dataclass(frozen=True, slots=True)
class ReasonOption:
    code: str
    label: str
    requires_photo: bool
    requires_comment: bool
    waives_fees: bool = False
    #: The categories it applies to, its heading's when it has none (empty: every one).
    categories: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReasonGroup:
    """A top-level reason; with children it is a heading (``optgroup``), else a choice."""

    option: ReasonOption
    children: tuple[ReasonOption, ...]


async def reason_menu(merchant_id: int) -> tuple[ReasonGroup, ...]:
    rows = await ReturnReason.filter(merchant_id=merchant_id, active=True).order_by(
        "position", "id"
    )
    own = {r.id: r.categories for r in rows}
    options = {
        r.id: ReasonOption(
            r.code,
            label_of(r.labels, r.code),
            r.requires_photo,
            r.requires_comment,
            r.waives_fees,
            reason_categories.effective(r.categories, own.get(r.parent_id or 0)),
        )
        for r in rows
    }
    known = {r.id for r in rows}
    tops = [r for r in rows if r.parent_id not in known]
    return tuple(
        ReasonGroup(
            options[top.id],
            tuple(options[r.id] for r in rows if r.parent_id == top.id),
        )
        for top in tops
    )


def menu_for(menu: tuple[ReasonGroup, ...], category: str | None) -> tuple[ReasonGroup, ...]:
    """The menu for one item: the reasons that apply to its category
    (:mod:`portal.returns.reason_categories`); a heading stays while a reason under it does."""
    found = []
    for group in menu:
        if group.children:
            children = tuple(
                c for c in group.children if reason_categories.applies(c.categories, category)
            )
            if children:
                found.append(ReasonGroup(group.option, children))
        elif reason_categories.applies(group.option.categories, category):
            found.append(group)
    return tuple(found)


def selectable(menu: tuple[ReasonGroup, ...]) -> dict[str, ReasonOption]:
    """The reasons a customer can pick: leaves (a heading with children is not one)."""
    found: dict[str, ReasonOption] = {}
    for group in menu:
        if group.children:
            found.update({c.code: c for c in group.children})
        else:
            found[group.option.code] = group.option
    return found


@dataclass(frozen=True, slots=True)
class VariantView:
    id: int
    label: str
    difference: str
    #: "more", "less" or "same": who pays the difference.
    direction: str


@dataclass(frozen=True, slots=True)
class ItemView:
    id: int
    title: str
    options: str
    ordered: int
    unit_price: str
    eligible: bool
    why_not: str
    max_quantity: int
    resolutions: tuple[str, ...]
    variants: tuple[VariantView, ...]
    choice: Choice | None
    photo_kept: bool
    error: str = ""


def _options_text(options: dict[str, object] | None) -> str:
    return options_text(options)


async def item_views(
    order: Order, review: OrderReview, draft: Draft | None, errors: dict[int, str] | None = None
) -> list[ItemView]:
    rows = await OrderItem.filter(order_id=order.id).order_by("id")
    wanted = {v.id for e in review.eligibility.values() for v in e.exchange_variants}
    variants = {v.id: v for v in await ProductVariant.filter(id__in=wanted)}
    views = []
    for row in rows:
        verdict = review.eligibility[row.id]
        closes = verdict.window_closes_at
        why = (
            ""
            if verdict.eligible
            else wording.ineligible(verdict.reason, last_day(closes, review.zone) if closes else "")
        )
        offered = []
        for swap in verdict.exchange_variants:
            difference = swap.price - row.unit_price
            variant = variants.get(swap.id)
            offered.append(
                VariantView(
                    swap.id,
                    (_options_text(variant.options) or variant.title) if variant else str(swap.id),
                    money(abs(difference), order.currency),
                    "more" if difference > 0 else "less" if difference < 0 else "same",
                )
            )
        views.append(
            ItemView(
                id=row.id,
                title=row.title,
                options=_options_text(row.variant_options),
                ordered=row.quantity,
                unit_price=money(row.unit_price, order.currency),
                eligible=verdict.eligible,
                why_not=why,
                max_quantity=verdict.max_quantity,
                resolutions=verdict.resolutions,
                variants=tuple(offered),
                choice=draft.choice(row.id) if draft else None,
                photo_kept=bool(draft and row.id in draft.photos),
                error=(errors or {}).get(row.id, ""),
            )
        )
    return views


def window_text(review: OrderReview, now: datetime | None = None) -> str:
    """When the return window closes, in the customer's zone: empty when it has not
    started, or has already closed (each item then says since when)."""
    ends = [e.window_closes_at for e in review.eligibility.values() if e.window_closes_at]
    if not ends or max(ends) <= (now or datetime.now(UTC)):
        return ""
    return last_day(max(ends), review.zone)


@dataclass(frozen=True, slots=True)
class QuoteLineView:
    title: str
    quantity: int
    resolution: str
    amount: str
    restocking: str
    difference: str
    direction: str
    #: For an exchange: the replacement's options ("size: M"), else empty.
    replacement: str = ""


@dataclass(frozen=True, slots=True)
class QuoteView:
    lines: tuple[QuoteLineView, ...]
    refund_total: str
    credit_total: str
    fees_total: str
    shipping_fee: str
    has_refund: bool
    has_credit: bool
    has_fees: bool
    bonus: str
    fees_waived: bool


async def replacements(variant_ids: Iterable[int]) -> dict[int, str]:
    """What each replacement variant is, in words ("size: M"), by variant id."""
    wanted = list(variant_ids)
    if not wanted:
        return {}
    rows = await ProductVariant.filter(id__in=wanted)
    return {v.id: _options_text(v.options) or v.title for v in rows}


def quote_view(
    quoted: policy.Quote,
    titles: dict[int, str],
    rules: policy.Rules,
    shipping_applies: bool,
    swaps: dict[int, str] | None = None,
) -> QuoteView:
    """``quoted`` in words and local money; ``shipping_applies`` says whether a return
    shipping fee exists at all (so "waived" is only said when something was waived)."""
    currency = quoted.currency
    lines = []
    for priced in quoted.lines:
        difference = priced.price_difference
        lines.append(
            QuoteLineView(
                title=titles.get(priced.line.item.id, ""),
                quantity=priced.line.quantity,
                resolution=wording.resolution(priced.line.resolution),
                amount=money(priced.amount, currency),
                restocking=money(priced.restocking_fee, currency) if priced.restocking_fee else "",
                difference=money(abs(difference), currency) if difference else "",
                direction="more" if difference > 0 else "less" if difference < 0 else "same",
                replacement=(swaps or {}).get(swap.id, "")
                if (swap := priced.line.exchange_variant)
                else "",
            )
        )
    bonus = rules.store_credit_bonus_percent
    return QuoteView(
        lines=tuple(lines),
        refund_total=money(quoted.refund_total, currency),
        credit_total=money(quoted.credit_total, currency),
        fees_total=money(quoted.fees_total, currency),
        shipping_fee=money(quoted.shipping_fee, currency),
        has_refund=any(p.line.resolution in ("refund", "keep_item") for p in quoted.lines),
        has_credit=any(p.line.resolution == "store_credit" for p in quoted.lines),
        has_fees=quoted.fees_total > 0,
        bonus=percent(bonus) if bonus else "",
        fees_waived=shipping_applies and quoted.shipping_fee == 0,
    )
