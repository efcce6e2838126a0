"""Webhook signatures both platforms use: base64 of HMAC-SHA256 over the raw body.

Shopify signs with the app's secret (``X-Shopify-Hmac-Sha256``), WooCommerce with the
secret given when the webhook was created (``X-WC-Webhook-Signature``). The comparison
is constant-time; a missing or malformed header is simply a forgery.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def sign(secret: str, body: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(secret: str, body: bytes, given: str | None) -> bool:
    if not secret or not given:
        return False
    return hmac.compare_digest(
        sign(secret, body).encode("ascii"), given.strip().encode("ascii", "replace")
    )
