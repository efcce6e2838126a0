"""The merchant's return reasons, checked and saved in one place: the workspace's reasons
screen (:mod:`portal.admin.return_reasons`) and ``/api/v1/return-reasons``
(:mod:`portal.api.return_reasons`) both go through :func:`store` and :func:`forget`, so what
one refuses the other refuses, in the same words.

Reasons nest one level deep, as the customer's menu shows them (``parent`` is a top-level
reason), ordered by ``position`` among their siblings. A reason a return already points at
is history — return rate by reason counts it — so its code cannot change and it cannot be
deleted; it is switched off instead (``active`` false: customers no longer see it, the
returns that gave it and the analytics keep it).

A reason may list the product categories it applies to (``categories``; empty: every
category; :mod:`portal.returns.reason_categories` says how a reason under a heading takes the
heading's list). Each is trimmed, at most as long as a line item's category, and said once
(without regard to case, as items match them).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from portal import i18n
from portal.admin.return_words import reason_label
from portal.i18n import _
from portal.models import OrderItem, ReturnItem, ReturnPolicy, ReturnReason

CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
LABEL_MAX = 200
FLAGS = ("requires_photo", "requires_comment", "waives_fees")
#: A reason's category is compared with a line item's: no longer than its column.
CATEGORY_MAX: int = OrderItem._meta.fields_map["category"].max_length  # type: ignore[attr-defined]
#: How many categories one reason may list.
CATEGORIES_MAX = 100

#: Why :func:`forget` kept a reason.
Kept = Literal["used", "children"]


@dataclass(frozen=True, slots=True)
class Entry:
    """One reason in the list, with what the screen and the API say about it."""

    reason: ReturnReason
    label: str
    used: bool
    children: tuple[Entry, ...] = ()


async def used_ids(merchant_id: int) -> set[int]:
    """The merchant's reasons that returns point at."""
    # Tortoise types flat values_list() as rows of tuples; they are bare ids.
    rows: list[Any] = await ReturnItem.filter(
        reason__merchant_id=merchant_id, reason_id__isnull=False
    ).values_list("reason_id", flat=True)
    return {int(r) for r in rows if r is not None}


async def reason_tree(merchant_id: int) -> list[Entry]:
    """The merchant's reasons, top-level ones in order with their children in order."""
    rows = await ReturnReason.filter(merchant_id=merchant_id).order_by("position", "id")
    used = await used_ids(merchant_id)
    known = {r.id for r in rows}
    parent_of = {r.id: r.parent_id for r in rows}

    def entry(r: ReturnReason, children: tuple[Entry, ...] = ()) -> Entry:
        return Entry(r, reason_label(r), r.id in used, children)

    return [
        entry(top, tuple(entry(r) for r in rows if parent_of[r.id] == top.id))
        for top in rows
        if parent_of[top.id] not in known
    ]


def values_of(reason: ReturnReason | None) -> dict[str, Any]:
    """A reason as the screen's form holds it (and the API lays a change over)."""
    labels = (reason.labels or {}) if reason else {}
    values: dict[str, Any] = {
        "code": reason.code if reason else "",
        "parent": str(reason.parent_id or "") if reason else "",
        "categories": list(reason.categories or []) if reason else [],
    }
    for flag in FLAGS:
        values[flag] = bool(getattr(reason, flag)) if reason else False
    for locale in i18n.LOCALES:
        values[f"label_{locale}"] = str(labels.get(locale) or "")
    return values


def category_problems(given: Any) -> dict[int | None, str]:
    """What is wrong with a list of categories: by index (0 first), or ``None`` for the
    list itself."""
    if not isinstance(given, list):
        return {None: _("List the categories as text.")}
    if len(given) > CATEGORIES_MAX:
        return {None: _("List at most %(max)d categories.") % {"max": CATEGORIES_MAX}}
    problems: dict[int | None, str] = {}
    for index, category in enumerate(given):
        if not isinstance(category, str) or not category.strip():
            problems[index] = _("Category %(number)d is empty: write one or leave it out.") % {
                "number": index + 1
            }
        elif len(category.strip()) > CATEGORY_MAX:
            problems[index] = _("Category “%(category)s” is longer than %(max)d characters.") % {
                "category": category.strip()[:40],
                "max": CATEGORY_MAX,
            }
    return problems


def clean_categories(given: list[str]) -> list[str]:
    """Checked categories trimmed, each once in the order given: "Shoes, shoes" is one
    category, as written first, since items match them without regard to case."""
    kept: dict[str, str] = {}
    for category in given:
        kept.setdefault(category.strip().casefold(), category.strip())
    return list(kept.values())


async def order_categories(merchant_id: int, limit: int = 50) -> list[str]:
    """The categories the shop's order lines have (a hint for the reasons screen)."""
    rows: list[Any] = await (
        OrderItem.filter(order__merchant_id=merchant_id, category__isnull=False)
        .exclude(category="")
        .distinct()
        .order_by("category")
        .limit(limit)
        .values_list("category", flat=True)
    )
    return [str(row) for row in rows]


def validate(
    values: dict[str, Any], parents: dict[str, int]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Field values for a ReturnReason and errors by field; ``parents`` maps the given
    value of each allowed parent choice to its id (checked, never trusted)."""
    errors: dict[str, str] = {}
    code = values["code"]
    if not CODE.fullmatch(code):
        errors["code"] = _(
            "Enter a code of lowercase letters, digits, _ or -, at most 64 characters, "
            "for example too_small."
        )
    labels: dict[str, str] = {}
    for locale in i18n.LOCALES:
        text = values[f"label_{locale}"]
        if len(text) > LABEL_MAX:
            errors[f"label_{locale}"] = _("Use at most %(max)d characters.") % {"max": LABEL_MAX}
        if text:
            labels[locale] = text
    if not values["label_en"]:
        errors["label_en"] = _("Enter the reason in English: it is shown when no translation is.")
    parent_id: int | None = None
    if values["parent"]:
        if values["parent"] not in parents:
            errors["parent"] = _("Choose from the listed options.")
        else:
            parent_id = parents[values["parent"]]
    categories = values.get("categories", [])
    problems = category_problems(categories)
    if problems:
        errors["categories"] = next(iter(problems.values()))
    clean: dict[str, Any] = {
        "code": code,
        "labels": labels,
        "parent_id": parent_id,
        "categories": [] if problems else clean_categories(categories),
    }
    clean.update({flag: bool(values[flag]) for flag in FLAGS})
    if "active" in values:
        clean["active"] = bool(values["active"])
    return clean, errors


async def parent_choices(merchant_id: int, reason: ReturnReason | None) -> list[ReturnReason]:
    """Top-level reasons a reason may go under: not itself, and none if it has children."""
    if reason is not None and await ReturnReason.exists(parent_id=reason.id):
        return []
    query = ReturnReason.filter(merchant_id=merchant_id, parent_id__isnull=True)
    if reason is not None:
        query = query.exclude(id=reason.id)
    return list(await query.order_by("position", "id"))


def by_id(reason: ReturnReason) -> str:
    """How the screen names a parent choice (its id, as the form posts it)."""
    return str(reason.id)


async def _rename_in_policies(
    merchant_id: int, old: str, new: str | None, conn: BaseDBAsyncClient
) -> None:
    """Follow a changed (or, with ``new=None``, a deleted) code in the policy's reason lists."""
    for found in await ReturnPolicy.filter(merchant_id=merchant_id).using_db(conn):
        waivers = dict(found.fee_waivers or {})
        auto = dict(found.auto_approve_rules or {})
        changed = False
        for rules in (waivers, auto):
            codes = rules.get("reasons")
            if isinstance(codes, list) and old in codes:
                renamed = (new if code == old else code for code in codes)
                rules["reasons"] = list(dict.fromkeys(c for c in renamed if c))
                changed = True
        if changed:
            found.fee_waivers, found.auto_approve_rules = waivers, auto
            await found.save(using_db=conn, update_fields=["fee_waivers", "auto_approve_rules"])


async def _next_position(merchant_id: int, parent_id: int | None, conn: BaseDBAsyncClient) -> int:
    last = (
        await ReturnReason.filter(merchant_id=merchant_id, parent_id=parent_id)
        .using_db(conn)
        .order_by("-position")
        .first()
    )
    return last.position + 1 if last else 0


async def _code_problem(merchant_id: int, reason: ReturnReason | None, code: str) -> str | None:
    if reason is not None and code == reason.code:
        return None
    if reason is not None and await ReturnItem.exists(reason_id=reason.id):
        return _("Returns already use this reason, so its code cannot change.")
    if await ReturnReason.exists(merchant_id=merchant_id, code=code):
        return _("Another reason already uses this code.")
    return None


async def store(
    merchant_id: int,
    reason: ReturnReason | None,
    values: dict[str, Any],
    *,
    parent_key: Callable[[ReturnReason], str] = by_id,
    position: int | None = None,
) -> tuple[ReturnReason | None, dict[str, str]]:
    """Check ``values`` (:func:`values_of`'s shape, plus ``active`` when it changes) and save
    them into ``reason``, or make a new one; the saved reason, or the errors by field with
    nothing written. ``parent_key`` names a parent choice as ``values["parent"]`` does (the
    screen posts ids, the API codes). A new reason, or one moved under another parent, goes
    last among its siblings; ``position`` then places it (:func:`place`). The screen and
    ``POST``/``PATCH /api/v1/return-reasons`` both save through here."""
    choices = await parent_choices(merchant_id, reason)
    clean, errors = validate(values, {parent_key(p): p.id for p in choices})
    if "code" not in errors:
        problem = await _code_problem(merchant_id, reason, clean["code"])
        if problem:
            errors["code"] = problem
    if errors:
        return None, errors
    try:
        async with in_transaction() as conn:
            if reason is None:
                last = await _next_position(merchant_id, clean["parent_id"], conn)
                saved = await ReturnReason.create(
                    merchant_id=merchant_id, position=last, using_db=conn, **clean
                )
            else:
                old_code, saved = reason.code, reason
                if clean["parent_id"] != reason.parent_id:
                    reason.position = await _next_position(merchant_id, clean["parent_id"], conn)
                await reason.update_from_dict(clean).save(using_db=conn)
                if old_code != reason.code:
                    await _rename_in_policies(merchant_id, old_code, reason.code, conn)
            if position is not None:
                await _place(merchant_id, saved, position, conn)
    except IntegrityError:  # the same code taken at the same moment
        return None, {"code": _("Another reason already uses this code.")}
    return saved, {}


async def siblings_of(
    merchant_id: int, reason: ReturnReason, conn: BaseDBAsyncClient | None = None
) -> list[ReturnReason]:
    """The reasons beside ``reason`` (same parent), itself included, in order."""
    return list(
        await ReturnReason.filter(merchant_id=merchant_id, parent_id=reason.parent_id)
        .using_db(conn)
        .order_by("position", "id")
    )


async def _place(
    merchant_id: int, reason: ReturnReason, index: int, conn: BaseDBAsyncClient
) -> None:
    siblings = [r for r in await siblings_of(merchant_id, reason, conn) if r.id != reason.id]
    siblings.insert(max(0, min(index, len(siblings))), reason)
    for number, row in enumerate(siblings):
        if row.position != number:
            row.position = number
            await ReturnReason.filter(id=row.id).using_db(conn).update(position=number)


async def place(merchant_id: int, reason: ReturnReason, index: int) -> None:
    """Put ``reason`` at ``index`` among its siblings (0 first; past the end: last), the
    others keeping their order; their positions are renumbered 0, 1, 2…"""
    async with in_transaction() as conn:
        await _place(merchant_id, reason, index, conn)


async def index_of(merchant_id: int, reason: ReturnReason) -> int:
    """Where ``reason`` stands among its siblings (0 first)."""
    siblings = await siblings_of(merchant_id, reason)
    return next(i for i, r in enumerate(siblings) if r.id == reason.id)


async def set_active(reason: ReturnReason, active: bool) -> None:
    """Switch a reason on or off: off, customers no longer see it, and the returns that gave
    it keep it (so do the analytics)."""
    await ReturnReason.filter(id=reason.id).update(active=active)
    reason.active = active


async def forget(merchant_id: int, reason: ReturnReason) -> Kept | None:
    """Delete a reason no return ever used and with nothing under it, and drop its code from
    the policy's reason lists; else why it was kept (``used``: switch it off instead). The
    screen's delete and ``DELETE /api/v1/return-reasons/{id}`` both go through here."""
    async with in_transaction() as conn:
        if await ReturnItem.filter(reason_id=reason.id).using_db(conn).exists():
            return "used"
        if await ReturnReason.filter(parent_id=reason.id).using_db(conn).exists():
            return "children"
        await _rename_in_policies(merchant_id, reason.code, None, conn)
        await ReturnReason.filter(id=reason.id).using_db(conn).delete()
    return None
