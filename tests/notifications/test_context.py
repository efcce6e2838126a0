"""Template variables: dates and greetings in the customer's language, safe branding."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from portal.notifications.context import branding, carrier_name, format_eta, greeting
from portal.notifications.shipments import VARIABLES
from portal.settings import Settings
from tests.notifications.shipment_templates import sample_context


def test_the_eta_is_written_out_in_the_customers_language() -> None:
    day = date(2026, 11, 30)
    assert format_eta(day, "en") == "Monday, November 30, 2026"
    assert format_eta(day, "pl") == "poniedziałek, 30 listopada 2026"
    assert format_eta(day, "ru", short=True) == "30 ноября"
    assert format_eta(None, "el") == ""


def test_the_greeting_uses_the_name_when_there_is_one() -> None:
    assert greeting("Anna", "en") == "Hi Anna,"
    assert greeting("  ", "ru") == "Здравствуйте!"


def test_branding_is_complete_and_safe(settings: Settings) -> None:
    shop = SimpleNamespace(
        branding={"primary_color": "javascript:1", "logo_url": "https://x/l.png"}
    )
    values = branding(shop, settings)
    assert values["primary_color"].startswith("#")
    assert values["logo_url"] == "https://x/l.png"
    assert values["support_email"] == ""


def test_carriers_are_named_by_their_adapter() -> None:
    assert carrier_name("ups") == "UPS"
    assert carrier_name("acme") == "ACME"


def test_the_sample_context_has_every_documented_variable(settings: Settings) -> None:
    shop = SimpleNamespace(name="Shop", branding={})
    assert set(sample_context(settings, shop, "en")) == set(VARIABLES)


def test_the_delivered_message_carries_a_return_start_link(settings: Settings) -> None:
    from types import SimpleNamespace

    from portal.core.links import read_start_token
    from portal.notifications.context import return_link

    link = return_link(settings, SimpleNamespace(id=3), SimpleNamespace(id=42))
    assert link.startswith(f"{settings.public_base_url}/returns/start/")
    assert read_start_token(settings, link.rsplit("/", 1)[-1]) == (3, 42)
    assert return_link(settings, SimpleNamespace(id=3), None) == ""
