"""The adapter contract, one table row per carrier: what every adapter does the same way.

Whole-call failures (429/503 with and without Retry-After, 5xx, timeouts, unusable bodies),
unknown and malformed numbers, and rejected credentials, each faked at the HTTP layer with
respx. Each :class:`Case` states one adapter's own answers and expectations; the per-carrier
files keep what only that carrier does (its token endpoint, its batching, its webhooks…).

A new carrier is one :class:`~tests.carriers.helpers.Carrier` in ``helpers.CARRIERS`` (how to
build it, which call it makes) and one :class:`Case` in ``CASES`` below (how its API answers
each situation). A situation the carrier cannot produce is left empty.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import respx

from carriers import registry
from carriers.base import AuthError, BadResponse, CarrierUnavailable, RateLimited, Status
from tests.carriers.helpers import FIXTURES, USPS_NUMBER, Carrier, load_fixture

PROBLEM = {"Content-Type": "application/problem+json"}
#: A failure before any answer: a timeout or a refused connection.
Timeout = type[httpx.TransportError]


@dataclass(frozen=True)
class NotFound:
    """An answer that means "no such parcel" for ``number`` (text or bytes sent as they are)."""

    status: int
    body: Any
    number: str
    #: The carrier's public tracking page for it, when checked exactly.
    url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Malformed:
    """A number the carrier cannot read: not found, after a call (``answer``) or without one."""

    number: str
    #: (status, body): text or bytes are sent as they are, anything else as JSON.
    answer: tuple[int, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    carrier: str
    #: (status, Retry-After header, retry_after expected on RateLimited)
    rate_limits: tuple[tuple[int, str | None, float | None], ...] = ()
    #: HTTP statuses or timeouts that mean "try later"
    unavailable: tuple[int | Timeout, ...] = ()
    #: (status, raw body) answers that are nobody's valid answer
    unusable: tuple[tuple[int, str], ...] = ()
    #: Like ``unusable``, but the error may keep a summary of the parsed body, not the raw one.
    unreadable: tuple[tuple[int, str], ...] = ()
    not_found: tuple[NotFound, ...] = ()
    malformed: tuple[Malformed, ...] = ()
    #: Statuses that mean the credentials were refused, and the body the carrier sends.
    auth: tuple[int, ...] = ()
    auth_body: Any = None
    #: Calls made before AuthError (API-key carriers never retry); None: not checked.
    auth_calls: int | None = 1
    #: Whether results link to a public tracking page (aggregators cannot know the carrier's).
    tracking_page: bool = True


def _f(carrier: str, name: str) -> Any:
    return load_fixture(carrier, name)


def _xml(carrier: str, name: str) -> bytes:
    """A SOAP answer from tests/fixtures/<carrier>/, sent byte for byte."""
    return (FIXTURES / carrier / name).read_bytes()


CASES = (
    Case(
        "ups",
        rate_limits=((429, "30", 30.0), (429, None, None), (503, "5", 5.0)),
        unavailable=(500, 502, 503, httpx.ReadTimeout),
        unusable=((200, "<html>maintenance</html>"),),
        not_found=(
            NotFound(
                200,
                _f("ups", "not_found.json"),
                "1ZCIETST0111111114",
                url="https://www.ups.com/track?tracknum=1ZCIETST0111111114",
            ),
        ),
        malformed=(
            Malformed("1ZCIETST0111111114", (400, _f("ups", "malformed_number.json"))),
            Malformed("1ZCIETST0111111114", (404, {"response": {"errors": []}})),
        ),
    ),
    Case(
        "fedex",
        rate_limits=((429, "10", 10.0), (429, None, None), (503, "5", 5.0)),
        unavailable=(500, 502, 503, httpx.ConnectTimeout),
        unusable=((200, "<html>maintenance</html>"),),
        not_found=(
            NotFound(
                200,
                _f("fedex", "not_found.json"),
                "999999999999",
                url="https://www.fedex.com/fedextrack/?trknbr=999999999999",
            ),
        ),
        malformed=(Malformed("ABC", (400, _f("fedex", "rejected_number.json"))),),
    ),
    Case(
        "usps",
        rate_limits=((429, "30", 30.0), (429, None, None), (503, "30", 30.0)),
        unavailable=(500, 502, 503, httpx.ReadTimeout),
        unusable=((200, "<html>maintenance</html>"), (404, '{"error": "no route"}')),
        not_found=(NotFound(400, _f("usps", "not_found.json"), USPS_NUMBER),),
        # A malformed number is escaped into the URL path: see test_usps.py.
        auth=(403,),
        auth_body={"error": "forbidden"},
        auth_calls=None,
    ),
    Case(
        "dhl",
        rate_limits=((429, "1", 1.0), (429, None, None), (503, "60", 60.0)),
        unavailable=(500, 502, httpx.ConnectTimeout),
        unusable=(
            (200, '{"shipments": ['),  # invalid JSON
            (404, "<html>Not Found</html>"),  # a proxy's page, not DHL's problem body
            (405, '{"title": "Method Not Allowed", "status": 405}'),
        ),
        not_found=(
            NotFound(404, _f("dhl", "not_found.json"), "1234567891", headers=PROBLEM),
            NotFound(200, {"shipments": []}, "1234567891"),
        ),
        malformed=(Malformed("12 34/?", (400, _f("dhl", "bad_request.json")), headers=PROBLEM),),
        auth=(401, 403),
        auth_body={"title": "Unauthorized"},
    ),
    Case(
        "gls",
        rate_limits=((429, "30", 30.0), (429, None, None)),
        unavailable=(500, 502, httpx.ReadTimeout, httpx.ConnectError),
        unusable=(
            (200, "not json"),
            (200, "[]"),
            (400, json.dumps(_f("gls", "bad_request.json"))),
            (404, "<html>proxy</html>"),
            (418, '{"title": "teapot"}'),
        ),
        unreadable=((200, '{"parcels": {}}'), (200, '{"parcels": [{"status": "X"}]}')),
        not_found=(NotFound(404, _f("gls", "not_found.json"), "12/34"),),
        auth=(401, 403),
        auth_body=_f("gls", "token_expired.json"),
        auth_calls=None,  # a 401 fetches a new token once: see test_gls.py
    ),
    Case(
        "inpost",
        rate_limits=((429, "30", 30.0),),
        unavailable=(500, 502, 503, httpx.ReadTimeout),
        unusable=(
            (200, "<html>maintenance</html>"),
            (200, "[]"),
            (302, "{}"),
            (404, "<html>Not Found</html>"),
        ),
        not_found=(
            NotFound(404, _f("inpost", "not_found.json"), "602677439331630337653846"),
            NotFound(400, _f("inpost", "bad_request.json"), "602677439331630337653846"),
        ),
        auth=(401, 403),
        auth_body={"status": 401, "error": "x"},
    ),
    Case(
        "fan_courier",
        rate_limits=((429, "30", 30.0), (429, None, None)),
        unavailable=(500, 502, httpx.ReadTimeout),
        unusable=((200, "<html>maintenance</html>"), (404, "<html>Not Found</html>")),
        unreadable=((200, '{"status": "success", "data": {}}'),),
        not_found=(NotFound(200, _f("fan_courier", "unknown.json"), "2999999999999"),),
        malformed=(Malformed("abc", (422, _f("fan_courier", "invalid.json"))),),
        auth=(401, 403),
        auth_body={"message": "Forbidden"},
        auth_calls=None,  # a 401 logs in again once: see test_fan_courier.py
    ),
    Case(
        "sameday",
        rate_limits=((429, "30", 30.0), (429, None, None)),
        unavailable=(500, 503, httpx.ConnectTimeout),
        unusable=((200, "<html>oops</html>"), (404, "[]")),
        not_found=(NotFound(404, _f("sameday", "not_found.json"), "1SDY000000000"),),
        auth=(401, 403),
        auth_calls=2,  # a refused token is fetched again once, whatever the status
    ),
    Case(
        "cargus",
        rate_limits=((429, "60", 60.0), (429, None, None)),
        unavailable=(500, 502, httpx.ReadTimeout),
        unusable=((200, "<html>maintenance</html>"), (404, "[]")),
        unreadable=((200, '"just text"'), (200, '{"Event": []}')),
        not_found=(NotFound(204, None, "1100000000"),),
        malformed=(Malformed("x", (400, _f("cargus", "error.json"))),),
        auth=(401, 403),
        auth_body={"statusCode": 401, "message": "Access denied due to invalid subscription key."},
        auth_calls=None,  # a 401 logs in again once: see test_cargus.py
    ),
    Case(
        "poczta_polska",
        rate_limits=((429, "120", 120.0), (503, "120", 120.0)),
        unavailable=(500, 502, 503, httpx.ConnectTimeout),
        unreadable=(
            (200, "<html><body>maintenance</body></html>"),
            (200, ""),
            (200, "not xml at all"),
            (200, "<?xml version='1.0'?><other/>"),
            (
                200,
                '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
                "<soapenv:Body/></soapenv:Envelope>",
            ),
        ),
        not_found=(NotFound(200, _xml("poczta_polska", "not_found.xml"), "00459007731185404992"),),
        malformed=(
            Malformed("00459007731185404992", (200, _xml("poczta_polska", "invalid_number.xml"))),
        ),
        auth=(401, 403),
        auth_body="Unauthorized",
    ),
    Case(
        "dpd_pl",
        rate_limits=((429, "30", 30.0), (429, None, None), (503, "60", 60.0)),
        unavailable=(500, 502, 503, httpx.ReadTimeout, httpx.ConnectError),
        unusable=(
            (200, "not xml at all"),
            (200, "<html><body>maintenance</body></html>"),
            (
                200,
                '<?xml version="1.0"?><S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/'
                'envelope/"><S:Body><other xmlns="urn:x"/></S:Body></S:Envelope>',
            ),
            (404, "<html>Not Found</html>"),
        ),
        not_found=(NotFound(200, _xml("dpd_pl", "empty.xml"), "1000123456789U"),),
        auth=(401, 403),
        auth_body="Forbidden",
    ),
    Case(
        "aftership",
        rate_limits=((429, "30", 30), (429, None, None)),
        unavailable=(502, 500, httpx.ConnectTimeout),
        unusable=((200, "{not json"),),
        not_found=(NotFound(200, _f("aftership", "trackings_empty.json"), "9999999999"),),
        malformed=(Malformed("12,34/56!"),),
        auth=(401, 403),
        auth_body=_f("aftership", "error_unauthorized.json"),
        tracking_page=False,
    ),
    Case(
        "easypost",
        rate_limits=((429, "30", 30), (429, None, None)),
        unavailable=(502, 500, httpx.ConnectTimeout),
        unusable=((200, "<html>oops</html>"),),
        not_found=(NotFound(422, _f("easypost", "error_invalid_code.json"), "EZ0000000000"),),
        malformed=(Malformed("12,34/56!"),),
        auth=(401, 403),
        auth_body={"error": {"code": "APIKEY"}},
        tracking_page=False,
    ),
    Case(
        "elta",
        rate_limits=((429, "60", 60.0), (503, "60", 60.0)),
        unavailable=(500, 502, 503, httpx.ConnectTimeout),
        unreadable=(
            (200, "<html><body>maintenance</body></html>"),
            (200, "not xml at all"),
            (
                200,
                '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">'
                "<SOAP-ENV:Body/></SOAP-ENV:Envelope>",
            ),
        ),
        not_found=(NotFound(200, _xml("elta", "not_found.xml"), "NZ123456785GR"),),
        auth=(401, 403),
        auth_body="Unauthorized",
    ),
    Case(
        "geniki",
        rate_limits=((429, "60", 60.0), (503, "30", 30.0)),
        unavailable=(500, 502, 503, httpx.ReadTimeout, httpx.ConnectError),
        unreadable=(
            (200, "<html><body>maintenance</body></html>"),
            (200, "not xml at all"),
            (
                200,
                '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
                "<soap:Body/></soap:Envelope>",
            ),
        ),
        not_found=(
            NotFound(
                200,
                _xml("geniki", "not_found.xml"),
                "4912345678",
                url="https://www.taxydromiki.com/track/4912345678",
            ),
            NotFound(200, _xml("geniki", "no_access.xml"), "4912345678"),
        ),
        auth=(401, 403),
        auth_body="Unauthorized",
    ),
    Case(
        "russian_post",
        rate_limits=((429, "3600", 3600.0), (503, "120", 120.0)),
        unavailable=(500, 502, 503, httpx.ReadTimeout),
        unreadable=(
            (200, "<html><body>maintenance</body></html>"),
            (200, "not xml at all"),
            (200, "<?xml version='1.0'?><other/>"),
        ),
        not_found=(NotFound(200, _xml("russian_post", "not_found.xml"), "EA123456785RU"),),
        malformed=(Malformed("EA123456785RU", (500, _xml("russian_post", "unknown_number.xml"))),),
        auth=(401, 403),
        auth_body="Unauthorized",
    ),
    Case(
        "sandbox",
        unavailable=(httpx.ReadTimeout,),
        unusable=((200, '{"parcels": ['),),
    ),
    Case(
        "acs",
        # ACS answers 406 Not Acceptable to more calls a second than the key allows.
        rate_limits=((406, None, None), (406, "2", 2.0), (429, "30", 30.0)),
        unavailable=(500, 502, 503, httpx.ReadTimeout),
        unusable=((200, "<html>maintenance</html>"), (404, "<html>Not Found</html>")),
        unreadable=(
            (200, '{"ACSExecution_HasError": false, "ACSOutputResponce": []}'),
            (200, '{"other": 1}'),
            (
                200,
                json.dumps(_f("acs", "execution_error.json") | {"ACSExecutionErrorMessage": "x"}),
            ),
        ),
        not_found=(
            NotFound(
                200,
                _f("acs", "not_found.json"),
                "7227889174",
                url="https://www.acscourier.net/el/track-and-trace/?generalCode=7227889174",
            ),
        ),
        malformed=(Malformed("X-1", (200, _f("acs", "not_found.json"))),),
        auth=(403,),
        auth_body="Forbidden",
    ),
    Case(
        "boxnow",
        rate_limits=((429, "30", 30.0), (429, None, None)),
        unavailable=(500, 502, 503, httpx.ConnectTimeout),
        unusable=(
            (200, "<html>oops</html>"),
            (404, "<html>Not Found</html>"),
            (403, "<html>Forbidden</html>"),
        ),
        unreadable=((200, '{"count": 0}'), (200, '{"data": {}}'), (400, '{"message": "x"}')),
        not_found=(
            NotFound(
                200,
                _f("boxnow", "parcels_empty.json"),
                "6423451087",
                url="https://t.boxnow.gr/?track=6423451087",
            ),
            NotFound(403, _f("boxnow", "error_p414.json"), "6423451087"),
        ),
        malformed=(Malformed("X-1", (400, _f("boxnow", "error_p400.json"))),),
        auth=(401, 403),
        auth_body=_f("boxnow", "error_x403.json"),
        auth_calls=None,  # a 401 fetches a new token once: see test_boxnow.py
    ),
    Case(
        "speedy",
        rate_limits=((429, "30", 30.0), (429, None, None), (503, "60", 60.0)),
        unavailable=(500, 502, 503, httpx.ReadTimeout),
        unusable=(
            (200, "<html>maintenance</html>"),
            (200, json.dumps(_f("speedy", "general_error.json"))),
            (404, "<html>Not Found</html>"),
        ),
        unreadable=((200, "{}"), (200, '{"parcels": [{"operations": []}]}')),
        not_found=(NotFound(200, _f("speedy", "not_found.json"), "69999999999"),),
        malformed=(Malformed("69999999999", (200, _f("speedy", "not_found.json"))),),
        auth=(200, 401, 403),
        auth_body=_f("speedy", "auth_error.json"),
    ),
    Case(
        "dpd_ro",
        rate_limits=((429, "30", 30.0), (429, None, None), (503, "60", 60.0)),
        unavailable=(500, 502, 503, httpx.ConnectTimeout),
        unusable=(
            (200, "<html>maintenance</html>"),
            (200, json.dumps(_f("dpd_ro", "general_error.json"))),
            (404, "<html>Not Found</html>"),
        ),
        unreadable=((200, "{}"), (200, '{"parcels": [{"operations": []}]}')),
        not_found=(
            NotFound(
                200,
                _f("dpd_ro", "not_found.json"),
                "80999999999",
                url="https://tracking.dpd.ro/?language=ro&shipmentNumber=80999999999",
            ),
        ),
        auth=(200, 401, 403),
        auth_body=_f("dpd_ro", "auth_error.json"),
    ),
    Case(
        "econt",
        rate_limits=((429, "30", 30.0), (429, None, None), (503, "60", 60.0)),
        unavailable=(500, 502, 503, httpx.ConnectTimeout),
        unusable=(
            (200, "<html>maintenance</html>"),
            (400, '{"type": "ExInvalidParam", "message": "shipmentNumbers"}'),
            (404, "<html>Not Found</html>"),
        ),
        unreadable=((200, "{}"), (200, '{"shipmentStatuses": [{"status": {}}]}')),
        not_found=(NotFound(200, _f("econt", "not_found.json"), "1059999999999"),),
        malformed=(Malformed("12-34/56", (200, _f("econt", "not_found.json"))),),
        auth=(401, 403),
        auth_body={"type": "ExAccessDenied", "message": "Access denied"},
    ),
    Case(
        "nova_poshta",
        rate_limits=((429, "60", 60.0), (429, None, None), (503, "30", 30.0)),
        unavailable=(500, 502, 503, httpx.ReadTimeout),
        unusable=((200, "<html>maintenance</html>"), (404, "<html>Not Found</html>")),
        unreadable=(
            (200, '{"data": []}'),
            (200, json.dumps(_f("nova_poshta", "refused_request.json"))),
        ),
        not_found=(
            NotFound(200, _f("nova_poshta", "batch.json"), "20450999999999"),
            NotFound(200, {"success": True, "data": [], "errors": []}, "20450912345678"),
        ),
        auth=(200,),
        auth_body=_f("nova_poshta", "auth_error.json"),
    ),
    Case(
        "ukrposhta",
        rate_limits=((429, "60", 60.0), (429, None, None), (503, "30", 30.0)),
        unavailable=(500, 502, 503, httpx.ReadTimeout, httpx.ConnectError),
        unusable=((200, "<html>maintenance</html>"), (404, "<html>Not Found</html>")),
        unreadable=((200, "[]"), (200, '{"found": {"0500100031143": [{"event": 10100}]}}')),
        not_found=(
            NotFound(
                200,
                _f("ukrposhta", "not_found.json"),
                "0500199999999",
                url="https://track.ukrposhta.ua/tracking_UA.html?barcode=0500199999999",
            ),
            NotFound(200, {"found": {}, "notFound": []}, "0500100031143"),
        ),
        auth=(401, 403),
        auth_body={"message": "Unauthorized"},
    ),
    Case(
        "cdek",
        rate_limits=((429, "30", 30.0), (429, None, None), (503, "60", 60.0)),
        unavailable=(500, 502, 503, httpx.ReadTimeout, httpx.ConnectError),
        unusable=((200, "<html>maintenance</html>"), (404, "<html>Not Found</html>"), (418, "{}")),
        unreadable=(
            (200, '{"entity": {}}'),
            (200, '{"entity": {"cdek_number": 1, "statuses": {}}}'),
        ),
        not_found=(
            NotFound(200, _f("cdek", "not_found.json"), "1106200000"),
            NotFound(404, _f("cdek", "not_found.json"), "1106200000"),
        ),
        malformed=(Malformed("CDEK-12/34"),),
        auth=(403,),
        auth_body={"requests": [{"state": "INVALID", "errors": [{"code": "forbidden"}]}]},
    ),
)


def cases(situation: str) -> list[Any]:
    """One parameter set per (carrier, row) of ``situation``; ids like ``usps-429-1``."""
    params = []
    for case in CASES:
        for i, row in enumerate(getattr(case, situation)):
            values = row if isinstance(row, tuple) else (row,)
            first = values[0]
            label = first if isinstance(first, int | str) else getattr(first, "__name__", "")
            if isinstance(row, NotFound | Malformed):
                label = type(row).__name__.lower()
            params.append(pytest.param(case.carrier, *values, id=f"{case.carrier}-{label}-{i}"))
    return params


def _respond(
    carrier: Carrier,
    route: respx.Route,
    status: int,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> respx.Route:
    """Answer in the carrier's shape: text or bytes as they are, anything else as JSON."""
    headers = {**carrier.answer_headers, **(headers or {})}
    if isinstance(body, str):
        body = body.encode()
    if isinstance(body, bytes):
        return route.respond(status, content=body, headers=headers)
    return route.respond(status, json=body, headers=headers)


def _case(carrier: Carrier) -> Case:
    return next(c for c in CASES if c.carrier == carrier.name)


def test_every_adapter_under_test_has_a_case() -> None:
    from tests.carriers.helpers import CARRIERS

    assert sorted(CARRIERS) == sorted(c.carrier for c in CASES)


def test_every_built_in_adapter_is_under_test() -> None:
    from tests.carriers.helpers import CARRIERS

    built_in = {
        key
        for key, adapter in registry.adapters().items()
        if adapter.__module__.split(".")[0] == "carriers"
    }
    assert built_in == set(CARRIERS)


# --- whole-call failures ---


@pytest.mark.parametrize(
    ("carrier", "status", "retry_after_header", "retry_after"),
    cases("rate_limits"),
    indirect=["carrier"],
)
async def test_rate_limits_raise_rate_limited_with_the_delay_asked_for(
    carrier: Carrier, client, respx_mock, status, retry_after_header, retry_after
):
    adapter = carrier.adapter(client, respx_mock)
    headers = {"Retry-After": retry_after_header} if retry_after_header else {}
    _respond(carrier, carrier.route(respx_mock), status, carrier.error_json, headers)

    with pytest.raises(RateLimited) as caught:
        await adapter.track([carrier.number])
    assert caught.value.retry_after == retry_after


@pytest.mark.parametrize(("carrier", "answer"), cases("unavailable"), indirect=["carrier"])
async def test_5xx_and_timeouts_are_carrier_unavailable(
    carrier: Carrier, client, respx_mock, answer: int | Timeout
):
    adapter = carrier.adapter(client, respx_mock)
    if isinstance(answer, int):
        _respond(carrier, carrier.route(respx_mock), answer)
    else:
        carrier.route(respx_mock).mock(side_effect=answer("slow"))

    with pytest.raises(CarrierUnavailable):
        await adapter.track([carrier.number])


@pytest.mark.parametrize(("carrier", "status", "body"), cases("unusable"), indirect=["carrier"])
async def test_an_unusable_answer_is_a_bad_response_that_keeps_the_body(
    carrier: Carrier, client, respx_mock, status, body
):
    adapter = carrier.adapter(client, respx_mock)
    _respond(carrier, carrier.route(respx_mock), status, body)

    with pytest.raises(BadResponse) as caught:
        await adapter.track([carrier.number])
    assert caught.value.body == body, "the raw body is kept for diagnosis"


@pytest.mark.parametrize(("carrier", "status", "body"), cases("unreadable"), indirect=["carrier"])
async def test_an_unreadable_answer_is_a_bad_response(
    carrier: Carrier, client, respx_mock, status, body
):
    adapter = carrier.adapter(client, respx_mock)
    _respond(carrier, carrier.route(respx_mock), status, body)

    with pytest.raises(BadResponse):
        await adapter.track([carrier.number])


# --- numbers the carrier cannot track ---


@pytest.mark.parametrize(("carrier", "answer"), cases("not_found"), indirect=["carrier"])
async def test_an_unknown_number_is_a_not_found_result(
    carrier: Carrier, client, respx_mock, answer: NotFound
):
    adapter = carrier.adapter(client, respx_mock)
    _respond(carrier, carrier.route(respx_mock), answer.status, answer.body, answer.headers)

    [result] = await adapter.track([answer.number])

    assert result.not_found and result.number == answer.number
    assert result.events == [] and result.status is Status.PENDING
    if _case(carrier).tracking_page:
        assert result.carrier_url and result.carrier_url.endswith(answer.number)
    if answer.url is not None:
        assert result.carrier_url == answer.url


@pytest.mark.parametrize(("carrier", "case"), cases("malformed"), indirect=["carrier"])
async def test_a_malformed_number_is_a_not_found_result(
    carrier: Carrier, client, respx_mock, case: Malformed
):
    adapter = carrier.adapter(client, respx_mock)
    status, body = case.answer or (200, {})
    route = _respond(carrier, carrier.route(respx_mock), status, body, case.headers)

    [result] = await adapter.track([case.number])

    assert result.not_found and result.number == case.number and result.events == []
    if _case(carrier).tracking_page:
        assert result.carrier_url and result.carrier_url.endswith(case.number)
    else:
        assert result.carrier_url is None
    assert route.called is (case.answer is not None), "a call only when the carrier must judge"


# --- credentials ---


@pytest.mark.parametrize(("carrier", "status"), cases("auth"), indirect=["carrier"])
async def test_rejected_credentials_raise_auth_error(carrier: Carrier, client, respx_mock, status):
    adapter = carrier.adapter(client, respx_mock)
    route = _respond(carrier, carrier.route(respx_mock), status, _case(carrier).auth_body)

    with pytest.raises(AuthError):
        await adapter.track([carrier.number])
    if (calls := _case(carrier).auth_calls) is not None:
        assert route.call_count == calls, "API-key auth has no token to refresh: no retry"
