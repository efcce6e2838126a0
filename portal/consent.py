"""Changing a customer's consent to be messaged, always with its history.

Every writer of ``Customer.email_opt_in`` / ``sms_opt_in`` — the API and CSV imports (the
consent a shop already holds from its checkout), the workspace, the preferences page, STOP
and START replies — goes through :func:`record`, which changes the flag and writes a
:class:`~portal.models.ConsentChange` row in the caller's transaction. A change to the
value the customer already has writes nothing: the history lists real changes only.

What consent governs (docs/notifications.md): e-mail about the customer's own orders is
sent unless the customer opted out; text messages only with ``sms_opt_in`` and WhatsApp
only with ``whatsapp_opt_in``, which a shop sets when its checkout asked. A STOP reply
always wins on its channel until the customer sends START.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from tortoise.backends.base.client import BaseDBAsyncClient

from portal.core.rows import insert_rows, update_rows
from portal.models import Channel, ConsentChange, ConsentSource, Customer

_FLAG = {
    Channel.EMAIL: "email_opt_in",
    Channel.SMS: "sms_opt_in",
    Channel.WHATSAPP: "whatsapp_opt_in",
}


class Consenting(Protocol):
    """A customer as :func:`record` needs one: a model, or the store sync's lighter row."""

    id: int
    email_opt_in: bool
    sms_opt_in: bool
    whatsapp_opt_in: bool


def changes(customer: Consenting | Customer, channel: Channel, granted: bool) -> bool:
    """Whether ``granted`` is news for ``customer``'s consent on ``channel`` (an unset flag
    counts as not given)."""
    return bool(getattr(customer, _FLAG[channel])) != granted


async def record(
    customers: Sequence[Consenting] | Sequence[Customer],
    channel: Channel,
    granted: bool,
    source: ConsentSource,
    *,
    conn: BaseDBAsyncClient | None = None,
    detail: str = "",
) -> int:
    """Set ``channel``'s consent on ``customers``; returns how many actually changed.

    The given model instances are updated in place, so a caller can keep using them.
    """
    flag = _FLAG[channel]
    changing = [c for c in customers if changes(c, channel, granted)]
    if not changing:
        return 0
    conn = conn or ConsentChange._choose_db(True)
    await update_rows(conn, Customer, {flag: granted}, "id", [c.id for c in changing])
    await insert_rows(
        conn,
        ConsentChange,
        [{"customer_id": c.id} for c in changing],
        shared={"channel": channel, "granted": granted, "source": source, "detail": detail[:200]},
    )
    for customer in changing:
        setattr(customer, flag, granted)
    return len(changing)


async def record_created(
    customers: Sequence[Consenting],
    source: ConsentSource,
    *,
    conn: BaseDBAsyncClient,
    detail: str = "",
) -> int:
    """The history of customers just inserted with their consent already set (one write
    per customer instead of an insert and then :func:`record`'s update): a row for each
    flag that differs from the column's default, exactly what :func:`record` would have
    written for them. Returns how many rows."""
    rows = [
        {
            "customer_id": c.id,
            "channel": channel,
            "granted": bool(getattr(c, flag)),
        }
        for c in customers
        for channel, flag in _FLAG.items()
        if bool(getattr(c, flag)) != Customer._meta.fields_map[flag].default
    ]
    await insert_rows(conn, ConsentChange, rows, shared={"source": source, "detail": detail[:200]})
    return len(rows)


async def record_for_phone(
    merchant_ids: Sequence[int] | None,
    phone: str,
    granted: bool,
    source: ConsentSource,
    *,
    conn: BaseDBAsyncClient | None = None,
    detail: str = "",
    channel: Channel = Channel.SMS,
) -> int:
    """SMS (or WhatsApp) consent for every customer with this E.164 number (a STOP reply
    names no shop: it holds for every shop that writes from the number it was sent to)."""
    query = Customer.filter(phone=phone)
    if merchant_ids is not None:
        query = query.filter(merchant_id__in=list(merchant_ids))
    customers = await query.using_db(conn)
    return await record(customers, channel, granted, source, conn=conn, detail=detail)


async def history(customer_id: int) -> list[ConsentChange]:
    """A customer's consent changes, oldest first."""
    return list(await ConsentChange.filter(customer_id=customer_id).order_by("created_at", "id"))
