"""DPD Polska business codes (``customerEventV3.businessCode``) mapped to Doorstep's vocabulary.

DPD Polska lists its six-digit business codes in the DPD Info Services documentation it
hands out with API access; that list is not public. This table is built from the best
public evidence of it: the code catalogues of two open-source DPD Polska integrations
(``dbojdo/dpd-client``, ``DPDInfoServices/CustomerEvents/BusinessCodes.php``, whose constant
names spell each code's meaning, and the ``DPDBusinessCodes`` enum of the Shwrm tracking
library, which gives each code's meaning as a message key). They agree wherever both list
a code but one, ``410135`` (see below). Codes whose meaning neither gives are left out and
read as movement.

The first two digits group the codes: 03 data, 04 collection from the sender, 05 hub,
11–17 depots and delivery round, 19 delivered, 20–21 not delivered, 23 depot handling and
returns, 50 international partners, 51/60/70 DPD Pickup points (shops and lockers).
"""

from __future__ import annotations

from carriers.base import Reason, Status

Outcome = tuple[Status, Reason | None]

_INFO: Outcome = (Status.INFO_RECEIVED, None)
_MOVING: Outcome = (Status.IN_TRANSIT, None)
_OUT: Outcome = (Status.OUT_FOR_DELIVERY, None)
_DELIVERED: Outcome = (Status.DELIVERED, None)
_ABSENT: Outcome = (Status.FAILED_ATTEMPT, Reason.RECIPIENT_UNAVAILABLE)
_ATTEMPT: Outcome = (Status.FAILED_ATTEMPT, None)
_ADDRESS: Outcome = (Status.EXCEPTION, Reason.ADDRESS_ISSUE)
_REFUSED: Outcome = (Status.EXCEPTION, Reason.REFUSED)
_DAMAGED: Outcome = (Status.EXCEPTION, Reason.DAMAGED)
_PICKUP: Outcome = (Status.AVAILABLE_FOR_PICKUP, None)
_RETURNED: Outcome = (Status.RETURNED_TO_SENDER, None)


def _each(outcome: Outcome, *codes: str) -> dict[str, Outcome]:
    return dict.fromkeys(codes, outcome)


CODES: dict[str, Outcome] = {
    # Parcel data registered, parcel not yet handed to DPD.
    "030103": _INFO,
    # Collection from the sender: assigned to a courier, postponed (sender absent, no
    # time, parcel not ready, no customs documents, too many parcels), cancelled (sender
    # not told, already sent, wrong address, fewer parcels, wrong weight): still with the shop.
    **_each(_INFO, "654321", "040501", "040502", "040503", "040504", "040505"),
    **_each(_INFO, "040601", "040602", "040603", "040604", "040605"),
    # Collected by the courier; received at a hub; received at a DPD depot; repackaged;
    # weighed again; sent abroad; received from the courier.
    **_each(_MOVING, "040101", "040102", "050101", "050102", "220101"),
    **_each(_MOVING, "120100", "120101", "120102", "120103", "120104"),
    **_each(_MOVING, "160101", "160103", "160501", "160502", "160503"),
    **_each(_MOVING, "330135", "330137", "370101", "600102"),
    **_each(_MOVING, "110302", "150301", "170302", "320202", "250301", "230405"),
    # Sorting errors: sent the wrong way and put right; the parcel keeps moving.
    **_each(_MOVING, "160102", "160202", "170205", "230207", "230208", "230209", "230210"),
    "260403": _MOVING,
    # Notifications sent to the recipient (Predict): informative, see INFORMATIONAL.
    **_each(_MOVING, "170304", "170305", "170306", "170307", "170308"),
    # Return documents sent to the sender.
    "240304": _MOVING,
    # Read as "received from the courier"; one public catalogue calls it delivered: kept
    # as movement so that an unsure code never closes a parcel.
    "410135": _MOVING,
    # Readdressed according to instructions (a new address or another Pickup point; the
    # new waybill is in eventDataList).
    "230402": _MOVING,
    # Released to the courier for delivery.
    "170101": _OUT,
    "170102": _OUT,
    # Delivered; with a return parcel collected (190102); cash on delivery collected
    # (190104, 190201); delivered abroad by a partner (5013xx).
    **_each(_DELIVERED, "190101", "190102", "190103", "190104", "190105"),
    **_each(_DELIVERED, "190201", "190202", "190203", "190204", "190205"),
    **_each(_DELIVERED, "501300", "501304", "501340"),
    # Not delivered: recipient absent.
    **_each(_ABSENT, "200201", "200202", "200203", "200204", "200205", "200206"),
    **_each(_ABSENT, "500019", "500037", "500042", "500419", "500437", "500442"),
    # Not delivered: wrong or incomplete address; the company moved (200306).
    **_each(_ADDRESS, "200300", "200301", "200302", "200303", "200304", "200305"),
    **_each(_ADDRESS, "200306", "200307", "200308", "200309", "200310", "210109"),
    **_each(_ADDRESS, "500011", "500411", "500811"),
    # Refused: plain or signed refusal, recipient resigned (also by phone), goods not
    # ordered, wrong COD or EXW amount, return documents missing or not matching, parcel
    # incomplete; at a Pickup point too (6004xx/6007xx, 702001, late delivery 600411).
    **_each(_REFUSED, "200400", "200402", "200403", "200404", "200406", "200410"),
    **_each(_REFUSED, "200411", "200412", "200413", "200415", "200416"),
    **_each(_REFUSED, "200700", "200702", "200703", "200704", "200706", "200710"),
    **_each(_REFUSED, "200711", "200712", "200713", "200715", "200716"),
    **_each(_REFUSED, "500015", "500085", "500414", "500415", "500485", "500885"),
    **_each(_REFUSED, "600402", "600403", "600404", "600406", "600411", "600412"),
    **_each(_REFUSED, "600413", "600415", "600416", "600503", "600702", "600703"),
    **_each(_REFUSED, "600704", "600706", "600711", "600712", "600713", "600715"),
    "600716": _REFUSED,
    "702001": _REFUSED,
    # Refused because the parcel was damaged; damaged parcel left at a Pickup point.
    **_each(_DAMAGED, "200414", "200714", "600414", "600714", "511903", "512001"),
    # Failed attempts without refusal: no cash for COD or EXW, wrong payment type,
    # recipient's identity not verified, return parcel not ready (swap), no access.
    **_each(_ATTEMPT, "200401", "200405", "200408", "200409", "200701", "200705"),
    **_each(_ATTEMPT, "200708", "200709", "500046", "500446", "600401", "600405"),
    **_each(_ATTEMPT, "600701", "600705", "200500", "200501", "200502", "200503"),
    **_each(_ATTEMPT, "200504", "600501", "600502", "600504", "702102", "200505"),
    **_each(_ATTEMPT, "600505", "200801"),
    # A later delivery date agreed with the recipient: rescheduled, still moving.
    **_each(_MOVING, "200601", "200604", "210111", "600601"),
    # To be collected in person at the depot; collection at a Pickup point agreed.
    "200602": _PICKUP,
    "600602": _PICKUP,
    # Stored at the depot (held after an attempt or on request).
    "230101": (Status.EXCEPTION, Reason.HELD_AT_CARRIER),
    "320201": (Status.EXCEPTION, Reason.HELD_AT_CARRIER),
    # Missing from the delivery depot; disposed of (liquidation).
    "230309": (Status.EXCEPTION, Reason.LOST),
    "230310": (Status.EXCEPTION, Reason.LOST),
    # Returned to the sender, at home and by partners abroad.
    "230403": _RETURNED,
    **_each(_RETURNED, "500610", "500611", "500612", "500614", "500615", "500616"),
    **_each(_RETURNED, "500617", "500624", "500629", "500630", "500633", "500635"),
    **_each(_RETURNED, "500637", "500639", "500642", "500649", "500661", "500684"),
    "500685": _RETURNED,
    # Waited at the Pickup point past its deadline: going back to the sender.
    "230506": (Status.RETURNED_TO_SENDER, Reason.NOT_COLLECTED),
    # DPD Pickup (shops and lockers). The sender dropping a parcel at a point, the point
    # handing it to a courier or sending it on: movement.
    **_each(_MOVING, "511201", "600101", "511801", "600105", "600106", "700401"),
    "701701": _MOVING,
    # On its way to a Pickup point.
    "502300": _MOVING,
    # Could not be passed to the chosen Pickup point (full, closed): delayed.
    **_each((Status.EXCEPTION, Reason.CARRIER_DELAY), "370201", "370202", "370203"),
    **_each((Status.EXCEPTION, Reason.CARRIER_DELAY), "370204", "370205", "370206"),
    # Delivered to the Pickup point (also with a return parcel to hand over), released
    # there, stored there: waiting for the customer. Reminders the point sends.
    **_each(_PICKUP, "511901", "511902", "600103", "600104", "170501", "703201"),
    **_each(_PICKUP, "511701", "511702", "511703", "511704"),
    # Collected by the customer at the Pickup point (also with a return parcel).
    "701901": _DELIVERED,
    "701902": _DELIVERED,
}

#: Codes that tell something without moving the parcel (a notification, a weighing):
#: kept as events, but they do not replace the status the events before them gave.
INFORMATIONAL = frozenset(
    {"170304", "170305", "170306", "170307", "170308", "250301", "240304"}
    | {"511701", "511702", "511703", "511704"}
)

#: Codes whose event stands at a DPD Pickup point (the point's data may come with it).
AT_PICKUP_POINT = frozenset(
    {"511901", "511902", "511903", "512001", "600103", "600104", "170501", "703201"}
    | {"511701", "511702", "511703", "511704", "600602", "230506"}
)

#: Unknown code: a scan we cannot place is most likely movement.
DEFAULT: Outcome = _MOVING
#: ...except in the families that only hold failed deliveries (20xxxx, 21xxxx).
DEFAULT_NOT_DELIVERED: Outcome = _ATTEMPT


def classify(code: str) -> Outcome:
    """(status, reason) for a business code; unknown codes by their family."""
    key = code.strip()
    if key in CODES:
        return CODES[key]
    if key[:2] in ("20", "21"):
        return DEFAULT_NOT_DELIVERED
    return DEFAULT
