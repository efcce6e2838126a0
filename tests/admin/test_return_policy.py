"""The merchant's return policy and reasons: saved in the shapes the returns engine reads,
validated field by field, owners only, one merchant at a time, and earlier returns untouched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from portal import i18n
from portal.admin import return_policy_form, return_reasons
from portal.models import Merchant, ReturnItem, ReturnPolicy, ReturnReason, ReturnRequest, Role
from portal.models.returns import ReturnState
from portal.returns import policy, withdrawal_rules
from portal.returns.review import review_order
from portal.returns_page.presenter import reason_menu
from tests import factories
from tests.admin.helpers import csrf, sign_in, signed_in_owner
from tests.admin.returns_helpers import return_for
from tests.conftest import axe_violations
from tests.returns.helpers import delivered_order, shop_with_policy

CODES = ["damaged", "too_small", "changed_mind"]


def _form(**changes: Any) -> dict[str, Any]:
    """A complete, valid policy form as a browser posts it (lists for ticked boxes)."""
    data: dict[str, Any] = {
        "window_days": "45",
        "no_scan_margin_days": "10",
        "final_sale_categories": "Sale, Clearance,, Sale",
        "ineligible_categories": "Underwear",
        "resolutions": ["store_credit", "refund"],
        "store_credit_bonus_percent": "12.5",
        "keep_item_threshold": "8,50",
        "return_shipping_fee": "4.95",
        "restocking_fee_percent": "10",
        "waive_exchange": "1",
        "waiving_reasons": ["damaged"],
        "auto_mode": "auto",
        "auto_reasons_mode": "listed",
        "auto_reasons": ["damaged", "too_small"],
        "auto_max_value": "150",
        "auto_max_returns": "3",
        "auto_history_days": "60",
        "methods": ["drop_off_qr", "carrier_pickup"],
        "label_expiry_days": "21",
        "address_name": "Acme Returns",
        "address_line1": "ul. Długa 5",
        "address_line2": "",
        "address_city": "Kraków",
        "address_region": "",
        "address_postal_code": "30-001",
        "address_country": "pl",
        "reserve_stock_at": "receipt",
        "eu_consumer_law": "on",
        "withdrawal_days": "30",
        "withdrawal_customer_pays_return": "1",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


class _Posted(dict[str, Any]):
    """A posted form for :func:`return_policy_form.values_from` (lists kept as lists)."""

    def getlist(self, name: str) -> list[str]:
        value = self.get(name, [])
        return value if isinstance(value, list) else [value]


def _validate(**changes: Any) -> tuple[dict[str, Any], dict[str, str]]:
    values = return_policy_form.values_from(_Posted(_form(**changes)))
    return return_policy_form.validate(values, CODES)


EXPECTED = {
    "window_days": 45,
    "no_scan_margin_days": 10,
    "returns_before_delivery": False,
    "final_sale_categories": ["Sale", "Clearance"],
    "ineligible_categories": ["Underwear"],
    "resolutions": ["refund", "store_credit"],
    "store_credit_bonus_percent": Decimal("12.5"),
    "keep_item_threshold": Decimal("8.50"),
    "return_shipping_fee": Decimal("4.95"),
    "restocking_fee_percent": Decimal("10"),
    "fee_waivers": {"exchange": True, "reasons": ["damaged"]},
    "auto_approve_rules": {
        "enabled": True,
        "reasons": ["damaged", "too_small"],
        "max_value": "150.00",
        "max_returns_per_customer": 3,
        "history_days": 60,
    },
    "methods": ["drop_off_qr", "carrier_pickup"],
    "label_expiry_days": 21,
    "return_address": {
        "name": "Acme Returns", "line1": "ul. Długa 5", "line2": "", "city": "Kraków",
        "region": "", "postal_code": "30-001", "country": "PL",
    },
    "reserve_stock_at": "receipt",
    "eu_consumer_law": True,
    "withdrawal_days": 30,
    "withdrawal_customer_pays_return": True,
}  # fmt: skip


# --- the form, as a pure function ---------------------------------------------------------


def test_validate_cleans_into_the_stored_shape() -> None:
    clean, errors = _validate()
    assert errors == {}
    assert clean == EXPECTED


def test_the_stored_shape_is_what_the_rules_read() -> None:
    clean, _errors = _validate()
    rules = policy.Rules.of(ReturnPolicy(**clean))
    assert rules.final_sale_categories == frozenset({"Sale", "Clearance"})
    assert rules.keep_item_threshold == Decimal("8.50")
    assert rules.waive_fees_for_exchange and rules.waiving_reasons == frozenset({"damaged"})
    assert policy.history_days(rules) == 60
    terms = withdrawal_rules.Terms.of("US", ReturnPolicy(**clean))
    assert terms == withdrawal_rules.Terms(
        applies=True, days=30, customer_pays_return=True, return_fee=Decimal("4.95")
    )


MONEY = "Enter an amount of 0 or more with at most two decimals, for example 4.95."
MONEY_OR_BLANK = (
    "Enter an amount of 0 or more with at most two decimals, for example 8.50, or leave it blank."
)
PERCENT = "Enter a percentage from 0 to 100 with at most two decimals, for example 10 or 12.5."


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("return_shipping_fee", "4.951", MONEY),
        ("return_shipping_fee", "-1", MONEY),
        ("return_shipping_fee", "five", MONEY),
        ("return_shipping_fee", "1,234.50", MONEY),
        ("return_shipping_fee", "10000000000", MONEY),
        ("keep_item_threshold", "1e3", MONEY_OR_BLANK),
        ("keep_item_threshold", "NaN", MONEY_OR_BLANK),
        ("auto_max_value", "150.001", MONEY_OR_BLANK),
        ("store_credit_bonus_percent", "100.5", PERCENT),
        ("store_credit_bonus_percent", "abc", PERCENT),
        ("restocking_fee_percent", "-3", PERCENT),
        ("restocking_fee_percent", "2.555", PERCENT),
    ],
)
def test_each_decimal_field_says_what_is_wrong(field: str, typed: str, message: str) -> None:
    _clean, errors = _validate(**{field: typed})
    assert errors == {field: message}


def test_decimals_take_a_comma_and_blanks_mean_none_or_zero() -> None:
    clean, errors = _validate(
        keep_item_threshold="",
        auto_max_value="",
        return_shipping_fee="",
        restocking_fee_percent="0,5",
    )
    assert errors == {}
    assert clean["keep_item_threshold"] is None
    assert "max_value" not in clean["auto_approve_rules"]
    assert clean["return_shipping_fee"] == Decimal(0)
    assert clean["restocking_fee_percent"] == Decimal("0.5")


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("window_days", "0", "Enter a number of days from 1 to 365."),
        ("window_days", "30.5", "Enter a number of days from 1 to 365."),
        ("no_scan_margin_days", "61", "Enter a number of days from 0 to 60."),
        ("label_expiry_days", "", "Enter a number of days from 1 to 90."),
        ("auto_history_days", "-1", "Enter a number of days from 1 to 365."),
        ("auto_max_returns", "0", "Enter a whole number from 1 to 1000, or leave it blank."),
        ("final_sale_categories", "x" * 101, "Each category can be at most 100 characters long."),
        ("resolutions", [], "Offer at least one resolution."),
        ("resolutions", ["refund", "keep_item"], "Choose from the listed options."),
        ("methods", [], "Offer at least one way to send items back."),
        ("waiving_reasons", ["someone_elses"], "Choose from the listed options."),
        ("auto_reasons", [], "Tick at least one reason, or approve returns for any reason."),
        ("reserve_stock_at", "never", "Choose from the listed options."),
        ("eu_consumer_law", "", "Choose from the listed options."),
        ("withdrawal_days", "13", "Enter a number of days from 14 to 365."),
        ("withdrawal_days", "366", "Enter a number of days from 14 to 365."),
        ("address_country", "Poland", "Enter the country as a two-letter code, for example PL."),
        ("address_city", "", "Parcels are sent back to this address: fill it in."),
        ("address_name", "n" * 201, "Use at most 200 characters."),
    ],
)
def test_each_field_is_checked(field: str, typed: Any, message: str) -> None:
    _clean, errors = _validate(**{field: typed})
    assert errors == {field: message}


def test_in_store_returns_need_no_address() -> None:
    clean, errors = _validate(methods=["in_store"], address_line1="", address_city="")
    assert errors == {} and clean["methods"] == ["in_store"]


def test_review_everything_stores_switched_off_rules() -> None:
    clean, errors = _validate(auto_mode="review", auto_max_value="not checked")
    assert errors == {}
    assert clean["auto_approve_rules"] == {"enabled": False}
    rules = policy.Rules.of(ReturnPolicy(**clean))
    quoted = policy.quote(rules, [], "EUR")
    assert policy.decide(rules, quoted, [], 0) == (
        policy.Decision.NEEDS_REVIEW,
        ["no_auto_approve"],
    )


def test_any_reason_leaves_reasons_out_of_the_rules() -> None:
    clean, errors = _validate(auto_reasons_mode="any", auto_reasons=[])
    assert errors == {} and "reasons" not in clean["auto_approve_rules"]


@pytest.mark.parametrize(("chosen", "stored"), [("country", None), ("on", True), ("off", False)])
def test_the_eu_right_of_withdrawal_follows_the_country_or_is_set_either_way(
    chosen: str, stored: bool | None
) -> None:
    clean, errors = _validate(eu_consumer_law=chosen, withdrawal_customer_pays_return=None)
    assert errors == {}
    assert (clean["eu_consumer_law"], clean["withdrawal_customer_pays_return"]) == (stored, False)
    assert return_policy_form.values_of(ReturnPolicy(**clean))["eu_consumer_law"] == chosen


def test_a_saved_policy_shows_as_it_was_typed() -> None:
    clean, _errors = _validate()
    values = return_policy_form.values_of(ReturnPolicy(**clean))
    assert values["keep_item_threshold"] == "8.5"
    assert values["store_credit_bonus_percent"] == "12.5"
    assert values["auto_max_value"] == "150"
    assert values["final_sale_categories"] == "Sale, Clearance"
    assert values["auto_reasons_mode"] == "listed" and values["auto_mode"] == "auto"
    assert values["address_country"] == "PL"


# --- the page --------------------------------------------------------------------------------


async def _shop_with_reasons(**fields: Any) -> Merchant:
    shop = await factories.merchant(**fields)
    for position, code in enumerate(CODES):
        await ReturnReason.create(
            merchant=shop, code=code, labels={"en": code.replace("_", " ")}, position=position
        )
    return shop


async def _post(client: httpx.AsyncClient, token: str, **changes: Any) -> httpx.Response:
    return await client.post(
        "/admin/returns/policy", data={**_form(**changes), "csrf_token": token}
    )


async def test_saving_creates_the_policy_and_every_field_reads_back(
    client: httpx.AsyncClient, db: str
) -> None:
    shop = await _shop_with_reasons()
    _user, token = await signed_in_owner(client, shop)
    first = await client.get("/admin/returns/policy")
    assert "You have no return policy yet." in first.text
    response = await _post(client, token)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/returns/policy?saved=1"
    saved = await ReturnPolicy.get(merchant=shop)
    for field, expected in EXPECTED.items():
        assert getattr(saved, field) == expected, field
    page = await client.get("/admin/returns/policy?saved=1")
    assert page.status_code == 200
    assert "Saved." in page.text
    assert f'href="/returns/policy/{shop.slug}"' in page.text
    assert page.context["values"] == return_policy_form.values_of(saved)  # type: ignore[attr-defined]
    assert 'value="ul. Długa 5"' in page.text
    assert 'id="methods-carrier_pickup" name="methods" value="carrier_pickup" checked' in page.text
    assert (
        'id="reserve_stock_at-receipt" name="reserve_stock_at" value="receipt" checked' in page.text
    )


async def test_saving_again_updates_the_policy_in_place_and_keeps_unknown_keys(
    client: httpx.AsyncClient, db: str
) -> None:
    shop = await _shop_with_reasons()
    existing = await ReturnPolicy.create(
        merchant=shop,
        fee_waivers={"exchange": False, "note": "kept"},
        auto_approve_rules={"max_value": "10.00", "weekends": False},
        return_address={"phone": "+48 12 000 00 00"},
    )
    _user, token = await signed_in_owner(client, shop)
    assert (await _post(client, token, auto_mode="review")).status_code == 303
    saved = await ReturnPolicy.get(merchant=shop)
    assert saved.id == existing.id
    assert saved.fee_waivers == {"note": "kept", "exchange": True, "reasons": ["damaged"]}
    assert saved.auto_approve_rules == {"weekends": False, "enabled": False}
    assert saved.return_address["phone"] == "+48 12 000 00 00"


async def test_errors_keep_what_was_typed_and_save_nothing(
    client: httpx.AsyncClient, db: str
) -> None:
    shop = await _shop_with_reasons()
    before = await ReturnPolicy.create(merchant=shop, return_shipping_fee=Decimal("3.00"))
    _user, token = await signed_in_owner(client, shop)
    response = await _post(client, token, return_shipping_fee="4.999", window_days="0")
    assert response.status_code == 400
    assert MONEY in response.text
    assert 'href="#return_shipping_fee"' in response.text
    assert 'aria-invalid="true" aria-describedby="return_shipping_fee-error' in response.text
    assert 'value="4.999"' in response.text and 'value="Acme Returns"' in response.text
    saved = await ReturnPolicy.get(id=before.id)
    assert (saved.return_shipping_fee, saved.window_days) == (Decimal("3.00"), 30)
    assert saved.return_address == {}


async def test_staff_may_read_the_policy_but_not_save_it(
    client: httpx.AsyncClient, db: str
) -> None:
    shop = await _shop_with_reasons()
    await ReturnPolicy.create(merchant=shop, window_days=14)
    user = await factories.staff_user(shop, role=Role.STAFF)
    await sign_in(client, user)
    page = await client.get("/admin/returns/policy")
    assert page.status_code == 200
    assert 'value="14"' in page.text
    assert "Save return policy" not in page.text
    assert '<fieldset class="card" disabled>' in page.text
    token = await csrf(client, "/admin/returns/policy")
    assert (await _post(client, token)).status_code == 403
    assert (await ReturnPolicy.get(merchant=shop)).window_days == 14


async def test_signing_in_is_required(client: httpx.AsyncClient, db: str) -> None:
    response = await client.get("/admin/returns/policy")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login")


async def test_another_merchants_policy_is_untouched(client: httpx.AsyncClient, db: str) -> None:
    other = await _shop_with_reasons()
    theirs = await ReturnPolicy.create(merchant=other, window_days=7, methods=["in_store"])
    _user, token = await signed_in_owner(client, await _shop_with_reasons())
    page = await client.get("/admin/returns/policy")
    assert page.context["values"]["window_days"] == "30"  # type: ignore[attr-defined]
    assert (await _post(client, token)).status_code == 303
    untouched = await ReturnPolicy.get(id=theirs.id)
    assert (untouched.window_days, untouched.methods) == (7, ["in_store"])
    assert await ReturnPolicy.filter(merchant=other).count() == 1


async def test_waivers_and_auto_approve_name_only_this_merchants_reasons(
    client: httpx.AsyncClient, db: str
) -> None:
    other = await factories.merchant()
    await ReturnReason.create(merchant=other, code="theirs", labels={"en": "Theirs"})
    _user, token = await signed_in_owner(client, await _shop_with_reasons())
    response = await _post(client, token, auto_reasons=["damaged", "theirs"])
    assert response.status_code == 400
    assert response.context["errors"] == {"auto_reasons": "Choose from the listed options."}  # type: ignore[attr-defined]
    assert await ReturnPolicy.all().count() == 0


async def test_the_saved_policy_is_what_a_customers_order_is_reviewed_against(
    client: httpx.AsyncClient, db: str
) -> None:
    shop = await _shop_with_reasons(time_zone="Europe/Warsaw")
    _user, token = await signed_in_owner(client, shop)
    await _post(client, token, window_days="3", resolutions=["refund"], keep_item_threshold="10")
    order = await delivered_order(shop)  # delivered two days ago
    on_sale = await factories.order_item(order, category="Clearance", unit_price=Decimal("20"))
    cheap = await factories.order_item(order, category="Socks", unit_price=Decimal("9.99"))
    review = await review_order(order)
    assert review.eligibility[on_sale.id].reason == policy.Ineligible.FINAL_SALE
    assert review.eligibility[cheap.id].eligible
    assert review.eligibility[cheap.id].resolutions == ("refund", "keep_item")
    later = await review_order(order, now=datetime.now(UTC) + timedelta(days=3))
    assert later.eligibility[cheap.id].reason == policy.Ineligible.WINDOW_CLOSED
    line = policy.Line(review.items[cheap.id], 1, "refund", reason_code="damaged")
    quoted = policy.quote(review.rules, [line], "EUR")
    assert quoted.fees_total == Decimal(0)  # "damaged" waives the fees
    assert policy.decide(review.rules, quoted, ["damaged"], 0) == (policy.Decision.APPROVED, [])
    assert policy.decide(review.rules, quoted, ["changed_mind"], 0)[1] == ["reason"]
    assert policy.decide(review.rules, quoted, ["damaged"], 3)[1] == ["customer_history"]


async def test_changing_the_policy_leaves_earlier_returns_as_they_were(
    client: httpx.AsyncClient, db: str
) -> None:
    shop, _found = await shop_with_policy(
        restocking_fee_percent=Decimal("10"),
        return_shipping_fee=Decimal("5.00"),
        auto_approve_rules={"enabled": False},
    )
    earlier = await return_for(shop)  # one item at 30.00: refund 30 − 3 − 5
    assert (earlier.refund_total, earlier.fees_total) == (Decimal("22.00"), Decimal("8.00"))
    _user, token = await signed_in_owner(client, shop)
    response = await _post(
        client, token, restocking_fee_percent="0", return_shipping_fee="0", waiving_reasons=[],
        auto_reasons=[], auto_reasons_mode="any",
    )  # fmt: skip
    assert response.status_code == 303
    kept = await ReturnRequest.get(id=earlier.id)
    assert (kept.refund_total, kept.fees_total) == (Decimal("22.00"), Decimal("8.00"))
    assert kept.state == ReturnState.NEEDS_REVIEW
    assert [i.amount for i in await ReturnItem.filter(return_request=kept)] == [Decimal("27.00")]
    later = await return_for(shop)
    assert (later.refund_total, later.fees_total) == (Decimal("30.00"), Decimal("0.00"))


async def test_an_address_the_label_font_cannot_print_is_shown_as_the_label_spells_it(
    client: httpx.AsyncClient, db: str
) -> None:
    """Greek, Cyrillic, Polish and Romanian print on the label as typed: no warning. Letters
    the label's font lacks (Georgian) are transliterated, and the page says how."""
    _user, token = await signed_in_owner(client, await _shop_with_reasons())
    assert (await _post(client, token, address_city="Αθήνα")).status_code == 303
    page = await client.get("/admin/returns/policy")
    assert 'id="address-warning"' not in page.text
    assert (await ReturnPolicy.get()).return_address["city"] == "Αθήνα"
    for city in ("София", "Łódź", "Iași"):
        await _post(client, token, address_city=city)
        assert 'id="address-warning"' not in (await client.get("/admin/returns/policy")).text
    await _post(client, token, address_line1="რუსთაველის 12", address_city="Tbilisi")
    page = await client.get("/admin/returns/policy")
    assert 'id="address-warning"' in page.text
    assert "rustavelis 12, Tbilisi" in page.text
    assert (await ReturnPolicy.get()).return_address["line1"] == "რუსთაველის 12"


async def test_listed_reasons_without_any_reason_show_the_error_where_it_belongs(
    client: httpx.AsyncClient, db: str
) -> None:
    _user, token = await signed_in_owner(client)  # a shop without reasons
    response = await _post(client, token, waiving_reasons=[], auto_reasons=[])
    assert response.status_code == 400
    assert 'id="auto_reasons-error"' in response.text and 'href="#auto_reasons"' in response.text


@pytest.mark.parametrize("locale", [loc for loc in i18n.LOCALES if loc != "en"])
async def test_the_policy_page_reads_in_every_language(
    client: httpx.AsyncClient, db: str, locale: str
) -> None:
    await signed_in_owner(client, await _shop_with_reasons())
    page = await client.get(f"/admin/returns/policy?lang={locale}")
    assert page.status_code == 200
    assert f'<html lang="{locale}">' in page.text
    assert i18n.translations(locale).ugettext("Save return policy") in page.text
    assert "Save return policy" not in page.text


# --- reasons -------------------------------------------------------------------------------


def _reason_form(**changes: Any) -> dict[str, str]:
    data = {"code": "too_big", "label_en": "Too big", "label_pl": "Za duży", "parent": ""}
    data.update(changes)
    return data


async def _owner_with_reasons(client: httpx.AsyncClient) -> tuple[Merchant, str]:
    shop = await _shop_with_reasons()
    _user, token = await signed_in_owner(client, shop)
    return shop, token


async def _reason(shop: Merchant, code: str) -> ReturnReason:
    return await ReturnReason.get(merchant=shop, code=code)


async def test_a_reason_is_added_under_a_parent_at_the_end(
    client: httpx.AsyncClient, db: str
) -> None:
    shop, token = await _owner_with_reasons(client)
    fit = await ReturnReason.create(merchant=shop, code="fit", labels={"en": "Fit"}, position=9)
    await ReturnReason.create(merchant=shop, code="too_long", parent=fit, labels={"en": "Long"})
    data = _reason_form(parent=str(fit.id), requires_photo="1", csrf_token=token)
    response = await client.post("/admin/returns/reasons", data=data)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/returns/reasons?done=added"
    added = await _reason(shop, "too_big")
    assert added.labels == {"en": "Too big", "pl": "Za duży"}
    assert (added.parent_id, added.position, added.requires_photo) == (fit.id, 1, True)  # type: ignore[attr-defined]
    assert not added.requires_comment and not added.waives_fees and added.active
    page = await client.get("/admin/returns/reasons?done=added")
    assert "Reason added." in page.text
    tree = page.context["entries"]  # type: ignore[attr-defined]
    assert [e.reason.code for e in tree] == [*CODES, "fit"]
    assert [c.reason.code for c in tree[-1].children] == ["too_long", "too_big"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"code": "Too Big"}, "code", "Enter a code of lowercase letters, digits, _ or -, "
         "at most 64 characters, for example too_small."),
        ({"code": "damaged"}, "code", "Another reason already uses this code."),
        ({"label_en": " "}, "label_en", "Enter the reason in English: it is shown when no "
         "translation is."),
        ({"label_ru": "я" * 201}, "label_ru", "Use at most 200 characters."),
        ({"parent": "999999"}, "parent", "Choose from the listed options."),
    ],
)  # fmt: skip
async def test_a_new_reason_is_checked(
    client: httpx.AsyncClient, db: str, changes: dict[str, str], field: str, message: str
) -> None:
    shop, token = await _owner_with_reasons(client)
    data = {**_reason_form(**changes), "csrf_token": token}
    response = await client.post("/admin/returns/reasons", data=data)
    assert response.status_code == 400
    assert response.context["errors"] == {field: message}  # type: ignore[attr-defined]
    assert 'value="Za duży"' in response.text
    assert await ReturnReason.filter(merchant=shop).count() == len(CODES)


async def test_an_unused_reasons_code_can_change_and_the_policy_follows(
    client: httpx.AsyncClient, db: str
) -> None:
    shop, token = await _owner_with_reasons(client)
    await _post(client, token)  # waives for and auto-approves "damaged"
    damaged = await _reason(shop, "damaged")
    data = _reason_form(code="broken", label_en="Broken", waives_fees="1", csrf_token=token)
    response = await client.post(f"/admin/returns/reasons/{damaged.id}", data=data)
    assert response.status_code == 303
    renamed = await ReturnReason.get(id=damaged.id)
    assert (renamed.code, renamed.labels["en"], renamed.waives_fees) == ("broken", "Broken", True)
    saved = await ReturnPolicy.get(merchant=shop)
    assert saved.fee_waivers["reasons"] == ["broken"]
    assert saved.auto_approve_rules["reasons"] == ["broken", "too_small"]


async def test_a_reason_moves_under_another_but_a_heading_stays_on_top(
    client: httpx.AsyncClient, db: str
) -> None:
    shop, token = await _owner_with_reasons(client)
    fit = await _reason(shop, "too_small")
    await ReturnReason.create(merchant=shop, code="too_long", parent=fit, labels={"en": "Long"})
    mind = await _reason(shop, "changed_mind")
    data = _reason_form(code="changed_mind", label_en="Changed my mind", parent=str(fit.id))
    response = await client.post(
        f"/admin/returns/reasons/{mind.id}", data={**data, "csrf_token": token}
    )
    assert response.status_code == 303
    moved = await ReturnReason.get(id=mind.id)
    assert (moved.parent_id, moved.position) == (fit.id, 1)  # type: ignore[attr-defined]
    form = await client.get(f"/admin/returns/reasons/{fit.id}")
    assert "This reason has reasons under it, so it stays at the top level." in form.text
    data = _reason_form(code="too_small", parent=str((await _reason(shop, "damaged")).id))
    response = await client.post(
        f"/admin/returns/reasons/{fit.id}", data={**data, "csrf_token": token}
    )
    assert response.context["errors"] == {"parent": "Choose from the listed options."}  # type: ignore[attr-defined]
    assert (await ReturnReason.get(id=fit.id)).parent_id is None  # type: ignore[attr-defined]


async def test_a_used_reasons_code_cannot_change_and_it_cannot_be_deleted(
    client: httpx.AsyncClient, db: str
) -> None:
    shop, _found = await shop_with_policy(auto_approve_rules={"enabled": False})
    await return_for(shop, reason="damaged")
    _user, token = await signed_in_owner(client, shop)
    used = await _reason(shop, "damaged")
    edit = await client.get(f"/admin/returns/reasons/{used.id}")
    assert 'name="code" type="text" value="damaged" maxlength="64" autocomplete="off" readonly' in (
        edit.text
    )
    data = _reason_form(code="broken", label_en="Broken", csrf_token=token)
    response = await client.post(f"/admin/returns/reasons/{used.id}", data=data)
    assert response.status_code == 400
    assert response.context["errors"] == {  # type: ignore[attr-defined]
        "code": "Returns already use this reason, so its code cannot change."
    }
    assert (await ReturnReason.get(id=used.id)).labels == {"en": "Damaged"}
    data = _reason_form(code="damaged", label_en="Arrived damaged", csrf_token=token)
    assert (await client.post(f"/admin/returns/reasons/{used.id}", data=data)).status_code == 303
    assert (await ReturnReason.get(id=used.id)).labels["en"] == "Arrived damaged"
    response = await client.post(
        f"/admin/returns/reasons/{used.id}/delete", data={"csrf_token": token}
    )
    assert response.headers["location"] == f"/admin/returns/reasons?refused=used#reason-{used.id}"
    assert await ReturnReason.exists(id=used.id)
    listing = await client.get("/admin/returns/reasons")
    assert f'action="/admin/returns/reasons/{used.id}/delete"' not in listing.text


async def test_an_unused_reason_is_deleted_but_not_one_with_reasons_under_it(
    client: httpx.AsyncClient, db: str
) -> None:
    shop, token = await _owner_with_reasons(client)
    parent = await _reason(shop, "changed_mind")
    child = await ReturnReason.create(merchant=shop, code="cheaper", parent=parent, labels={})
    refused = await client.post(
        f"/admin/returns/reasons/{parent.id}/delete", data={"csrf_token": token}
    )
    assert "refused=children" in refused.headers["location"]
    done = await client.post(
        f"/admin/returns/reasons/{child.id}/delete", data={"csrf_token": token}
    )
    assert done.headers["location"] == "/admin/returns/reasons?done=deleted"
    assert not await ReturnReason.exists(id=child.id)
    assert await ReturnReason.exists(id=parent.id)


async def test_reasons_move_up_and_down_among_their_siblings(
    client: httpx.AsyncClient, db: str
) -> None:
    shop, token = await _owner_with_reasons(client)
    parent = await _reason(shop, "changed_mind")
    for code in ("cheaper", "late"):
        await ReturnReason.create(merchant=shop, code=code, parent=parent, labels={})

    async def move(code: str, direction: str) -> None:
        reason = await _reason(shop, code)
        url = f"/admin/returns/reasons/{reason.id}/move"
        response = await client.post(url, data={"direction": direction, "csrf_token": token})
        assert response.status_code == 303

    async def order() -> list[str]:
        tree = await return_reasons.reason_tree(shop.id)
        children = [c.reason.code for e in tree for c in e.children]
        return [e.reason.code for e in tree] + children

    await move("too_small", "up")
    assert await order() == ["too_small", "damaged", "changed_mind", "cheaper", "late"]
    await move("too_small", "up")  # already first: stays
    await move("damaged", "down")
    await move("late", "up")
    assert await order() == ["too_small", "changed_mind", "damaged", "late", "cheaper"]
    menu = await reason_menu(shop.id)
    assert [g.option.code for g in menu] == ["too_small", "changed_mind", "damaged"]
    assert [c.code for c in menu[1].children] == ["late", "cheaper"]


async def test_a_switched_off_reason_leaves_the_customers_menu(
    client: httpx.AsyncClient, db: str
) -> None:
    shop, token = await _owner_with_reasons(client)
    reason = await _reason(shop, "too_small")
    base = f"/admin/returns/reasons/{reason.id}"
    response = await client.post(f"{base}/deactivate", data={"csrf_token": token})
    assert "done=deactivated" in response.headers["location"]
    assert "too_small" not in [g.option.code for g in await reason_menu(shop.id)]
    listing = await client.get("/admin/returns/reasons")
    assert "Switched off" in listing.text and f'action="{base}/activate"' in listing.text
    await client.post(f"{base}/activate", data={"csrf_token": token})
    assert "too_small" in [g.option.code for g in await reason_menu(shop.id)]


async def test_staff_see_reasons_but_cannot_change_them(client: httpx.AsyncClient, db: str) -> None:
    shop = await _shop_with_reasons()
    await sign_in(client, await factories.staff_user(shop, role=Role.STAFF))
    listing = await client.get("/admin/returns/reasons")
    assert listing.status_code == 200 and "too small" in listing.text
    assert "/move" not in listing.text
    token = await csrf(client, "/admin/returns/policy")
    reason = await _reason(shop, "damaged")
    base = f"/admin/returns/reasons/{reason.id}"
    for url in ("/admin/returns/reasons", base, f"{base}/move", f"{base}/deactivate",
                f"{base}/delete"):  # fmt: skip
        response = await client.post(url, data={**_reason_form(), "direction": "up",
                                                "csrf_token": token})  # fmt: skip
        assert response.status_code == 403, url
    assert (await client.get(base)).status_code == 403
    assert await ReturnReason.filter(merchant=shop).count() == len(CODES)


async def test_another_merchants_reasons_cannot_be_reached(
    client: httpx.AsyncClient, db: str
) -> None:
    theirs = await ReturnReason.create(
        merchant=await factories.merchant(), code="theirs", labels={"en": "Theirs"}
    )
    _shop, token = await _owner_with_reasons(client)
    base = f"/admin/returns/reasons/{theirs.id}"
    assert (await client.get(base)).status_code == 404
    for url in (base, f"{base}/deactivate", f"{base}/delete"):
        data = {**_reason_form(), "csrf_token": token}
        assert (await client.post(url, data=data)).status_code == 404, url
    kept = await ReturnReason.get(id=theirs.id)
    assert (kept.code, kept.active) == ("theirs", True)
    listing = await client.get("/admin/returns/reasons")
    assert "Theirs" not in listing.text


# --- in a browser --------------------------------------------------------------------------


@pytest.mark.browser
def test_the_policy_page_is_accessible_and_errors_are_announced(
    page: Any, live_server: str
) -> None:
    from portal.demo import DEMO_EMAIL, DEMO_PASSWORD

    page.goto(f"{live_server}/admin/login?next=/admin/returns/policy")
    page.fill("#email", DEMO_EMAIL)
    page.fill("#password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.goto(f"{live_server}/admin/returns/policy")
    assert page.locator("h1").inner_text() == "Return policy"
    assert axe_violations(page) == []
    page.fill("#return_shipping_fee", "4.999")
    with page.expect_navigation():
        page.click("button[type=submit]:has-text('Save return policy')")
    assert page.locator("[role=alert] a[href='#return_shipping_fee']").is_visible()
    assert page.get_attribute("#return_shipping_fee", "aria-invalid") == "true"
    assert page.input_value("#return_shipping_fee") == "4.999"
    assert axe_violations(page) == []


def test_returns_before_delivery_is_a_switch_that_reaches_the_rules() -> None:
    clean, errors = _validate(returns_before_delivery="1")
    assert errors == {} and clean["returns_before_delivery"] is True
    assert policy.Rules.of(ReturnPolicy(**clean)).before_delivery is True
    assert policy.Rules.of(ReturnPolicy(**_validate()[0])).before_delivery is False


async def test_the_policy_page_warns_when_labels_are_withheld_for_want_of_an_address(
    client: httpx.AsyncClient, db: str
) -> None:
    shop = await factories.merchant()
    await ReturnPolicy.create(merchant=shop, methods=["drop_off_label"], return_address={})
    await signed_in_owner(client, shop)
    page = await client.get("/admin/returns/policy")
    assert "Customers cannot print return labels" in page.text
    await ReturnPolicy.filter(merchant_id=shop.id).update(
        return_address={"line1": "ul. Zwrotna 1", "city": "Kraków", "country": "PL"}
    )
    assert (
        "Customers cannot print return labels"
        not in (await client.get("/admin/returns/policy")).text
    )
