"""The ``portal`` command: administrative tasks, clear messages and exit codes."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

PORTAL = [sys.executable, "-m", "portal.cli"]


def portal(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
        "PORTAL_DATABASE_URL": f"sqlite://{tmp_path}/cli.sqlite3",
        "PORTAL_LOG_LEVEL": "WARNING",
        **env,
    }
    return subprocess.run(
        [*PORTAL, *args], capture_output=True, text=True, env=environment, timeout=120
    )


@pytest.fixture
def migrated(tmp_path: Path, sqlite_template: Path) -> Path:
    """A database the committed migrations built: the session's template, copied (``portal
    migrate`` itself is tested below; running it per test cost a quarter of a minute)."""
    shutil.copyfile(sqlite_template, tmp_path / "cli.sqlite3")
    return tmp_path


@pytest.fixture(scope="module")
def demo_loaded(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    """The demo shop loaded once by ``portal demo`` for the tests that start from it, beside
    its var dir (the dev secret its carrier credentials are sealed with)."""
    root = tmp_path_factory.mktemp("cli-demo")
    shutil.copyfile(sqlite_template, root / "cli.sqlite3")
    loaded = portal(root, "demo")
    assert loaded.returncode == 0, loaded.stderr
    return root


@pytest.fixture
def with_demo(demo_loaded: Path, tmp_path: Path) -> Path:
    """A private copy of the demo shop's database and var dir."""
    shutil.copytree(demo_loaded, tmp_path, dirs_exist_ok=True)
    return tmp_path


def test_migrate_builds_the_schema_and_is_repeatable(tmp_path: Path) -> None:
    first = portal(tmp_path, "migrate")
    second = portal(tmp_path, "migrate")
    assert first.returncode == second.returncode == 0
    assert "database is up to date" in second.stdout


def test_it_creates_a_merchant_a_user_and_an_api_key(migrated: Path) -> None:
    merchant = portal(migrated, "merchant", "create", "--slug", "acme", "--name", "Acme")
    assert merchant.returncode == 0, merchant.stderr
    user = portal(
        migrated, "user", "create", "--merchant", "acme", "--email", "Ann@Acme.test",
        "--password", "a long enough password", "--role", "owner",
    )  # fmt: skip
    assert user.returncode == 0, user.stderr
    assert "ann@acme.test (owner)" in user.stdout
    key = portal(migrated, "apikey", "create", "--merchant", "acme", "--name", "shop")
    assert key.returncode == 0, key.stderr
    assert key.stdout.strip().splitlines()[-1].startswith("dsk_")


def test_a_merchant_keeps_its_country_s_clock_unless_told_otherwise(migrated: Path) -> None:
    """Quiet hours and the shop's days count in its own zone: a Bulgarian shop made with
    ``--country BG`` alone is in Europe/Sofia; a shop without a country is UTC; a country
    of several clocks is refused with its clocks named, never put on UTC or one guessed."""
    made = {
        slug: portal(migrated, "merchant", "create", "--slug", slug, "--name", slug, *more)
        for slug, more in [("bg", ["--country", "BG", "--locale", "bg"]), ("none", []),
                           ("told", ["--country", "BG", "--time-zone", "Europe/Warsaw"]),
                           ("ru", ["--country", "RU", "--time-zone", "Asia/Novosibirsk"])]
    }  # fmt: skip
    assert all(done.returncode == 0 for done in made.values()), made
    refused = portal(migrated, "merchant", "create", "--slug", "us", "--name", "us",
                     "--country", "US")  # fmt: skip
    assert refused.returncode == 1
    assert "US keeps 8 time zones: give --time-zone, one of Pacific/Honolulu," in refused.stderr
    assert "America/New_York" in refused.stderr
    with sqlite3.connect(migrated / "cli.sqlite3") as db:
        zones = dict(db.execute("SELECT slug, time_zone FROM merchant").fetchall())
    assert zones == {"bg": "Europe/Sofia", "none": "UTC", "told": "Europe/Warsaw",
                     "ru": "Asia/Novosibirsk"}  # fmt: skip
    assert "time zone Europe/Sofia" in made["bg"].stdout


def test_a_merchant_speaks_its_country_s_language_unless_told_otherwise(migrated: Path) -> None:
    """A Polish shop made with ``--country PL`` alone writes to its customers in Polish; a
    country whose language the portal does not ship (Belgium), or none, writes English, and
    ``--locale`` wins over the country."""
    made = {
        slug: portal(migrated, "merchant", "create", "--slug", slug, "--name", slug, *more)
        for slug, more in [("pl", ["--country", "PL"]),
                           ("ua", ["--country", "ua", "--time-zone", "Europe/Kyiv"]),
                           ("be", ["--country", "BE"]), ("none", []),
                           ("told", ["--country", "PL", "--locale", "en"])]
    }  # fmt: skip
    assert all(done.returncode == 0 for done in made.values()), made
    with sqlite3.connect(migrated / "cli.sqlite3") as db:
        languages = dict(db.execute("SELECT slug, default_locale FROM merchant").fetchall())
    assert languages == {"pl": "pl", "ua": "uk", "be": "en", "none": "en", "told": "en"}
    assert "time zone Europe/Warsaw, language pl" in made["pl"].stdout


def test_a_duplicate_merchant_is_a_clear_error(migrated: Path) -> None:
    portal(migrated, "merchant", "create", "--slug", "acme", "--name", "Acme")
    again = portal(migrated, "merchant", "create", "--slug", "acme", "--name", "Acme")
    assert again.returncode == 1
    assert "already exists" in again.stderr


MERCHANT = ["merchant", "create", "--slug", "x", "--name", "X"]
CONNECT = ["connect", "prestashop", "--merchant", "nobody", "--url", "https://x.test", "--key", "k"]
USER = ["user", "create", "--merchant", "nobody", "--email", "a@b.c", "--password", "long pw 123"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([*MERCHANT, "--time-zone", "Nowhere"], "unknown time zone"),
        ([*MERCHANT, "--time-zone", "Mars/Olympus"], "unknown time zone 'Mars/Olympus'"),
        ([*MERCHANT, "--time-zone", "../../etc/localtime"], "time zone '../../etc/localtime'"),
        ([*MERCHANT, "--time-zone", ""], "unknown time zone ''"),
        ([*MERCHANT, "--locale", "fr"], "locale must be one of"),
        (USER, "no merchant"),
        (["apikey", "create", "--merchant", "nobody", "--name", "k"], "no merchant"),
        (CONNECT, "no merchant"),
    ],
)
def test_bad_values_exit_non_zero_with_a_reason(
    migrated: Path, args: list[str], message: str
) -> None:
    result = portal(migrated, *args)
    assert result.returncode == 1
    assert message in result.stderr


def test_a_weak_password_is_refused(migrated: Path) -> None:
    portal(migrated, "merchant", "create", "--slug", "acme", "--name", "Acme")
    result = portal(
        migrated, "user", "create", "--merchant", "acme", "--email", "a@b.c", "--password", "short"
    )
    assert result.returncode == 1
    assert "at least 10 characters" in result.stderr


@pytest.mark.parametrize("args", [[], ["frobnicate"], ["merchant"], ["merchant", "create"]])
def test_bad_arguments_print_usage_and_exit_2(tmp_path: Path, args: list[str]) -> None:
    result = portal(tmp_path, *args)
    assert result.returncode == 2
    assert "usage: portal" in result.stderr


def test_bad_settings_exit_2_and_say_why(tmp_path: Path) -> None:
    result = portal(tmp_path, "migrate", PORTAL_MODE="production")
    assert result.returncode == 2
    assert "PORTAL_SECRET_KEY is required in production mode" in result.stderr


def test_demo_is_idempotent(migrated: Path) -> None:
    first = portal(migrated, "demo")
    second = portal(migrated, "demo")
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert "24 orders and 24 shipments added" in first.stdout
    assert "0 orders and 0 shipments added" in second.stdout


def test_poll_once_moves_the_demo_parcels_on_the_sandbox_carrier(with_demo: Path) -> None:
    result = portal(with_demo, "poll", "--once")
    assert result.returncode == 0, result.stderr
    assert "24 claimed" in result.stdout or "claimed 24" in result.stdout, result.stdout
    again = portal(with_demo, "poll", "--once")
    assert again.returncode == 0
    assert "claimed 0" in again.stdout or "0 claimed" in again.stdout, again.stdout


def test_poll_needs_once(migrated: Path) -> None:
    result = portal(migrated, "poll")
    assert result.returncode == 1
    assert "portal poll --once" in result.stderr
    assert "--all-now" in result.stderr


def test_operators_poll_named_or_all_shipments_whatever_their_schedule(with_demo: Path) -> None:
    assert portal(with_demo, "poll", "--once").returncode == 0
    # Nothing is due after a sweep; --all-now brings back every tracked shipment.
    everything = portal(with_demo, "poll", "--all-now")
    assert everything.returncode == 0, everything.stderr
    assert "shipment(s) due now" in everything.stdout
    assert "claimed 0" not in everything.stdout and "0 claimed" not in everything.stdout
    one = portal(with_demo, "poll", "--shipment", "1")
    assert one.returncode == 0, one.stderr
    assert "1 shipment(s) due now" in one.stdout
    assert "1 claimed" in one.stdout or "claimed 1" in one.stdout, one.stdout
    missing = portal(with_demo, "poll", "--shipment", "99999")
    assert missing.returncode == 1
    assert "no shipment with id 99999" in missing.stderr


def test_push_keys_prints_a_usable_vapid_pair(tmp_path: Path) -> None:
    from py_vapid import Vapid02

    result = portal(tmp_path, "push", "keys")
    assert result.returncode == 0, result.stderr
    values = dict(
        line.split("=", 1) for line in result.stdout.splitlines() if line.startswith("PORTAL_")
    )
    assert set(values) == {"PORTAL_VAPID_PUBLIC_KEY", "PORTAL_VAPID_PRIVATE_KEY"}
    signer = Vapid02.from_raw(values["PORTAL_VAPID_PRIVATE_KEY"].encode())
    header = signer.sign({"aud": "https://push.example.test", "sub": "mailto:a@example.test"})
    assert Vapid02.verify(header["Authorization"])
    assert f"k={values['PORTAL_VAPID_PUBLIC_KEY']}" in header["Authorization"]


def test_a_user_without_a_password_or_a_terminal_gets_a_clear_message(migrated: Path) -> None:
    portal(migrated, "merchant", "create", "--slug", "acme", "--name", "Acme")
    user = portal(migrated, "user", "create", "--merchant", "acme", "--email", "ann@acme.test")
    assert user.returncode == 1
    assert "no terminal to type the password in" in user.stderr
    assert "Traceback" not in user.stderr


def test_make_run_points_links_at_its_own_port() -> None:
    root = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if k != "PORTAL_PUBLIC_BASE_URL"}
    plan = subprocess.run(["make", "-n", "run", "PORT=8123"], cwd=root, env=env,
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    lines = [line for line in plan.splitlines() if "portal demo" in line or "portal run" in line]
    assert len(lines) == 2
    assert all('PORTAL_PUBLIC_BASE_URL="http://127.0.0.1:8123"' in line for line in lines)
    proxied = subprocess.run(["make", "-n", "run", "PORT=8123"], cwd=root,
                             env={**env, "PORTAL_PUBLIC_BASE_URL": "https://track.shop.test"},
                             capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert 'PORTAL_PUBLIC_BASE_URL="https://track.shop.test" ' in proxied


def test_analytics_rebuild_and_refresh_roll_up_the_demo_shop(with_demo: Path) -> None:
    rebuilt = portal(with_demo, "analytics", "rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "rebuilt the daily rollups" in rebuilt.stdout
    assert "analytics_delivered_day 0," not in rebuilt.stdout
    refreshed = portal(with_demo, "analytics", "refresh")
    assert refreshed.returncode == 0, refreshed.stderr
    assert "closed 0 days" in refreshed.stdout


def test_settings_set_changes_a_new_shops_settings_and_show_reads_them(migrated: Path) -> None:
    created = portal(migrated, "merchant", "create", "--slug", "acme", "--name", "Acme")
    assert created.returncode == 0, created.stderr
    changed = portal(
        migrated, "settings", "set", "--merchant", "acme",
        "support_email=help@acme.test", "quiet_hours_channels=sms",
        "notification_rules.delivered=email,sms", "surveys.enabled=false",
        "surveys.wording.pl.nps=Polecisz {merchant}?",
    )  # fmt: skip
    shown = portal(migrated, "settings", "show", "--merchant", "acme")

    assert changed.returncode == shown.returncode == 0, changed.stderr + shown.stderr
    settings = json.loads(shown.stdout)
    assert settings == json.loads(changed.stdout)
    assert (settings["support_email"], settings["quiet_hours_channels"]) == (
        "help@acme.test",
        ["sms"],
    )
    assert settings["notification_rules"]["delivered"] == ["email", "sms"]
    assert settings["surveys"]["enabled"] is False
    assert settings["surveys"]["wording"] == {"pl": {"nps": "Polecisz {merchant}?"}}


def test_settings_set_takes_a_kind_back_to_its_default(migrated: Path) -> None:
    portal(migrated, "merchant", "create", "--slug", "acme", "--name", "Acme")
    portal(
        migrated, "settings", "set", "--merchant", "acme",
        "notification_rules.delivered=sms", "notification_rules.shipped=sms",
    )  # fmt: skip
    by_word = portal(
        migrated, "settings", "set", "--merchant", "acme", "notification_rules.delivered=default"
    )
    change = migrated / "change.json"
    change.write_text(json.dumps({"notification_rules": {"shipped": None}}))
    by_json = portal(migrated, "settings", "set", "--merchant", "acme", "--json", str(change))

    assert by_word.returncode == by_json.returncode == 0, by_word.stderr + by_json.stderr
    assert json.loads(by_word.stdout)["notification_rules"]["delivered"] == ["email"]
    assert json.loads(by_word.stdout)["notification_rules"]["shipped"] == ["sms"]
    assert json.loads(by_json.stdout)["notification_rules"]["shipped"] == ["email"]


def test_settings_set_takes_a_json_file(migrated: Path) -> None:
    portal(migrated, "merchant", "create", "--slug", "acme", "--name", "Acme")
    change = migrated / "change.json"
    change.write_text(json.dumps({"time_zone": "Europe/Warsaw", "surveys": {"delay_days": 0}}))
    result = portal(migrated, "settings", "set", "--merchant", "acme", "--json", str(change))

    assert result.returncode == 0, result.stderr
    settings = json.loads(result.stdout)
    assert (settings["time_zone"], settings["surveys"]["delay_days"]) == ("Europe/Warsaw", 0)


def test_what_show_prints_goes_back_through_set(migrated: Path) -> None:
    """``logo_url`` is read only: an edited copy of ``show``'s output is taken as it is."""
    portal(migrated, "merchant", "create", "--slug", "acme", "--name", "Acme")
    shown = json.loads(portal(migrated, "settings", "show", "--merchant", "acme").stdout)
    edited = migrated / "edited.json"
    edited.write_text(json.dumps({**shown, "name": "Acme Wear", "logo_url": "https://x/l.png"}))
    result = portal(migrated, "settings", "set", "--merchant", "acme", "--json", str(edited))

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {**shown, "name": "Acme Wear"}


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["time_zone=Mars/Base", "name=Changed"], "/time_zone: Enter a time zone like"),
        (["expire_after_days=0"], "/expire_after_days: must be at least 1"),
        (["surveys.delay_days=31"], "/surveys/delay_days: must be at most 30"),
        (["surveys.channels=", "name=Changed"], "/surveys/channels: Choose at least one way"),
        (["surveys.support.url=ftp://acme.test"], "/surveys/support/url: Enter a full address"),
        (["colour=#000000"], "/colour"),
        (["name"], "write settings as key=value"),
    ],
)
def test_settings_set_refuses_bad_values_and_changes_nothing(
    migrated: Path, words: list[str], message: str
) -> None:
    portal(migrated, "merchant", "create", "--slug", "acme", "--name", "Acme")
    before = portal(migrated, "settings", "show", "--merchant", "acme").stdout
    result = portal(migrated, "settings", "set", "--merchant", "acme", *words)

    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert portal(migrated, "settings", "show", "--merchant", "acme").stdout == before


def test_settings_need_a_known_shop_and_something_to_set(migrated: Path) -> None:
    portal(migrated, "merchant", "create", "--slug", "acme", "--name", "Acme")
    unknown = portal(migrated, "settings", "show", "--merchant", "nobody")
    nothing = portal(migrated, "settings", "set", "--merchant", "acme")
    missing = portal(migrated, "settings", "set", "--merchant", "acme", "--json", "nope.json")

    assert unknown.returncode == nothing.returncode == missing.returncode == 1
    assert "no merchant with slug 'nobody'" in unknown.stderr
    assert "key=value settings or --json FILE" in nothing.stderr
    assert "cannot read nope.json" in missing.stderr


def test_carrier_add_takes_the_credentials_from_a_file_and_list_test_remove_follow(
    migrated: Path,
) -> None:
    portal(migrated, "merchant", "create", "--slug", "acme", "--name", "Acme")
    secrets = migrated / "dhl.json"
    secrets.write_text(json.dumps({"api_key": "dhl-cli-secret-1"}))
    added = portal(
        migrated, "carrier", "add", "--merchant", "acme", "--carrier", "dhl",
        "--json", str(secrets), "--name", "DHL test", "--base-url", "http://127.0.0.1:9",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    account = json.loads(added.stdout)
    assert (account["name"], account["base_url_override"]) == ("DHL test", "http://127.0.0.1:9")
    assert account["credentials"] == {"api_key": True, "webhook_secret": False}
    listed = portal(migrated, "carrier", "list", "--merchant", "acme")
    assert json.loads(listed.stdout) == [account]
    assert "dhl-cli-secret-1" not in added.stdout + listed.stdout

    # Nothing listens there: the test says so and exits 1.
    tested = portal(migrated, "carrier", "test", "--merchant", "acme", "--id", str(account["id"]))
    assert tested.returncode == 1
    assert "DHL test (dhl): unavailable: The carrier did not answer properly" in tested.stderr

    removed = portal(
        migrated, "carrier", "remove", "--merchant", "acme", "--id", str(account["id"])
    )
    assert removed.returncode == 0, removed.stderr
    assert json.loads(portal(migrated, "carrier", "list", "--merchant", "acme").stdout) == []


def test_carrier_add_connects_ukrposhta_with_its_statustracking_token(migrated: Path) -> None:
    portal(migrated, "merchant", "create", "--slug", "lviv", "--name", "Lviv Socks",
           "--locale", "uk", "--country", "UA", "--time-zone", "Europe/Kyiv")  # fmt: skip
    secrets = migrated / "ukrposhta.json"
    secrets.write_text(json.dumps({"token": "up-cli-secret-1"}))
    typo = portal(migrated, "carrier", "add", "--merchant", "lviv", "--carrier", "ukrposhta",
                  "--json", str(secrets))  # fmt: skip
    assert typo.returncode == 1 and "/credentials/token: is not a known field" in typo.stderr

    secrets.write_text(json.dumps({"api_token": "up-cli-secret-1"}))
    added = portal(
        migrated, "carrier", "add", "--merchant", "lviv", "--carrier", "ukrposhta",
        "--json", str(secrets), "--base-url", "http://127.0.0.1:9",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    account = json.loads(added.stdout)
    assert (account["carrier"], account["name"]) == ("ukrposhta", "Ukrposhta")
    assert account["credentials"] == {"api_token": True}
    assert "up-cli-secret-1" not in added.stdout

    tested = portal(migrated, "carrier", "test", "--merchant", "lviv", "--id", str(account["id"]))
    assert tested.returncode == 1
    assert "Ukrposhta (ukrposhta): unavailable" in tested.stderr


@pytest.mark.parametrize(
    ("args", "content", "message"),
    [
        (["--carrier", "pigeon"], "{}", "/carrier: must be one of: "),
        (["--carrier", "dhl", "--base-url", "ftp://x"], "{}", "/base_url_override: Enter a full"),
        (["--carrier", "dhl"], '{"api_key": 7}', "/credentials/api_key: must be of type string"),
        (["--carrier", "dhl"], '["k"]', "must hold a JSON object"),
        (["--carrier", "dhl"], "{", "is not valid JSON"),
    ],
)
def test_carrier_add_refuses_bad_values_and_adds_nothing(
    migrated: Path, args: list[str], content: str, message: str
) -> None:
    portal(migrated, "merchant", "create", "--slug", "acme", "--name", "Acme")
    secrets = migrated / "secrets.json"
    secrets.write_text(content)
    result = portal(
        migrated, "carrier", "add", "--merchant", "acme", "--json", str(secrets), *args
    )  # fmt: skip

    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert json.loads(portal(migrated, "carrier", "list", "--merchant", "acme").stdout) == []


def test_carrier_commands_need_a_known_shop_and_account(migrated: Path) -> None:
    portal(migrated, "merchant", "create", "--slug", "acme", "--name", "Acme")
    unknown = portal(migrated, "carrier", "list", "--merchant", "nobody")
    missing = portal(migrated, "carrier", "remove", "--merchant", "acme", "--id", "99")
    no_default = portal(migrated, "carrier", "default", "--merchant", "acme", "--id", "99")
    unread = portal(
        migrated, "carrier", "add", "--merchant", "acme", "--carrier", "dhl", "--json", "no.json"
    )  # fmt: skip

    assert unknown.returncode == missing.returncode == unread.returncode == 1
    assert no_default.returncode == 1
    assert "no merchant with slug 'nobody'" in unknown.stderr
    assert "merchant 'acme' has no carrier account with id 99" in missing.stderr
    assert "merchant 'acme' has no carrier account with id 99" in no_default.stderr
    assert "cannot read no.json" in unread.stderr


def _seed_deliveries(root: Path) -> tuple[int, list[int]]:
    """An endpoint of shop ``acme`` with a delivered then two failed deliveries (oldest
    first), written straight into the file: the CLI has no command that makes them."""
    at = "2026-12-01 10:0{}:00+00:00"
    with sqlite3.connect(root / "cli.sqlite3") as conn:
        shop = conn.execute("SELECT id FROM merchant WHERE slug = 'acme'").fetchone()[0]
        endpoint = conn.execute(
            "INSERT INTO webhook_endpoint (merchant_id, url, description, secret_encrypted,"
            " topics, enabled, created_at) VALUES (?, 'https://hooks.example.test/in', '',"
            " 'sealed', '[\"*\"]', 1, ?)",
            (shop, at.format(0)),
        ).lastrowid
        ids = [
            conn.execute(
                "INSERT INTO webhook_delivery (endpoint_id, topic, payload, state, attempts,"
                " next_attempt_at, response_status, created_at) VALUES"
                " (?, 'shipment.delivered', ?, ?, 8, ?, 500, ?)",
                (endpoint, json.dumps({"id": f"evt_{n}"}), state, at.format(n), at.format(n)),
            ).lastrowid
            for n, state in enumerate(("delivered", "failed", "failed"), start=1)
        ]
    assert endpoint is not None and all(ids)
    return endpoint, [int(i) for i in ids if i is not None]


def test_webhooks_list_deliveries_and_resend_follow_the_api(migrated: Path) -> None:
    portal(migrated, "merchant", "create", "--slug", "acme", "--name", "Acme")
    endpoint, (delivered, older, newer) = _seed_deliveries(migrated)
    shop = ["--merchant", "acme"]

    listed = portal(migrated, "webhooks", "list", *shop)
    failed = portal(
        migrated, "webhooks", "deliveries", *shop, "--endpoint", str(endpoint),
        "--state", "failed", "--limit", "1",
    )  # fmt: skip

    assert listed.returncode == 0, listed.stderr
    assert [e["id"] for e in json.loads(listed.stdout)] == [endpoint]
    assert failed.returncode == 0, failed.stderr
    page = json.loads(failed.stdout)
    assert [d["id"] for d in page["data"]] == [newer] and page["next_cursor"]
    rest = portal(
        migrated, "webhooks", "deliveries", *shop, "--endpoint", str(endpoint),
        "--state", "failed", "--limit", "1", "--cursor", page["next_cursor"],
    )  # fmt: skip
    assert [d["id"] for d in json.loads(rest.stdout)["data"]] == [older]

    resent = portal(
        migrated, "webhooks", "resend", *shop, "--endpoint", str(endpoint),
        "--delivery", str(older),
    )  # fmt: skip

    assert resent.returncode == 0, resent.stderr
    copy = json.loads(resent.stdout)
    assert copy["state"] == "pending" and copy["payload"] == {"id": "evt_2"}
    everything = portal(migrated, "webhooks", "deliveries", *shop, "--endpoint", str(endpoint))
    assert [d["id"] for d in json.loads(everything.stdout)["data"]][1:] == [
        newer, older, delivered,
    ], "the copy is the newest; the original keeps its record"  # fmt: skip
    again = portal(
        migrated, "webhooks", "resend", *shop, "--endpoint", str(endpoint),
        "--delivery", str(copy["id"]),
    )  # fmt: skip
    assert again.returncode == 1
    assert "The delivery is still pending: it will be sent." in again.stderr


def test_webhooks_commands_need_a_known_shop_and_endpoint(migrated: Path) -> None:
    portal(migrated, "merchant", "create", "--slug", "acme", "--name", "Acme")
    unknown = portal(migrated, "webhooks", "list", "--merchant", "nobody")
    missing = portal(migrated, "webhooks", "deliveries", "--merchant", "acme", "--endpoint", "99")
    too_many = portal(
        migrated, "webhooks", "deliveries", "--merchant", "acme", "--endpoint", "99",
        "--limit", "500",
    )  # fmt: skip
    assert (unknown.returncode, missing.returncode, too_many.returncode) == (1, 1, 1)
    assert "no merchant" in unknown.stderr
    assert "merchant 'acme' has no webhook endpoint with id 99" in missing.stderr
    assert "--limit must be from 1 to 100" in too_many.stderr
