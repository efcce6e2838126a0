"""Doorstep-Signature: HMAC-SHA256 over "<t>.<body>", valid only within the tolerance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.webhooks_out.signing import sign, signature, verify_signature

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
BODY = b'{"id":"evt_1"}'


def test_a_signed_body_verifies() -> None:
    header = sign("whsec_x", BODY, NOW)
    assert (
        header == f"t={int(NOW.timestamp())},v1={signature('whsec_x', int(NOW.timestamp()), BODY)}"
    )
    assert verify_signature("whsec_x", header, BODY, NOW + timedelta(seconds=30))


def test_a_changed_body_or_secret_fails() -> None:
    header = sign("whsec_x", BODY, NOW)
    assert not verify_signature("whsec_x", header, BODY + b" ", NOW)
    assert not verify_signature("whsec_y", header, BODY, NOW)


def test_a_replay_outside_the_window_is_rejected() -> None:
    header = sign("whsec_x", BODY, NOW)
    assert verify_signature("whsec_x", header, BODY, NOW + timedelta(seconds=300))
    assert not verify_signature("whsec_x", header, BODY, NOW + timedelta(seconds=301))
    assert not verify_signature("whsec_x", header, BODY, NOW - timedelta(seconds=301))
    assert verify_signature("whsec_x", header, BODY, NOW + timedelta(seconds=500), tolerance=600)


def test_any_of_several_signatures_may_match() -> None:
    t = int(NOW.timestamp())
    header = f"t={t},v1={'0' * 64},v1={signature('whsec_x', t, BODY)}"
    assert verify_signature("whsec_x", header, BODY, NOW)


def test_malformed_headers_fail() -> None:
    for header in (None, "", "v1=abc", "t=now,v1=abc", f"t={int(NOW.timestamp())}"):
        assert not verify_signature("whsec_x", header, BODY, NOW)


def test_non_ascii_signatures_fail_cleanly() -> None:
    header = f"t={int(NOW.timestamp())},v1=é"
    assert not verify_signature("whsec_x", header, BODY, NOW)
