"""The set-up steps: which facts make each done, which steps a shop can skip, and the facts
read from the database for one shop only."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from portal.demo import DEMO_SLUG, load_demo
from portal.models import Merchant, Platform, PlatformConnection, ReturnPolicy, ReturnReason
from portal.settings import Settings
from portal.setup_status import Facts, complete, facts_of, steps_for
from tests import factories

NOTHING = Facts(
    working_carrier=False,
    orders_coming_in=False,
    contact=False,
    return_policy=False,
    return_reasons=False,
    branding=False,
)
EVERYTHING_REQUIRED = replace(
    NOTHING,
    working_carrier=True,
    orders_coming_in=True,
    contact=True,
    return_policy=True,
    return_reasons=True,
)


def test_a_new_shop_has_every_step_open_in_order() -> None:
    steps = steps_for(NOTHING)
    assert [s.key for s in steps] == [
        "carrier_account",
        "orders",
        "contact",
        "return_policy",
        "return_reasons",
        "branding",
    ]
    assert not any(s.done for s in steps)
    assert not complete(steps)


def test_each_step_follows_its_own_fact() -> None:
    for fact, key in (
        ("working_carrier", "carrier_account"),
        ("orders_coming_in", "orders"),
        ("contact", "contact"),
        ("return_policy", "return_policy"),
        ("return_reasons", "return_reasons"),
        ("branding", "branding"),
    ):
        done = [s.key for s in steps_for(replace(NOTHING, **{fact: True})) if s.done]
        assert done == [key]


def test_branding_is_optional_and_never_holds_set_up_open() -> None:
    steps = steps_for(EVERYTHING_REQUIRED)
    assert [s.key for s in steps if not s.required] == ["branding"]
    assert complete(steps)
    assert not complete(steps_for(replace(EVERYTHING_REQUIRED, return_reasons=False)))


def test_every_step_names_a_workspace_page_and_an_api_operation() -> None:
    for step in steps_for(NOTHING):
        assert step.href.startswith("/admin/")
        assert step.api_path.startswith("/api/v1/")
        assert step.api_method in {"POST", "PATCH"}
        assert step.title and step.missing


async def _facts(shop: Merchant) -> Facts:
    return await facts_of(await Merchant.get(id=shop.id))


async def test_it_reads_nothing_from_another_shop(db: str) -> None:
    mine = await factories.merchant()
    theirs = await factories.merchant(
        branding={"support_email": "help@theirs.test", "primary_color": "#1f5fbf"}
    )
    await factories.carrier_account(theirs)
    await factories.shipment(theirs)
    await ReturnPolicy.create(merchant=theirs)
    await ReturnReason.create(merchant=theirs, code="size", labels={"en": "Wrong size"})
    assert await _facts(mine) == NOTHING
    assert await _facts(theirs) == replace(EVERYTHING_REQUIRED, branding=True)


async def test_a_carrier_account_counts_only_while_on_and_not_paused(db: str) -> None:
    shop = await factories.merchant()
    account = await factories.carrier_account(shop, enabled=False)
    assert not (await _facts(shop)).working_carrier
    account.enabled, account.paused_reason = True, "401 Unauthorized: check the API key"
    await account.save()
    assert not (await _facts(shop)).working_carrier
    account.paused_reason = None
    await account.save()
    assert (await _facts(shop)).working_carrier


async def test_orders_come_from_a_store_an_order_or_a_parcel(db: str) -> None:
    by_store, by_order, by_parcel = [await factories.merchant() for _ in range(3)]
    store = await PlatformConnection.create(
        merchant=by_store,
        platform=Platform.SHOPIFY,
        shop_url="https://fresh.myshopify.com",
        credentials_encrypted="x",
        enabled=False,
    )
    assert not (await _facts(by_store)).orders_coming_in
    store.enabled = True
    await store.save()
    await factories.order(by_order)
    await factories.shipment(by_parcel)
    for shop in (by_store, by_order, by_parcel):
        assert (await _facts(shop)).orders_coming_in


async def test_only_active_policies_and_reasons_count(db: str) -> None:
    shop = await factories.merchant()
    await ReturnPolicy.create(merchant=shop, is_active=False)
    await ReturnReason.create(merchant=shop, code="old", labels={"en": "Old"}, active=False)
    facts = await _facts(shop)
    assert not facts.return_policy and not facts.return_reasons


async def test_contact_is_a_support_email_or_phone_and_branding_a_logo_or_colour(
    db: str,
) -> None:
    by_phone = await factories.merchant(branding={"support_phone": "+48 12 000 00 00"})
    by_url = await factories.merchant(branding={"support_url": "https://help.test"})
    by_logo = await factories.merchant(branding={"logo_path": "logos/1.png"})
    assert (await _facts(by_phone)).contact
    # A help page takes no reply: the messages' Reply-To and the SMS contact stay empty.
    assert not (await _facts(by_url)).contact
    assert (await _facts(by_logo)).branding


async def test_the_demo_shop_is_set_up_so_it_never_sees_the_checklist(
    db: str, settings: Settings
) -> None:
    await load_demo(settings, now=datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    demo = await Merchant.get(slug=DEMO_SLUG)
    assert await _facts(demo) == replace(EVERYTHING_REQUIRED, branding=True)
