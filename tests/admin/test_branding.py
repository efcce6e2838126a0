"""The Settings screen: its form becomes settings (checked by portal.shop_settings, see
tests/test_shop_settings.py), errors are shown back, and logos are uploaded and served."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from portal.admin import branding
from portal.claims.messages import CLAIMS
from portal.models import Channel, Merchant
from portal.notifications import composer
from tests import factories
from tests.admin import images_data
from tests.admin.helpers import settings_of, signed_in_owner


def _form(**changes: str) -> dict[str, str]:
    data = {
        "name": "Acme",
        "primary_color": "#1f5fbf",
        "accent_color": "#ffcc00",
        "support_email": "help@acme.test",
        "support_url": "https://acme.test/help",
        "support_phone": "+48 123 456 789",
        "default_locale": "pl",
        "time_zone": "Europe/Warsaw",
        "quiet_hours_start": "22:00",
        "quiet_hours_end": "07:30",
        "expire_after_days": "21",
        "rule_delivered_email": "1",
        "rule_delivered_sms": "1",
        "rule_shipped_email": "1",
    }
    data.update(changes)
    return data


def test_validate_collects_every_error() -> None:
    _clean, errors = branding.validate(
        _form(
            time_zone="Mars/Base",
            quiet_hours_start="25:00",
            default_locale="xx",
            expire_after_days="0",
            support_url="ftp://x",
        )
    )
    assert set(errors) == {
        "time_zone",
        "quiet_hours_start",
        "default_locale",
        "expire_after_days",
        "support_url",
    }


async def test_settings_are_saved(client: httpx.AsyncClient, db: str) -> None:
    user, token = await signed_in_owner(client)
    response = await client.post("/admin/settings", data={**_form(), "csrf_token": token})
    assert response.status_code == 303
    shop = await Merchant.get(id=user.merchant_id)  # type: ignore[attr-defined]
    assert shop.name == "Acme"
    assert shop.time_zone == "Europe/Warsaw"
    assert shop.quiet_hours_start == "22:00"
    assert shop.branding["primary_color"] == "#1f5fbf"
    assert shop.notification_rules["delivered"] == ["email", "sms"]
    assert shop.notification_rules["exception"] == []


async def test_the_months_of_history_kept_are_saved_within_bounds(
    client: httpx.AsyncClient, db: str
) -> None:
    user, token = await signed_in_owner(client)
    page = await client.get("/admin/settings")
    assert page.context["values"]["history_retention_months"] == 13

    refused = await client.post(
        "/admin/settings", data={**_form(history_retention_months="2"), "csrf_token": token}
    )
    saved = await client.post(
        "/admin/settings", data={**_form(history_retention_months="24"), "csrf_token": token}
    )

    assert "history_retention_months" in refused.context["errors"]
    assert saved.status_code == 303
    shop = await Merchant.get(id=user.merchant_id)  # type: ignore[attr-defined]
    assert shop.history_retention_months == 24


async def test_a_shop_that_never_chose_sees_the_channels_really_used(
    client: httpx.AsyncClient, db: str
) -> None:
    await signed_in_owner(client)
    response = await client.get("/admin/settings")

    rules = response.context["values"]["notification_rules"]
    assert rules["out_for_delivery"] == ["email", "sms"]
    assert rules["delivered"] == ["email"]
    assert rules["return_approved"] == ["email", "sms"]
    assert rules["return_rejected"] == ["email"]
    assert 'name="rule_return_resolved_email" value="1" checked' in response.text


async def test_return_message_channels_are_saved_with_the_others(
    client: httpx.AsyncClient, db: str
) -> None:
    user, token = await signed_in_owner(client)
    form = {**_form(rule_return_approved_sms="1"), "csrf_token": token}
    await client.post("/admin/settings", data=form)

    shop = await Merchant.get(id=user.merchant_id)  # type: ignore[attr-defined]
    assert shop.notification_rules["return_approved"] == ["sms"]
    assert shop.notification_rules["return_resolved"] == []


async def test_claim_messages_have_rules_on_the_settings_screen_by_e_mail_only(
    client: httpx.AsyncClient, db: str
) -> None:
    """Claims follow the shop's rules like shipments do, but are written for e-mail only:
    the screen offers e-mail, and a forged text-message box is not saved."""
    user, token = await signed_in_owner(client)
    page = await client.get("/admin/settings")
    assert page.context["values"]["notification_rules"]["claim_submitted"] == ["email"]
    assert 'name="rule_claim_submitted_email" value="1" checked' in page.text
    assert 'name="rule_claim_submitted_sms"' not in page.text
    assert "Claim received" in page.text
    assert "withdrawal_received" not in page.text, "the statutory receipt's channel is fixed"

    form = {**_form(rule_claim_refunded_email="1", rule_claim_rejected_sms="1")}
    await client.post("/admin/settings", data={**form, "csrf_token": token})

    shop = await Merchant.get(id=user.merchant_id)  # type: ignore[attr-defined]
    assert shop.notification_rules["claim_refunded"] == ["email"]
    assert shop.notification_rules["claim_rejected"] == []
    assert shop.notification_rules["claim_submitted"] == []
    assert composer.channels_for(shop, CLAIMS, "claim_submitted") == []
    assert composer.channels_for(shop, CLAIMS, "claim_refunded") == [Channel.EMAIL]


async def test_saving_keeps_rules_the_form_does_not_show(
    client: httpx.AsyncClient, db: str
) -> None:
    """An older survey rule (surveys choose channels on their own screen, and fall back to
    it) must not vanish because the shop saved its colours."""
    user, token = await signed_in_owner(client)
    await Merchant.filter(id=user.merchant_id).update(  # type: ignore[attr-defined]
        notification_rules={"survey": ["sms"], "delivered": ["push"]}
    )
    await client.post("/admin/settings", data={**_form(), "csrf_token": token})

    shop = await Merchant.get(id=user.merchant_id)  # type: ignore[attr-defined]
    assert shop.notification_rules["survey"] == ["sms"]
    assert shop.notification_rules["delivered"] == ["email", "sms"]


async def test_invalid_settings_are_shown_back(client: httpx.AsyncClient, db: str) -> None:
    _user, token = await signed_in_owner(client)
    response = await client.post(
        "/admin/settings", data={**_form(primary_color="#eeeeee"), "csrf_token": token}
    )
    assert response.status_code == 400
    assert "primary_color" in response.context["errors"]


@pytest.mark.parametrize("unknown", ["Mars/Olympus", "../../etc/localtime", ""])
async def test_a_time_zone_that_is_no_zone_is_shown_back_in_words_and_not_saved(
    client: httpx.AsyncClient, db: str, unknown: str
) -> None:
    user, token = await signed_in_owner(client)
    before = await Merchant.get(id=user.merchant_id)  # type: ignore[attr-defined]
    response = await client.post(
        "/admin/settings", data={**_form(time_zone=unknown), "csrf_token": token}
    )
    assert response.status_code == 400
    assert str(response.context["errors"]["time_zone"]) == "Enter a time zone like Europe/Warsaw."
    assert "Enter a time zone like Europe/Warsaw." in response.text
    after = await Merchant.get(id=user.merchant_id)  # type: ignore[attr-defined]
    assert (after.name, after.time_zone) == (before.name, before.time_zone)


async def _upload(client: httpx.AsyncClient, token: str, data: bytes, name: str) -> httpx.Response:
    return await client.post(
        "/admin/settings/logo",
        data={"csrf_token": token},
        files={"logo": (name, data, "image/png")},
    )


async def test_a_logo_is_stored_with_a_random_name_and_served(
    client: httpx.AsyncClient, app: Starlette, db: str
) -> None:
    user, token = await signed_in_owner(client)
    response = await _upload(client, token, images_data.png(), "../../evil.png")
    assert response.status_code == 303
    shop = await Merchant.get(id=user.merchant_id)  # type: ignore[attr-defined]
    name = shop.branding["logo_path"]
    assert "evil" not in name and name.endswith(".png")
    folder = Path(settings_of(app).var_dir) / "uploads" / "logos"
    assert (folder / name).read_bytes() == images_data.png()
    served = await client.get(f"/media/logo/{shop.slug}")
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.content == images_data.png()


async def test_an_svg_logo_is_refused(client: httpx.AsyncClient, db: str) -> None:
    user, token = await signed_in_owner(client)
    response = await _upload(client, token, images_data.SVG, "logo.png")
    assert response.status_code == 400
    assert "SVG" in response.context["logo_error"]
    shop = await Merchant.get(id=user.merchant_id)  # type: ignore[attr-defined]
    assert "logo_path" not in shop.branding


async def test_an_empty_logo_file_is_refused_with_words(client: httpx.AsyncClient, db: str) -> None:
    user, token = await signed_in_owner(client)
    response = await _upload(client, token, b"", "logo.png")
    assert response.status_code == 400
    assert response.context["logo_error"] == "This is not a PNG, JPEG or WebP image."
    shop = await Merchant.get(id=user.merchant_id)  # type: ignore[attr-defined]
    assert "logo_path" not in shop.branding


async def test_a_merchant_without_a_logo_gives_404(client: httpx.AsyncClient, db: str) -> None:
    shop = await factories.merchant()
    assert (await client.get(f"/media/logo/{shop.slug}")).status_code == 404
    assert (await client.get("/media/logo/no-such-shop")).status_code == 404


async def test_staff_can_edit_settings(client: httpx.AsyncClient, db: str) -> None:
    from portal.models import Role
    from tests.admin.helpers import sign_in

    user = await factories.staff_user(role=Role.STAFF)
    await sign_in(client, user)
    assert (await client.get("/admin/settings")).status_code == 200


async def test_the_shop_orders_its_channels_and_says_which_quiet_hours_hold(
    client: httpx.AsyncClient, db: str
) -> None:
    user, token = await signed_in_owner(client)
    form = _form(
        channels_form="1",
        offer_email="1", rank_email="3",
        offer_whatsapp="1", rank_whatsapp="1",
        offer_sms="1", rank_sms="2",
        quiet_sms="1", quiet_whatsapp="1", quiet_email="1",
        rule_delivered_whatsapp="1",
    )  # fmt: skip
    response = await client.post("/admin/settings", data={**form, "csrf_token": token})

    assert response.status_code == 303
    shop = await Merchant.get(id=user.merchant_id)  # type: ignore[attr-defined]
    assert shop.channel_order == ["whatsapp", "sms", "email"]
    assert shop.quiet_hours_channels == ["email", "sms", "whatsapp"]
    assert shop.notification_rules["delivered"] == ["email", "sms", "whatsapp"]
    page = await client.get("/admin/settings")
    assert page.context["values"]["channel_order"] == ["whatsapp", "sms", "email"]


async def test_a_shop_offering_no_channel_is_told_so(client: httpx.AsyncClient, db: str) -> None:
    user, token = await signed_in_owner(client)
    form = _form(channels_form="1", offer_email="", rank_sms="9")
    response = await client.post("/admin/settings", data={**form, "csrf_token": token})

    assert response.status_code == 400
    assert "Offer at least one channel." in response.text
    assert (await Merchant.get(id=user.merchant_id)).channel_order is None  # type: ignore[attr-defined]


async def test_a_new_shop_offers_email_and_sms_and_holds_only_text_in_quiet_hours(
    client: httpx.AsyncClient, db: str
) -> None:
    await signed_in_owner(client)
    values = (await client.get("/admin/settings")).context["values"]
    assert values["channel_order"] == ["email", "sms"]
    assert values["quiet_hours_channels"] == ["sms", "whatsapp"]
