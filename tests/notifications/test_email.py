"""Email goes to a real SMTP server on loopback: both parts, stable ids, unsubscribe headers."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import aiosmtplib
import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from portal.core.links import read_preferences_token
from portal.notifications.base import DeliveryError
from portal.notifications.email import EmailChannel, quote_recipient, smtp_config
from tests.notifications.helpers import SmtpSink, free_port, listening, make_settings

SHOP = SimpleNamespace(name="Zielony Sklep", branding={"support_email": "help@zielony.test"})
ANNA = SimpleNamespace(id=17, name="Anna Nowak")


def _message(number: int, recipient: str = "anna@example.test", shop: Any = SHOP) -> Any:
    return SimpleNamespace(
        id=number,
        merchant=shop,
        customer=ANNA,
        recipient=recipient,
        subject="Twoja przesyłka została doręczona",
        body_text="Dzień dobry,\n\nprzesyłka dotarła.",
        body_html="<p>Dzień dobry,</p><p>przesyłka dotarła.</p>",
    )


def test_the_smtp_url_carries_host_credentials_and_tls() -> None:
    config = smtp_config(make_settings(smtp_url="smtp://mailer:p%40ss@mail.test:2525?starttls=1"))
    assert (config.hostname, config.port) == ("mail.test", 2525)
    assert (config.username, config.password) == ("mailer", "p@ss")
    assert (config.use_tls, config.start_tls) == (False, True)

    implicit = smtp_config(make_settings(smtp_url="smtps://mail.test"))
    assert (implicit.port, implicit.use_tls, implicit.start_tls) == (465, True, False)
    assert smtp_config(make_settings(smtp_url="smtp://mail.test")).start_tls is None
    assert smtp_config(make_settings(smtp_url="smtp://mail.test?starttls=0")).start_tls is False
    assert (
        smtp_config(make_settings(smtp_url="smtp://mail.test:25?verify=0")).validate_certs is False
    )


def test_it_requires_an_smtp_url() -> None:
    with pytest.raises(DeliveryError) as caught:
        smtp_config(make_settings())
    assert caught.value.permanent is False


async def test_an_email_arrives_with_both_parts_and_unsubscribe_headers(
    smtp_sink: SmtpSink,
) -> None:
    settings = make_settings(smtp_url=f"smtp://127.0.0.1:{smtp_sink.port}")
    async with EmailChannel(settings) as sender:
        sent = await sender.send(_message(42))

    envelope, email = smtp_sink.received[0]
    assert envelope.mail_from == "no-reply@portal.test"
    assert envelope.rcpt_tos == ["anna@example.test"]
    assert email["Subject"] == "Twoja przesyłka została doręczona"
    assert email["From"] == "Zielony Sklep <no-reply@portal.test>"
    assert email["To"] == "Anna Nowak <anna@example.test>"
    assert email["Reply-To"] == "help@zielony.test"
    assert email["Message-ID"] == "<notification.42@portal.test>" == sent.provider_id
    assert sent.status == "accepted"

    unsubscribe = email["List-Unsubscribe"]
    mailto, https = (part.strip(" <>") for part in unsubscribe.split(","))
    assert mailto.startswith("mailto:no-reply@portal.test?subject=unsubscribe%20")
    assert https.startswith("https://portal.test/unsubscribe/")
    assert read_preferences_token(settings, https.rsplit("/", 1)[1]) == ANNA.id
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    assert email.is_multipart()
    plain = email.get_body(preferencelist=("plain",))
    html = email.get_body(preferencelist=("html",))
    assert plain is not None and "przesyłka dotarła." in plain.get_content()
    assert html is not None and "<p>przesyłka dotarła.</p>" in html.get_content()


async def test_long_links_and_awkward_names_survive_the_trip(smtp_sink: SmtpSink) -> None:
    settings = make_settings(
        smtp_url=f"smtp://127.0.0.1:{smtp_sink.port}",
        public_base_url="https://tracking.a-rather-long-shop-domain.example.com",
    )
    shop = SimpleNamespace(name="Łąka & Co, Ltd.", branding={"support_email": "pomoc@łąka.test"})
    async with EmailChannel(settings) as sender:
        await sender.send(_message(9, shop=shop))

    envelope, email = smtp_sink.received[0]
    raw = envelope.original_content.decode("utf-8")
    assert (
        "List-Unsubscribe: <mailto:" in raw and "=?utf-8?" not in raw.split("List-Unsub")[1][:300]
    )
    https = email["List-Unsubscribe"].split(",")[1].strip(" <>")
    assert https.startswith("https://tracking.a-rather-long-shop-domain.example.com/unsub")
    assert email["From"].addresses[0].display_name == "Łąka & Co, Ltd."
    assert email["Reply-To"] == "pomoc@xn--ka-ola7v.test"


async def test_the_message_id_is_the_same_on_every_attempt(smtp_sink: SmtpSink) -> None:
    settings = make_settings(smtp_url=f"smtp://127.0.0.1:{smtp_sink.port}")
    for _ in range(2):
        async with EmailChannel(settings) as sender:
            await sender.send(_message(7))
    assert {m["Message-ID"] for m in smtp_sink.messages} == {"<notification.7@portal.test>"}


async def test_a_batch_reuses_one_connection(smtp_sink: SmtpSink) -> None:
    settings = make_settings(smtp_url=f"smtp://127.0.0.1:{smtp_sink.port}")
    async with EmailChannel(settings) as sender:
        for number in range(1, 6):
            await sender.send(_message(number))

    assert len(smtp_sink.messages) == 5
    assert len(set(smtp_sink.peers)) == 1


async def test_a_refused_recipient_fails_that_message_only(smtp_sink: SmtpSink) -> None:
    smtp_sink.refuse["gone@example.test"] = "550 5.1.1 No such user"
    smtp_sink.refuse["full@example.test"] = "452 4.2.2 Mailbox full"
    settings = make_settings(smtp_url=f"smtp://127.0.0.1:{smtp_sink.port}")
    async with EmailChannel(settings) as sender:
        with pytest.raises(DeliveryError) as gone:
            await sender.send(_message(1, "gone@example.test"))
        with pytest.raises(DeliveryError) as full:
            await sender.send(_message(2, "full@example.test"))
        await sender.send(_message(3))

    assert (gone.value.permanent, gone.value.code) == (True, 550)
    assert (full.value.permanent, full.value.code) == (False, 452)
    assert [m["Message-ID"] for m in smtp_sink.messages] == ["<notification.3@portal.test>"]


class RefusingSenderOnce(SmtpSink):
    """Refuses the first MAIL FROM (a sender the server does not relay for, for now)."""

    mail_from: list[str]

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]
    ) -> str:
        self.mail_from.append(address)
        if len(self.mail_from) == 1:
            return "451 4.7.1 Try again later"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"


async def test_a_refused_sender_fails_that_message_and_the_next_one_goes() -> None:
    sink = RefusingSenderOnce(port=free_port())
    sink.mail_from = []
    with listening(sink):
        settings = make_settings(smtp_url=f"smtp://127.0.0.1:{sink.port}")
        async with EmailChannel(settings) as sender:
            with pytest.raises(DeliveryError) as refused:
                await sender.send(_message(1))
            await sender.send(_message(2))

    assert (refused.value.permanent, refused.value.code) == (False, 451)
    assert sink.mail_from == ["no-reply@portal.test", "no-reply@portal.test"]
    assert [m["Message-ID"] for m in sink.messages] == ["<notification.2@portal.test>"]


async def test_an_unreachable_server_is_a_transient_failure_for_the_whole_batch() -> None:
    settings = make_settings(smtp_url=f"smtp://127.0.0.1:{free_port()}?timeout=2")
    async with EmailChannel(settings) as sender:
        for number in (1, 2):
            with pytest.raises(DeliveryError) as caught:
                await sender.send(_message(number))
            assert caught.value.permanent is False


class _Accounts:
    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"shop", b"s3cr:t")
        return AuthResult(success=ok, handled=False)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
async def test_it_logs_in_with_the_credentials_in_the_url() -> None:
    sink = SmtpSink(port=free_port())
    with listening(sink, authenticator=_Accounts(), auth_required=True, auth_require_tls=False):
        good = make_settings(smtp_url=f"smtp://shop:s3cr%3At@127.0.0.1:{sink.port}")
        async with EmailChannel(good) as sender:
            await sender.send(_message(1))
        bad = make_settings(smtp_url=f"smtp://shop:wrong@127.0.0.1:{sink.port}")
        async with EmailChannel(bad) as sender:
            with pytest.raises(DeliveryError) as caught:
                await sender.send(_message(2))
    assert len(sink.messages) == 1
    assert (caught.value.permanent, caught.value.code) == (False, 535)


@pytest.mark.parametrize(
    "address",
    [
        "anna@example.test",
        "A.B-c+d@ex-ample.co.uk",
        "o'brien@x.test",
        "a/b=c?d^e`f{g|h}i~j@x.test",
        "a..b@x.test",
        "Anna <anna@example.test>",
        " anna@example.test ",
        "anna@[192.0.2.1]",
        '"anna nowak"@example.test',
        "zoë@example.test",
    ],
)
def test_recipients_are_quoted_as_aiosmtplib_quotes_them(address: str) -> None:
    assert quote_recipient(address) == aiosmtplib.email.quote_address(address)


class _Silent(SmtpSink):
    """Takes the connection and MAIL, then never answers RCPT."""

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        await asyncio.sleep(3)
        return "250 OK"


async def test_a_server_that_stops_answering_fails_the_envelope_and_drops_the_connection() -> None:
    sink = _Silent(port=free_port())
    with listening(sink):
        settings = make_settings(smtp_url=f"smtp://127.0.0.1:{sink.port}?timeout=0.1")
        async with EmailChannel(settings) as sender:
            with pytest.raises(DeliveryError) as caught:
                await sender.send(_message(1))
            connection = sender._smtp
    assert caught.value.permanent is False
    assert "SMTP unavailable" in caught.value.message
    assert connection is None or not connection.is_connected
