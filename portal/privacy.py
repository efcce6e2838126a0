"""One customer's personal data: exported as one JSON document, or erased.

Export gathers everything held about a customer of one merchant: the contact, orders with
items and addresses, shipments with their scans, messages as sent, returns, withdrawals,
claims, surveys with answers, and the consent history.

Erasure anonymises rather than deletes, so the shop's figures stay (order values, return
amounts, delivery times, survey scores): the customer row keeps its id and country, the
orders keep their items and prices. Known personal columns are blanked explicitly
(contact, addresses, message bodies, free-text notes, statements, photos); then every text
and JSON column of every model the merchant owns is searched for the person's e-mail,
phone and name, and what is found is replaced, so copies inside webhook payloads, domain
events, cached API answers or a carrier's "signed by" go too. Each erasure is recorded
(:class:`~portal.models.Erasure`: who and when).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tortoise import Tortoise, fields
from tortoise.models import Model
from tortoise.transactions import in_transaction

from portal import events
from portal.core.payloads import ADDRESS_FIELDS
from portal.event_catalogue import CUSTOMER_ERASED, CustomerErased
from portal.models import (
    Claim,
    ConsentChange,
    Customer,
    Erasure,
    Order,
    OrderItem,
    OutboxMessage,
    ReturnItem,
    ReturnRequest,
    Shipment,
    Survey,
    SurveyAnswer,
    TrackingEvent,
    Withdrawal,
)
from portal.settings import Settings
from portal.tracking import late_clock

ERASED = "[erased]"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _row(row: Model, *, skip: Iterable[str] = ()) -> dict[str, Any]:
    """A row's columns as JSON values (decimals and times as strings)."""
    out: dict[str, Any] = {}
    for key in row._meta.db_fields:
        if key in skip:
            continue
        value = getattr(row, key, None)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif value is not None and not isinstance(value, str | int | float | bool | dict | list):
            value = str(value)
        out[key] = value
    return out


async def export(customer: Customer) -> dict[str, Any]:
    """Everything held about ``customer`` (of their merchant), as one JSON document."""
    merchant_id = customer.merchant_id
    orders = await Order.filter(merchant_id=merchant_id, customer_id=customer.id).order_by("id")
    order_ids = [o.id for o in orders]
    items = await OrderItem.filter(order_id__in=order_ids).order_by("id")
    shipments = await Shipment.filter(merchant_id=merchant_id, order_id__in=order_ids).order_by(
        "id"
    )
    scans = await TrackingEvent.filter(shipment_id__in=[s.id for s in shipments]).order_by(
        "occurred_at", "id"
    )
    returns = await ReturnRequest.filter(merchant_id=merchant_id, customer_id=customer.id).order_by(
        "id"
    )
    return_items = await ReturnItem.filter(return_request_id__in=[r.id for r in returns])
    surveys = await Survey.filter(merchant_id=merchant_id, customer_id=customer.id).order_by("id")
    answers = await SurveyAnswer.filter(survey_id__in=[s.id for s in surveys])
    return {
        "exported_at": datetime.now(UTC).isoformat(),
        "customer": _row(customer),
        "orders": [
            {**_row(o), "items": [_row(i) for i in items if i.order_id == o.id]} for o in orders
        ],
        "shipments": [
            {
                **_row(s, skip=("lease_until", "lease_owner")),
                "scans": [_row(e, skip=("dedupe_key",)) for e in scans if e.shipment_id == s.id],
            }
            for s in shipments
        ],
        "messages": [
            _row(m, skip=("lease_until", "unique_key"))
            for m in await OutboxMessage.filter(
                merchant_id=merchant_id, customer_id=customer.id
            ).order_by("id")
        ],
        "returns": [
            {**_row(r), "items": [_row(i) for i in return_items if i.return_request_id == r.id]}
            for r in returns
        ],
        "withdrawals": [
            _row(w)
            for w in await Withdrawal.filter(
                merchant_id=merchant_id, customer_id=customer.id
            ).order_by("id")
        ],
        "claims": [
            _row(c)
            for c in await Claim.filter(merchant_id=merchant_id, customer_id=customer.id).order_by(
                "id"
            )
        ],
        "surveys": [
            {
                **_row(s, skip=("token_hash",)),
                "answers": [_row(a) for a in answers if a.survey_id == s.id],
            }
            for s in surveys
        ],
        "consent_history": [
            _row(c)
            for c in await ConsentChange.filter(customer_id=customer.id).order_by(
                "created_at", "id"
            )
        ],
        "erasures": [
            _row(e) for e in await Erasure.filter(merchant_id=merchant_id, customer_id=customer.id)
        ],
    }


def identifiers(customer: Customer, orders: Iterable[Order]) -> list[str]:
    """What identifies the person in free text: e-mails, phone, names (at least 3 chars)."""
    found = {customer.email, customer.phone, customer.name}
    for order in orders:
        found.update({order.email, order.ship_name})
    return sorted({v.strip() for v in found if v and len(v.strip()) >= 3}, key=len, reverse=True)


def _scrub(value: Any, needles: list[str]) -> tuple[Any, bool]:
    """``value`` with every needle replaced (recursively in JSON), and whether it changed."""
    if isinstance(value, str):
        new = value
        for needle in needles:
            new = re.sub(re.escape(needle), ERASED, new, flags=re.IGNORECASE)
        return new, new != value
    if isinstance(value, list):
        pairs = [_scrub(v, needles) for v in value]
        return [p[0] for p in pairs], any(p[1] for p in pairs)
    if isinstance(value, dict):
        changed = False
        out = {}
        for k, v in value.items():
            new_key, key_changed = _scrub(k, needles)
            new_value, value_changed = _scrub(v, needles)
            out[new_key] = new_value
            changed = changed or key_changed or value_changed
        return out, changed
    return value, False


def _scope(model: type[Model], merchant_id: int) -> dict[str, Any] | None:
    """The filter keeping ``model``'s rows to one merchant (directly or through a foreign
    key); None for a table no merchant owns (rate-limit counters)."""
    if "merchant_id" in model._meta.fields_map or "merchant" in model._meta.fk_fields:
        return {"merchant_id": merchant_id}
    for fk in sorted(model._meta.fk_fields):
        related = model._meta.fields_map[fk]
        target = getattr(related, "related_model", None)
        if target is not None and "merchant" in target._meta.fk_fields:
            return {f"{fk}__merchant_id": merchant_id}
    return None


def text_columns(model: type[Model]) -> list[tuple[str, str, bool]]:
    """(attribute, column, is_json) for every text-bearing column of ``model``."""
    out = []
    for name, field in model._meta.fields_map.items():
        if isinstance(field, fields.JSONField):
            out.append((name, field.source_field or name, True))
        elif isinstance(field, fields.CharField | fields.TextField) and not hasattr(
            field, "enum_type"
        ):
            out.append((name, field.source_field or name, False))
    return out


def all_models() -> list[type[Model]]:
    """Every model Tortoise knows (the schema, whatever was added since this was written)."""
    return list(Tortoise.apps["models"].values())


def _patterns(needles: list[str]) -> list[str]:
    """Each needle as stored in text and in ASCII-escaped JSON, lower-cased for LIKE."""
    forms = set()
    for needle in needles:
        forms.add(needle.lower())
        forms.add(json.dumps(needle)[1:-1].lower())
    return sorted(forms)


async def rows_mentioning(
    model: type[Model], column: str, needles: list[str], conn: Any
) -> list[Any]:
    """Ids of ``model``'s rows whose ``column`` contains a needle (any merchant)."""
    table = model._meta.db_table
    pk = model._meta.db_pk_column
    patterns = _patterns(needles)
    where = " OR ".join(f'LOWER(CAST("{column}" AS TEXT)) LIKE {_param(conn, i)}'
                        for i in range(len(patterns)))  # fmt: skip
    sql = f'SELECT "{pk}" FROM "{table}" WHERE {where}'
    _, rows = await conn.execute_query(sql, [f"%{p}%" for p in patterns])
    return [row[pk] if isinstance(row, dict) else row[0] for row in rows]


def _param(conn: Any, index: int) -> str:
    return f"${index + 1}" if conn.capabilities.dialect == "postgres" else "?"


async def _scrub_everywhere(merchant_id: int, needles: list[str], conn: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for model in all_models():
        scope = _scope(model, merchant_id)
        if scope is None:
            continue
        for attribute, column, _is_json in text_columns(model):
            ids = await rows_mentioning(model, column, needles, conn)
            if not ids:
                continue
            pk = model._meta.pk_attr
            owned = await model.filter(**{f"{pk}__in": ids}, **scope).using_db(conn)
            for row in owned:
                new, changed = _scrub(getattr(row, attribute), needles)
                if changed:
                    await model.filter(**{pk: row.pk}).using_db(conn).update(**{attribute: new})
                    counts[model._meta.db_table] = counts.get(model._meta.db_table, 0) + 1
    return counts


def _delete_files(settings: Settings, paths: Iterable[str | None]) -> None:
    root = Path(settings.var_dir).resolve()
    for relative in paths:
        if not relative:
            continue
        path = (root / relative).resolve()
        if path.is_relative_to(root) and path.is_file():
            path.unlink()


async def erase(customer: Customer, *, actor: str, settings: Settings) -> Erasure:
    """Anonymise ``customer`` everywhere in their merchant's data; record who and when."""
    merchant_id = customer.merchant_id
    orders = await Order.filter(merchant_id=merchant_id, customer_id=customer.id)
    needles = identifiers(customer, orders)
    order_ids = [o.id for o in orders]
    photos: list[str | None] = []
    async with in_transaction() as conn:
        counts: dict[str, int] = {}

        def count(table: str, n: int) -> None:
            if n:
                counts[table] = counts.get(table, 0) + n

        count("customer", await Customer.filter(id=customer.id).using_db(conn).update(
            email=None, phone=None, name="", email_opt_in=False, sms_opt_in=False,
        ))  # fmt: skip
        count("orders", await Order.filter(id__in=order_ids).using_db(conn).update(
            email="", **{f"ship_{f}": "" for f in ADDRESS_FIELDS if f != "country"}
        ))  # fmt: skip
        count("shipment", await Shipment.filter(order_id__in=order_ids).using_db(conn).update(
            signed_by=None
        ))  # fmt: skip
        for order_id in order_ids:  # an erased state leaves its parcels on the shop's clock
            await late_clock.refresh_order(conn, order_id)
        count(
            "outbox_message",
            await OutboxMessage.filter(merchant_id=merchant_id, customer_id=customer.id)
            .using_db(conn)
            .update(recipient=ERASED, subject="", body_text="", body_html=None),
        )
        returns = ReturnRequest.filter(merchant_id=merchant_id, customer_id=customer.id)
        count("return_request", await returns.using_db(conn).update(customer_note=""))
        items = ReturnItem.filter(return_request__customer_id=customer.id,
                                  return_request__merchant_id=merchant_id)  # fmt: skip
        photos += [
            str(path)
            for path in await items.using_db(conn).values_list("photo_path", flat=True)
            if path
        ]
        count("return_item", await items.using_db(conn).update(comment="", photo_path=None))
        count(
            "withdrawal",
            await Withdrawal.filter(merchant_id=merchant_id, customer_id=customer.id)
            .using_db(conn)
            .update(name=ERASED, email=ERASED),
        )
        claims = Claim.filter(merchant_id=merchant_id, customer_id=customer.id)
        for paths in await claims.using_db(conn).values_list("photo_paths", flat=True):
            photos += list(paths or [])
        count("claim", await claims.using_db(conn).update(description="", photo_paths=[]))
        count(
            "survey_answer",
            await SurveyAnswer.filter(
                survey__customer_id=customer.id, survey__merchant_id=merchant_id
            )
            .using_db(conn)
            .update(comment=None),
        )
        count(
            "consent_change",
            await ConsentChange.filter(customer_id=customer.id).using_db(conn).update(detail=""),
        )
        if needles:
            for table, n in (await _scrub_everywhere(merchant_id, needles, conn)).items():
                count(table, n)
        record = await Erasure.create(
            merchant_id=merchant_id,
            customer_id=customer.id,
            actor=actor,
            counts=counts,
            erased_at=datetime.now(UTC),
            using_db=conn,
        )
        await events.emit(
            merchant_id=merchant_id,
            kind=CUSTOMER_ERASED,
            subject_type="customer",
            subject_id=customer.id,
            payload=CustomerErased(
                customer_id=customer.id, erased_at=record.erased_at.isoformat(), actor=actor
            ),
            using_db=conn,
            settings=settings,
        )
    _delete_files(settings, photos)
    await customer.refresh_from_db()
    return record
