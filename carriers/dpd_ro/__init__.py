"""DPD Romania through its REST JSON API v1, https://api.dpd.ro/web-api.html
(base ``https://api.dpd.ro/v1``; request examples at
https://services.dpd.ro/api/api_examples.html).

DPD Romania runs Speedy's platform: the same methods (``POST /track`` with ``userName``,
``password`` and ``language`` in the body, up to 10 parcels a call; ``/shipment/info``;
``/location/office/{id}``), the same shapes and the same appendices of operation,
exception and error codes. The client, parser and code tables are therefore Speedy's
(:mod:`carriers.speedy.client`, :mod:`carriers.speedy.parse`, :mod:`carriers.speedy.codes`);
this module sets what differs:

* ``language`` is ``RO`` or ``EN`` (the API's own examples send ``EN``); operation
  descriptions and office names come in Romanian or English.
* Times are Romania's (``+0200``/``+0300``); an office without a ``countryId`` is in
  Romania.
* Automated lockers are DPDBox: an ``Office`` of type ``APT`` whose name says "DPDBox";
  any other office (a DPD office, a partner shop's DPD Pickup point) is a counter.
* The public tracking page is ``https://tracking.dpd.ro/?language=ro&shipmentNumber=…``.

Shipment (AWB) numbers are 11 digits like Speedy's; DPD Romania's parcels also carry the
DPD group's 14-digit parcel number on their labels (the format DPD Polska's adapter
claims). Neither has a documented check digit, so both propose little and a shop's
account decides between the carriers that claim them (:mod:`portal.tracking.registration`).
"""

from __future__ import annotations

import re
from typing import ClassVar

from carriers.base import NumberFormat
from carriers.speedy.client import SpeedyPlatformAdapter

__all__ = ["DPDRomaniaAdapter"]


class DPDRomaniaAdapter(SpeedyPlatformAdapter):
    """Tracks DPD Romania shipments and parcels, ten per ``/track`` call, in Romanian or English."""

    key = "dpd_ro"
    display_name = "DPD Romania"
    tracking_url = "https://tracking.dpd.ro/?language=ro&shipmentNumber={number}"
    default_base_url = "https://api.dpd.ro/v1"
    answer_languages = frozenset({"ro", "en"})
    #: Asked when the customer's language is neither Romanian nor English.
    default_language: ClassVar[str] = "ro"
    home_country: ClassVar[str] = "RO"
    number_formats = (
        NumberFormat("DPD Romania shipment number", re.compile(r"[0-9]{11}"), 0.3),
        NumberFormat("DPD parcel number (14 digits)", re.compile(r"[0-9]{14}"), 0.2),
    )
