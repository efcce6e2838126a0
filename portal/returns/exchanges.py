"""Exchanges: stock reserved with one conditional UPDATE, the new variant sent on resolution.

Reserving is ``UPDATE product_variant SET reserved = reserved + q WHERE stock - reserved
>= q``: the database decides, so two processes can never both take the last unit. Each
Exchange's ``stock_reserved`` flag is claimed the same way, so reserving or releasing twice
(a retried job, a double click) moves stock once. Stock follows the return's states through
a listener on the ``return.<state>`` events: the state machine does not know exchanges.
"""

from __future__ import annotations

from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient

from portal import events
from portal.event_catalogue import return_kind
from portal.models import (
    DomainEvent,
    Exchange,
    Order,
    OrderItem,
    ProductVariant,
    ReturnPolicy,
    ReturnRequest,
)
from portal.models.returns import ReturnState as S


class OutOfStock(Exception):
    """The variant an exchange asks for has no unreserved stock left."""


def _sql(conn: BaseDBAsyncClient, sql: str) -> str:
    """``?`` placeholders for SQLite, ``$n`` for PostgreSQL."""
    if conn.capabilities.dialect != "postgres":
        return sql
    parts = sql.split("?")
    return "".join(f"{part}${i}" for i, part in enumerate(parts[:-1], 1)) + parts[-1]


async def _rows(conn: BaseDBAsyncClient, sql: str, values: list[object]) -> int:
    count, _ = await conn.execute_query(_sql(conn, sql), values)
    return int(count)


async def take_stock(variant_id: int, quantity: int, conn: BaseDBAsyncClient) -> bool:
    """Reserve ``quantity`` units when that many are unreserved; False when not."""
    return bool(
        await _rows(
            conn,
            "UPDATE product_variant SET reserved = reserved + ? "
            "WHERE id = ? AND stock - reserved >= ?",
            [quantity, variant_id, quantity],
        )
    )


async def give_back_stock(variant_id: int, quantity: int, conn: BaseDBAsyncClient) -> None:
    await _rows(
        conn,
        "UPDATE product_variant SET reserved = reserved - ? WHERE id = ? AND reserved >= ?",
        [quantity, variant_id, quantity],
    )


async def _exchanges_of(request: ReturnRequest, conn: BaseDBAsyncClient) -> list[Exchange]:
    return (
        await Exchange.filter(return_item__return_request_id=request.id)
        .select_related("return_item")
        .using_db(conn)
        .order_by("id")
    )


async def reserve(exchange: Exchange, conn: BaseDBAsyncClient) -> bool:
    """Reserve the stock of one exchange once; True when it is (now or already) reserved."""
    claimed = (
        await Exchange.filter(id=exchange.id, stock_reserved=False)
        .using_db(conn)
        .update(stock_reserved=True)
    )
    if not claimed:
        exchange.stock_reserved = True
        return True
    quantity = exchange.return_item.quantity
    if await take_stock(exchange.new_variant_id, quantity, conn):
        exchange.stock_reserved = True
        return True
    await Exchange.filter(id=exchange.id).using_db(conn).update(stock_reserved=False)
    return False


async def release(exchange: Exchange, conn: BaseDBAsyncClient) -> None:
    """Give a reservation back once (cancel, reject, expiry)."""
    released = (
        await Exchange.filter(id=exchange.id, stock_reserved=True)
        .using_db(conn)
        .update(stock_reserved=False)
    )
    if released:
        quantity = exchange.return_item.quantity
        await give_back_stock(exchange.new_variant_id, quantity, conn)
    exchange.stock_reserved = False


async def reserve_for(request: ReturnRequest, conn: BaseDBAsyncClient) -> bool:
    """Reserve every exchange of ``request``, all or none."""
    done: list[Exchange] = []
    for exchange in await _exchanges_of(request, conn):
        was_reserved = exchange.stock_reserved
        if not await reserve(exchange, conn):
            for taken in done:
                await release(taken, conn)
            return False
        if not was_reserved:
            done.append(exchange)
    return True


async def _reserve_at(merchant_id: int, conn: BaseDBAsyncClient) -> str:
    policy = (
        await ReturnPolicy.filter(merchant_id=merchant_id, is_active=True)
        .using_db(conn)
        .order_by("-id")
        .first()
    )
    return policy.reserve_stock_at if policy else "approval"


#: States whose arrival moves stock: released, reserved (by the policy's moment) or sold.
_RELEASING = (S.CANCELLED, S.REJECTED, S.EXPIRED)
_TAKING = (S.APPROVED, S.RECEIVED, S.RESOLVED)


@events.listen(*(return_kind(state.value) for state in (*_RELEASING, *_TAKING)))
async def on_return_moved(event: DomainEvent, ctx: events.ListenerContext) -> None:
    """Move an exchange's stock as its return moves, in the move's transaction.

    The first listener of return events (see :data:`portal.events.LISTENER_MODULES`), so
    the messages and webhooks of a resolved return see its exchange order; an
    :class:`OutOfStock` here rolls the whole move back.
    """
    request = (
        await ReturnRequest.filter(id=event.subject_id, merchant_id=event.merchant_id)
        .using_db(ctx.conn)
        .first()
    )
    if request is not None:
        await after_transition(request, S(event.kind.removeprefix("return.")), ctx.conn)


async def after_transition(request: ReturnRequest, to_state: S, conn: BaseDBAsyncClient) -> None:
    """React to ``request`` having reached ``to_state``, in the move's transaction."""
    if to_state in _RELEASING:
        for exchange in await _exchanges_of(request, conn):
            await release(exchange, conn)
        return
    if to_state not in _TAKING:
        return
    merchant_id: int = request.merchant_id
    if to_state is S.RESOLVED:
        await fulfil(request, conn)
    elif to_state is S.APPROVED and await _reserve_at(merchant_id, conn) == "approval":
        if not await reserve_for(request, conn):
            raise OutOfStock(f"return {request.number}: an exchange variant is out of stock")
    elif to_state is S.RECEIVED and await _reserve_at(merchant_id, conn) == "receipt":
        # A carrier scan must never fail on stock; resolution retries and refuses instead.
        await reserve_for(request, conn)


def price_difference(old_unit_price: Decimal, new_unit_price: Decimal, quantity: int) -> Decimal:
    """Positive: the customer pays the difference; negative: it is refunded."""
    return (new_unit_price - old_unit_price) * quantity


async def fulfil(request: ReturnRequest, conn: BaseDBAsyncClient) -> Order | None:
    """Send the new variants: one replacement order for the return's exchanges.

    The reservation becomes a sale (stock and reserved both drop). The order has no
    shipment yet: the shop books the parcel and registers its real tracking number for
    this order (API ``POST /shipments`` with its ``order_number``, or the order's page in
    the workspace), and it is then tracked and notified like any other parcel.
    """
    swaps = [e for e in await _exchanges_of(request, conn) if e.outbound_order_id is None]
    if not swaps:
        return None
    for exchange in swaps:
        if not await reserve(exchange, conn):
            raise OutOfStock(f"return {request.number}: an exchange variant is out of stock")
    original = await Order.get(id=request.order_id, using_db=conn)
    outbound = await Order.create(
        merchant_id=original.merchant_id,
        customer_id=original.customer_id,
        number=f"{original.number}-{request.number}"[:64],
        email=original.email,
        currency=original.currency,
        placed_at=request.updated_at,
        **{f: getattr(original, f) for f in _ADDRESS_FIELDS},
        using_db=conn,
    )
    for exchange in swaps:
        variant = await ProductVariant.get(id=exchange.new_variant_id, using_db=conn)
        quantity = exchange.return_item.quantity
        await OrderItem.create(
            order_id=outbound.id,
            variant_id=variant.id,
            sku=variant.sku,
            title=variant.title,
            variant_options=variant.options,
            quantity=quantity,
            unit_price=variant.price,
            using_db=conn,
        )
        await _rows(
            conn,
            "UPDATE product_variant SET stock = stock - ?, reserved = reserved - ? "
            "WHERE id = ? AND reserved >= ?",
            [quantity, quantity, variant.id, quantity],
        )
        await (
            Exchange.filter(id=exchange.id)
            .using_db(conn)
            .update(
                outbound_order_id=outbound.id,
                stock_reserved=False,
            )
        )
    return outbound


_ADDRESS_FIELDS = (
    "ship_name",
    "ship_line1",
    "ship_line2",
    "ship_city",
    "ship_region",
    "ship_postal_code",
    "ship_country",
)
