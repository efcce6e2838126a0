"""Speedy (Bulgaria) through its REST JSON API v1, https://api.speedy.bg/web-api.html
(request examples at https://services.speedy.bg/api/api_examples.html).

The client, parser and code tables are those of the platform Speedy shares with DPD
Romania (:mod:`.client`, :mod:`.parse`, :mod:`.codes`); this module sets what is
Speedy's own. In Bulgaria Speedy is DPD's partner: a Bulgarian shop's "DPD" parcels are
Speedy's (:mod:`portal.platforms.carrier_names`).
"""

from __future__ import annotations

import re
from typing import ClassVar

from carriers.base import NumberFormat
from carriers.speedy.client import SpeedyPlatformAdapter

__all__ = ["SpeedyAdapter", "SpeedyPlatformAdapter"]


class SpeedyAdapter(SpeedyPlatformAdapter):
    """Tracks Speedy shipments and parcels, ten per ``/track`` call, in Bulgarian or English."""

    key = "speedy"
    display_name = "Speedy"
    local_names = {"bg": "Спиди"}
    tracking_url = "https://www.speedy.bg/bg/track-shipment?shipmentNumber={number}"
    default_base_url = "https://api.speedy.bg/v1"
    answer_languages = frozenset({"bg", "en"})
    #: Speedy's own default when a request names no language.
    default_language: ClassVar[str] = "bg"
    home_country: ClassVar[str] = "BG"
    #: Speedy shipment (waybill) numbers are 11 digits; Speedy documents no check digit,
    #: and bare digits of that length are common, so a match proves little.
    number_formats = (NumberFormat("Speedy shipment number", re.compile(r"[0-9]{11}"), 0.3),)
