"""The adapter registry: built-ins and third-party plugins found the same way.

The example plugin in tests/plugins/doorstep_example_carrier/ is a real package with its
own pyproject.toml. `make` installs it (``pip install -e``); when it is not installed the
``example_plugin`` fixture puts the same entry points on sys.path for the test, read
from that pyproject.toml, so the declarations under test are the package's own.
"""

from __future__ import annotations

import importlib.metadata
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import respx

from carriers import registry
from carriers.base import CarrierAdapter, Status

PLUGIN = Path(__file__).resolve().parent.parent / "plugins" / "doorstep_example_carrier"
BUILT_IN = [
    "aftership", "cargus", "dhl", "dpd_pl", "easypost", "fan_courier", "fedex", "gls", "inpost",
    "poczta_polska", "sameday", "sandbox", "ups", "usps",
    "acs", "boxnow",
    "elta", "geniki", "russian_post",
    "speedy", "econt", "dpd_ro",
    "nova_poshta", "cdek", "ukrposhta",
]  # fmt: skip


def _fake_install(site: Path) -> None:
    """A minimal dist-info, as pip would write it, from the plugin's pyproject.toml."""
    project = tomllib.loads((PLUGIN / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    info = site / "doorstep_example_carrier-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n",
        encoding="utf-8",
    )
    lines = ["[doorstep.carriers]"]
    lines += [f"{k} = {v}" for k, v in project["entry-points"]["doorstep.carriers"].items()]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def example_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    try:
        importlib.metadata.distribution("doorstep-example-carrier")
    except importlib.metadata.PackageNotFoundError:
        _fake_install(tmp_path)
        monkeypatch.syspath_prepend(str(PLUGIN))
        monkeypatch.syspath_prepend(str(tmp_path))
    registry.reload()
    yield
    registry.reload()


@pytest.mark.parametrize("key", BUILT_IN)
def test_every_built_in_adapter_is_available(key: str) -> None:
    registry.reload()
    assert key in registry.available(), registry.load_errors().get(key)
    adapter = registry.get(key)
    assert issubclass(adapter, CarrierAdapter)
    assert adapter.key == key
    assert key not in registry.load_errors()


def test_a_third_party_plugin_is_found_by_its_entry_point(example_plugin: None) -> None:
    adapter = registry.get("example")
    assert adapter.__module__ == "doorstep_example_carrier"
    assert adapter.__name__ == "ExampleAdapter"
    assert issubclass(adapter, CarrierAdapter)
    assert "example" in registry.available()


async def test_the_plugin_tracks_a_number(
    example_plugin: None, client: httpx.AsyncClient, respx_mock: respx.MockRouter
) -> None:
    adapter = registry.get("example")({"api_key": "k-123"}, client=client)
    parcel = {
        "number": "EX123456789",
        "status": "delivered",
        "signed_by": "A. Martin",
        "events": [
            {"time": "2026-11-20T17:02:00+01:00", "code": "delivered", "text": "Delivered"},
            {"time": "2026-11-19T08:00:00", "code": "picked_up", "country": "FR", "city": "Lyon"},
        ],
    }
    route = respx_mock.get("https://api.example-parcel.test/v1/parcels/EX123456789").respond(
        200, json=parcel
    )
    respx_mock.get("https://api.example-parcel.test/v1/parcels/EX000").respond(404)

    found, missing = await adapter.track(["EX123456789", "EX000"])

    assert route.calls[0].request.headers["X-Api-Key"] == "k-123"
    assert found.status is Status.DELIVERED
    assert found.signed_by == "A. Martin"
    assert [e.occurred_at for e in found.events] == [
        datetime(2026, 11, 19, 7, 0, tzinfo=UTC),  # naive, in FR: Europe/Paris
        datetime(2026, 11, 20, 16, 2, tzinfo=UTC),
    ]
    assert found.carrier_url == "https://track.example-parcel.test/EX123456789"
    assert missing.not_found is True


def test_a_plugin_that_fails_to_import_is_recorded_not_fatal(example_plugin: None) -> None:
    errors = registry.load_errors()
    assert "broken" in errors
    assert errors["broken"].startswith("ImportError")
    assert "broken" not in registry.available()
    assert "example" in registry.available()
    with pytest.raises(KeyError):
        registry.get("broken")


def test_an_unknown_key_raises_key_error() -> None:
    registry.reload()
    with pytest.raises(KeyError, match="nope"):
        registry.get("nope")
