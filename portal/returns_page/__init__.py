"""The customer's self-service returns pages: start, follow and cancel a return, the
drop-off code, and the public policy page. Mounted through :data:`routes`.

GET  /returns                              lookup form (``?shop=<slug>`` for a branded page)
POST /returns                              order number + email or postcode
GET  /returns/start/{token}                signed link from the "delivered" message
GET  /returns/orders/{id}                  the order's items and their eligibility
POST /returns/orders/{id}/items|options|review|confirm   the following steps
GET  /returns/policy/{slug}                the shop's policy in plain words
GET  /returns/drop-off/{number}/{token}    what the QR code opens at the counter
GET  /d/{number}/{code}                    the same page from a text message (short link)
GET  /returns/{number}                     the return's page; POST …/cancel, …/parcel; …/label.pdf
GET  /returns/{number}/{token}             a lasting signed link to the return's page
GET  /r/{number}/{code}                    the same from a text message (short link)
GET  /withdraw/start/{token}, /withdraw/orders/{id}   the withdrawal function (two steps)
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from portal.core.links import START_PATH, WITHDRAW_START_PATH
from portal.returns.labels import DROP_OFF_PATH
from portal.returns.short_links import DROP_OFF, FOLLOW
from portal.returns_page import drop_off, follow, policy_page, start, steps, withdrawal

routes: list[BaseRoute] = [
    Route("/returns", start.lookup_page, methods=["GET"], name="returns_lookup"),
    Route("/returns", start.find_order, methods=["POST"], name="returns_find"),
    Route(f"{START_PATH}/{{token}}", start.start_link, name="returns_start"),
    Route("/returns/orders/{order_id:int}", steps.items_page, name="returns_items"),
    Route("/returns/orders/{order_id:int}/items", steps.post_items, methods=["POST"]),
    Route("/returns/orders/{order_id:int}/options", steps.post_options, methods=["POST"]),
    Route("/returns/orders/{order_id:int}/review", steps.post_review, methods=["POST"]),
    Route("/returns/orders/{order_id:int}/confirm", steps.confirm, methods=["POST"]),
    Route("/returns/orders/{order_id:int}/{step}", steps.step_url_opened, methods=["GET"]),
    Route("/returns/policy/{slug}", policy_page.policy_page, name="returns_policy"),
    Route(f"{DROP_OFF_PATH}/{{number}}/{{token}}", drop_off.drop_off, name="returns_drop_off"),
    Route(
        f"{DROP_OFF.path}/{{number}}/{{code}}",
        drop_off.short_drop_off,
        name="returns_short_drop_off",
    ),
    Route("/returns/{number}/label.pdf", follow.label, name="returns_label"),
    Route("/returns/{number}/cancel", follow.cancel, methods=["POST"], name="returns_cancel"),
    Route("/returns/{number}/parcel", follow.add_parcel, methods=["POST"], name="returns_parcel"),
    Route("/returns/{number}/{token}", follow.follow_link, name="returns_follow_link"),
    Route(f"{FOLLOW.path}/{{number}}/{{code}}", follow.short_follow_link, name="returns_short"),
    Route("/returns/{number}", follow.return_page, name="returns_return"),
    Route(f"{WITHDRAW_START_PATH}/{{token}}", withdrawal.start_link, name="withdraw_start"),
    Route("/withdraw/orders/{order_id:int}", withdrawal.form_page, name="withdraw_form"),
    Route("/withdraw/orders/{order_id:int}", withdrawal.check_statement, methods=["POST"]),
    Route("/withdraw/orders/{order_id:int}/confirm", withdrawal.confirm, methods=["POST"]),
]
