"""SMS: segments counted as carriers bill them, numbers in E.164, Twilio faked with respx."""

from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from portal.notifications.base import DeliveryError
from portal.notifications.sms import (
    HttpxTwilioClient,
    SmsChannel,
    fit_sms_body,
    sms_segments,
    twilio_client,
)
from tests.notifications.helpers import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    MESSAGES_URL,
    SERVICE_SID,
    twilio_payload,
    twilio_settings,
)

LINK = "https://portal.test/t/MTIz.aXyZ12.AbCdEfGhIjKlMnOpQrStUvWxYz0"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ("GSM-7", 0)),
        ("a" * 160, ("GSM-7", 1)),
        ("a" * 161, ("GSM-7", 2)),
        ("a" * 306, ("GSM-7", 2)),
        ("a" * 307, ("GSM-7", 3)),
        ("€" * 80, ("GSM-7", 1)),  # extension characters count double
        ("€" * 81, ("GSM-7", 2)),
        ("a" * 152 + "€" + "a" * 152, ("GSM-7", 3)),  # an escape pair never straddles
        ("ΔΦΓΛΩΠΨΣΘΞ and ü", ("GSM-7", 1)),  # Greek capitals are in the GSM alphabet
        ("ą" * 70, ("UCS-2", 1)),
        ("ą" * 71, ("UCS-2", 2)),
        ("ą" * 134, ("UCS-2", 2)),
        ("ą" * 135, ("UCS-2", 3)),
        ("📦" * 35, ("UCS-2", 1)),  # characters beyond the BMP take two units
        ("📦" * 36, ("UCS-2", 2)),
    ],
)
def test_segments_are_counted_like_carriers_bill_them(text: str, expected: tuple) -> None:
    assert sms_segments(text) == expected


def test_a_body_that_fits_is_left_alone_with_the_link_at_its_end() -> None:
    assert fit_sms_body("Shop: delivered.", LINK, locale="en") == f"Shop: delivered. {LINK}"
    assert fit_sms_body(f"Track {LINK} now", LINK, locale="en") == f"Track now {LINK}"


def test_a_long_body_loses_whole_sentences_first() -> None:
    rain = "It is raining a lot in the valley today. "
    fitted = fit_sms_body("Shop: your parcel is late. " + rain * 8, LINK, locale="en")
    assert fitted == f"Shop: your parcel is late. {rain * 5}{LINK}"
    assert sms_segments(fitted) == ("GSM-7", 2)


def test_a_long_first_sentence_is_cut_at_a_word_with_an_ellipsis() -> None:
    gsm = fit_sms_body("word " * 100, LINK, locale="en")
    assert gsm.endswith(f"word... {LINK}")
    assert sms_segments(gsm) == ("GSM-7", 2)
    ucs = fit_sms_body("słowo " * 100, LINK, locale="pl")
    assert ucs.endswith(f"słowo… {LINK}")
    assert sms_segments(ucs) == ("UCS-2", 2)


def test_without_a_link_the_text_alone_is_fitted() -> None:
    assert sms_segments(fit_sms_body("x" * 1000, locale="en"))[1] == 2


def test_the_client_points_twilio_at_the_configured_base_url() -> None:
    client = HttpxTwilioClient(httpx.AsyncClient(), base_url="http://127.0.0.1:9999/")
    assert client.rewrite("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?a=1") == (
        "http://127.0.0.1:9999/2010-04-01/Accounts/AC1/Messages.json?a=1"
    )
    assert client.rewrite("https://example.com/x") == "https://example.com/x"
    default = HttpxTwilioClient(httpx.AsyncClient())
    assert default.rewrite("https://api.twilio.com/x") == "https://api.twilio.com/x"


def _message(recipient: str = "+48601234567", body: str = "Shop: out for delivery.") -> object:
    return SimpleNamespace(id=1, recipient=recipient, body_text=body)


@respx.mock
async def test_it_sends_through_the_messaging_service() -> None:
    route = respx.post(MESSAGES_URL).mock(
        return_value=httpx.Response(201, json=twilio_payload("message_created"))
    )
    async with httpx.AsyncClient() as http:
        sent = await SmsChannel(twilio_settings(), http).send(_message())  # type: ignore[arg-type]

    assert (sent.provider_id, sent.status) == ("SM11111111111111111111111111111111", "accepted")
    request = route.calls.last.request
    form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
    assert form == {
        "To": "+48601234567",
        "Body": "Shop: out for delivery.",
        "MessagingServiceSid": SERVICE_SID,
        "StatusCallback": "https://portal.test/webhooks/twilio/status",
    }
    expected_auth = httpx.BasicAuth(ACCOUNT_SID, AUTH_TOKEN)._auth_header
    assert request.headers["authorization"] == expected_auth


@respx.mock
async def test_the_request_is_the_one_httpx_would_build() -> None:
    """The prepared request (URL parsed once, headers merged once) carries the headers and
    body ``AsyncClient.request`` would have sent with ``data=`` and Basic auth."""
    route = respx.post(MESSAGES_URL).mock(
        return_value=httpx.Response(201, json=twilio_payload("message_created"))
    )
    async with httpx.AsyncClient(headers={"User-Agent": "Doorstep/test"}) as http:
        channel = SmsChannel(twilio_settings(), http)
        body = "Zażółć gęślą jaźń & co: 50% off? https://portal.test/t/a+b"
        for _ in range(2):  # the second from the caches
            await channel.send(_message(body=body))  # type: ignore[arg-type]
            sent = route.calls.last.request
            expected = http.build_request(
                "POST",
                MESSAGES_URL,
                data={k: v[0] for k, v in parse_qs(sent.content.decode()).items()},
                # What the twilio library hands its HTTP client for a create.
                headers=twilio_client(twilio_settings(), http).get_headers(
                    "POST",
                    {
                        "Content-Type": "application/x-www-form-urlencoded",
                        "Accept": "application/json",
                    },
                ),
            )
            auth = httpx.BasicAuth(ACCOUNT_SID, AUTH_TOKEN)
            expected = next(auth.sync_auth_flow(expected))
            assert sent.content == expected.content
            assert sorted(sent.headers.multi_items()) == sorted(expected.headers.multi_items())
            assert sent.headers["user-agent"].startswith("twilio-python/")
            assert parse_qs(sent.content.decode())["Body"] == [body]


@respx.mock
async def test_it_sends_from_a_number_without_a_messaging_service() -> None:
    route = respx.post(MESSAGES_URL).mock(
        return_value=httpx.Response(201, json=twilio_payload("message_created", status="queued"))
    )
    settings = twilio_settings(twilio_messaging_service_sid=None, twilio_from="+48500000000")
    async with httpx.AsyncClient() as http:
        sent = await SmsChannel(settings, http).send(_message())  # type: ignore[arg-type]

    assert sent.status == "queued"
    form = parse_qs(route.calls.last.request.content.decode())
    assert form["From"] == ["+48500000000"]
    assert "MessagingServiceSid" not in form


@pytest.mark.parametrize(
    ("response", "permanent", "code"),
    [
        (httpx.Response(400, json=twilio_payload("error_21211")), True, 21211),
        (httpx.Response(400, json=twilio_payload("error_21610")), True, 21610),
        (httpx.Response(429, json=twilio_payload("error_20429")), False, 20429),
        (httpx.Response(401, json=twilio_payload("error_20003")), False, 20003),
        (httpx.Response(503, text="Service Unavailable"), False, None),
    ],
)
@respx.mock
async def test_twilio_errors_say_whether_to_retry(
    response: httpx.Response, permanent: bool, code: int | None
) -> None:
    respx.post(MESSAGES_URL).mock(return_value=response)
    async with httpx.AsyncClient() as http:
        with pytest.raises(DeliveryError) as caught:
            await SmsChannel(twilio_settings(), http).send(_message())  # type: ignore[arg-type]
    assert caught.value.permanent is permanent
    if code is not None:
        assert caught.value.code == code


@respx.mock
async def test_a_timeout_is_transient() -> None:
    respx.post(MESSAGES_URL).mock(side_effect=httpx.ConnectTimeout("slow"))
    async with httpx.AsyncClient() as http:
        with pytest.raises(DeliveryError) as caught:
            await SmsChannel(twilio_settings(), http).send(_message())  # type: ignore[arg-type]
    assert caught.value.permanent is False


@respx.mock
async def test_an_invalid_number_fails_permanently_without_calling_twilio() -> None:
    route = respx.post(MESSAGES_URL)
    async with httpx.AsyncClient() as http:
        with pytest.raises(DeliveryError) as caught:
            await SmsChannel(twilio_settings(), http).send(_message("12"))  # type: ignore[arg-type]
    assert caught.value.permanent and caught.value.code == 21211
    assert not route.called


@respx.mock
async def test_an_invalid_number_is_refused_each_time_it_is_sent() -> None:
    """Numbers' answers are kept per process (portal.core.phones); a refusal is kept
    too, never an E.164 form made up for it."""
    route = respx.post(MESSAGES_URL)
    async with httpx.AsyncClient() as http:
        channel = SmsChannel(twilio_settings(), http)
        for _ in range(2):
            with pytest.raises(DeliveryError) as caught:
                await channel.send(_message("+1 555 0100"))  # type: ignore[arg-type]
            assert caught.value.permanent and caught.value.code == 21211
    assert not route.called


@pytest.mark.parametrize("faked_at", ["httpcore", "httpx"])
async def test_requests_go_through_the_transport_the_client_picks(faked_at: str) -> None:
    """Twilio's requests skip AsyncClient.send's wrappers but not the client's choice of
    transport: respx faking that choice (httpx) or the pool under it (httpcore) gets them."""
    async with respx.mock(using=faked_at) as twilio:
        route = twilio.post(MESSAGES_URL).mock(
            return_value=httpx.Response(201, json=twilio_payload("message_created"))
        )
        async with httpx.AsyncClient() as http:
            sent = await SmsChannel(twilio_settings(), http).send(_message())  # type: ignore[arg-type]
    assert sent.provider_id == "SM11111111111111111111111111111111"
    assert route.call_count == 1


@respx.mock
async def test_a_client_with_event_hooks_sees_every_twilio_request() -> None:
    """Hooks on the shared client (logging, tracing) are honoured: with any hook the
    request goes through AsyncClient.send."""
    respx.post(MESSAGES_URL).mock(
        return_value=httpx.Response(201, json=twilio_payload("message_created"))
    )
    seen: list[str] = []

    async def note(response: httpx.Response) -> None:
        seen.append(f"{response.request.method} {response.status_code}")

    async with httpx.AsyncClient(event_hooks={"response": [note]}) as http:
        await SmsChannel(twilio_settings(), http).send(_message())  # type: ignore[arg-type]
    assert seen == ["POST 201"]


async def test_it_requires_configuration() -> None:
    async with httpx.AsyncClient() as http:
        with pytest.raises(DeliveryError):
            SmsChannel(twilio_settings(twilio_auth_token=None), http)


async def test_lanes_on_one_http_client_share_one_twilio_client() -> None:
    """Building a twilio Client costs milliseconds; the dispatcher opens a channel per
    lane per pass, so one is made per httpx client and account, and reused."""
    async with httpx.AsyncClient() as http, httpx.AsyncClient() as other_http:
        first, second = SmsChannel(twilio_settings(), http), SmsChannel(twilio_settings(), http)
        other_account = SmsChannel(twilio_settings(twilio_account_sid="AC" + "9" * 32), http)
        elsewhere = SmsChannel(twilio_settings(), other_http)

        assert first.client is second.client
        assert other_account.client is not first.client
        assert other_account.client.account_sid == "AC" + "9" * 32
        assert elsewhere.client is not first.client
