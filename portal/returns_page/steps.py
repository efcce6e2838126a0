"""The steps after the lookup: items → options (resolution and method) → review → confirm.

Every post re-reads the order and re-runs :func:`review_order`: what the browser sends
back is only what the customer chose, never a price or an eligibility. The choices travel
in a signed hidden field (:mod:`portal.returns_page.draft`), so a step shown again after a
mistake keeps everything typed and every photo already accepted.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import NamedTuple

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from portal.i18n import _
from portal.models import Order, OrderItem
from portal.returns import policy, service
from portal.returns.review import OrderReview, ReturnRefused, review_order
from portal.returns_page import draft as drafts
from portal.returns_page import photos, presenter, rendering, wording
from portal.returns_page import withdrawal as withdrawal_page
from portal.returns_page.draft import Choice, Draft
from portal.returns_page.follow import return_step
from portal.returns_page.lookup_form import lookup_step
from portal.returns_page.orders import accessible_order, merchant_of, order_url
from portal.settings import Settings
from portal.web.templating import templates_of

ITEMS, OPTIONS, REVIEW = "returns/_items.html", "returns/_options.html", "returns/_review.html"
NO_POLICY = "returns/_no_policy.html"
MAX_COMMENT = 2000
#: The place above the items form where a problem with the whole form is shown.
FORM_PROBLEM = "returns/_form_problem.html"
MAX_FILES = 50
#: Refusals the items step can fix (the rest are about resolutions or the method).
ITEM_STEP_CODES = frozenset(
    {"empty", "duplicate_item", "unknown_item", "quantity", "reason", "reason_category",
     "photo_required", "comment_required", *(code.value for code in policy.Ineligible)}
)  # fmt: skip


def _text(form: FormData, name: str, limit: int = 200) -> str:
    value = form.get(name, "")
    return value.strip()[:limit] if isinstance(value, str) else ""


def _int(form: FormData, name: str) -> int | None:
    try:
        return int(_text(form, name, 12))
    except ValueError:
        return None


async def _order_or_lookup(request: Request) -> Order | Response:
    """The order this visitor may return from, or the lookup page to find it first."""
    order = await accessible_order(request, int(request.path_params["order_id"]))
    if order is None:
        message = _("Find your order first to start a return.")
        return lookup_step(request, shop=None, merchant=None, message=message, status_code=404)
    return order


async def _review(request: Request, order: Order) -> OrderReview | Response:
    """The order's review, or the page saying the shop takes no returns.

    That page is a 404 only when it has nothing to offer: for an order still within the
    EU right of withdrawal it carries the withdrawal function, a page worth its 200.
    """
    try:
        return await review_order(order)
    except ReturnRefused:
        context = {"order": order, **await withdrawal_page.order_offer(order)}
        merchant = await merchant_of(order)
        status = 200 if context["withdraw_url"] else 404
        return rendering.step(request, NO_POLICY, context, merchant=merchant, status_code=status)


async def items_step(
    request: Request,
    order: Order,
    *,
    draft: Draft | None = None,
    errors: dict[int, str] | None = None,
    message: str = "",
    status_code: int = 200,
    url: str | None = None,
) -> Response:
    review = await _review(request, order)
    if isinstance(review, Response):
        return review
    merchant = await merchant_of(order)
    items = await presenter.item_views(order, review, draft, errors)
    menu = await presenter.reason_menu(merchant.id)
    context = {
        "order": order,
        "items": items,
        "menu": menu,
        # Each item is offered only the reasons that apply to its category.
        "menus": {i.id: presenter.menu_for(menu, review.items[i.id].category) for i in items},
        "window": presenter.window_text(review),
        "any_eligible": any(i.eligible for i in items),
        "draft": drafts.dump(request.app.state.settings, draft or Draft(order.id)),
        "message": message,
        "policy_url": f"/returns/policy/{merchant.slug}",
        **await withdrawal_page.order_offer(order),
    }
    return rendering.step(
        request,
        ITEMS,
        context,
        merchant=merchant,
        status_code=status_code,
        url=url,
        title=_("Choose what to return"),
    )


async def items_page(request: Request) -> Response:
    order = await _order_or_lookup(request)
    if isinstance(order, Response):
        return order
    return await items_step(request, order)


async def step_url_opened(request: Request) -> Response:
    """A step's address opened directly (language menu, reload): back to the items."""
    query = f"?{request.url.query}" if request.url.query else ""
    return rendering.see_other(order_url(int(request.path_params["order_id"])) + query)


async def _keep_photos(
    request: Request, form: FormData, draft: Draft, item_ids: list[int]
) -> tuple[Draft, dict[int, str]]:
    """Store each acceptable uploaded photo; a bad one is an error on its item only."""
    kept, errors = dict(draft.photos), {}
    for item_id in item_ids:
        upload = form.get(f"photo-{item_id}")
        if not isinstance(upload, UploadFile) or not upload.filename:
            continue
        data = await upload.read(photos.MAX_BYTES + 1)
        try:
            kept[item_id] = photos.store(request.app.state.settings, data)
        except photos.ImageRejected as exc:
            errors[item_id] = wording.photo_problem(exc.code)
    return draft.with_(photos=kept), errors


async def post_items(request: Request) -> Response:
    order = await _order_or_lookup(request)
    if isinstance(order, Response):
        return order
    review = await _review(request, order)
    if isinstance(review, Response):
        return review
    settings = request.app.state.settings
    try:
        return await _items_posted(request, order, review, settings)
    except HTTPException as refused:  # Starlette's answer to a field over its size limit
        if refused.status_code != 400:
            raise
        return await _too_large(request, order)


async def _too_large(request: Request, order: Order) -> Response:
    """A form too large to read: say so and keep what the customer typed.

    htmx keeps the form on screen (no swap) and shows the message above it; a plain post
    shows the items again with the message (the browser's Back keeps the typing)."""
    message = _(
        "What you sent is too large for us to read: a comment can have up to %(count)s "
        "characters and a photo up to %(size)s MB. Shorten it and send it again."
    ) % {"count": f"{MAX_COMMENT:,}", "size": photos.MAX_BYTES // (1024 * 1024)}
    if rendering.is_htmx(request):
        notice = (
            templates_of(request)
            .get_template(FORM_PROBLEM)
            .render({"message": message, "oob": True})
        )
        return HTMLResponse(notice, headers={"HX-Reswap": "none"})
    return await items_step(request, order, message=message, status_code=413)


async def _items_posted(
    request: Request, order: Order, review: OrderReview, settings: Settings
) -> Response:
    async with request.form(max_files=MAX_FILES) as form:
        draft = drafts.load(settings, _text(form, drafts.FIELD, 20_000), order.id) or Draft(
            order.id
        )
        eligible = [i for i, e in review.eligibility.items() if e.eligible]
        draft, errors = await _keep_photos(request, form, draft, eligible)
        menu = await presenter.reason_menu(order.merchant_id)
        every_reason = presenter.selectable(menu)
        choices = []
        for item_id in eligible:
            quantity = _int(form, f"quantity-{item_id}") or 0
            earlier = draft.choice(item_id)
            choice = Choice(
                item=item_id,
                quantity=quantity,
                reason=_text(form, f"reason-{item_id}", 64),
                comment=_text(form, f"comment-{item_id}", MAX_COMMENT),
                # Kept to MAX_COMMENT for the draft; told below if more was typed.
                photo=draft.photos.get(item_id),
                resolution=earlier.resolution if earlier else "",
                variant=earlier.variant if earlier else None,
            )
            if quantity == 0 and item_id not in errors:
                continue
            choices.append(choice)
            if item_id in errors:
                continue
            # Only a reason that applies to the item's category, whatever the form says.
            reasons = presenter.selectable(presenter.menu_for(menu, review.items[item_id].category))
            reason = reasons.get(choice.reason)
            if not 1 <= quantity <= review.eligibility[item_id].max_quantity:
                errors[item_id] = wording.refusal("quantity")
            elif reason is None and choice.reason in every_reason:
                errors[item_id] = wording.refusal("reason_category")
            # An item no reason applies to is returned without one.
            elif reason is None and (reasons or choice.reason):
                errors[item_id] = _("Choose why you are returning this item.")
            elif reason is not None and reason.requires_photo and not choice.photo:
                errors[item_id] = wording.refusal("photo_required")
            elif reason is not None and reason.requires_comment and not choice.comment:
                errors[item_id] = wording.refusal("comment_required")
            elif (typed := len(_text(form, f"comment-{item_id}", 10**9))) > MAX_COMMENT:
                errors[item_id] = _(
                    "Your comment has %(typed)s characters; the shop reads up to %(count)s. "
                    "We kept the first %(count)s: check it still says what you mean."
                ) % {"typed": f"{typed:,}", "count": f"{MAX_COMMENT:,}"}
    draft = draft.with_(choices=tuple(choices))
    if errors or not choices:
        message = "" if errors else wording.refusal("empty")
        return await items_step(
            request, order, draft=draft, errors=errors, message=message, status_code=400
        )
    return await options_step(request, order, review, draft)


async def options_step(
    request: Request,
    order: Order,
    review: OrderReview,
    draft: Draft,
    *,
    errors: dict[int, str] | None = None,
    message: str = "",
    status_code: int = 200,
) -> Response:
    merchant = await merchant_of(order)
    items = [
        i for i in await presenter.item_views(order, review, draft, errors) if i.choice is not None
    ]
    context = {
        "order": order,
        "items": items,
        "labels": {code: wording.resolution(code) for code in policy.Rules().resolutions}
        | {"keep_item": wording.resolution("keep_item")},
        "bonus": presenter.percent(review.rules.store_credit_bonus_percent)
        if review.rules.store_credit_bonus_percent
        else "",
        "methods": [(m, wording.method(m)) for m in review.policy.methods or ()],
        "draft": drafts.dump(request.app.state.settings, draft),
        "draft_method": draft.method,
        "message": message,
    }
    return rendering.step(
        request,
        OPTIONS,
        context,
        merchant=merchant,
        status_code=status_code,
        title=_("Choose how to settle your return"),
    )


def _ships_back(draft: Draft) -> bool:
    return any(c.resolution != "keep_item" for c in draft.choices)


class _Loaded(NamedTuple):
    order: Order
    review: OrderReview
    draft: Draft
    fields: dict[str, str]


async def _loaded(request: Request) -> _Loaded | Response:
    """Order, review, draft and form fields for a post that carries a draft, or the page
    to show instead."""
    order = await _order_or_lookup(request)
    if isinstance(order, Response):
        return order
    review = await _review(request, order)
    if isinstance(review, Response):
        return review
    async with request.form() as form:
        fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    draft = drafts.load(request.app.state.settings, fields.get(drafts.FIELD, ""), order.id)
    if draft is None or not draft.choices:
        message = _("This form has expired. Please choose your items again.")
        return await items_step(request, order, message=message, status_code=400)
    return _Loaded(order, review, draft, fields)


async def post_options(request: Request) -> Response:
    loaded = await _loaded(request)
    if isinstance(loaded, Response):
        return loaded
    order, review, draft, fields = loaded
    if fields.get("back"):
        return await items_step(request, order, draft=draft)
    errors: dict[int, str] = {}
    choices = []
    for choice in draft.choices:
        verdict = review.eligibility.get(choice.item)
        resolution = fields.get(f"resolution-{choice.item}", "")[:32]
        variant = fields.get(f"variant-{choice.item}", "")
        variant_id = int(variant) if variant.isdigit() else None
        choices.append(replace(choice, resolution=resolution, variant=variant_id))
        if verdict is None or not verdict.eligible:
            errors[choice.item] = wording.refusal(
                str(verdict.reason) if verdict else "unknown_item"
            )
        elif resolution not in verdict.resolutions:
            errors[choice.item] = wording.refusal("resolution")
        elif resolution == "exchange" and variant_id not in {
            v.id for v in verdict.exchange_variants
        }:
            errors[choice.item] = _("Choose the size or colour you want instead.")
    method = fields.get("method", "")[:32]
    draft = draft.with_(choices=tuple(choices), method=method)
    message = ""
    if _ships_back(draft) and method not in (review.policy.methods or ()):
        message = wording.refusal("method")
    if errors or message:
        return await options_step(
            request, order, review, draft, errors=errors, message=message, status_code=400
        )
    return await review_step(request, order, review, draft)


async def review_step(
    request: Request, order: Order, review: OrderReview, draft: Draft
) -> Response:
    """The amounts, fees and method, with a fresh submission key, before confirming."""
    try:
        lines, _reasons = await service.checked_lines(  # the checks create_return makes
            review,
            draft.selections(),
            order.merchant_id,
            None,
        )
    except ReturnRefused as refused:
        return await _refused(request, order, review, draft, refused)
    quoted = policy.quote(review.rules, lines, order.currency)
    titles = {r.id: r.title for r in await OrderItem.filter(order_id=order.id)}
    if not _ships_back(draft):
        draft = draft.with_(method="")
    draft = draft.with_(submission_key=secrets.token_urlsafe(24))
    context = {
        "order": order,
        "quote": presenter.quote_view(
            quoted,
            titles,
            review.rules,
            bool(review.rules.return_shipping_fee),
            await presenter.replacements(
                line.exchange_variant.id for line in lines if line.exchange_variant
            ),
        ),
        "method": wording.method(draft.method) if draft.method else "",
        "draft": drafts.dump(request.app.state.settings, draft),
    }
    merchant = await merchant_of(order)
    return rendering.step(
        request, REVIEW, context, merchant=merchant, title=_("Check and confirm your return")
    )


async def _refused(
    request: Request, order: Order, review: OrderReview, draft: Draft, refused: ReturnRefused
) -> Response:
    """Back to the step where the refused choice can be changed, saying what is wrong."""
    per_item = {k: wording.refusal(v) for k, v in refused.errors.items() if k is not None}
    general = " ".join(wording.refusal(v) for k, v in refused.errors.items() if k is None)
    if set(refused.errors.values()) & ITEM_STEP_CODES:
        return await items_step(
            request, order, draft=draft, errors=per_item, message=general, status_code=409
        )
    return await options_step(
        request, order, review, draft, errors=per_item, message=general, status_code=409
    )


async def post_review(request: Request) -> Response:
    loaded = await _loaded(request)
    if isinstance(loaded, Response):
        return loaded
    order, review, draft, fields = loaded
    if fields.get("back"):
        return await options_step(request, order, review, draft)
    return await review_step(request, order, review, draft)


async def confirm(request: Request) -> Response:
    loaded = await _loaded(request)
    if isinstance(loaded, Response):
        return loaded
    order, review, draft, fields = loaded
    if fields.get("back"):
        return await options_step(request, order, review, draft)
    if not draft.submission_key:
        return await review_step(request, order, review, draft)
    try:
        request_row = await service.create_return(
            order,
            draft.selections(),
            method=draft.method or None,
            submission_key=draft.submission_key,
            customer_note=fields.get("note", "").strip()[:MAX_COMMENT],
            settings=request.app.state.settings,
        )
    except ReturnRefused as refused:
        return await _refused(request, order, review, draft, refused)
    if request_row.order_id != order.id:
        return await items_step(request, order, status_code=409)
    url = f"/returns/{request_row.number}?new=1"
    if rendering.is_htmx(request):
        return await return_step(request, request_row, order, created=True, url=url)
    return rendering.see_other(url)
