"""The merchant workspace under /admin (sign-in, carrier accounts, settings, shipments,
orders, imports, message templates, API keys, webhooks, staff) and the public logo URL,
mounted through :data:`routes`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from portal.admin import (
    analytics,
    api_keys,
    branding,
    carrier_accounts,
    claims,
    imports,
    notification_templates,
    orders,
    paste,
    products,
    return_policy,
    returns,
    shipments,
    signin,
    staff,
    surveys,
    webhooks,
)


async def index(request: Request) -> Response:
    return RedirectResponse("/admin/shipments", status_code=303)


admin_routes: list[BaseRoute] = [
    Route("/", index, name="admin_index"),
    Route("/login", signin.login_page, name="admin_login"),
    Route("/login", signin.login, methods=["POST"]),
    Route("/logout", signin.logout, methods=["POST"], name="admin_logout"),
    Route("/reset", signin.reset_request_page, name="admin_reset"),
    Route("/reset", signin.reset_request, methods=["POST"]),
    Route("/reset/{token}", signin.reset_page),
    Route("/reset/{token}", signin.reset, methods=["POST"]),
    Route("/account", signin.account_page, name="admin_account"),
    Route("/account/sign-out-everywhere", signin.sign_out_everywhere, methods=["POST"]),
    *notification_templates.routes,
    *return_policy.routes,
    *returns.routes,
    *claims.routes,
    *surveys.routes,
    *analytics.routes,
    Route("/carriers", carrier_accounts.list_accounts, name="admin_carriers"),
    Route("/carriers/new", carrier_accounts.new_account_page),
    Route("/carriers/new", carrier_accounts.create_account, methods=["POST"]),
    Route("/carriers/{account_id}", carrier_accounts.edit_account_page),
    Route("/carriers/{account_id}", carrier_accounts.update_account, methods=["POST"]),
    Route("/carriers/{account_id}/enable", carrier_accounts.set_enabled, methods=["POST"]),
    Route("/carriers/{account_id}/disable", carrier_accounts.set_enabled, methods=["POST"]),
    Route("/carriers/{account_id}/resume", carrier_accounts.resume_account, methods=["POST"]),
    Route("/carriers/{account_id}/test", carrier_accounts.test_account, methods=["POST"]),
    Route("/settings", branding.settings_page, name="admin_settings"),
    Route("/settings", branding.save_settings, methods=["POST"]),
    Route("/settings/logo", branding.upload_logo, methods=["POST"]),
    Route("/shipments", shipments.list_shipments, name="admin_shipments"),
    Route("/shipments/{shipment_id}", shipments.shipment_detail),
    Route("/shipments/{shipment_id}/carrier", shipments.set_carrier, methods=["POST"]),
    Route("/shipments/{shipment_id}/refresh", shipments.refresh_now, methods=["POST"]),
    Route("/shipments/{shipment_id}/reactivate", shipments.reactivate, methods=["POST"]),
    Route("/orders", orders.list_orders, name="admin_orders"),
    Route("/orders/{order_id}", orders.order_detail),
    Route("/orders/{order_id}/shipments", orders.add_shipment, methods=["POST"]),
    Route("/customers/{customer_id}/consent", orders.set_consent, methods=["POST"]),
    Route("/products", products.list_products, name="admin_products"),
    Route("/products/stock", products.set_stock, methods=["POST"]),
    Route("/products/import", products.upload, methods=["POST"]),
    Route("/imports", imports.import_page, name="admin_imports"),
    Route("/imports", imports.upload, methods=["POST"]),
    Route("/imports/{token}", imports.preview),
    Route("/imports/{token}/progress", imports.progress),
    Route("/imports/{token}/confirm", imports.confirm, methods=["POST"]),
    Route("/paste", paste.paste_page, name="admin_paste"),
    Route("/paste", paste.paste_preview, methods=["POST"]),
    Route("/paste/confirm", paste.paste_confirm, methods=["POST"]),
    Route("/api-keys", api_keys.list_keys, name="admin_api_keys"),
    Route("/api-keys", api_keys.create_key, methods=["POST"]),
    Route("/api-keys/{key_id}/revoke", api_keys.revoke_page),
    Route("/api-keys/{key_id}/revoke", api_keys.revoke_key, methods=["POST"]),
    Route("/webhooks", webhooks.list_webhooks, name="admin_webhooks"),
    Route("/webhooks", webhooks.create_webhook, methods=["POST"]),
    Route("/webhooks/{endpoint_id}", webhooks.endpoint_detail),
    Route("/webhooks/{endpoint_id}/enable", webhooks.set_enabled, methods=["POST"]),
    Route("/webhooks/{endpoint_id}/disable", webhooks.set_enabled, methods=["POST"]),
    Route("/webhooks/{endpoint_id}/test", webhooks.send_test, methods=["POST"]),
    Route("/webhooks/{endpoint_id}/delete", webhooks.delete_page),
    Route("/webhooks/{endpoint_id}/delete", webhooks.delete_webhook, methods=["POST"]),
    Route("/staff", staff.list_staff, name="admin_staff"),
    Route("/staff", staff.invite, methods=["POST"]),
    Route("/staff/{user_id}/role", staff.set_role, methods=["POST"]),
    Route("/staff/{user_id}/deactivate", staff.deactivate, methods=["POST"]),
    Route("/staff/{user_id}/reactivate", staff.reactivate, methods=["POST"]),
    Route("/staff/{user_id}/send-link", staff.send_link, methods=["POST"]),
]

routes: list[BaseRoute] = [
    Mount("/admin", routes=admin_routes),
    Route("/media/logo/{merchant_slug}", branding.serve_logo, name="merchant_logo"),
]
