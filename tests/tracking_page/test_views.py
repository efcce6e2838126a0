"""The tracking pages over HTTP: tiers, lookups, live fragment, signed links, limits, branding."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from itsdangerous import URLSafeTimedSerializer
from starlette.applications import Starlette

from carriers.base import Reason, Status
from portal import i18n
from portal.core.links import make_tracking_link
from portal.core.rate_limit import Limit
from portal.models import Shipment, TrackingEvent
from portal.tracking_page.config import PageConfig
from tests import factories
from tests.conftest import client_for
from tests.tracking_page.conftest import NOW, CacheClock, FakeRefresh, Shop, add_events


def _text(response: httpx.Response) -> str:
    """The page without its per-session CSRF token, for comparing two answers."""
    return re.sub(r'(csrf_token" value="|X-CSRF-Token": ")[^"]+', r"\1", response.text)


async def test_a_number_alone_shows_the_journey(web: httpx.AsyncClient, shop: Shop) -> None:
    response = await web.get("/track", params={"number": "SBX00000000042"})
    assert response.status_code == 200
    assert response.template.name == "tracking/page.html"
    assert response.context["tier"] == "number"
    [view] = response.context["shipments"]
    assert view.status == "in_transit"
    assert view.carrier_name == "Sandbox Carrier"
    assert "SBX00000000042" in (view.carrier_url or "")
    assert "Acme Socks" in response.text


async def test_the_number_tier_shows_no_name_address_or_items(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    response = await web.get("/track/SBX00000000042")
    assert response.status_code == 200
    assert response.context["order"] is None
    # What a reader can see or a script can read, without the tags' attributes: signed
    # links and the CSRF token are random text in which "Jan" or "31-1" turn up by chance.
    readable = re.sub(r"<[^>]*>", " ", response.text)
    for secret in ("Kowalski", "Jan", "Dębowa", "31-123", "31-1", "Wool socks", "#1042", "jan@"):
        assert secret not in readable, secret
    for secret in ("Kowalski", "Dębowa", "Wool socks", "#1042", "jan@"):  # nor in attributes
        assert secret not in response.text, secret


async def _csrf(web: httpx.AsyncClient) -> str:
    page = await web.get("/track")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match
    return match.group(1)


async def _order_lookup(
    web: httpx.AsyncClient, order: str, contact: str, **params: str
) -> httpx.Response:
    token = await _csrf(web)
    return await web.post(
        "/orders/lookup",
        data={"order": order, "contact": contact, "csrf_token": token},
        params=params,
    )


FINAL = {Status.DELIVERED, Status.RETURNED_TO_SENDER, Status.EXPIRED}


@pytest.mark.parametrize("status", list(Status))
async def test_every_status_is_rendered_in_plain_words(
    web: httpx.AsyncClient, shop: Shop, status: Status
) -> None:
    reason = Reason.ADDRESS_ISSUE if status in (Status.EXCEPTION, Status.FAILED_ATTEMPT) else None
    await Shipment.filter(id=shop.shipment.id).update(
        status=status,
        reason=reason,
        delivered_at=NOW if status is Status.DELIVERED else None,
        signed_by="Jan Kowalski" if status is Status.DELIVERED else None,
    )
    response = await web.get("/track/SBX00000000042")
    assert response.status_code == 200
    [view] = response.context["shipments"]
    assert view.status == status.value
    assert view.status_label in response.text
    assert view.explanation.split(".")[0] in response.text
    assert ("hx-trigger" in response.text) is (status not in FINAL)
    if reason is not None:
        assert "problem with the delivery address" in response.text
    if status is Status.DELIVERED:
        assert "J*** K***" in response.text  # who signed, as initials in the number tier
        assert "Kowalski" not in response.text


async def test_an_order_lookup_by_email_shows_the_whole_order_masked(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    response = await _order_lookup(web, "1042", "JAN@example.test ")
    assert response.status_code == 200
    assert response.context["tier"] == "order"
    assert str(response.context["order"].address) == "J*** K***, ul. D*** 1, 31-1** Kraków"
    assert "Wool socks" in response.text
    assert "Kowalski" not in response.text
    assert "Dębowa" not in response.text
    assert [v.id for v in response.context["shipments"]] == [shop.shipment.id]


async def test_an_order_lookup_by_postcode_works_too(web: httpx.AsyncClient, shop: Shop) -> None:
    response = await _order_lookup(web, "#1042", "31 123")
    assert response.status_code == 200
    assert response.context["order"].number == "#1042"


async def test_a_wrong_combination_reads_like_an_unknown_order(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    wrong = await _order_lookup(web, "#1042", "someone@else.test")
    unknown = await _order_lookup(web, "#9999", "jan@example.test")
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.context["message"] == unknown.context["message"]
    assert "could not find an order" in wrong.text


async def test_another_merchants_number_reads_exactly_like_an_unknown_one(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    other = await factories.merchant(slug="other")
    await factories.shipment(other, tracking_number="SBX00000000777")
    theirs = await web.get("/track", params={"number": "SBX00000000042", "shop": "other"})
    nobody = await web.get("/track", params={"number": "SBX00000000999", "shop": "other"})
    assert theirs.status_code == nobody.status_code == 404
    assert theirs.template.name == nobody.template.name == "tracking/lookup.html"
    assert _text(theirs).replace("042", "999") == _text(nobody)
    mine = await web.get("/track", params={"number": "SBX00000000777", "shop": "other"})
    assert mine.status_code == 200


async def test_an_order_of_another_merchant_is_not_found_on_a_branded_page(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    await factories.merchant(slug="other")
    response = await _order_lookup(web, "#1042", "jan@example.test", shop="other")
    assert response.status_code == 404


@pytest.mark.parametrize("number", ["12", "SBX-ÄÖÜ-1234", "x" * 41, "<script>"])
async def test_a_malformed_number_gets_a_clear_message(
    web: httpx.AsyncClient, shop: Shop, number: str
) -> None:
    response = await web.get("/track", params={"number": number})
    assert response.status_code == 400
    assert "does not look like a tracking number" in response.text


async def test_twenty_pasted_numbers_give_a_list(web: httpx.AsyncClient, shop: Shop) -> None:
    numbers = ["SBX00000000042", "bad!", *[f"SBX9{i:010d}" for i in range(18)]]
    response = await web.get("/track", params={"number": "\n".join(numbers)})
    assert response.status_code == 200
    assert response.template.name == "tracking/list.html"
    outcomes = [row["outcome"] for row in response.context["rows"]]
    assert outcomes == ["found", "malformed", *["not_found"] * 18]
    assert response.context["rows"][0]["label"] == "On its way"
    assert "Kowalski" not in response.text


async def test_numbers_separated_by_commas_or_spaces_are_split(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    response = await web.get(
        "/track", params={"number": "SBX00000000042, SBX00000000043 SBX44444444"}
    )
    assert [row["number"] for row in response.context["rows"]] == [
        "SBX00000000042",
        "SBX00000000043",
        "SBX44444444",
    ]


async def test_twenty_one_numbers_are_refused_politely(web: httpx.AsyncClient, shop: Shop) -> None:
    numbers = ",".join(f"SBX9{i:010d}" for i in range(21))
    response = await web.get("/track", params={"number": numbers})
    assert response.status_code == 400
    assert "up to 20 parcels at once; you entered 21" in response.text


async def test_the_status_fragment_answers_304_while_nothing_changes(
    web: httpx.AsyncClient, shop: Shop, cache_clock: CacheClock
) -> None:
    first = await web.get("/track/SBX00000000042/status")
    assert first.status_code == 200
    assert first.template.name == "tracking/_status.html"
    etag = first.headers["etag"]
    again = await web.get("/track/SBX00000000042/status", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["etag"] == etag
    assert again.content == b""
    await Shipment.filter(id=shop.shipment.id).update(status=Status.OUT_FOR_DELIVERY)
    cache_clock.advance(5)  # a direct database edit shows once the page caches expire
    changed = await web.get("/track/SBX00000000042/status", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert "Out for delivery" in changed.text


async def test_the_page_knows_the_fragments_etag(web: httpx.AsyncClient, shop: Shop) -> None:
    page = await web.get("/track/SBX00000000042")
    fragment = await web.get("/track/SBX00000000042/status")
    [(_view, _html, etag)] = page.context["blocks"]
    assert etag == fragment.headers["etag"]
    assert 'aria-live="polite"' in page.text


async def test_polling_stops_at_a_final_status(
    web: httpx.AsyncClient, shop: Shop, cache_clock: CacheClock
) -> None:
    live = await web.get("/track/SBX00000000042/status")
    assert 'hx-trigger="every 45s"' in live.text
    await Shipment.filter(id=shop.shipment.id).update(status=Status.DELIVERED, delivered_at=NOW)
    cache_clock.advance(5)
    final = await web.get("/track/SBX00000000042/status")
    assert "hx-trigger" not in final.text
    assert "hx-get" not in final.text


async def test_a_signed_link_shows_the_order_tier(web: httpx.AsyncClient, shop: Shop) -> None:
    settings = web._transport.app.app.state.settings  # type: ignore[attr-defined]
    link = make_tracking_link(settings, shop.shipment)
    response = await web.get(link.replace(settings.public_base_url, ""))
    assert response.status_code == 200
    assert response.context["tier"] == "order"
    assert "J*** K***" in response.text
    [(_view, _html, _etag)] = response.context["blocks"]
    status_url = re.search(r'hx-get="(/t/[^"]+/status)"', response.text)
    assert status_url
    fragment = await web.get(status_url.group(1))
    assert fragment.status_code == 200


async def test_a_forged_link_gets_a_friendly_400(web: httpx.AsyncClient, shop: Shop) -> None:
    forged = URLSafeTimedSerializer("not-our-key", salt="track-link").dumps(shop.shipment.id)
    response = await web.get(f"/t/{forged}")
    assert response.status_code == 400
    assert response.template.name == "tracking/lookup.html"
    assert "not valid" in response.text
    assert 'action="/orders/lookup"' in response.text
    assert (await web.get(f"/t/{forged}/status")).status_code == 400


async def test_an_expired_link_gets_a_friendly_410(
    web: httpx.AsyncClient, shop: Shop, page_config: PageConfig
) -> None:
    settings = web._transport.app.app.state.settings  # type: ignore[attr-defined]
    token = make_tracking_link(settings, shop.shipment).rsplit("/", 1)[1]
    page_config.link_max_age = -1
    response = await web.get(f"/t/{token}")
    assert response.status_code == 410
    assert "expired" in response.text
    assert 'name="number"' in response.text


async def test_number_lookups_are_rate_limited_per_client(
    web: httpx.AsyncClient, shop: Shop, page_config: PageConfig
) -> None:
    page_config.number_limit = Limit("numbers", 3, 600)
    for _ in range(3):
        assert (await web.get("/track/SBX00000000042")).status_code == 200
    refused = await web.get("/track/SBX00000000042")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert "many lookups" in refused.text


async def test_order_lookups_are_rate_limited_per_client(
    web: httpx.AsyncClient, shop: Shop, page_config: PageConfig
) -> None:
    page_config.order_limit = Limit("orders", 2, 600)
    for _ in range(2):
        assert (await _order_lookup(web, "#1", "x@y.z")).status_code == 404
    assert (await _order_lookup(web, "#1042", "jan@example.test")).status_code == 429


async def test_a_page_view_asks_for_a_refresh_and_never_waits_longer_than_the_timeout(
    web: httpx.AsyncClient, shop: Shop, page_config: PageConfig, fake_refresh: FakeRefresh
) -> None:
    import time

    fake_refresh.delay = 5.0
    page_config.refresh_timeout = 0.2
    started = time.monotonic()
    response = await web.get("/track/SBX00000000042")
    assert response.status_code == 200
    assert time.monotonic() - started < 2.0
    assert fake_refresh.calls == [shop.shipment.id]


async def test_a_final_shipment_is_not_refreshed(
    web: httpx.AsyncClient, shop: Shop, fake_refresh: FakeRefresh
) -> None:
    await Shipment.filter(id=shop.shipment.id).update(status=Status.DELIVERED)
    await web.get("/track/SBX00000000042")
    assert fake_refresh.calls == []


async def test_the_brand_stylesheet_sets_valid_colours(web: httpx.AsyncClient, shop: Shop) -> None:
    response = await web.get(f"/brand/{shop.merchant.slug}.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert "--brand: #aa3300;" in response.text
    again = await web.get(
        f"/brand/{shop.merchant.slug}.css", headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304


async def test_the_brand_stylesheet_ignores_anything_but_rrggbb(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    shop.merchant.branding = {"primary_color": "red;} body{display:none", "accent_color": "#12345"}
    await shop.merchant.save()
    response = await web.get(f"/brand/{shop.merchant.slug}.css")
    assert "display" not in response.text
    assert "--" not in response.text
    assert (await web.get("/brand/nobody.css")).status_code == 404


async def test_the_page_links_the_brand_and_shows_the_logo(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    response = await web.get("/track/SBX00000000042")
    assert f'href="/brand/{shop.merchant.slug}.css"' in response.text
    assert f'src="/media/logo/{shop.merchant.slug}"' in response.text
    assert "style=" not in response.text


async def test_an_empty_lookup_shows_the_forms(web: httpx.AsyncClient, db: str) -> None:
    response = await web.get("/track")
    assert response.status_code == 200
    assert response.context["message"] is None


async def test_an_order_without_parcels_says_so(web: httpx.AsyncClient, shop: Shop) -> None:
    await factories.order(shop.merchant, number="#2000", email="a@b.test")
    response = await _order_lookup(web, "#2000", "a@b.test")
    assert response.status_code == 200
    assert "has not been shipped yet" in response.text


async def test_times_follow_the_customers_time_zone(web: httpx.AsyncClient, shop: Shop) -> None:
    customer = await shop.order.customer
    customer.time_zone = "America/New_York"
    await customer.save()
    response = await web.get("/track/SBX00000000042")
    assert response.context["shipments"][0].zone == "New York"  # America/New_York, by its city
    assert timedelta  # keeps the import used when tests are trimmed


async def test_a_us_parcel_s_times_follow_its_shipping_state_s_clock(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    """A customer with no zone of her own, shipped to California: the page looked up by
    its number shows Los Angeles time, as her messages and her signed link do."""
    shop.order.ship_country, shop.order.ship_region = "US", "CA"
    await shop.order.save()
    response = await web.get("/track/SBX00000000042")
    assert response.context["shipments"][0].zone == "Los Angeles"


async def test_the_engines_refresh_is_used_by_default_and_never_breaks_the_page(
    tracking_app: Starlette, shop: Shop
) -> None:
    from portal.tracking.refresh import refresh_if_stale

    tracking_app.state.tracking_page = PageConfig(clock=lambda: NOW)
    assert tracking_app.state.tracking_page.refresh is refresh_if_stale
    async with client_for(tracking_app) as client:
        response = await client.get("/track/SBX00000000042")  # stale, but no carrier account
    assert response.status_code == 200
    assert response.context["shipments"][0].status == "in_transit"


async def test_a_refresh_that_stored_nothing_leaves_the_events_read_with_the_parcel(
    web: httpx.AsyncClient, shop: Shop, page_config: PageConfig
) -> None:
    async def refresh_storing_nothing(shipment: Shipment, settings: object, **_: object) -> bool:
        # another process's scan lands meanwhile: it shows on the next view, as any scan
        # ingested after the parcel was read; this view is not read again for it
        await add_events(shipment, (NOW - timedelta(minutes=5), Status.IN_TRANSIT, "Wieliczka"))
        return False

    page_config.refresh = refresh_storing_nothing
    response = await web.get("/track/SBX00000000042")  # stale: the refresh is asked
    assert response.context["shipments"][0].event_count == 2
    assert "Wieliczka" not in response.text


async def test_a_scan_the_page_views_refresh_stored_shows_on_that_page(
    web: httpx.AsyncClient, shop: Shop, page_config: PageConfig
) -> None:
    async def refresh_storing_a_scan(shipment: Shipment, settings: object, **_: object) -> bool:
        await _push_scan(shipment.id, Status.OUT_FOR_DELIVERY, "Wieliczka")
        return True

    page_config.refresh = refresh_storing_a_scan
    response = await web.get("/track/SBX00000000042")
    assert "Wieliczka" in response.text


# --- per-process caches: bounded freshness, nothing per-visitor shared ----------------------


async def _push_scan(shipment_id: int, status: Status, city: str) -> None:
    """What a carrier push or poll does: ingest a new scan (this bumps ``updated_at``)."""
    from carriers.base import TrackingEvent as Scan
    from carriers.base import TrackingResult
    from portal.models import EventSource
    from portal.tracking.ingest import ingest_many

    scan = Scan(occurred_at=NOW - timedelta(minutes=5), status=status, city=city, country="PL")
    result = TrackingResult("SBX00000000042", status=status, events=[scan])
    await ingest_many(
        [(shipment_id, result)], source=EventSource.PUSH, now=NOW, settings=factories.app_settings()
    )


async def test_a_pushed_scan_shows_on_the_number_page_within_the_cache_ttl(
    web: httpx.AsyncClient, shop: Shop, cache_clock: CacheClock, page_config: PageConfig
) -> None:
    before = await web.get("/track/SBX00000000042")
    assert "Wieliczka" not in before.text
    await _push_scan(shop.shipment.id, Status.OUT_FOR_DELIVERY, "Wieliczka")
    cache_clock.advance(page_config.cache_seconds - 0.1)
    still = await web.get("/track/SBX00000000042")
    assert "Wieliczka" not in still.text  # the bound: at most cache_seconds old
    cache_clock.advance(0.1)
    after = await web.get("/track/SBX00000000042")
    assert "Wieliczka" in after.text
    assert after.context["shipments"][0].status == "out_for_delivery"
    poll = await web.get(
        "/track/SBX00000000042/status",
        headers={"If-None-Match": before.context["blocks"][0].etag},
    )
    assert poll.status_code == 200
    assert "Wieliczka" in poll.text


async def test_a_pushed_scan_shows_at_once_where_the_row_is_read_again(
    web: httpx.AsyncClient, shop: Shop
) -> None:
    settings = web._transport.app.app.state.settings  # type: ignore[attr-defined]
    link = make_tracking_link(settings, shop.shipment).replace(settings.public_base_url, "")
    before = await web.get(link)
    assert "Wieliczka" not in before.text
    await _push_scan(shop.shipment.id, Status.OUT_FOR_DELIVERY, "Wieliczka")
    after = await web.get(link)  # the fragment cache is keyed by the row's updated_at
    assert "Wieliczka" in after.text


async def test_a_cache_of_zero_seconds_reads_the_database_every_time(
    web: httpx.AsyncClient, shop: Shop, page_config: PageConfig
) -> None:
    page_config.lookups.ttl = page_config.fragments.ttl = 0
    await web.get("/track/SBX00000000042")
    await Shipment.filter(id=shop.shipment.id).update(status=Status.DELIVERED, delivered_at=NOW)
    after = await web.get("/track/SBX00000000042")
    assert after.context["shipments"][0].status == "delivered"


async def test_visitors_never_share_a_csrf_token_or_session(
    tracking_app: Starlette, shop: Shop
) -> None:
    pages = []
    for _visitor in range(2):
        async with client_for(tracking_app) as client:
            pages.append(await client.get("/track/SBX00000000042"))
    tokens = [re.search(r'name="csrf_token" value="([^"]+)"', p.text) for p in pages]
    assert tokens[0] and tokens[1]
    assert tokens[0].group(1) != tokens[1].group(1)
    assert pages[0].cookies["portal_session"] != pages[1].cookies["portal_session"]
    assert _text(pages[0]) == _text(pages[1])  # everything else is the same page


async def test_a_kept_page_carries_each_visitors_own_working_csrf_token(
    tracking_app: Starlette, shop: Shop, page_config: PageConfig
) -> None:
    pages, lookups = [], []
    for _visitor in range(2):
        async with client_for(tracking_app) as client:
            page = await client.get("/track/SBX00000000042")
            pages.append(page)
            found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert found
            header = re.search(r'"X-CSRF-Token": "([^"]+)"', page.text)
            assert header and header.group(1) == found.group(1)
            lookups.append(
                await client.post(
                    "/orders/lookup",
                    data={"order": "#1042", "contact": "jan@example.test"},
                    headers={"X-CSRF-Token": found.group(1)},
                )
            )
    assert len(page_config.pages) == 1, "the second visitor was served the kept page"
    assert pages[1].template.name == "tracking/page.html"
    assert pages[1].context["blocks"][0].view.tracking_number == "SBX00000000042"
    assert [r.status_code for r in lookups] == [200, 200], "each token passes the CSRF check"
    assert _text(pages[0]) == _text(pages[1])


async def test_a_kept_page_is_per_language_and_address(
    web: httpx.AsyncClient, shop: Shop, page_config: PageConfig
) -> None:
    english = await web.get("/track/SBX00000000042")
    polish = await web.get("/track/SBX00000000042", params={"lang": "pl"})
    scoped = await web.get("/track/SBX00000000042", params={"shop": shop.merchant.slug})
    assert len(page_config.pages) == 3
    assert english.headers["content-language"] == "en"
    assert '<html lang="pl">' in polish.text and '<html lang="en">' in english.text
    assert f'name="shop" value="{shop.merchant.slug}"' in scoped.text
    assert 'name="shop"' not in english.text


async def test_no_page_is_kept_with_the_cache_off(
    tracking_app: Starlette, shop: Shop, page_config: PageConfig
) -> None:
    page_config.cache_seconds = 0
    for _visitor in range(2):
        async with client_for(tracking_app) as client:
            assert (await client.get("/track/SBX00000000042")).status_code == 200
    assert len(page_config.pages) == 0


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ("", {}),
        ("?lang=pl&x=a%26b", {}),
        ("?lang=uk", {"hx-request": "true", "hx-current-url": "http://test/track/X?a=1&b=<2>"}),
    ],
)
async def test_an_uncached_page_filled_into_its_frame_is_the_full_render(
    tracking_app: Starlette,
    shop: Shop,
    page_config: PageConfig,
    query: str,
    headers: dict[str, str],
) -> None:
    async with client_for(tracking_app) as client:  # one visitor: one CSRF token
        page_config.cache_seconds = 0
        framed = await client.get(f"/track/SBX00000000042{query}", headers=headers)
        again = await client.get(f"/track/SBX00000000042{query}", headers=headers)
        assert len(page_config.frames) == 1 and len(page_config.pages) == 0
        page_config.cache_seconds = 5  # a kept page is rendered in full on its first view
        rendered = await client.get(f"/track/SBX00000000042{query}", headers=headers)
    assert len(page_config.pages) == 1
    assert framed.text == again.text == rendered.text
    assert framed.template.name == "tracking/page.html"
    assert framed.context["blocks"][0].view.tracking_number == "SBX00000000042"


async def test_a_frame_is_per_shop_scope_and_language(
    web: httpx.AsyncClient, shop: Shop, page_config: PageConfig
) -> None:
    page_config.cache_seconds = 0
    english = await web.get("/track/SBX00000000042")
    polish = await web.get("/track/SBX00000000042", params={"lang": "pl"})
    scoped = await web.get("/track/SBX00000000042", params={"shop": shop.merchant.slug})
    assert len(page_config.frames) == 3
    assert '<html lang="pl">' in polish.text and '<html lang="en">' in english.text
    assert f'name="shop" value="{shop.merchant.slug}"' in scoped.text
    assert 'name="shop"' not in english.text
    assert 'href="/track/SBX00000000042?lang=pl"' in english.text


async def test_a_recently_polled_shipment_is_not_refreshed_on_view(
    web: httpx.AsyncClient, shop: Shop, fake_refresh: FakeRefresh
) -> None:
    await Shipment.filter(id=shop.shipment.id).update(last_polled_at=NOW - timedelta(minutes=1))
    await web.get("/track/SBX00000000042")
    assert fake_refresh.calls == []


async def test_a_stale_shipment_is_asked_about_once_per_cache_ttl(
    web: httpx.AsyncClient, shop: Shop, fake_refresh: FakeRefresh, cache_clock: CacheClock
) -> None:
    await web.get("/track/SBX00000000042")
    await web.get("/track/SBX00000000042/status")
    assert fake_refresh.calls == [shop.shipment.id]
    cache_clock.advance(5)
    await web.get("/track/SBX00000000042/status")
    assert fake_refresh.calls == [shop.shipment.id, shop.shipment.id]


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_each_scan_shows_our_translated_words_then_the_carriers_muted(
    web: httpx.AsyncClient, shop: Shop, lang: str
) -> None:
    await TrackingEvent.create(
        shipment=shop.shipment,
        occurred_at=NOW - timedelta(hours=1),
        status=Status.FAILED_ATTEMPT,
        reason=Reason.RECIPIENT_UNAVAILABLE,
        carrier_code="NH",
        description="Recipient not at home <b>",
        dedupe_key="nh",
    )
    response = await web.get("/track/SBX00000000042", params={"lang": lang})
    catalogue = i18n.translations(lang)
    label = catalogue.ugettext("Delivery attempt failed")
    reason = catalogue.ugettext("Nobody was available to receive the parcel.")
    assert (label == "Delivery attempt failed") is (lang == "en")
    html = response.text
    shown = re.escape(f'<span class="event-label">{label}</span>') + r"\s*"
    shown += re.escape(f'<span class="event-reason">{reason}</span>') + r"\s*"
    shown += re.escape('<span class="event-carrier-text"><span class="visually-hidden">')
    assert re.search(shown, html), "our status, then our reason, then the carrier's words"
    assert "Recipient not at home &lt;b&gt;</span>" in html
    assert html.count('class="event-carrier-text"') == 3  # with the fixture's "Scan 0", "Scan 1"
