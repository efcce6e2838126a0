"""Every shipment e-mail of a shop in the EU carries the link to the withdrawal function;
a shop elsewhere, or a parcel without an order, gets none."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from portal.core import links
from portal.models import Channel
from portal.notifications import composer
from portal.notifications.shipments import SHIPMENTS, ShipmentNews
from portal.settings import Settings

SETTINGS = Settings(secret_key="s" * 40, public_base_url="https://track.shop.test")
PARCEL = SimpleNamespace(
    id=5, tracking_number="SBX1", carrier_key="sandbox", status="delivered",
    estimated_delivery=None, pickup_point=None, pickup_deadline=None,
)  # fmt: skip
CUSTOMER = SimpleNamespace(id=3, name="Ewa", time_zone=None, country="PL")


def _email(country: str | None, order: object | None, locale: str = "pl") -> str:
    shop = SimpleNamespace(
        id=1, slug="sklep", name="Sklep", branding={}, time_zone="Europe/Warsaw", country=country
    )
    message = composer.Message(
        SHIPMENTS, "delivered", PARCEL.id, ShipmentNews(PARCEL, "delivered", None),
        merchant=shop, customer=CUSTOMER, order=order,
    )  # fmt: skip
    context = composer.context_for(SETTINGS, message, Channel.EMAIL, locale)
    source = SHIPMENTS.default("delivered", Channel.EMAIL, locale)
    rendered = composer.render(
        SHIPMENTS, source, trigger="delivered", channel=Channel.EMAIL, context=context,
        locale=locale,
    )  # fmt: skip
    return rendered.text + (rendered.html or "")


@pytest.mark.parametrize(
    ("locale", "words"), [("pl", "Odstąp od umowy tutaj"), ("en", "Withdraw from contract here")]
)
def test_a_shop_in_the_eu_links_every_shipment_email_to_the_withdrawal_function(
    locale: str, words: str
) -> None:
    order = SimpleNamespace(id=9, number="PL-9", ship_country="PL")
    email = _email("PL", order, locale)
    # in the e-mail's language, as every page link of an e-mail (docs/notifications.md)
    link = links.in_language(links.withdrawal_url(SETTINGS, 1, 9), locale)
    assert link.endswith(f"?lang={locale}")
    assert f"{words}: {link}" in email
    assert f'href="{link}"' in email


def test_no_link_outside_the_eu_or_without_an_order() -> None:
    order = SimpleNamespace(id=9, number="US-9", ship_country="US")
    assert "/withdraw/start/" not in _email("US", order)
    assert "/withdraw/start/" not in _email("PL", None)
