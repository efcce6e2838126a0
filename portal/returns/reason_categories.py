"""Which return reasons apply to which items: return reasons by product category.

A reason may list the line item categories it applies to (``ReturnReason.categories``,
compared with ``OrderItem.category`` without regard to case: a shop that types "shoes" on
the reasons screen means its products of category "Shoes"; compared casefolded, so "STRASSE"
is "Straße", in Python, so both engines agree):

- a reason's list is its own when it has one, else its heading's (a reason under a
  heading with a list and none of its own takes the heading's), else empty;
- an empty list: the reason applies to every item, one without a category included;
- a list: it applies only to items whose category is in it (an item without a category
  gets only the reasons with an empty list);
- a heading is never a choice: the customer sees it for an item when one of the reasons
  under it applies.

The returns page offers each item only the reasons that apply to it, and
:func:`portal.returns.service.checked_lines` refuses the others (``reason_category``), so a
forged form or an API call is refused as the page would refuse it.
"""

from __future__ import annotations

from collections.abc import Collection


def effective(own: Collection[str] | None, heading: Collection[str] | None) -> tuple[str, ...]:
    """The categories a reason applies to: its own list, else its heading's, else none."""
    return tuple(own or heading or ())


def applies(categories: Collection[str], category: str | None) -> bool:
    """Whether a reason with these (effective) categories applies to an item of ``category``
    (case aside)."""
    if not categories:
        return True
    if category is None:
        return False
    wanted = category.casefold()
    return any(listed.casefold() == wanted for listed in categories)
