"""Detection reads the registered adapters: third-party formats and posts take part the
same way as built-in ones, the compiled table follows the registry, and a plugin's
faulty declaration cannot break detection for everybody else."""

from __future__ import annotations

import importlib
import re
import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carriers import detection, registry
from carriers.base import CarrierAdapter, NumberFormat
from carriers.checkdigits import s10_check

PLUGIN = Path(__file__).resolve().parent.parent / "plugins" / "doorstep_example_carrier"


def s10(prefix: str, serial: str, country: str) -> str:
    return f"{prefix}{serial}{s10_check(serial)}{country}"


class IcelandicPost(CarrierAdapter):
    """A stand-in post of a country no built-in adapter serves: declares only its country."""

    key = "test_post_is"
    display_name = "Test post (IS)"
    postal_countries = frozenset({"IS"})


class RivalPost(CarrierAdapter):
    """A second adapter claiming the same country (a plugin alongside a built-in)."""

    key = "test_post_is_rival"
    display_name = "Rival post (IS)"
    postal_countries = frozenset({"is"})


def _raises(number: str) -> bool:
    raise ValueError("a plugin bug")


class Sloppy(CarrierAdapter):
    """Declarations a careless plugin might make: none of them may break detection."""

    key = "test_sloppy"
    display_name = "Sloppy"
    number_formats = (
        NumberFormat("raises", re.compile(r"SL[0-9]{8}"), 0.9, check=_raises),
        NumberFormat("out of range", re.compile(r"SX[0-9]{8}"), 1.5),
        "not a format",  # type: ignore[assignment]  # what a careless plugin might declare
    )
    postal_countries = frozenset({"POL", "GB"})


@pytest.fixture(autouse=True)
def _fresh_registry() -> Iterator[None]:
    registry.reload()
    yield
    registry.reload()


@pytest.fixture
def example_plugin(monkeypatch: pytest.MonkeyPatch) -> type[CarrierAdapter]:
    """The example plugin, found by its entry point when installed (``make`` installs it),
    else registered from its source tree so the declarations under test are its own."""
    if "example" in registry.available():
        return registry.get("example")
    monkeypatch.syspath_prepend(str(PLUGIN))
    module = importlib.import_module("doorstep_example_carrier")
    adapter: type[CarrierAdapter] = module.ExampleAdapter
    registry.register(adapter)
    return adapter


def test_a_third_party_format_takes_part_in_detection(example_plugin: type) -> None:
    assert ("example", 0.95) in detection.detect("ex 1234 5678 4")
    assert detection.detect("EX123456784")[0] == ("example", 0.95)


def test_a_third_party_check_digit_refuses_a_typo(example_plugin: type) -> None:
    for digit in string.digits.replace("4", ""):
        assert detection.detect(f"EX12345678{digit}") == []


def test_an_s10_number_goes_to_the_post_of_its_country() -> None:
    number = s10("RR", "12345678", "IS")
    assert detection.detect(number) == []
    registry.register(IcelandicPost)
    assert detection.detect(number) == [("test_post_is", detection.S10_CONFIDENCE)]
    assert detection.detect(s10("RR", "12345678", "FR")) == []


def test_an_s10_number_with_a_wrong_check_digit_goes_nowhere() -> None:
    registry.register(IcelandicPost)
    good = s10("RR", "12345678", "IS")
    wrong = good[:10] + str((int(good[10]) + 1) % 10) + good[11:]
    assert detection.detect(wrong) == []


def test_two_posts_for_one_country_are_both_proposed_in_key_order() -> None:
    registry.register(RivalPost)
    registry.register(IcelandicPost)
    found = detection.detect(s10("CP", "87654321", "IS"))
    assert [key for key, _ in found] == ["test_post_is", "test_post_is_rival"]


def test_the_table_is_rebuilt_when_the_registry_changes() -> None:
    number = s10("RR", "12345678", "IS")
    first = detection.table()
    assert detection.table() is first, "cached between registry changes"
    registry.register(IcelandicPost)
    assert detection.table() is not first
    assert detection.detect(number) != []
    registry.reload()
    assert detection.detect(number) == []


def test_us_and_de_posts_are_declared_by_their_adapters() -> None:
    assert "US" in registry.get("usps").postal_countries
    assert "DE" in registry.get("dhl").postal_countries
    assert detection.detect("EA123456785US")[0] == ("usps", detection.S10_CONFIDENCE)
    assert detection.detect(s10("RR", "12345678", "DE"))[0][0] == "dhl"


def test_faulty_declarations_are_skipped_not_fatal() -> None:
    registry.register(Sloppy)
    assert detection.detect("SL12345678") == []
    assert detection.detect("SX12345678") == []
    assert detection.detect(s10("RR", "12345678", "GB")) == [
        ("test_sloppy", detection.S10_CONFIDENCE)
    ]
    assert detection.detect("1ZCIETST0111111114") == [("ups", 0.99)]


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # reset once is enough
@given(st.text(alphabet=string.digits + string.ascii_letters + " -", max_size=45))
def test_every_candidate_is_a_registered_adapter(text: str) -> None:
    found = detection.detect(text)
    assert {key for key, _ in found} <= set(registry.available())
    confidences = [conf for _, conf in found]
    assert confidences == sorted(confidences, reverse=True)
    assert all(0.0 < conf <= 1.0 for conf in confidences)
