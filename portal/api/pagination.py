"""Opaque, signed cursors for keyset pagination (newest first, by id).

A page lists rows with ``id < cursor`` in descending id order, so rows inserted while a
client pages (they get larger ids) never shift the pages it has yet to read: nothing is
repeated or skipped. The cursor is ``base64url(json) + "." + HMAC`` over the list's name,
so a client cannot forge one or reuse one list's cursor on another.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from portal.api.errors import invalid_parameters

DEFAULT_LIMIT = 25
MAX_LIMIT = 100

LIMIT_PARAM = {
    "type": "integer",
    "minimum": 1,
    "maximum": MAX_LIMIT,
    "default": DEFAULT_LIMIT,
    "description": "How many items per page.",
}
CURSOR_PARAM = {
    "type": "string",
    "maxLength": 200,
    "description": "The `next_cursor` of the previous page.",
}


def _signature(secret: str, scope: str, payload: bytes) -> str:
    key = hashlib.sha256(f"doorstep api cursor:{secret}".encode()).digest()
    return hmac.new(key, scope.encode() + b"\0" + payload, hashlib.sha256).hexdigest()[:32]


def encode(secret: str, scope: str, last_id: int) -> str:
    payload = base64.urlsafe_b64encode(json.dumps({"id": last_id}).encode()).rstrip(b"=")
    return f"{payload.decode()}.{_signature(secret, scope, payload)}"


def decode(secret: str, scope: str, cursor: str) -> int:
    """The last id of the previous page; 422 when the cursor is not one we gave out."""
    payload, _, signature = cursor.partition(".")
    expected = _signature(secret, scope, payload.encode())
    if not signature or not hmac.compare_digest(signature.encode(), expected.encode()):
        raise invalid_parameters([("cursor", "is not a cursor this list gave out")])
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        last_id = json.loads(raw)["id"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise invalid_parameters([("cursor", "is not a cursor this list gave out")]) from None
    if not isinstance(last_id, int):
        raise invalid_parameters([("cursor", "is not a cursor this list gave out")])
    return last_id


@dataclass(frozen=True)
class PageRequest:
    limit: int
    before_id: int | None


async def page(
    queryset: Any, request: PageRequest, *, secret: str, scope: str
) -> tuple[list[Any], str | None]:
    """One page of ``queryset`` (newest first) and the cursor to the next, if any."""
    if request.before_id is not None:
        queryset = queryset.filter(id__lt=request.before_id)
    rows = list(await queryset.order_by("-id").limit(request.limit + 1))
    more = len(rows) > request.limit
    rows = rows[: request.limit]
    next_cursor = encode(secret, scope, rows[-1].id) if more and rows else None
    return rows, next_cursor
