"""Opaque, signed cursors for keyset pagination (newest first, by id; or by (created_at,
id) for a table partitioned by month of ``created_at``, as the webhook delivery log).

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
from datetime import datetime
from typing import TYPE_CHECKING, Any

from portal.api.errors import invalid_parameters

if TYPE_CHECKING:
    from portal.api.operations import Call

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


def _pack(secret: str, scope: str, fields: dict[str, Any]) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(fields).encode()).rstrip(b"=")
    return f"{payload.decode()}.{_signature(secret, scope, payload)}"


def _unpack(secret: str, scope: str, cursor: str) -> dict[str, Any]:
    """The cursor's fields; 422 when the cursor is not one this list gave out."""
    payload, _, signature = cursor.partition(".")
    expected = _signature(secret, scope, payload.encode())
    if not signature or not hmac.compare_digest(signature.encode(), expected.encode()):
        raise _not_ours()
    try:
        fields = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (binascii.Error, ValueError):
        raise _not_ours() from None
    if not isinstance(fields, dict):
        raise _not_ours()
    return fields


def _not_ours() -> Exception:
    return invalid_parameters([("cursor", "is not a cursor this list gave out")])


def encode(secret: str, scope: str, last_id: int) -> str:
    return _pack(secret, scope, {"id": last_id})


def decode(secret: str, scope: str, cursor: str) -> int:
    """The last id of the previous page; 422 when the cursor is not one we gave out."""
    last_id = _unpack(secret, scope, cursor).get("id")
    if not isinstance(last_id, int):
        raise _not_ours()
    return last_id


def encode_key(secret: str, scope: str, key: tuple[int, datetime]) -> str:
    """A cursor for a list paged by (created_at, id): the previous page's last row."""
    row_id, created_at = key
    return _pack(secret, scope, {"id": row_id, "at": created_at.isoformat()})


def decode_key(secret: str, scope: str, cursor: str) -> tuple[int, datetime]:
    """The (id, created_at) of the previous page's last row; 422 as :func:`decode`."""
    fields = _unpack(secret, scope, cursor)
    row_id, at = fields.get("id"), fields.get("at")
    if not isinstance(row_id, int) or not isinstance(at, str):
        raise _not_ours()
    try:
        created_at = datetime.fromisoformat(at)
    except ValueError:
        raise _not_ours() from None
    if created_at.tzinfo is None:
        raise _not_ours()
    return row_id, created_at


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


async def page_of_call(call: Call, queryset: Any, scope: str) -> tuple[list[Any], str | None]:
    """One page of ``queryset`` for the request's ``limit`` and ``cursor`` parameters (the
    list operations declare both): every id-paged list reads them the same way."""
    q, secret = call.query, call.settings.secret_key
    before = decode(secret, scope, q["cursor"]) if "cursor" in q else None
    return await page(queryset, PageRequest(q["limit"], before), secret=secret, scope=scope)
