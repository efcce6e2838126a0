"""SMS through Twilio: segment counting, body fitting and the send call.

The twilio library does the API work; its HTTP layer is ours (:class:`HttpxTwilioClient`),
so tests fake Twilio with respx and the API base URL is a setting. Bodies are kept to two
segments (:data:`MAX_SEGMENTS`; a family may give a kind more, as the pickup texts take
three: :func:`portal.notifications.composer.segment_budget`) because every extra segment
is billed and some handsets show them out of order.
"""

from __future__ import annotations

import logging
import re
import weakref
from base64 import b64encode
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.async_http_client import AsyncHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from portal import consent
from portal.core.phones import to_e164
from portal.models import Channel, ConsentSource, Customer, OutboxMessage
from portal.notifications.base import DeliveryError, MessageChannel, Sent
from portal.notifications.sentences import sentence_gaps
from portal.settings import Settings

log = logging.getLogger(__name__)

TWILIO_API = "https://api.twilio.com"
STATUS_CALLBACK_PATH = "/webhooks/twilio/status"
INBOUND_PATH = "/webhooks/twilio/inbound"
MAX_SEGMENTS = 2
#: Looking up whether a dead attempt's SMS went out: our clock against Twilio's, and how
#: many recent messages to that number are read.
CLOCK_SKEW = timedelta(minutes=2)
RECOVERY_LOOKUP_LIMIT = 50

#: Twilio error codes (https://www.twilio.com/docs/api/errors).
INVALID_NUMBER = 21211
OPTED_OUT = 21610


async def honour_opt_out(customer_id: int) -> None:
    """Record that Twilio refused a text because the recipient texted STOP (error 21610).

    Both the send that failed and Twilio's later status callback can tell us; either way the
    customer's SMS consent is withdrawn everywhere, not only for the message that failed.
    """
    await consent.record(
        await Customer.filter(id=customer_id),
        Channel.SMS,
        False,
        ConsentSource.SMS_REPLY,
        detail=f"Twilio error {OPTED_OUT}",
    )


GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: Sent as ESC + character: two septets each.
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
GSM7 = "GSM-7"
UCS2 = "UCS-2"


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _units(text: str, encoding: str) -> list[int]:
    """The cost of each character: septets for GSM-7, UTF-16 code units for UCS-2."""
    if encoding == GSM7:
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def sms_segments(text: str) -> tuple[str, int]:
    """``(encoding, segments)`` for ``text`` as a carrier bills it.

    One segment holds 160 GSM-7 septets or 70 UCS-2 units; concatenated segments lose
    room to their header (153 / 67), and an escape pair or a surrogate pair never
    straddles two segments.
    """
    encoding = GSM7 if is_gsm7(text) else UCS2
    units = _units(text, encoding)
    single, multi = (160, 153) if encoding == GSM7 else (70, 67)
    if sum(units) <= single:
        return encoding, 1 if text else 0
    segments, used = 1, 0
    for cost in units:
        if used + cost > multi:
            segments, used = segments + 1, 0
        used += cost
    return encoding, segments


#: An elastic value is never clipped below this many characters (before its ellipsis):
#: shorter, a pickup point's name no longer tells one point from another.
ELASTIC_MIN = 12


def _clip(value: str, limit: int, dots: str) -> str | None:
    """``value`` cut at a word to at most ``limit`` characters, with an ellipsis; None
    when no word boundary leaves at least :data:`ELASTIC_MIN` characters."""
    if len(value) <= limit:
        return value
    cut = value[: limit + 1].rfind(" ")
    if cut <= 0:
        return None
    head = value[:cut].rstrip(' ,;:-–—(«"')
    if len(head) < ELASTIC_MIN:
        return None
    return head + dots


def _shorten_elastic(text: str, elastic: Sequence[str], fits: Callable[[str], bool]) -> str:
    """``text`` with its elastic values (a pickup point's name, say) clipped, longest
    first and each as little as it takes, until it fits; as clipped as they go when even
    that is not enough (the sentences then go as usual)."""
    for value in sorted({v for v in elastic if v and v in text}, key=len, reverse=True):
        shortest = text
        dots = "..." if is_gsm7(text) else "…"
        for limit in range(len(value) - 1, ELASTIC_MIN - 1, -1):
            clipped = _clip(value, limit, dots)
            if clipped is None:
                break
            # A value that ended its sentence lends its full stop to the ellipsis.
            shortest = text.replace(value + ".", clipped).replace(value, clipped)
            if fits(shortest):
                return shortest
        text = shortest
    return text


def _sentences(text: str, elastic: Sequence[str], locale: str) -> list[str]:
    """``text`` split into sentences (:mod:`portal.notifications.sentences`: not after an
    abbreviation of ``locale``'s language such as Polish "ok."), never inside an elastic
    value: a pickup point's name may hold a full stop of its own that the rule takes for a
    sentence end ("Sp. z o.o. Kraków"), or an abbreviation of another language."""
    inside = [
        (found.start(), found.end())
        for value in {v for v in elastic if v}
        for found in re.finditer(re.escape(value), text)
    ]
    sentences, start = [], 0
    for gap in sentence_gaps(text, locale):
        if not any(first < gap.start() < last for first, last in inside):
            sentences.append(text[start : gap.start()])
            start = gap.end()
    sentences.append(text[start:])
    return sentences


def fit_sms_body(
    body: str,
    link: str = "",
    max_segments: int = MAX_SEGMENTS,
    elastic: Sequence[str] = (),
    *,
    locale: str,
) -> str:
    """``body`` (in ``locale``) with ``link`` at its end, shortened to fit ``max_segments``.

    The rule, shared by every message family (:attr:`Family.sms_elastic
    <portal.notifications.composer.Family.sms_elastic>` names each family's elastic
    values: free-form names such as a pickup point's, whose whole form the linked page
    shows): whole trailing sentences go, one at a time; when the last sentence left holds
    an elastic value, that text is tried once more with its elastic values clipped at a
    word with an ellipsis (never below :data:`ELASTIC_MIN` characters), so that the
    sentence stays, before it goes too. Each try starts from the unclipped text, so a
    name is clipped only when no sentence after it can go instead. Only when the first
    sentence alone is too long is it cut at a word, with an ellipsis. The link is never
    cut: it is what the customer needs. Whitespace is collapsed, as line breaks cost as
    much as letters. Sentences end as ``locale``'s language writes them: its
    abbreviations only (:mod:`portal.notifications.sentences`).
    """
    text = " ".join((body.replace(link, " ") if link else body).split())
    elastic = [" ".join(v.split()) for v in elastic]

    def compose(head: str) -> str:
        return f"{head} {link}".strip() if link else head

    def fits(candidate: str) -> bool:
        return sms_segments(candidate)[1] <= max_segments

    sentences = _sentences(text, elastic, locale)
    for count in range(len(sentences), 0, -1):
        head = " ".join(sentences[:count])
        if fits(candidate := compose(head)):
            return candidate
        if any(value and value in sentences[count - 1] for value in elastic):
            head = _shorten_elastic(head, elastic, lambda t: fits(compose(t)))
            if fits(candidate := compose(head)):
                return candidate
        if count == 1:
            text = head  # the first sentence, as clipped as its values go
    words = text.split(" ")
    for count in range(len(words) - 1, 0, -1):
        head = " ".join(words[:count]).rstrip(",;:-–—")
        ellipsis = "..." if is_gsm7(head + link) else "…"
        if fits(candidate := compose(head + ellipsis)):
            return candidate
    if link:
        return link
    for cut in range(len(text) - 1, 0, -1):
        if fits(text[:cut] + "…"):
            return text[:cut] + "…"
    return ""


def _form_value(value: object) -> str:
    """A form value as httpx writes it (``primitive_value_to_str``)."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    return str(value)


def form_body(data: dict[str, object]) -> bytes:
    """``data`` URL-encoded exactly as httpx encodes ``data=`` (a list value repeats its key)."""
    pairs = [
        (key, _form_value(item))
        for key, value in data.items()
        for item in (value if isinstance(value, list | tuple) else (value,))
    ]
    return urlencode(pairs, doseq=True).encode("utf-8")


class HttpxTwilioClient(AsyncHttpClient):  # type: ignore[misc]  # twilio is untyped: base is Any
    """The twilio library's async HTTP layer on httpx, pointed at a configurable base URL.

    Each request is built ready to send (``httpx.Request``, then ``AsyncClient.send``)
    rather than through ``AsyncClient.request``, which parsed the same URL, merged the same
    client and twilio headers, ran the Basic auth flow and encoded the form through
    several layers for every message (a third of an SMS's CPU with httpx's other work):
    the URL is parsed once per address, the headers (the client's as they were at the
    first request, twilio's, then ``Authorization``) merged once per set of twilio
    headers and credentials (the process's client never changes its own). The request
    on the wire carries the same headers and body; the client's cookie jar is neither
    sent nor filled (Twilio's API uses none). Without redirects to follow or event hooks
    on the client, the request goes straight to the client's transport
    (:meth:`_send_once`)."""

    #: Parsed URLs and merged headers kept; beyond this many the cache starts again.
    CACHE_LIMIT = 64

    def __init__(
        self, client: httpx.AsyncClient, *, base_url: str = TWILIO_API, timeout: float = 15.0
    ) -> None:
        super().__init__(logger=log, is_async=True, timeout=timeout)
        self.client = client
        self.base_url = base_url.rstrip("/")
        self._timeouts: dict[float, dict[str, float | None]] = {}
        self._default_timeout = timeout
        self._urls: dict[str, httpx.URL] = {}
        self._headers: dict[tuple[object, ...], list[tuple[str, str]]] = {}

    def rewrite(self, uri: str) -> str:
        """Point ``https://api.twilio.com/...`` (or a regional api host) at ``base_url``."""
        parts = urlsplit(uri)
        if self.base_url == TWILIO_API or not parts.netloc.endswith("twilio.com"):
            return uri
        tail = parts.path + (f"?{parts.query}" if parts.query else "")
        return self.base_url + tail

    def _url(self, uri: str) -> httpx.URL:
        url = self._urls.get(uri)
        if url is None:
            if len(self._urls) >= self.CACHE_LIMIT:
                self._urls.clear()
            url = self._urls[uri] = httpx.URL(self.rewrite(uri))
        return url

    def _merged_headers(
        self, headers: dict[str, str] | None, auth: tuple[str, str] | None
    ) -> list[tuple[str, str]]:
        """The client's headers updated with twilio's (as ``AsyncClient.build_request``
        merges them), then the Basic ``Authorization`` header (as ``httpx.BasicAuth``)."""
        key = (tuple(headers.items()) if headers else (), auth)
        merged = self._headers.get(key)
        if merged is None:
            combined = httpx.Headers(self.client.headers)
            combined.update(headers or {})
            if auth is not None:
                user, password = auth
                token = b64encode(f"{user}:{password}".encode()).decode("ascii")
                combined["Authorization"] = f"Basic {token}"
            if len(self._headers) >= self.CACHE_LIMIT:
                self._headers.clear()
            merged = self._headers[key] = list(combined.multi_items())
        return merged

    def _timeout(self, timeout: float | None) -> dict[str, float | None]:
        seconds = timeout or self._default_timeout
        value = self._timeouts.get(seconds)
        if value is None:
            value = self._timeouts[seconds] = httpx.Timeout(seconds).as_dict()
        return value

    async def request(
        self,
        method: str,
        uri: str,
        params: dict[str, Any] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - the twilio HttpClient signature
        allow_redirects: bool = False,
    ) -> Response:
        request = httpx.Request(
            method.upper(),
            self._url(uri),
            params=params or None,
            headers=self._merged_headers(headers, auth),
            content=form_body(data) if data else None,
            extensions={"timeout": self._timeout(timeout)},
        )
        if allow_redirects or any(self.client.event_hooks.values()):
            sent = await self.client.send(request, auth=None, follow_redirects=allow_redirects)
            return Response(sent.status_code, sent.text, sent.headers)
        return await self._send_once(request)

    async def _send_once(self, request: httpx.Request) -> Response:
        """``request`` handed to the transport the client would pick for its URL (its
        pool, or a mounted or mocked transport) and read whole, as ``AsyncClient.send``
        does with no redirect to follow, no auth flow and no event hook, without
        its wrappers: the auth and redirect generators, the response stream's wrapper
        and the cookie jar's extraction (about a tenth of an SMS's CPU in the dispatch
        benchmark; Twilio's API sets no cookies). ``_transport_for_url`` is httpx's own
        choice of transport (private, unchanged since httpx 0.18)."""
        transport = self.client._transport_for_url(request.url)
        try:
            response = await transport.handle_async_request(request)
            try:
                await response.aread()
            finally:
                await response.aclose()
        except httpx.RequestError as exc:
            exc.request = request  # as the client's request_context sets it
            raise
        response.request = request
        return Response(response.status_code, response.text, response.headers)


def twilio_configured(settings: Settings) -> bool:
    return bool(
        getattr(settings, "twilio_account_sid", None)
        and getattr(settings, "twilio_auth_token", None)
        and (
            getattr(settings, "twilio_messaging_service_sid", None)
            or getattr(settings, "twilio_from", None)
        )
    )


def _classify(exc: TwilioRestException | TwilioServiceException) -> DeliveryError:
    code = exc.code if isinstance(exc.code, int) else None
    status = int(exc.status or 0)
    detail = getattr(exc, "msg", None) or getattr(exc, "detail", None) or getattr(exc, "title", "")
    message = f"twilio {status} {code or ''}: {detail}".strip()
    if code in (INVALID_NUMBER, OPTED_OUT):
        return DeliveryError(message, permanent=True, code=code)
    if status == 429 or status >= 500 or status in (401, 403):
        # Throttling and outages pass; rejected credentials are fixed by an operator.
        return DeliveryError(message, permanent=False, code=code)
    return DeliveryError(message, permanent=400 <= status < 500, code=code)


#: One twilio ``Client`` per httpx client and account: building one costs about 2 ms of
#: CPU, and the dispatcher opens a channel per lane per pass.
_CLIENTS: weakref.WeakKeyDictionary[
    httpx.AsyncClient, dict[tuple[str | None, str | None, str], Client]
] = weakref.WeakKeyDictionary()


def twilio_client(settings: Settings, http: httpx.AsyncClient) -> Client:
    """The twilio ``Client`` for ``settings``' account on ``http``, made once and reused
    (it keeps no state between requests beyond its configuration)."""
    key = (settings.twilio_account_sid, settings.twilio_auth_token, settings.twilio_base_url)
    clients = _CLIENTS.setdefault(http, {})
    if key not in clients:
        clients[key] = Client(
            username=settings.twilio_account_sid,
            password=settings.twilio_auth_token,
            account_sid=settings.twilio_account_sid,
            http_client=HttpxTwilioClient(http, base_url=settings.twilio_base_url),
        )
    return clients[key]


class SmsChannel(MessageChannel):
    """Sends outbox messages through one Twilio client, on the dispatcher's httpx pool when
    it gives one (else on its own, closed with the lane)."""

    def __init__(self, settings: Settings, http_client: httpx.AsyncClient | None = None) -> None:
        if not twilio_configured(settings):
            raise DeliveryError("Twilio is not configured", permanent=False)
        super().__init__(settings)
        self._own_http = http_client is None
        self.http = http_client or httpx.AsyncClient(timeout=15.0)
        self.client = twilio_client(settings, self.http)

    async def close(self) -> None:
        if self._own_http:
            await self.http.aclose()

    async def send(self, message: OutboxMessage) -> Sent:
        to = to_e164(message.recipient)
        if to is None:
            raise DeliveryError(
                f"not a valid phone number: {message.recipient!r}",
                permanent=True,
                code=INVALID_NUMBER,
            )
        sender: dict[str, str | None] = (
            {"messaging_service_sid": self.settings.twilio_messaging_service_sid}
            if self.settings.twilio_messaging_service_sid
            else {"from_": self.settings.twilio_from}
        )
        try:
            created = await self.client.messages.create_async(
                to=to,
                body=message.body_text,
                status_callback=f"{self.settings.public_base_url}{STATUS_CALLBACK_PATH}",
                **sender,
            )
        except (TwilioRestException, TwilioServiceException) as exc:
            raise _classify(exc) from exc
        except httpx.TimeoutException as exc:
            raise DeliveryError(f"twilio timed out: {exc!r}", permanent=False) from exc
        except httpx.TransportError as exc:
            raise DeliveryError(f"twilio unreachable: {exc!r}", permanent=False) from exc
        if not created.sid:
            raise DeliveryError("twilio accepted the request without a message sid")
        return Sent(provider_id=str(created.sid), status=str(created.status or "queued"))

    async def find_sent(self, message: OutboxMessage, *, since: datetime) -> Sent | None:
        """Twilio's own record of ``message``: the messages to its number sent on or after
        the day the dead attempt began (Twilio filters ``DateSent`` by day), one with the
        same body created since then (less :data:`CLOCK_SKEW`)."""
        to = to_e164(message.recipient)
        if to is None:
            return None
        try:
            listed = await self.client.messages.list_async(
                to=to, date_sent_after=since - CLOCK_SKEW, limit=RECOVERY_LOOKUP_LIMIT
            )
        except (TwilioRestException, TwilioServiceException) as exc:
            raise DeliveryError(
                f"cannot ask twilio whether an earlier attempt was sent: {exc}", permanent=False
            ) from exc
        except httpx.HTTPError as exc:
            raise DeliveryError(
                f"cannot ask twilio whether an earlier attempt was sent: {exc!r}",
                permanent=False,
            ) from exc
        earliest = since - CLOCK_SKEW
        for found in listed:
            created = found.date_created
            if found.body == message.body_text and (created is None or created >= earliest):
                return Sent(provider_id=str(found.sid), status=str(found.status or "queued"))
        return None
