"""The claim family: the customer told at each step of their claim, in their language.

Triggers ``claim_<state>``; defaults ``templates/notifications/claim_<state>.email.<locale>.txt``;
the composer does the rest (channels, consent, quiet hours, the outbox's one copy). The
listener runs in the transaction of the move (:mod:`portal.claims.states`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from portal import events, i18n
from portal.core.links import make_short_tracking_link, make_tracking_link
from portal.event_catalogue import CLAIM_KINDS, CLAIM_STATES
from portal.i18n import lazy
from portal.models import Channel, Claim, DomainEvent, Shipment
from portal.notifications.base import pick_locale
from portal.notifications.composer import SHORT_LINK_CHANNELS, Family, Message, compose
from portal.notifications.context import PARTY_VARIABLES, carrier_name
from portal.notifications.templates import TemplateSource, file_default
from portal.returns.messages import money
from portal.settings import Settings

TRIGGERS: tuple[str, ...] = tuple(f"claim_{state}" for state in CLAIM_STATES)
TRIGGER_NAMES: dict[str, str] = {
    "claim_submitted": lazy("Claim received"),
    "claim_in_review": lazy("Claim under review"),
    "claim_reshipped": lazy("Claim: replacement sent"),
    "claim_refunded": lazy("Claim: refunded"),
    "claim_rejected": lazy("Claim rejected"),
}
VARIABLES: dict[str, str] = {
    **PARTY_VARIABLES,
    "claim_number": lazy("The claim's number, e.g. C-7KQ2MX"),
    "tracking_number": lazy("The tracking number of the parcel the claim is about"),
    "replacement_tracking_number": lazy("The replacement parcel's tracking number (may be empty)"),
    "replacement_carrier": lazy("The replacement parcel's carrier (may be empty)"),
    "refund_amount": lazy("The amount refunded, with its currency (may be empty)"),
    "message": lazy("The shop's reason for a rejection (may be empty)"),
    "tracking_link": lazy("The link to the tracking page (the replacement's once reshipped)"),
}
CTA = lazy("Track your parcel")


@dataclass(frozen=True, slots=True)
class ClaimStep:
    claim: Any
    shipment: Any
    replacement: Any | None
    currency: str


def context(
    settings: Settings, message: Message[ClaimStep], channel: Channel, locale: str
) -> dict[str, Any]:
    step = message.about
    claim, replacement = step.claim, step.replacement
    return {
        "claim_number": claim.number,
        "tracking_number": step.shipment.tracking_number,
        "replacement_tracking_number": replacement.tracking_number if replacement else "",
        "replacement_carrier": carrier_name(replacement.carrier_key, locale) if replacement else "",
        "refund_amount": money(claim.refund_amount, step.currency, locale),
        "message": (claim.rejection_reason or "").strip(),
        "tracking_link": (
            make_short_tracking_link if channel in SHORT_LINK_CHANNELS else make_tracking_link
        )(settings, replacement or step.shipment),
    }


def default_source(trigger: str, channel: Channel | str, locale: str) -> TemplateSource:
    if trigger not in TRIGGERS:
        raise ValueError(f"not a claim trigger: {trigger!r}")
    return file_default(trigger, Channel(channel).value, locale)


def cta(trigger: str, locale: str) -> str:
    return i18n.translations(pick_locale(locale)).ugettext(CTA)


def _sample(settings: Settings, trigger: str) -> ClaimStep:
    claim = SimpleNamespace(
        number="C-7KQ2MX",
        refund_amount=Decimal("54.00"),
        rejection_reason="Delivered to you, signed.",
    )
    parcel = SimpleNamespace(id=0, tracking_number="1ZCIETST0111111114", carrier_key="ups")
    return ClaimStep(claim, parcel, parcel if trigger == "claim_reshipped" else None, "EUR")


CLAIMS: Family[ClaimStep] = Family(
    key="claim",
    triggers=TRIGGERS,
    variables=VARIABLES,
    default_channels={t: (Channel.EMAIL,) for t in TRIGGERS},
    default=default_source,
    context=context,
    sample=_sample,
    link="tracking_link",
    key_format="claim:{id}:{step}:{channel}",
    button=cta,
    template_channels=(Channel.EMAIL,),
)


@events.listen(*CLAIM_KINDS)
async def on_claim_event(event: DomainEvent, ctx: events.ListenerContext) -> None:
    """Tell the customer about the step, on the merchant's channels for the trigger."""
    conn = ctx.conn
    state = str((event.payload or {}).get("to_state") or "")
    claim = (
        await Claim.filter(id=event.subject_id, merchant_id=event.merchant_id)
        .select_related("merchant", "order", "customer", "shipment")
        .using_db(conn)
        .first()
    )
    if claim is None or claim.customer is None:
        return
    replacement = (
        await Shipment.get_or_none(id=claim.replacement_shipment_id, using_db=conn)
        if claim.replacement_shipment_id
        else None
    )
    currency = claim.order.currency if claim.order is not None else "EUR"
    message = Message(
        CLAIMS,
        f"claim_{state}",
        claim.id,
        ClaimStep(claim, claim.shipment, replacement, currency),
        merchant=claim.merchant,
        customer=claim.customer,
        order=claim.order,
        locale=claim.locale,
    )
    await compose(message, conn=conn, settings=ctx.settings, now=ctx.now or datetime.now(UTC))
