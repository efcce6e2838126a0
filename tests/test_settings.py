"""Settings come from PORTAL_* variables, default to the embedded mode and refuse bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.settings import Settings, SettingsError


def test_it_defaults_to_the_embedded_mode(tmp_path: Path) -> None:
    settings = Settings.from_env({"PORTAL_VAR_DIR": str(tmp_path)})
    assert settings.mode == "development"
    assert settings.database_url == f"sqlite://{tmp_path}/portal.sqlite3"
    assert settings.dev_mailbox is True
    assert settings.sandbox_carrier is True
    assert (settings.quiet_hours_start, settings.quiet_hours_end) == ("21:00", "08:00")


def test_it_generates_a_dev_secret_once_and_keeps_it(tmp_path: Path) -> None:
    first = Settings.from_env({"PORTAL_VAR_DIR": str(tmp_path)})
    second = Settings.from_env({"PORTAL_VAR_DIR": str(tmp_path)})
    assert len(first.secret_key) >= 40
    assert first.secret_key == second.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="PORTAL_SECRET_KEY is required in production"):
        Settings.from_env({"PORTAL_MODE": "production", "PORTAL_VAR_DIR": str(tmp_path)})


def test_production_refuses_a_short_secret_key() -> None:
    with pytest.raises(SettingsError, match="at least 32"):
        Settings.from_env({"PORTAL_MODE": "production", "PORTAL_SECRET_KEY": "short"})


def test_production_turns_off_dev_conveniences() -> None:
    settings = Settings.from_env({"PORTAL_MODE": "production", "PORTAL_SECRET_KEY": "k" * 48})
    assert settings.production
    assert settings.dev_mailbox is False
    assert settings.sandbox_carrier is False


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PORTAL_MODE", "staging", "PORTAL_MODE must be one of"),
        ("PORTAL_DATABASE_URL", "mysql://x", "PORTAL_DATABASE_URL must be a URL"),
        ("PORTAL_PUBLIC_BASE_URL", "example.com", "PORTAL_PUBLIC_BASE_URL must be a URL"),
        ("PORTAL_SMTP_URL", "http://mail", "PORTAL_SMTP_URL must be a URL"),
        ("PORTAL_TWILIO_BASE_URL", "ftp://x", "PORTAL_TWILIO_BASE_URL must be a URL"),
        ("PORTAL_CARRIER_UPS_BASE_URL", "nope", "PORTAL_CARRIER_UPS_BASE_URL must be a URL"),
        ("PORTAL_QUIET_HOURS_START", "25:00", "PORTAL_QUIET_HOURS_START must be a time"),
        ("PORTAL_QUIET_HOURS_END", "8pm", "PORTAL_QUIET_HOURS_END must be a time"),
        ("PORTAL_TIME_ZONE", "Mars/Olympus", "PORTAL_TIME_ZONE 'Mars/Olympus' is not an IANA"),
        ("PORTAL_TIME_ZONE", "../../etc/localtime", "'../../etc/localtime' is not an IANA"),
        ("PORTAL_LOG_LEVEL", "LOUD", "PORTAL_LOG_LEVEL must be one of"),
        ("PORTAL_SANDBOX_CARRIER", "maybe", "must be true or false"),
        ("PORTAL_TRACKING_POLL_SECONDS", "soon", "PORTAL_TRACKING_POLL_SECONDS must be a whole"),
        ("PORTAL_TRACKING_POLL_SECONDS", "0", "PORTAL_TRACKING_POLL_SECONDS must be at least 1"),
        ("PORTAL_TRACKING_NUMBER_LIMIT", "1.5", "PORTAL_TRACKING_NUMBER_LIMIT must be a whole"),
        ("PORTAL_TRACKING_CACHE_SECONDS", "-1", "PORTAL_TRACKING_CACHE_SECONDS must be 0 or"),
    ],
)
def test_it_explains_a_bad_value(tmp_path: Path, name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({"PORTAL_VAR_DIR": str(tmp_path), name: value})


def test_every_external_base_url_is_a_setting(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "PORTAL_VAR_DIR": str(tmp_path),
            "PORTAL_CARRIER_UPS_BASE_URL": "http://127.0.0.1:9001/",
            "PORTAL_CARRIER_FEDEX_BASE_URL": "https://apis-sandbox.fedex.com",
            "PORTAL_TWILIO_BASE_URL": "http://127.0.0.1:9002",
            "PORTAL_SMTP_URL": "smtp://127.0.0.1:2525",
        }
    )
    assert settings.carrier_base_urls == {
        "ups": "http://127.0.0.1:9001",
        "fedex": "https://apis-sandbox.fedex.com",
    }
    assert settings.twilio_base_url == "http://127.0.0.1:9002"
    assert settings.smtp_url == "smtp://127.0.0.1:2525"
    assert settings.dev_mailbox is False


def test_quiet_hours_are_normalised(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"PORTAL_VAR_DIR": str(tmp_path), "PORTAL_QUIET_HOURS_START": "7:5"}
    )
    assert settings.quiet_hours_start == "07:05"


def test_the_tracking_page_knobs_are_settings(tmp_path: Path) -> None:
    defaults = Settings.from_env({"PORTAL_VAR_DIR": str(tmp_path)})
    assert (
        defaults.tracking_poll_seconds,
        defaults.tracking_number_limit,
        defaults.tracking_cache_seconds,
    ) == (45, 120, 5.0)
    tuned = Settings.from_env(
        {
            "PORTAL_VAR_DIR": str(tmp_path),
            "PORTAL_TRACKING_POLL_SECONDS": "1",
            "PORTAL_TRACKING_NUMBER_LIMIT": "1000000",
            "PORTAL_TRACKING_CACHE_SECONDS": "0",
        }
    )
    assert (
        tuned.tracking_poll_seconds,
        tuned.tracking_number_limit,
        tuned.tracking_cache_seconds,
    ) == (1, 1_000_000, 0.0)
