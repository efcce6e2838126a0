"""What a new shop still has to set up before its customers get anything, in order.

A shop made with ``portal merchant create`` (or by signing up) starts with nothing: no
carrier account to track parcels with, no orders, no contact for customers' replies, no
return policy (without one every return is refused, :func:`portal.returns.review.active_policy`)
and no return reasons (the return form cannot be filled in without one). The workspace
home lists the open steps (:mod:`portal.admin.home`) and ``GET /api/v1/setup``
(:mod:`portal.api.setup`) answers the same list, so a shop that only uses the API can
ask what is missing too.

The rules are a pure function of a few facts (:func:`steps_for`); :func:`facts_of` finds
those facts with one EXISTS query each, cheap enough for every home page view. Titles
and explanations are English marked for translation: the screen translates them into the
workspace's language, the API into the one ``Accept-Language`` asks for.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.i18n import lazy
from portal.models import (
    CarrierAccount,
    Merchant,
    Order,
    PlatformConnection,
    ReturnPolicy,
    ReturnReason,
    Shipment,
)

#: Where the REST API is mounted (:data:`portal.api.operations.PREFIX`).
API = "/api/v1"


@dataclass(frozen=True, slots=True)
class Facts:
    """What the steps are decided on, each found with one cheap query (or none)."""

    #: An account switched on whose credentials the carrier has not rejected.
    working_carrier: bool
    #: A store connection switched on, or any order or shipment registered.
    orders_coming_in: bool
    #: A support e-mail or phone in the settings: messages' Reply-To and contact line.
    contact: bool
    #: An active return policy.
    return_policy: bool
    #: At least one active return reason.
    return_reasons: bool
    #: A logo or a main colour of the shop's own.
    branding: bool


@dataclass(frozen=True, slots=True)
class Step:
    """One step: ``title`` and ``missing`` are English, marked for translation."""

    key: str
    done: bool
    #: False for a step a shop can work without (the others block its customers).
    required: bool
    title: str
    #: What the step is for and what is missing while it is open.
    missing: str
    #: The workspace page that does it.
    href: str
    #: The API operation that does it: method and path.
    api_method: str
    api_path: str


def steps_for(facts: Facts) -> list[Step]:
    """The steps in the order a shop best takes them."""
    return [
        Step(
            "carrier_account",
            facts.working_carrier,
            True,
            lazy("Connect a carrier account"),
            lazy("Parcels are tracked with your carrier account; none is connected and working."),
            "/admin/carriers",
            "POST",
            API + "/carrier-accounts",
        ),
        Step(
            "orders",
            facts.orders_coming_in,
            True,
            lazy("Bring in your orders"),
            lazy("Connect your store or register orders and parcels, so customers hear from you."),
            "/admin/stores",
            "POST",
            API + "/orders",
        ),
        Step(
            "contact",
            facts.contact,
            True,
            lazy("Say where customers can reach you"),
            lazy("Customers reply to the support e-mail or phone on your messages; none is set."),
            "/admin/settings",
            "PATCH",
            API + "/settings",
        ),
        Step(
            "return_policy",
            facts.return_policy,
            True,
            lazy("Set your return policy"),
            lazy("Without a return policy every return is refused."),
            "/admin/returns/policy",
            "PATCH",
            API + "/return-policy",
        ),
        Step(
            "return_reasons",
            facts.return_reasons,
            True,
            lazy("Add return reasons"),
            lazy("Customers choose a reason for each item; there is no active reason yet."),
            "/admin/returns/reasons",
            "POST",
            API + "/return-reasons",
        ),
        Step(
            "branding",
            facts.branding,
            False,
            lazy("Add your logo or colours"),
            lazy("Optional: your pages and messages look like your shop."),
            "/admin/settings",
            "PATCH",
            API + "/settings",
        ),
    ]


def complete(steps: list[Step]) -> bool:
    """Whether every required step is done (optional ones may stay open)."""
    return all(step.done for step in steps if step.required)


async def facts_of(merchant: Merchant) -> Facts:
    """The facts for ``merchant``: its settings from the row, the rest one EXISTS each."""
    mid = merchant.id
    brand = merchant.branding or {}
    working = CarrierAccount.filter(merchant_id=mid, enabled=True, paused_reason__isnull=True)
    orders = (
        await PlatformConnection.filter(merchant_id=mid, enabled=True).exists()
        or await Order.filter(merchant_id=mid).exists()
        or await Shipment.filter(merchant_id=mid).exists()
    )
    return Facts(
        working_carrier=await working.exists(),
        orders_coming_in=orders,
        contact=bool(brand.get("support_email") or brand.get("support_phone")),
        return_policy=await ReturnPolicy.filter(merchant_id=mid, is_active=True).exists(),
        return_reasons=await ReturnReason.filter(merchant_id=mid, active=True).exists(),
        branding=bool(brand.get("logo_path") or brand.get("primary_color")),
    )


async def steps_of(merchant: Merchant) -> list[Step]:
    return steps_for(await facts_of(merchant))
