"""Email over SMTP with aiosmtplib: one connection per batch, RFC 8058 unsubscribe headers.

``PORTAL_SMTP_URL`` is ``smtp://user:pass@host:587?starttls=1`` or ``smtps://host:465``;
without ``starttls`` the connection upgrades when the server offers STARTTLS, ``starttls=1``
requires it and ``starttls=0`` forbids it. The Message-ID derives from the outbox id, so a
retried message keeps its identity and receivers can drop the duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parseaddr
from functools import lru_cache
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib
import httpx

from portal.core.links import make_preferences_token, preferences_link
from portal.models import Customer, Merchant, OutboxMessage
from portal.notifications import mime
from portal.notifications.base import DeliveryError, MessageChannel, Sent
from portal.notifications.context import support_email
from portal.settings import Settings

log = logging.getLogger(__name__)

_TRUE = ("1", "true", "yes", "on", "required")
_FALSE = ("0", "false", "no", "off")


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    hostname: str
    port: int
    use_tls: bool
    start_tls: bool | None
    username: str | None
    password: str | None
    timeout: float
    validate_certs: bool


def smtp_config(settings: Settings) -> SmtpConfig:
    """Parse ``settings.smtp_url`` (plus ``smtp_starttls`` / ``smtp_timeout`` when present)."""
    url = getattr(settings, "smtp_url", None)
    if not url:
        raise DeliveryError("SMTP is not configured (PORTAL_SMTP_URL)", permanent=False)
    parts = urlsplit(url)
    query = {k: v[-1].lower() for k, v in parse_qs(parts.query).items()}
    use_tls = parts.scheme == "smtps"
    starttls_value = query.get("starttls", str(getattr(settings, "smtp_starttls", "") or ""))
    start_tls: bool | None = None  # upgrade when offered
    if starttls_value.lower() in _TRUE:
        start_tls = True
    elif starttls_value.lower() in _FALSE:
        start_tls = False
    if use_tls:
        start_tls = False
    return SmtpConfig(
        hostname=parts.hostname or "localhost",
        port=parts.port or (465 if use_tls else 587 if start_tls else 25),
        use_tls=use_tls,
        start_tls=start_tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        timeout=float(query.get("timeout", getattr(settings, "smtp_timeout", None) or 30)),
        validate_certs=query.get("verify", "1") not in _FALSE,
    )


def _sender(settings: Settings) -> tuple[str, str]:
    return _parse_sender(getattr(settings, "mail_from", "") or "")


@lru_cache(maxsize=16)
def _parse_sender(mail_from: str) -> tuple[str, str]:
    """Parsed once per setting value: ``parseaddr`` was a tenth of a message's CPU."""
    name, address = parseaddr(mail_from)
    return name, address or "no-reply@doorstep.invalid"


@lru_cache(maxsize=16)
def _quoted(address: str) -> str:
    """``<address>`` as aiosmtplib writes it in MAIL (refusing what cannot be sent)."""
    return aiosmtplib.email.quote_address(address)


#: A plain ASCII addr-spec (dot-atoms, no quoting, no comments): aiosmtplib's
#: ``quote_address`` (``email.utils.parseaddr``, a twelfth of an e-mail's CPU) returns
#: it unchanged between angle brackets, so such recipients skip it.
_PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
)


def quote_recipient(address: str) -> str:
    """``<address>`` for RCPT, exactly as ``aiosmtplib.email.quote_address`` writes it."""
    if _PLAIN_ADDRESS.fullmatch(address):
        return f"<{address}>"
    return aiosmtplib.email.quote_address(address)


#: ``urllib.parse.quote("unsubscribe ")``; the token after it (URL-safe base64 and dots)
#: is what ``quote`` would leave as it is, so it is appended unquoted.
_UNSUBSCRIBE_SUBJECT = "unsubscribe%20"


def message_id(message_id_number: int, domain: str) -> str:
    return f"<notification.{message_id_number}@{domain}>"


def _ascii_address(value: str) -> str | None:
    """An address usable in a header without SMTPUTF8 (IDN domains as punycode), or None."""
    local, _, domain = value.strip().rpartition("@")
    if not local or not domain or not local.isascii():
        return None
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        return None


@lru_cache(maxsize=64)
def _from_header(name: str, address: str) -> str:
    """The shop's From header, the same for all its messages: encoded once."""
    return mime.encode_address("From", name, address)


@lru_cache(maxsize=4)
def _date_header(second: int) -> str:
    """``Date:`` for this second (the header has no finer resolution), written once."""
    return f"Date: {format_datetime(datetime.fromtimestamp(second, UTC))}"


def build_email(
    settings: Settings,
    message: OutboxMessage,
    *,
    merchant: Merchant,
    customer: Customer | None,
    now: datetime | None = None,
) -> tuple[bytes, str]:
    """The MIME message for an outbox row (text + HTML alternatives and list headers),
    ready for SMTP, and its Message-ID. Written by :mod:`portal.notifications.mime`,
    not through the header registry (a third of the cost of sending one)."""
    _, from_address = _sender(settings)
    domain = from_address.rpartition("@")[2] or "doorstep.invalid"
    identity = message_id(message.id, domain)
    headers = [
        mime.encode_text("Subject", message.subject or ""),
        _from_header(merchant.name or "", from_address),
        mime.encode_address("To", (customer.name if customer else "") or "", message.recipient),
    ]
    support = _ascii_address(support_email(merchant))
    if support:
        headers.append(f"Reply-To: {support}")
    headers += [
        f"Date: {format_datetime(now)}" if now else _date_header(int(time.time())),
        f"Message-ID: {identity}",
        "Auto-Submitted: auto-generated",
    ]
    if customer is not None:
        token = make_preferences_token(settings, customer.id)
        mailbox = getattr(settings, "unsubscribe_mailto", None) or from_address
        # Pre-folded and never encoded: mail providers read only plain URIs here.
        headers.append(
            f"List-Unsubscribe: <mailto:{mailbox}?subject={_UNSUBSCRIBE_SUBJECT}{token}>,"
            f"\r\n <{preferences_link(settings, customer.id, token)}>"
        )
        headers.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
    return mime.render(headers, message.body_text or "", message.body_html), identity


def _classify(exc: Exception) -> DeliveryError:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        permanent = bool(codes) and all(code >= 500 for code in codes)
        return DeliveryError(
            f"recipient refused: {exc.recipients[0].message if exc.recipients else exc}",
            permanent=permanent,
            code=codes[0] if codes else None,
        )
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return DeliveryError(f"SMTP login failed: {exc.message}", permanent=False, code=exc.code)
    if isinstance(exc, aiosmtplib.SMTPDataError):
        return DeliveryError(
            f"message refused: {exc.message}", permanent=exc.code >= 500, code=exc.code
        )
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return DeliveryError(f"SMTP {exc.code}: {exc.message}", permanent=False, code=exc.code)
    return DeliveryError(f"SMTP unavailable: {exc!r}", permanent=False)


class EmailChannel(MessageChannel):
    """Sends a lane of outbox emails over one SMTP connection, reconnecting once if dropped."""

    def __init__(self, settings: Settings, http_client: httpx.AsyncClient | None = None) -> None:
        super().__init__(settings)
        self.config = smtp_config(settings)
        self._smtp: aiosmtplib.SMTP | None = None
        self._broken: DeliveryError | None = None
        #: One envelope awaits four replies (MAIL, RCPT, DATA, the end of the data), each
        #: of which aiosmtplib would give the whole timeout.
        self._deadline = 4 * self.config.timeout

    async def _connect(self) -> aiosmtplib.SMTP:
        config = self.config
        smtp = aiosmtplib.SMTP(
            hostname=config.hostname,
            port=config.port,
            use_tls=config.use_tls,
            start_tls=config.start_tls,
            username=config.username,
            password=config.password,
            timeout=config.timeout,
            validate_certs=config.validate_certs,
        )
        await smtp.connect()
        return smtp

    @staticmethod
    async def _sendmail(
        smtp: aiosmtplib.SMTP, email: bytes, sender: str, recipient: str, deadline: float
    ) -> None:
        """One envelope, command by command: what ``SMTP.sendmail`` does for a single
        recipient (reset the envelope after a refusal, all recipients refused raised as
        :class:`aiosmtplib.SMTPRecipientsRefused`), without parsing each address twice
        more (a plain recipient not at all), the sender at all after its first message, or
        measuring the message again (it is written with CRLF already).

        One deadline for the whole envelope (``deadline`` seconds: the connection's
        timeout for each reply awaited) instead of a timer per reply; when it passes the
        connection is closed, as aiosmtplib closes it after a read timeout."""
        try:
            async with asyncio.timeout(deadline):
                await EmailChannel._envelope(smtp, email, sender, recipient)
        except TimeoutError as exc:
            smtp.close()
            raise aiosmtplib.SMTPReadTimeoutError("Timed out waiting for server response") from exc

    @staticmethod
    async def _envelope(smtp: aiosmtplib.SMTP, email: bytes, sender: str, recipient: str) -> None:
        if smtp.is_ehlo_or_helo_needed:
            await smtp.ehlo()
        options = []
        utf8 = not (sender + recipient).isascii()
        if utf8:
            if not smtp.supports_extension("smtputf8"):
                raise DeliveryError(
                    f"{recipient!r} needs SMTPUTF8, which the server lacks", permanent=True
                )
            options.append("SMTPUTF8")
        if smtp.supports_extension("size"):
            options.append(f"SIZE={len(email)}")
        if smtp.supports_extension("8BITMIME"):
            options.append("BODY=8BITMIME")
        encoding = "utf-8" if utf8 else "ascii"
        try:
            # MAIL as SMTP.mail sends it, the sender (ours, one per setting) quoted once.
            mail = await smtp.execute_command(
                b"MAIL",
                b"FROM:" + _quoted(sender).encode(encoding),
                *(option.encode("ascii") for option in options),
                timeout=None,
            )
            if mail.code != aiosmtplib.SMTPStatus.completed:
                raise aiosmtplib.SMTPSenderRefused(mail.code, mail.message, sender)
            # RCPT as SMTP.rcpt sends it.
            rcpt = await smtp.execute_command(
                b"RCPT", b"TO:" + quote_recipient(recipient).encode(encoding), timeout=None
            )
            if rcpt.code not in (
                aiosmtplib.SMTPStatus.completed,
                aiosmtplib.SMTPStatus.will_forward,
            ):
                refused = aiosmtplib.SMTPRecipientRefused(rcpt.code, rcpt.message, recipient)
                raise aiosmtplib.SMTPRecipientsRefused([refused])
            await smtp.data(email, timeout=None)
        except (aiosmtplib.SMTPResponseException, aiosmtplib.SMTPRecipientsRefused):
            with contextlib.suppress(ConnectionError, aiosmtplib.SMTPResponseException):
                await smtp.rset(timeout=None)
            raise

    async def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None and smtp.is_connected:
            try:
                await smtp.quit()
            except aiosmtplib.SMTPException:
                smtp.close()

    async def send(self, message: OutboxMessage) -> Sent:
        """Send one message (its merchant and customer loaded with it)."""
        if self._broken is not None:
            raise self._broken
        email, identity = build_email(
            self.settings, message, merchant=message.merchant, customer=message.customer
        )
        _, envelope_from = _sender(self.settings)
        for attempt in (1, 2):
            try:
                if self._smtp is None:
                    self._smtp = await self._connect()
                await self._sendmail(
                    self._smtp, email, envelope_from, message.recipient, self._deadline
                )
                return Sent(provider_id=identity, status="accepted")
            except aiosmtplib.SMTPServerDisconnected as exc:
                self._smtp = None
                if attempt == 2:
                    raise _classify(exc) from exc
            except (
                aiosmtplib.SMTPConnectError,
                aiosmtplib.SMTPAuthenticationError,
                OSError,
            ) as exc:
                # The server is out of reach for this batch: fail the rest fast.
                self._smtp = None
                self._broken = _classify(exc)
                raise self._broken from exc
            except aiosmtplib.SMTPException as exc:
                raise _classify(exc) from exc
        raise DeliveryError("SMTP send did not complete", permanent=False)  # pragma: no cover
