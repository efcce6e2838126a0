"""The page a return's QR code opens at a drop-off point or in the store.

The clerk needs no login: the link's token is signed with the portal's key and names the
shop and the RMA number, so the page can be trusted. It shows what the counter needs (the
return number, how many items, the code) and nothing personal.
"""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response

from portal.i18n import _
from portal.models import Merchant, ReturnItem, ReturnRequest
from portal.models.returns import ReturnState as S
from portal.returns import labels, short_links
from portal.returns_page import rendering, wording
from portal.returns_page.follow import data_uri
from portal.web.shop_language import use_shop_language

PAGE = "returns/_drop_off.html"
#: The code no longer stands for a parcel to accept.
VOID = frozenset({S.CANCELLED, S.EXPIRED, S.REJECTED})


def _problem(request: Request, message: str, status_code: int) -> Response:
    context = {"row": None, "message": message}
    return rendering.step(
        request, PAGE, context, status_code=status_code, title=_("Return drop-off")
    )


def _not_valid(request: Request) -> Response:
    message = _("This return code is not valid. Ask the customer for their return number.")
    return _problem(request, message, 404)


async def drop_off(request: Request) -> Response:
    """The long link: on labels, QR codes and e-mails."""
    number = request.path_params["number"][:32]
    found = labels.read_drop_off_token(request.app.state.settings, request.path_params["token"])
    row = None
    if found is not None and found[1] == number:
        row = await ReturnRequest.get_or_none(merchant_id=found[0], number=number)
    if row is None:
        return _not_valid(request)
    return await _show(request, row)


async def short_drop_off(request: Request) -> Response:
    """The short link a text message carries (:mod:`portal.returns.short_links`)."""
    settings, params = request.app.state.settings, request.path_params
    found = await short_links.DROP_OFF.find(settings, params["number"], params["code"])
    if found is None:
        return _not_valid(request)
    return await _show(request, found)


async def _show(request: Request, row: ReturnRequest) -> Response:
    expires = row.label_expires_at
    out_of_date = expires is not None and expires <= datetime.now(UTC)
    state = S(row.state)
    if state in VOID or (state is S.AWAITING_SHIPMENT and out_of_date):
        message = _(
            "This return code is no longer valid: the return was cancelled or its time ran "
            "out. Do not accept the parcel with this code."
        )
        return _problem(request, message, 410)
    merchant = await Merchant.get(id=row.merchant_id)
    use_shop_language(request, merchant.default_locale)
    items = await ReturnItem.filter(return_request_id=row.id).exclude(resolution="keep_item")
    context = {
        "row": row,
        "message": "",
        "shop": merchant.name,
        "count": sum(i.quantity for i in items),
        "state": wording.state(state),
        "accept": state in (S.APPROVED, S.AWAITING_SHIPMENT),
        "qr": data_uri(labels.qr_svg(str(request.url))),
    }
    return rendering.step(request, PAGE, context, merchant=merchant, title=_("Return drop-off"))
