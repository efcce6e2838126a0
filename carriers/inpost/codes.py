"""InPost ShipX shipment statuses → Doorstep's vocabulary.

The table holds every status name ``GET /v1/statuses`` lists (ShipX 1.23; the names a
tracking response's ``status`` and ``tracking_details[].status`` use), in that list's
order. Where InPost's wording decides the reading:

- ``ready_to_pickup``, ``pickup_reminder_sent`` and the ``stack_in_*`` statuses wait at a
  locker or point: available for pickup. ``stack_*`` is temporary storage in a nearby
  locker or point when the chosen one is full; when *that* storage time runs out
  (``stack_parcel_*pickup_time_expired``) InPost moves the parcel on to the locker first
  chosen, so it is in transit again, not lost to the customer.
- ``pickup_time_expired`` is the real deadline passing: an exception, not collected. The
  ``returned_to_sender`` that usually follows is refined to ``not_collected`` by
  :func:`carriers.inpost.parse.parse_tracking` from the history.
- ``avizo`` is a courier's failed delivery with the parcel back at the branch.
- ``canceled`` and ``claimed`` (a complaint lodged) have no better home than exception.
"""

from __future__ import annotations

from carriers.base import Reason, Status

Outcome = tuple[Status, Reason | None]

_INFO: Outcome = (Status.INFO_RECEIVED, None)
_TRANSIT: Outcome = (Status.IN_TRANSIT, None)
_OUT: Outcome = (Status.OUT_FOR_DELIVERY, None)
_PICKUP: Outcome = (Status.AVAILABLE_FOR_PICKUP, None)
_ADDRESS: Outcome = (Status.FAILED_ATTEMPT, Reason.ADDRESS_ISSUE)

STATUS_CODES: dict[str, Outcome] = {
    "created": _INFO,
    "offers_prepared": _INFO,
    "offer_selected": _INFO,
    "confirmed": _INFO,
    "dispatched_by_sender": _TRANSIT,
    "collected_from_sender": _TRANSIT,
    "taken_by_courier": _TRANSIT,
    "adopted_at_source_branch": _TRANSIT,
    "sent_from_source_branch": _TRANSIT,
    "ready_to_pickup_from_pok": _PICKUP,
    "ready_to_pickup_from_pok_registered": _PICKUP,
    "oversized": (Status.EXCEPTION, Reason.CARRIER_DELAY),
    "adopted_at_sorting_center": _TRANSIT,
    "sent_from_sorting_center": _TRANSIT,
    "adopted_at_target_branch": _TRANSIT,
    "out_for_delivery": _OUT,
    "ready_to_pickup": _PICKUP,
    "pickup_reminder_sent": _PICKUP,
    "delivered": (Status.DELIVERED, None),
    "pickup_time_expired": (Status.EXCEPTION, Reason.NOT_COLLECTED),
    "avizo": (Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE),
    "claimed": (Status.EXCEPTION, Reason.UNKNOWN),
    "returned_to_sender": (Status.RETURNED_TO_SENDER, None),
    "canceled": (Status.EXCEPTION, Reason.UNKNOWN),
    "other": _TRANSIT,
    "dispatched_by_sender_to_pok": _TRANSIT,
    "out_for_delivery_to_address": _OUT,
    "pickup_reminder_sent_address": _PICKUP,
    "rejected_by_receiver": (Status.EXCEPTION, Reason.REFUSED),
    "undelivered_wrong_address": _ADDRESS,
    "undelivered_incomplete_address": _ADDRESS,
    "undelivered_unknown_receiver": _ADDRESS,
    "undelivered_cod_cash_receiver": (Status.FAILED_ATTEMPT, Reason.UNKNOWN),
    "taken_by_courier_from_pok": _TRANSIT,
    "undelivered": (Status.FAILED_ATTEMPT, None),
    "return_pickup_confirmation_to_sender": (Status.RETURNED_TO_SENDER, None),
    "ready_to_pickup_from_branch": _PICKUP,
    "delay_in_delivery": (Status.EXCEPTION, Reason.CARRIER_DELAY),
    "redirect_to_box": _TRANSIT,
    "canceled_redirect_to_box": _TRANSIT,
    "readdressed": _TRANSIT,
    "undelivered_no_mailbox": _ADDRESS,
    "undelivered_not_live_address": _ADDRESS,
    "undelivered_lack_of_access_letterbox": _ADDRESS,
    "missing": (Status.EXCEPTION, Reason.LOST),
    "stack_in_customer_service_point": _PICKUP,
    "stack_parcel_pickup_time_expired": _TRANSIT,
    "unstack_from_customer_service_point": _TRANSIT,
    "courier_avizo_in_customer_service_point": _PICKUP,
    "taken_by_courier_from_customer_service_point": _TRANSIT,
    "stack_in_box_machine": _PICKUP,
    "unstack_from_box_machine": _TRANSIT,
    "stack_parcel_in_box_machine_pickup_time_expired": _TRANSIT,
}

#: InPost's own Polish words for its statuses, as its tracking page (inpost.pl) and
#: ``GET /v1/statuses`` in Polish title them; the scan's description, so a customer reads
#: "Przyjęta w Sortowni." and not ``adopted_at_sorting_center``. Only the titles public
#: integrations quote alike are here; a status without one keeps no description (its
#: name stays the event's carrier code).
TITLES: dict[str, str] = {
    "created": "Przesyłka utworzona.",
    "confirmed": "Przygotowana przez Nadawcę.",
    "dispatched_by_sender": "Paczka nadana w automacie Paczkomat.",
    "collected_from_sender": "Odebrana od klienta.",
    "taken_by_courier": "Odebrana od Nadawcy.",
    "adopted_at_source_branch": "Przyjęta w oddziale InPost.",
    "sent_from_source_branch": "W trasie.",
    "adopted_at_sorting_center": "Przyjęta w Sortowni.",
    "sent_from_sorting_center": "Wysłana z Sortowni.",
    "adopted_at_target_branch": "Przyjęta w Oddziale Docelowym.",
    "out_for_delivery": "Przekazano do doręczenia.",
    "out_for_delivery_to_address": "W doręczeniu.",
    "ready_to_pickup": "Umieszczona w automacie Paczkomat (odbiorczym).",
    "delivered": "Dostarczona.",
    "avizo": "Powrót do oddziału.",
    "returned_to_sender": "Zwrot do nadawcy.",
    "canceled": "Anulowano etykietę.",
    "undelivered": "Przekazanie do magazynu przesyłek niedoręczalnych.",
    "stack_in_box_machine": "Paczka magazynowana w tymczasowym automacie.",
    "stack_in_customer_service_point": "Paczka magazynowana w PaczkoPunkcie.",
}

#: A status InPost adds later: kept on the event, read as movement.
DEFAULT: Outcome = _TRANSIT

#: Statuses saying the pickup deadline passed: a later return was not collected.
EXPIRED = frozenset({"pickup_time_expired"})

#: Statuses after which the parcel is held at an InPost branch, not at its target locker.
AT_BRANCH = frozenset(
    {"ready_to_pickup_from_branch", "pickup_reminder_sent_address", "avizo", "pickup_time_expired"}
)


def classify(status: str) -> Outcome:
    """(status, reason) for a ShipX status name; unknown names read as in transit."""
    return STATUS_CODES.get(status.strip().lower(), DEFAULT)
