""" "Report a problem" from the tracking page: the customer opens a claim about a parcel.

Reached from a signed tracking link (``/t/<token>/problem``), the same proof of the order
as the order-tier tracking page; a tracking number alone never opens a claim. The form
asks what happened (only the problems the parcel's status allows), which items, a few
words, photos, and for a parcel marked delivered but not received, the customer's
statement that it never reached them.
"""

from __future__ import annotations

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from portal import i18n
from portal.claims import photos, service
from portal.core.images import ImageRejected
from portal.i18n import _
from portal.models import Claim, Merchant, OrderItem, Shipment
from portal.models.claims import ClaimKind
from portal.tracking_page.branding import brand_of
from portal.web.templating import templates_of

TEMPLATE = "tracking/problem.html"


def kind_words() -> dict[str, str]:
    return {
        ClaimKind.LOST: _("The parcel is lost"),
        ClaimKind.DAMAGED: _("The parcel or an item arrived damaged"),
        ClaimKind.RETURNED_TO_SENDER: _("The parcel went back to the shop"),
        ClaimKind.NOT_RECEIVED: _("It says delivered, but I did not receive it"),
        ClaimKind.WRONG_ITEM: _("I received the wrong item"),
    }


def problem_words(code: str) -> str:
    return {
        "kind": _("Choose what happened."),
        "description": _("Tell us in a few words what happened."),
        "statement": _("Confirm that the parcel never reached you."),
        "items": _("Choose the items the problem is about."),
        "open": _("A claim about this parcel is already open. We will write to you about it."),
        "photo": _("A photo could not be used: JPEG, PNG or WebP up to 8 MB."),
    }.get(code, _("Something is missing."))


async def _page(
    request: Request,
    shipment: Shipment,
    *,
    status: int = 200,
    message: str = "",
    claim: Claim | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    merchant = await Merchant.get(id=shipment.merchant_id)
    items = (
        await OrderItem.filter(order_id=shipment.order_id).order_by("id")
        if shipment.order_id
        else []
    )
    words = kind_words()
    context = {
        "shipment": shipment,
        "brand": brand_of(merchant),
        "kinds": [(k.value, words[k]) for k in service.kinds_for(shipment)],
        "items": items,
        "message": message,
        "claim": claim,
        "values": values or {},
        "action": request.url.path,
    }
    return templates_of(request).TemplateResponse(request, TEMPLATE, context, status_code=status)


async def problem_page(request: Request, shipment: Shipment) -> Response:
    return await _page(request, shipment)


def _quantities(form: FormData, items: list[OrderItem]) -> dict[int, int]:
    chosen = {}
    for item in items:
        raw = form.get(f"quantity-{item.id}", "")
        if isinstance(raw, str) and raw.strip().isdigit() and int(raw) > 0:
            chosen[item.id] = int(raw)
    return chosen


async def report(request: Request, shipment: Shipment) -> Response:
    settings = request.app.state.settings
    items = (
        await OrderItem.filter(order_id=shipment.order_id).order_by("id")
        if shipment.order_id
        else []
    )
    async with request.form(max_files=photos.MAX_PHOTOS, max_fields=200) as form:
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        uploads = [f for f in form.getlist("photos") if isinstance(f, UploadFile) and f.filename]
        stored: list[str] = []
        try:
            for upload in uploads[: photos.MAX_PHOTOS]:
                stored.append(photos.store(settings, await upload.read()))
        except ImageRejected:
            return await _page(
                request, shipment, status=400, message=problem_words("photo"), values=values
            )
        quantities = _quantities(form, items)
    try:
        claim = await service.submit(
            shipment,
            kind=values.get("kind", ""),
            description=values.get("description", ""),
            quantities=quantities,
            photo_paths=stored,
            not_received_statement=values.get("statement") == "yes",
            locale=i18n.current_locale(),
            settings=settings,
        )
    except service.ClaimRefused as refused:
        return await _page(
            request, shipment, status=400, message=problem_words(refused.code), values=values
        )
    return await _page(request, shipment, claim=claim)
