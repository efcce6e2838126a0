"""Sandbox Carrier: a simulated carrier that speaks HTTP, for demos, tests and benchmarks.

Every parcel's journey is a pure function of its number, the time and an epoch
(:mod:`carriers.sandbox.journey`), so several server processes, the tests and a benchmark
run twice all see exactly the same scans, without any stored state.

Tracking numbers
----------------
``SBX`` + 11 digits: ``SBX D HHHHHH NNN C``

- ``D``       scenario digit (below);
- ``HHHHHH``  label hour: hours since the epoch (default ``2020-01-01T00:00Z``). The label is
  created that hour plus 0–59 minutes (from the number's hash); before then the carrier
  knows nothing (``NOT_FOUND``);
- ``NNN``     serial, free; for forced scenarios it also picks the variant (below);
- ``C``       Luhn (mod 10) check digit of the ten digits before it. A number that is not of
  this form, or whose check digit is wrong, gets ``INVALID_NUMBER``.

Both ``NOT_FOUND`` and ``INVALID_NUMBER`` come back as ``not_found=True`` results.

=====  ======================================================================================
``D``  scenario
=====  ======================================================================================
0 7 8  chosen by the number's SHA-512: delivered 72 % (8 % of them after a weather delay
       ``XWX``), failed attempt then delivered 10 %, pickup point 7 %, exception 6 %,
       returned 4 %, label only 1 %; 15 % of parcels go EU → GB through customs (``CCL``)
1      delivered, never delayed: label → pickup → 2–4 hubs → out for delivery → delivered,
       with signer (1 delivery in 10, whatever the scenario, is to a neighbour: ``DLN``)
2      failed attempt, delivered the next day (``NNN`` even: nobody home ``ATT``; odd: no
       access ``ATA``)
3      exception, final (``NNN % 4``: 0 address ``XAD``, 1 damaged ``XDM``, 2 customs hold
       ``XCU`` on an EU → GB route, 3 lost ``XLS``)
4      goes to a pickup point (``NNN`` odd: after a failed attempt; even: chosen when
       ordering, so known from the label on). ``NNN // 2 % 3``: 0 waits there, 1 collected
       (``RPC``), 2 not collected by the deadline and sent back (``RPX`` … ``RTN``,
       ``not_collected``); hashed numbers: 70 % collected, 30 % sent back
5      returned to sender (``NNN`` even: refused ``REF``; odd: two failed attempts)
6      label created, never handed over (stays ``info_received``: stale/expiry demos)
9      not found, ever
=====  ======================================================================================

Pickup points are lockers (3 in 5; a locker keeps a parcel 48 hours and gives a 6-digit
pickup code; 1 direct-to-locker parcel in 5 is redirected to another locker, ``RPD``), shops
and post offices (until 18:00 local, seven days after arrival). ``RPR`` reminds the day
before the deadline while the parcel still waits.

Hubs and delivery towns are real places (city, region, postcode, country) in the US, the EU
and Great Britain; scans are stamped in local time with their offset. Journeys last up to
9 days (returns the longest), 16 for a parcel left at a pickup point and sent back;
deliveries happen 08:00–18:00 local, never on a Sunday. The
estimate (``eta``) is a date at label time, that day's 08:00–20:00 window once the parcel
moves, a 3-hour window once it is on the van, the next day's window after a failed attempt
that will be retried, and none once final, at a pickup point or in exception.

Examples (labelled 2026-01-05, long finished; ``SCENARIO_EXAMPLES`` holds them by name)::

    delivered                   SBX10527040017
    failed_attempt              SBX20527040008
    failed_attempt_no_access    SBX20527040016
    exception_address           SBX30527040007
    exception_damaged           SBX30527040015
    exception_customs           SBX30527040023
    exception_lost              SBX30527040031
    pickup_point                SBX40527040006
    pickup_point_after_attempt  SBX40527040014
    returned_refused            SBX50527040005
    returned_unclaimed          SBX50527040013
    label_only                  SBX60527040004
    not_found                   SBX90527040001

Parcels in flight: ``make_numbers(count, seed, now=..., days=14, scenario=None)`` gives
``count`` distinct numbers labelled during the ``days`` before ``now`` (reproducible for the
same arguments), so a demo shop or a benchmark has parcels at every stage.

API (``carriers.sandbox.server.create_app()``; the portal mounts it at ``/_sandbox/carrier``)
------------------------------------------------------------------------------------------------
``POST /v1/track`` with ``Authorization: Bearer <api_key>`` and ``{"numbers": [...]}`` (at most
100) answers ``{"parcels": [...]}`` in request order, each either::

    {"number": "SBX…", "found": true,
     "status": {"code": "DLV", "description": "Delivered"},
     "eta": {"date": "2026-01-06"} | {"from": "…Z", "to": "…Z"} | null,
     "delivery": {"delivered_at": "<local ISO>", "signed_by": "J. Smith", "left_at": "Reception"}
                 | null,
     "pickup_point": {"id": "KRA07L", "type": "locker" | "shop" | "post_office",
                      "name": "…", "address": {"street", "city", "postcode", "country"},
                      "location": {"lat": 50.06, "lon": 19.93}, "opening_hours": "24/7",
                      "deadline": "<local ISO>" | null, "code": "123456" | null} | null,
     "events": [{"code": "DLV", "description": "…", "time": "2026-01-06T17:24:00-05:00",
                 "location": {"city", "region", "postcode", "country"}}, …]}   # newest first

or ``{"number": "…", "found": false, "error": {"code", "message"}}`` with the code
``NOT_FOUND`` or ``INVALID_NUMBER``.
Event codes and their meaning: :mod:`carriers.sandbox.codes`. Any non-empty key is accepted
except ``bad-key`` (401, as is a missing key). Errors are ``{"error": {"code", "message"}}``:
400 ``INVALID_JSON`` / ``INVALID_REQUEST`` / ``TOO_MANY_NUMBERS``. ``GET /track/{number}``
is the public page (same parcel JSON, no key); ``GET /health`` answers ``{"ok": true}``.

Fault injection (per request, header or query parameter):

- ``X-Sandbox-Fault`` / ``?fault=``: ``429`` (with ``Retry-After: 2``), ``500``, ``502``,
  ``503``, ``504`` (no ``Retry-After``), or ``garbage`` (200 with an HTML body);
- ``X-Sandbox-Retry-After`` / ``?retry_after=``: seconds to send, or ``none`` to send none;
- ``X-Sandbox-Delay`` / ``?delay=``: seconds to wait first (at most 30);
- an API key ``fault-<fault>`` (e.g. ``fault-429``) fails every call that way, for demos
  from the admin where headers cannot be set;
- server-wide for benchmarks: ``create_app(latency=0.05, fault_rate=0.01, fault_status=503)``.

Run alone: ``python -m carriers.sandbox --host 127.0.0.1 --port 8900`` (``--help`` for the
epoch, latency and fault options).

Push
----
``await carriers.sandbox.server.push_updates(client, webhook_url, numbers, secret, now)``
POSTs the current state in the API's shape (100 parcels a request), signed with
``X-Sandbox-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>``. The adapter verifies it
with the account's ``webhook_secret`` (or its ``api_key`` when none is set).
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import ClassVar
from urllib.parse import quote

from carriers.base import (
    AuthError,
    BadResponse,
    CarrierAdapter,
    NumberFormat,
    NumberHint,
    TrackingResult,
)
from carriers.parsing import decode_json
from carriers.sandbox.journey import SCENARIO_EXAMPLES, Scenario, check_digit, make_numbers
from carriers.sandbox.parse import parse_track_response
from carriers.signatures import hex_hmac_sha256, verify_signed_body

__all__ = [
    "SCENARIO_EXAMPLES",
    "SIGNATURE_HEADER",
    "SandboxAdapter",
    "Scenario",
    "make_numbers",
    "sign",
]

SIGNATURE_HEADER = "X-Sandbox-Signature"


def sign(secret: str, body: bytes) -> str:
    """The ``X-Sandbox-Signature`` value for ``body``: ``sha256=`` + hex HMAC-SHA256."""
    return "sha256=" + hex_hmac_sha256(secret, body)


def _normalise(number: str) -> str:
    return number.strip().upper()


class SandboxAdapter(CarrierAdapter):
    """The sandbox carrier: one ``POST /v1/track`` per 100 numbers, bearer API key, push."""

    key = "sandbox"
    display_name = "Sandbox Carrier"
    simulated = True
    tracking_url = "http://127.0.0.1:8000/_sandbox/carrier/track/{number}"
    default_base_url = "http://127.0.0.1:8000/_sandbox/carrier"
    batch_size = 100
    rate_limit = 1000.0
    supports_push = True
    accepts_digests = True
    #: ``SBX`` + ten digits + a Luhn check digit: its own prefix, so a match is near certain
    #: (the paste box and detection propose the sandbox for the demo's numbers).
    number_formats: ClassVar[tuple[NumberFormat, ...]] = (
        NumberFormat(
            "Sandbox number",
            re.compile(r"SBX\d{11}"),
            0.95,
            check=lambda number: check_digit(number[3:13]) == number[13],
        ),
    )
    credential_fields: ClassVar[Mapping[str, str]] = {
        "api_key": "API key (any value; 'bad-key' is rejected)",
        "webhook_secret": "Webhook signing secret (optional; defaults to the API key)",
    }

    def public_url(self, number: str) -> str | None:
        """The public page of the server this adapter talks to, wherever it is mounted."""
        return f"{self.base_url}/track/{quote(number, safe='')}"

    async def track(
        self, numbers: Sequence[str], hints: Mapping[str, NumberHint] | None = None
    ) -> list[TrackingResult]:
        return await self.track_known(numbers, hints, {})

    async def track_known(
        self,
        numbers: Sequence[str],
        hints: Mapping[str, NumberHint] | None,
        digests: Mapping[str, str],
    ) -> list[TrackingResult]:
        known: dict[str, str] = {}
        clashing = set()
        for number, digest in digests.items():
            if known.setdefault(_normalise(number), digest) != digest:
                clashing.add(_normalise(number))  # two spellings, two answers: parse it
        for key in clashing:
            del known[key]
        batches = await asyncio.gather(
            *(self._track_batch(b, known) for b in self.batches(numbers))
        )
        return [result for batch in batches for result in batch]

    async def _track_batch(
        self, numbers: list[str], known: Mapping[str, str]
    ) -> list[TrackingResult]:
        api_key = (self.credentials.get("api_key") or "").strip()
        if not api_key:
            raise AuthError("sandbox: no api_key configured")
        response = await self.send(
            "POST",
            f"{self.base_url}/v1/track",
            json={"numbers": numbers},
            headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"},
        )
        if response.status_code in (401, 403):
            raise AuthError(f"sandbox: API key rejected (HTTP {response.status_code})")
        if response.status_code != 200:
            raise BadResponse(f"sandbox: HTTP {response.status_code}", response.content)
        parsed = {
            _normalise(r.number): r for r in parse_track_response(self.json_body(response), known)
        }
        results = []
        handed_out: set[int] = set()
        for number in numbers:
            found = parsed.get(_normalise(number))
            if found is None:
                result = TrackingResult(number=number, not_found=True)
            elif found.number == number and id(found) not in handed_out:
                result = found  # parsed for this call: nobody else holds it
                handed_out.add(id(found))
            else:  # asked as spelled otherwise, or twice: each caller gets its own
                result = dataclasses.replace(found, number=number, events=list(found.events))
            result.carrier_url = self.public_url(number)
            results.append(result)
        return results

    # --- push ---

    @property
    def webhook_secret(self) -> str:
        return self.credentials.get("webhook_secret") or self.credentials.get("api_key") or ""

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        """True only for a body signed with this account's secret (constant-time compare)."""
        return verify_signed_body(
            headers, body, header=SIGNATURE_HEADER, secret=self.webhook_secret, sign=sign
        )

    def parse_webhook(self, body: bytes) -> list[TrackingResult]:
        results = parse_track_response(decode_json(body, "sandbox push: invalid JSON"))
        for result in results:
            result.carrier_url = self.public_url(result.number)
        return results
