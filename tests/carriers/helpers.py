"""Plain helpers shared by the carrier tests: fixtures on disk, times, signatures, fuzzing.

Import them as ``from tests.carriers.helpers import ...``; pytest fixtures live in
``conftest.py``.
"""

from __future__ import annotations

import base64
import copy
import functools
import hashlib
import hmac
import json
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import respx
from hypothesis import strategies as st
from lxml import etree
from zeep.helpers import serialize_object

from carriers.acs import ACSAdapter
from carriers.aftership import AfterShipAdapter
from carriers.base import CarrierAdapter, Reason, Status
from carriers.boxnow import BoxNowAdapter
from carriers.cargus import CargusAdapter
from carriers.cdek import CDEKAdapter
from carriers.dhl import DHLAdapter
from carriers.dpd_pl import DPDPolandAdapter
from carriers.dpd_ro import DPDRomaniaAdapter
from carriers.easypost import EasyPostAdapter
from carriers.econt import EcontAdapter
from carriers.elta import EltaAdapter
from carriers.fan_courier import FanCourierAdapter
from carriers.fedex import FedExAdapter
from carriers.geniki import GenikiAdapter
from carriers.gls import GLSAdapter
from carriers.inpost import InPostAdapter
from carriers.nova_poshta import NovaPoshtaAdapter
from carriers.poczta_polska import PocztaPolskaAdapter
from carriers.russian_post import RussianPostAdapter
from carriers.sameday import SamedayAdapter
from carriers.sandbox import SCENARIO_EXAMPLES, SandboxAdapter
from carriers.speedy import SpeedyAdapter
from carriers.ukrposhta import UkrposhtaAdapter
from carriers.ups import UPSAdapter
from carriers.usps import USPSAdapter

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def load_fixture(carrier: str, name: str) -> Any:
    """A hand-built payload in the carrier's documented shape, from tests/fixtures/<carrier>/."""
    return json.loads((FIXTURES / carrier / name).read_text(encoding="utf-8"))


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def base64_hmac(body: bytes, secret: str) -> str:
    """Base64(HMAC-SHA256(secret, body)), computed here rather than by the code under test."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


# --- every adapter, for tests of behaviour they share ---

OAUTH = {"client_id": "doorstep-client", "client_secret": "s3cret"}
USPS_NUMBER = "9400111899223197428490"
ACS_URL = "https://webservices.acscourier.net/ACSRestServices/api/ACSAutoRest"
ACS_ACCOUNT = {
    "api_key": "acs-api-key",
    "company_id": "demo",
    "company_password": "demo-pw",
    "user_id": "shop",
    "user_password": "shop-pw",
}
GENIKI_URL = "https://voucher.taxydromiki.gr/JobServicesV2.asmx"
GENIKI_ACCOUNT = {"username": "shop_api", "password": "s3cret", "application_key": "app-key-1"}


def geniki_action(operation: str) -> dict[str, str]:
    """The SOAPAction header zeep sends for one JobServicesV2 operation (quoted)."""
    return {"SOAPAction": f'"http://voucher.taxydromiki.gr/JobServicesV2.asmx/{operation}"'}


@dataclass(frozen=True)
class Carrier:
    """One adapter as the shared tests drive it: its tracking call and, for OAuth, its token."""

    name: str
    cls: type[CarrierAdapter]
    credentials: dict[str, str]
    number: str
    #: The tracking call, as a respx route still to be answered.
    route: Callable[[respx.MockRouter], respx.Route]
    token_url: str | None = None
    base_url: str | None = None
    #: The body the carrier sends with a 429 or 503, when it sends one.
    error_json: Any = None
    #: Headers every answer carries (SOAP services answer ``text/xml``).
    answer_headers: dict[str, str] = field(default_factory=dict)
    #: The token call's answer in tests/fixtures/<carrier>/ (JSON, or SOAP sent as it is).
    token_fixture: str = "token.json"
    #: Headers that tell the token call from the tracking call at one address (SOAP).
    token_headers: dict[str, str] = field(default_factory=dict)

    def make(self, client: httpx.AsyncClient) -> CarrierAdapter:
        return self.cls(self.credentials, client=client, base_url=self.base_url)

    def token_route(self, respx_mock: respx.MockRouter) -> respx.Route:
        """The token endpoint, answering with the carrier's tests/fixtures token."""
        if self.token_url is None:
            raise ValueError(f"{self.name} does not use OAuth")
        route = respx_mock.post(self.token_url, headers=self.token_headers or None)
        if self.token_fixture.endswith(".xml"):
            body = (FIXTURES / self.name / self.token_fixture).read_bytes()
            return route.respond(200, content=body, headers=self.answer_headers)
        return route.respond(200, json=load_fixture(self.name, self.token_fixture))

    def adapter(self, client: httpx.AsyncClient, respx_mock: respx.MockRouter) -> CarrierAdapter:
        """An adapter ready to track: its token endpoint answers, when it has one."""
        if self.token_url:
            self.token_route(respx_mock)
        return self.make(client)


CARRIERS = {
    carrier.name: carrier
    for carrier in (
        Carrier(
            name="ups",
            cls=UPSAdapter,
            credentials=OAUTH,
            number="1ZCIETST0111111114",
            route=lambda mock: mock.get(
                url__startswith="https://onlinetools.ups.com/api/track/v1/details/"
            ),
            token_url="https://onlinetools.ups.com/security/v1/oauth/token",
        ),
        Carrier(
            name="fedex",
            cls=FedExAdapter,
            credentials=OAUTH,
            number="123456789012",
            route=lambda mock: mock.post("https://apis.fedex.com/track/v1/trackingnumbers"),
            token_url="https://apis.fedex.com/oauth/token",
        ),
        Carrier(
            name="usps",
            cls=USPSAdapter,
            credentials=OAUTH,
            number=USPS_NUMBER,
            route=lambda mock: mock.get(
                f"https://apis.usps.com/tracking/v3/tracking/{USPS_NUMBER}"
            ),
            token_url="https://apis.usps.com/oauth2/v3/token",
        ),
        Carrier(
            name="dhl",
            cls=DHLAdapter,
            credentials={"api_key": "dhl-key"},
            number="1234567891",
            route=lambda mock: mock.get("https://api-eu.dhl.com/track/shipments"),
            error_json={"title": "Too Many Requests"},
        ),
        Carrier(
            name="gls",
            cls=GLSAdapter,
            credentials=OAUTH,
            number="36301917596",
            route=lambda mock: mock.get(
                url__startswith="https://api.gls-group.net/track-and-trace-v1/tracking/"
            ),
            token_url="https://api.gls-group.net/oauth2/v2/token",
            error_json=load_fixture("gls", "rate_limited.json"),
        ),
        Carrier(
            name="inpost",
            cls=InPostAdapter,
            # Tracking is public; a token is sent when the shop has one (and may be refused).
            credentials={"api_token": "shipx-token"},
            number="602677439331630337653846",
            route=lambda mock: mock.get(
                url__startswith="https://api-shipx-pl.easypack24.net/v1/tracking/"
            ),
            error_json={"status": 429},
        ),
        Carrier(
            name="fan_courier",
            cls=FanCourierAdapter,
            credentials={"client_id": "7032158", "username": "shop", "password": "s3cret"},
            number="2000000000082",
            route=lambda mock: mock.get("https://api.fancourier.ro/reports/awb/tracking"),
            token_url="https://api.fancourier.ro/login",
        ),
        Carrier(
            name="sameday",
            cls=SamedayAdapter,
            credentials={"username": "shop_api", "password": "s3cret"},
            number="1SDY241067423",
            route=lambda mock: mock.get(url__startswith="https://api.sameday.ro/api/client/awb/"),
            token_url="https://api.sameday.ro/api/authenticate",
        ),
        Carrier(
            name="cargus",
            cls=CargusAdapter,
            credentials={
                "subscription_key": "sub-key-123",
                "username": "shop",
                "password": "s3cret",
            },
            number="1100223344",
            route=lambda mock: mock.get(
                "https://urgentcargus.azure-api.net/api/AwbTrace/WithRedirect"
            ),
            token_url="https://urgentcargus.azure-api.net/api/LoginUser",
        ),
        Carrier(
            name="poczta_polska",
            cls=PocztaPolskaAdapter,
            credentials={},  # the documented public account
            number="00459007731185404992",
            route=lambda mock: mock.post(
                "https://tt.poczta-polska.pl/Sledzenie/services/Sledzenie"
            ),
            answer_headers={"Content-Type": "text/xml; charset=UTF-8"},
        ),
        Carrier(
            name="dpd_pl",
            cls=DPDPolandAdapter,
            credentials={"login": "10203", "password": "s3cret&<pw>"},
            number="1000123456789U",
            route=lambda mock: mock.post(
                "https://dpdinfoservices.dpd.com.pl"
                "/DPDInfoServicesObjEventsService/DPDInfoServicesObjEvents"
            ),
            answer_headers={"Content-Type": "text/xml;charset=utf-8"},
        ),
        Carrier(
            name="aftership",
            cls=AfterShipAdapter,
            credentials={"api_key": "asat_test_key"},
            number="1234567891",
            route=lambda mock: mock.get("https://api.aftership.com/tracking/2025-07/trackings"),
        ),
        Carrier(
            name="easypost",
            cls=EasyPostAdapter,
            credentials={"api_key": "EZTK_test_key"},
            number="EZ1000000001",
            route=lambda mock: mock.post("https://api.easypost.com/v2/trackers"),
        ),
        Carrier(
            name="elta",
            cls=EltaAdapter,
            credentials={"sender_code": "010101", "user_code": "0011111", "password": "a11111"},
            number="NZ123456785GR",
            route=lambda mock: mock.post("http://212.205.47.226:9003"),
            answer_headers={"Content-Type": "text/xml; charset=utf-8"},
        ),
        Carrier(
            name="geniki",
            cls=GenikiAdapter,
            credentials=GENIKI_ACCOUNT,
            number="4912345678",
            route=lambda mock: mock.post(GENIKI_URL, headers=geniki_action("TrackAndTrace")),
            token_url=GENIKI_URL,
            token_fixture="authenticate.xml",
            token_headers=geniki_action("Authenticate"),
            answer_headers={"Content-Type": "text/xml; charset=utf-8"},
        ),
        Carrier(
            name="russian_post",
            cls=RussianPostAdapter,
            credentials={"login": "shop_login", "password": "s3cret"},
            number="EA123456785RU",
            route=lambda mock: mock.post("https://tracking.russianpost.ru/rtm34"),
            answer_headers={"Content-Type": "application/soap+xml; charset=utf-8"},
        ),
        Carrier(
            name="sandbox",
            cls=SandboxAdapter,
            credentials={"api_key": "demo"},
            number=SCENARIO_EXAMPLES["delivered"],
            route=lambda mock: mock.post("http://sandbox.test/v1/track"),
            base_url="http://sandbox.test",
        ),
        Carrier(
            name="acs",
            cls=ACSAdapter,
            credentials=ACS_ACCOUNT,
            number="7227889174",
            route=lambda mock: mock.post(ACS_URL),
        ),
        Carrier(
            name="boxnow",
            cls=BoxNowAdapter,
            credentials=OAUTH,
            number="6423451087",
            route=lambda mock: mock.get(
                url__startswith="https://api-production.boxnow.gr/api/v1/parcels"
            ),
            token_url="https://api-production.boxnow.gr/api/v1/auth-sessions",
        ),
        Carrier(
            name="speedy",
            cls=SpeedyAdapter,
            credentials={"username": "999123", "password": "s3cret"},
            number="61234567890",
            route=lambda mock: mock.post("https://api.speedy.bg/v1/track"),
        ),
        Carrier(
            name="dpd_ro",
            cls=DPDRomaniaAdapter,
            credentials={"username": "200123", "password": "s3cret"},
            number="80123456780",
            route=lambda mock: mock.post("https://api.dpd.ro/v1/track"),
        ),
        Carrier(
            name="econt",
            cls=EcontAdapter,
            credentials={"username": "iasp-dev", "password": "s3cret"},
            number="1051234567890",
            route=lambda mock: mock.post(
                "https://ee.econt.com/services/Shipments/ShipmentService.getShipmentStatuses.json"
            ),
        ),
        Carrier(
            name="nova_poshta",
            cls=NovaPoshtaAdapter,
            credentials={"api_key": "np-api-key"},
            number="20450912345678",
            route=lambda mock: mock.post("https://api.novaposhta.ua/v2.0/json/"),
        ),
        Carrier(
            name="ukrposhta",
            cls=UkrposhtaAdapter,
            credentials={"api_token": "c22bfca9-83cf-45b6-a598-74c02d86a2ca"},
            number="0500100031143",
            route=lambda mock: mock.post(
                url__startswith="https://www.ukrposhta.ua/status-tracking/0.0.1/statuses/"
            ),
        ),
        Carrier(
            name="cdek",
            cls=CDEKAdapter,
            credentials=OAUTH,
            number="1106207236",
            route=lambda mock: mock.get(url__startswith="https://api.cdek.ru/v2/orders"),
            token_url="https://api.cdek.ru/v2/oauth/token",
        ),
    )
}


def rows(carrier: str, *cases: tuple[Any, ...]) -> list[Any]:
    """One parameter set per case, with ``carrier`` first; ids like ``usps-429-1``."""
    params = []
    for i, (first, *rest) in enumerate(cases):
        label = first if isinstance(first, int) else first.__name__
        params.append(pytest.param(carrier, first, *rest, id=f"{carrier}-{label}-{i}"))
    return params


# --- SOAP services as zeep meets them, faked at HTTP ---


@dataclass(frozen=True)
class SoapFake:
    """A SOAP carrier's service faked for zeep over httpx: respx answers at ``url`` with the
    XML files of tests/fixtures/<carrier>/ (its SOURCE.md cites the WSDL and documentation
    each comes from), and a fixture reads as the adapter hands it to its parser.

    One per SOAP carrier's tests (ELTA, Russian Post, Geniki, Poczta Polska), so that each
    file says only what its service does differently.
    """

    carrier: str
    url: str
    #: The adapter's ``soap`` module: its WSDL (``document()``) and ``BINDING``.
    soap: ModuleType
    #: The operation whose reply the parser reads.
    operation: str
    #: SOAP 1.1 answers ``text/xml``, SOAP 1.2 ``application/soap+xml``.
    content_type: str = "text/xml; charset=utf-8"

    @property
    def headers(self) -> dict[str, str]:
        return {"Content-Type": self.content_type}

    def xml(self, name: str) -> bytes:
        return (FIXTURES / self.carrier / name).read_bytes()

    def answer(self, name: str) -> Any:
        """A fixture as the adapter hands it to the parser: zeep's reply, serialised."""
        operation = self.soap.document().bindings[self.soap.BINDING].get(self.operation)
        return serialize_object(operation.process_reply(etree.fromstring(self.xml(name))), dict)

    def reply(self, name: str, status: int = 200) -> httpx.Response:
        """The service's answer with fixture ``name``, for a respx side effect."""
        return httpx.Response(status, content=self.xml(name), headers=self.headers)

    def route(
        self,
        respx_mock: respx.MockRouter,
        name: str,
        status: int = 200,
        *,
        headers: dict[str, str] | None = None,
    ) -> respx.Route:
        """The service answering every call (those that carry ``headers``, a SOAPAction
        say) with fixture ``name``."""
        route = respx_mock.post(self.url, headers=headers)
        return route.respond(status, content=self.xml(name), headers=self.headers)


# --- fuzzing: parsers raise BadResponse and nothing else ---

#: Any JSON document (NaN included: Python's json module reads and writes it).
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=25,
)


def json_paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a JSON document, the document itself (``()``) first."""
    items: Any = ()
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    return [prefix, *(p for key, inner in items for p in json_paths(inner, (*prefix, key)))]


def replaced(document: Any, path: tuple[Any, ...], new: Any) -> Any:
    """A copy of ``document`` with the node at ``path`` replaced by ``new``."""
    if not path:
        return new
    copied = copy.deepcopy(document)
    functools.reduce(operator.getitem, path[:-1], copied)[path[-1]] = new
    return copied


def _slots(node: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) pair under ``node``, depth first."""
    if not isinstance(node, dict | list):
        return []
    items = node.items() if isinstance(node, dict) else enumerate(node)
    return [slot for key, child in items for slot in [(node, key), *_slots(child)]]


@st.composite
def mutated(
    draw: st.DrawFn, document: Any, values: st.SearchStrategy[Any] = JSON, most: int = 4
) -> Any:
    """``document`` with one to ``most`` nodes replaced by ``values`` or dropped."""
    box = {"doc": copy.deepcopy(document)}
    for _ in range(draw(st.integers(1, most))):
        parent, key = draw(st.sampled_from(_slots(box)))
        if isinstance(parent, dict) and parent is not box and draw(st.booleans()):
            del parent[key]
        else:
            # A copy: ``sampled_from`` hands out the same list or dict every time it picks
            # it, and putting one object in two places (or inside itself) made documents
            # that grew across examples and recursed without end.
            parent[key] = copy.deepcopy(draw(values))
    return box["doc"]


# --- the sandbox carrier's scenarios ---

#: The status and reason each scenario of ``SCENARIO_EXAMPLES`` ends in.
SANDBOX_END_STATES: dict[str, tuple[Status, Reason | None]] = {
    "delivered": (Status.DELIVERED, None),
    "failed_attempt": (Status.DELIVERED, None),
    "failed_attempt_no_access": (Status.DELIVERED, None),
    "exception_address": (Status.EXCEPTION, Reason.ADDRESS_ISSUE),
    "exception_damaged": (Status.EXCEPTION, Reason.DAMAGED),
    "exception_customs": (Status.EXCEPTION, Reason.CUSTOMS_HOLD),
    "exception_lost": (Status.EXCEPTION, Reason.LOST),
    "pickup_point": (Status.AVAILABLE_FOR_PICKUP, None),
    "pickup_point_after_attempt": (Status.AVAILABLE_FOR_PICKUP, None),
    "returned_refused": (Status.RETURNED_TO_SENDER, None),
    "returned_unclaimed": (Status.RETURNED_TO_SENDER, None),
    "label_only": (Status.INFO_RECEIVED, None),
}
