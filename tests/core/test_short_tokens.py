"""Short macs for text-message links: 80 bits, bound to their purpose and their parts,
verified in constant time under the current or an old key, and able to expire."""

from __future__ import annotations

from dataclasses import replace

import pytest

from portal.core import short_tokens
from portal.settings import Settings
from tests.notifications.helpers import make_settings


@pytest.fixture
def settings() -> Settings:
    return make_settings()


def test_a_mac_is_fourteen_url_safe_characters_of_eighty_bits(settings: Settings) -> None:
    code = short_tokens.mac(settings, "return-drop-off-sms", 7, "R-PWDGXB")
    assert short_tokens.MAC_SHAPE.fullmatch(code)
    assert short_tokens.MAC_BYTES * 8 >= 80 and len(code) == short_tokens.MAC_LENGTH
    assert short_tokens.is_valid(settings, "return-drop-off-sms", code, 7, "R-PWDGXB")


def test_a_mac_opens_nothing_but_its_own_parts_and_purpose(settings: Settings) -> None:
    code = short_tokens.mac(settings, "return-drop-off-sms", 7, "R-PWDGXB")
    assert not short_tokens.is_valid(settings, "return-drop-off-sms", code, 8, "R-PWDGXB")
    assert not short_tokens.is_valid(settings, "return-drop-off-sms", code, 7, "R-PWDGXC")
    assert not short_tokens.is_valid(settings, "returns-follow-sms", code, 7, "R-PWDGXB")
    flipped = code[:-1] + ("A" if code[-1] != "A" else "B")
    for bad in (flipped, code[:-1], code + "A", "", "!" * 14):
        assert not short_tokens.is_valid(settings, "return-drop-off-sms", bad, 7, "R-PWDGXB")
    other = make_settings(secret_key="another-secret-key-of-sufficient-length!!")
    assert not short_tokens.is_valid(other, "return-drop-off-sms", code, 7, "R-PWDGXB")


def test_a_mac_survives_a_key_rotation(settings: Settings) -> None:
    code = short_tokens.mac(settings, "p", 1, "R-1")
    rotated = replace(
        settings,
        secret_key="the-new-secret-key-after-rotation-0123456789",
        old_secret_keys=(settings.secret_key,),
    )
    assert short_tokens.is_valid(rotated, "p", code, 1, "R-1")
    assert short_tokens.mac(rotated, "p", 1, "R-1") != code  # new links use the new key


def test_a_timed_mac_expires(settings: Settings) -> None:
    token = short_tokens.timed_mac(settings, "p", 42, now=1_000_000)
    read = short_tokens.read_timed_mac
    assert read(settings, "p", token, 42, max_age=3600, now=1_000_000 + 3600)
    assert not read(settings, "p", token, 42, max_age=3600, now=1_000_000 + 3601)
    assert read(settings, "p", token, 42, max_age=None, now=9_000_000_000)
    assert not read(settings, "p", token, 43, max_age=None)
    later = token.replace(token.split(".")[0], short_tokens.base36(2_000_000), 1)
    assert not read(settings, "p", later, 42, max_age=None)  # the issue time is signed


def test_base36_round_trips() -> None:
    for number in (0, 1, 35, 36, 123456, 2**40):
        assert short_tokens.from_base36(short_tokens.base36(number)) == number
    assert short_tokens.from_base36("") is None
    assert short_tokens.from_base36("A1") is None
    assert short_tokens.from_base36("z" * 14) is None
