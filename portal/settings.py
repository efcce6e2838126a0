"""Settings read once from ``PORTAL_*`` environment variables.

Defaults serve the embedded mode (SQLite under ``./var/``, a dev secret generated once
and kept under ``./var/``, the local dev mailbox). Production mode refuses weak settings.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from portal.core.timezones import zone_name_or_none

MODES = ("development", "production")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEV_SECRET_FILE = "secret_key"


class SettingsError(ValueError):
    """A setting is missing or wrong; the message says which and why."""


def _hhmm(name: str, value: str) -> str:
    try:
        hours, minutes = value.split(":")
        if not (0 <= int(hours) < 24 and 0 <= int(minutes) < 60):
            raise ValueError
    except ValueError:
        raise SettingsError(f"{name} must be a time as HH:MM, got {value!r}") from None
    return f"{int(hours):02d}:{int(minutes):02d}"


def _bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise SettingsError(f"{name} must be true or false, got {value!r}")


def _minutes(name: str, value: str) -> int:
    """A whole number of minutes from 0 to 720."""
    try:
        minutes = int(value)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number of minutes, got {value!r}") from None
    if not 0 <= minutes <= 720:
        raise SettingsError(f"{name} must be from 0 to 720 minutes")
    return minutes


def _number(name: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {value!r}") from None
    if number <= 0:
        raise SettingsError(f"{name} must be positive")
    return number


def _count(name: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {value!r}") from None
    if number < 1:
        raise SettingsError(f"{name} must be at least 1, got {number}")
    return number


def _seconds(name: str, value: str) -> float:
    """A duration that may be 0 (off), never negative."""
    try:
        number = float(value)
    except ValueError:
        raise SettingsError(f"{name} must be a number of seconds, got {value!r}") from None
    if number < 0:
        raise SettingsError(f"{name} must be 0 or more seconds, got {value!r}")
    return number


def _url(name: str, value: str, schemes: tuple[str, ...]) -> str:
    parts = urlsplit(value)
    if parts.scheme not in schemes or not (parts.netloc or parts.path):
        raise SettingsError(f"{name} must be a URL starting with {' or '.join(schemes)}://")
    return value.rstrip("/") if parts.scheme.startswith("http") else value


@dataclass(frozen=True)
class Settings:
    mode: str = "development"
    database_url: str = "sqlite://var/portal.sqlite3"
    secret_key: str = ""
    #: Older secret keys still accepted for decryption, newest first (key rotation).
    old_secret_keys: tuple[str, ...] = ()
    public_base_url: str = "http://127.0.0.1:8000"
    var_dir: Path = Path("var")
    smtp_url: str | None = None
    mail_from: str = "Doorstep <no-reply@doorstep.invalid>"
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_base_url: str = "https://api.twilio.com"
    #: The shop's WhatsApp sender on Twilio (E.164, without the ``whatsapp:`` prefix).
    twilio_whatsapp_from: str | None = None
    #: VAPID keys for web push (``portal push keys`` makes a pair): the public key
    #: (base64url, uncompressed P-256 point) goes to browsers, the private key signs.
    vapid_public_key: str | None = None
    vapid_private_key: str | None = None
    #: Who push services may contact about our pushes (mailto: or https: URL).
    vapid_subject: str = "mailto:no-reply@doorstep.invalid"
    carrier_base_urls: Mapping[str, str] = field(default_factory=dict)
    quiet_hours_start: str = "21:00"
    quiet_hours_end: str = "08:00"
    #: Messages held overnight leave spread over this many minutes after quiet hours end.
    quiet_release_minutes: int = 60
    default_time_zone: str = "UTC"
    log_level: str = "INFO"
    #: "1" requires STARTTLS, "0" forbids it, unset upgrades when offered (?starttls= wins).
    smtp_starttls: str | None = None
    smtp_timeout: float = 30.0
    #: mailto target in List-Unsubscribe (default: the sender address).
    unsubscribe_mailto: str | None = None
    notify_max_attempts: int = 6
    webhook_max_attempts: int = 8
    #: Serve the simulated carrier at /_sandbox/carrier (on by default in development).
    sandbox_carrier: bool = True
    #: How often an open tracking page asks for news (the browser suite sets 1).
    tracking_poll_seconds: int = 45
    #: Tracking numbers one client may look up per 10 minutes, per process.
    tracking_number_limit: int = 120
    #: Order lookups (order number + e-mail or postcode) one client may try per 10 minutes.
    order_lookup_limit: int = 10
    #: How long a tracking lookup and a rendered status block are reused (0: not at all).
    tracking_cache_seconds: float = 5.0
    #: How long a stopping worker lets running units finish before cancelling them.
    worker_grace_seconds: float = 30.0
    #: Seconds to open a database connection, and for one statement, before giving up.
    db_connect_timeout: float = 10.0
    db_statement_timeout: float = 30.0
    #: TCP keepalive: idle seconds before the first probe (a vanished peer is noticed
    #: after about idle + 3 × interval); SQLite instead waits this long for a lock.
    db_keepalive_seconds: float = 15.0
    db_busy_timeout: float = 5.0

    @property
    def production(self) -> bool:
        return self.mode == "production"

    @property
    def dev_mailbox(self) -> bool:
        """Messages are kept for /dev/mailbox instead of sent when no transport is set up."""
        return not self.production and self.smtp_url is None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and validate settings; raise :class:`SettingsError` with a clear reason."""
        env = os.environ if environ is None else environ

        def get(name: str, default: str | None = None) -> str | None:
            value = env.get(f"PORTAL_{name}")
            return default if value is None or value == "" else value

        mode = (get("MODE", "development") or "").lower()
        if mode not in MODES:
            raise SettingsError(f"PORTAL_MODE must be one of {', '.join(MODES)}, got {mode!r}")
        var_dir = Path(get("VAR_DIR", "var") or "var")
        database_url = get("DATABASE_URL", f"sqlite://{var_dir}/portal.sqlite3") or ""
        _url("PORTAL_DATABASE_URL", database_url, ("sqlite", "postgres", "asyncpg", "psycopg"))

        secret_key = get("SECRET_KEY")
        if mode == "production":
            if not secret_key:
                raise SettingsError(
                    "PORTAL_SECRET_KEY is required in production mode: it signs sessions and "
                    "links and encrypts carrier credentials. Generate one with "
                    "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
                )
            if len(secret_key) < 32:
                raise SettingsError("PORTAL_SECRET_KEY must be at least 32 characters long.")
        elif not secret_key:
            secret_key = _dev_secret(var_dir)

        carrier_urls = {
            key[len("PORTAL_CARRIER_") : -len("_BASE_URL")].lower(): _url(
                key, value, ("http", "https")
            )
            for key, value in env.items()
            if key.startswith("PORTAL_CARRIER_") and key.endswith("_BASE_URL") and value
        }
        log_level = (get("LOG_LEVEL", "INFO") or "INFO").upper()
        if log_level not in LOG_LEVELS:
            raise SettingsError(f"PORTAL_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
        time_zone = get("TIME_ZONE", "UTC") or "UTC"
        if zone_name_or_none(time_zone) is None:
            raise SettingsError(f"PORTAL_TIME_ZONE {time_zone!r} is not an IANA time zone")
        smtp_url = get("SMTP_URL")
        if smtp_url:
            _url("PORTAL_SMTP_URL", smtp_url, ("smtp", "smtps"))
        return cls(
            mode=mode,
            database_url=database_url,
            secret_key=secret_key,
            old_secret_keys=tuple(k for k in (get("OLD_SECRET_KEYS", "") or "").split(",") if k),
            public_base_url=_url(
                "PORTAL_PUBLIC_BASE_URL",
                get("PUBLIC_BASE_URL", "http://127.0.0.1:8000") or "",
                ("http", "https"),
            ),
            var_dir=var_dir,
            smtp_url=smtp_url,
            mail_from=get("MAIL_FROM", cls.mail_from) or cls.mail_from,
            twilio_account_sid=get("TWILIO_ACCOUNT_SID"),
            twilio_auth_token=get("TWILIO_AUTH_TOKEN"),
            twilio_from=get("TWILIO_FROM"),
            twilio_messaging_service_sid=get("TWILIO_MESSAGING_SERVICE_SID"),
            twilio_base_url=_url(
                "PORTAL_TWILIO_BASE_URL",
                get("TWILIO_BASE_URL", cls.twilio_base_url) or "",
                ("http", "https"),
            ),
            twilio_whatsapp_from=get("TWILIO_WHATSAPP_FROM"),
            vapid_public_key=get("VAPID_PUBLIC_KEY"),
            vapid_private_key=get("VAPID_PRIVATE_KEY"),
            vapid_subject=get("VAPID_SUBJECT", cls.vapid_subject) or cls.vapid_subject,
            carrier_base_urls=carrier_urls,
            quiet_hours_start=_hhmm(
                "PORTAL_QUIET_HOURS_START", get("QUIET_HOURS_START", "21:00") or ""
            ),
            quiet_hours_end=_hhmm("PORTAL_QUIET_HOURS_END", get("QUIET_HOURS_END", "08:00") or ""),
            quiet_release_minutes=_minutes(
                "PORTAL_QUIET_RELEASE_MINUTES", get("QUIET_RELEASE_MINUTES") or "60"
            ),
            default_time_zone=time_zone,
            log_level=log_level,
            smtp_starttls=get("SMTP_STARTTLS"),
            smtp_timeout=_number("PORTAL_SMTP_TIMEOUT", get("SMTP_TIMEOUT") or "30"),
            unsubscribe_mailto=get("UNSUBSCRIBE_MAILTO"),
            notify_max_attempts=int(
                _number("PORTAL_NOTIFY_MAX_ATTEMPTS", get("NOTIFY_MAX_ATTEMPTS") or "6")
            ),
            webhook_max_attempts=int(
                _number("PORTAL_WEBHOOK_MAX_ATTEMPTS", get("WEBHOOK_MAX_ATTEMPTS") or "8")
            ),
            sandbox_carrier=_bool(
                "PORTAL_SANDBOX_CARRIER",
                get("SANDBOX_CARRIER", "0" if mode == "production" else "1") or "",
            ),
            tracking_poll_seconds=_count(
                "PORTAL_TRACKING_POLL_SECONDS", get("TRACKING_POLL_SECONDS") or "45"
            ),
            tracking_number_limit=_count(
                "PORTAL_TRACKING_NUMBER_LIMIT", get("TRACKING_NUMBER_LIMIT") or "120"
            ),
            order_lookup_limit=_count(
                "PORTAL_ORDER_LOOKUP_LIMIT", get("ORDER_LOOKUP_LIMIT") or "10"
            ),
            tracking_cache_seconds=_seconds(
                "PORTAL_TRACKING_CACHE_SECONDS", get("TRACKING_CACHE_SECONDS") or "5"
            ),
            worker_grace_seconds=_seconds(
                "PORTAL_WORKER_GRACE_SECONDS", get("WORKER_GRACE_SECONDS") or "30"
            ),
            db_connect_timeout=_number(
                "PORTAL_DB_CONNECT_TIMEOUT", get("DB_CONNECT_TIMEOUT") or "10"
            ),
            db_statement_timeout=_number(
                "PORTAL_DB_STATEMENT_TIMEOUT", get("DB_STATEMENT_TIMEOUT") or "30"
            ),
            db_keepalive_seconds=_number(
                "PORTAL_DB_KEEPALIVE_SECONDS", get("DB_KEEPALIVE_SECONDS") or "15"
            ),
            db_busy_timeout=_number("PORTAL_DB_BUSY_TIMEOUT", get("DB_BUSY_TIMEOUT") or "5"),
        )


def _dev_secret(var_dir: Path) -> str:
    """A development secret generated once and kept, so sessions survive restarts."""
    path = var_dir / DEV_SECRET_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.write_text(value, encoding="utf-8")
    path.chmod(0o600)
    return value
