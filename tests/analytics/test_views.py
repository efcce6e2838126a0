"""The analytics screens and CSV exports over HTTP: who may see them, what they show for
seeded and for empty data, filters from the GET form, htmx fragments, and the exports."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from portal.models import Merchant
from tests import factories
from tests.admin.helpers import signed_in_owner
from tests.analytics.seed import seed_answers, seed_messages, seed_returns, seed_shipments

PERIOD = "from=2026-11-16&to=2026-11-30"
PAGES = ["/admin/analytics", "/admin/analytics/delivery", "/admin/analytics/returns",
         "/admin/analytics/satisfaction"]  # fmt: skip


async def seeded_shop() -> Merchant:
    shop = await factories.merchant()
    await seed_answers(shop)
    await seed_shipments(shop)
    await seed_returns(shop)
    await seed_messages(shop)
    return shop


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("path", [*PAGES, "/admin/analytics/on_time.csv"])
async def test_signed_out_visitors_are_sent_to_sign_in(
    client: httpx.AsyncClient, db: str, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == f"/admin/login?next={path}"


async def test_htmx_requests_when_signed_out_redirect_the_whole_page(
    client: httpx.AsyncClient, db: str
) -> None:
    response = await client.get(
        "/admin/analytics", headers={"HX-Request": "true", "HX-Target": "results"}
    )
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/admin/login?next=/admin/analytics"


@pytest.mark.parametrize("path", PAGES)
async def test_every_section_renders_for_an_owner(
    client: httpx.AsyncClient, db: str, path: str
) -> None:
    await signed_in_owner(client, await seeded_shop())
    response = await client.get(f"{path}?{PERIOD}")
    assert response.status_code == 200
    assert response.template.name == "admin/analytics.html"  # type: ignore[attr-defined]
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"' in response.text
    assert "No data yet" not in response.text
    assert 'aria-current="page"' in response.text


async def test_staff_who_are_not_owners_see_analytics_too(
    client: httpx.AsyncClient, db: str
) -> None:
    from tests.admin.helpers import sign_in

    shop = await seeded_shop()
    user = await factories.staff_user(shop)
    await sign_in(client, user)
    assert (await client.get(f"/admin/analytics?{PERIOD}")).status_code == 200


async def test_the_overview_shows_headline_figures_worked_out_by_hand(
    client: httpx.AsyncClient, db: str
) -> None:
    await signed_in_owner(client, await seeded_shop())
    response = await client.get(f"/admin/analytics?{PERIOD}")
    figures = {f.label: (f.value, f.small_sample) for f in response.context["figures"]}  # type: ignore[attr-defined]
    assert figures == {
        "On-time delivery": ("50.0%", False),  # ups 2/3 + dhl 0/1
        "Average transit": ("2.8 days", False),  # (9.5 + 4.5) / 5
        "Return rate": ("57.1%", False),  # 4 of 7 items
        "CSAT": ("57.1", True),  # 4 of 7 answers are 4–5
        "NPS": ("0.0", True),
        "CES": ("66.7", True),
    }
    tables = [t.key for t in response.context["tables"]]  # type: ignore[attr-defined]
    assert tables == ["on_time", "satisfaction_over_time", "return_reasons"]


async def test_the_delivery_section_lists_rates_per_carrier(
    client: httpx.AsyncClient, db: str
) -> None:
    await signed_in_owner(client, await seeded_shop())
    response = await client.get(f"/admin/analytics/delivery?{PERIOD}")
    on_time = response.context["tables"][0]  # type: ignore[attr-defined]
    assert on_time.display() == [["DHL", "2", "1", "0", "0.0%"], ["UPS", "3", "3", "2", "66.7%"]]
    assert "Failed delivery attempt" in response.text and "Recipient unavailable" in response.text


async def test_a_merchant_sees_only_their_own_figures(client: httpx.AsyncClient, db: str) -> None:
    await seeded_shop()
    await signed_in_owner(client)  # a fresh shop with nothing in it
    for path in PAGES:
        response = await client.get(f"{path}?{PERIOD}")
        assert response.status_code == 200
        assert "No data yet for this period." in response.text
        assert "<svg" not in response.text
    csv_rows = rows_of((await client.get(f"/admin/analytics/on_time.csv?{PERIOD}")).text)
    assert csv_rows == [["carrier", "delivered", "with_first_eta", "on_time", "on_time_rate"]]


async def test_empty_data_says_no_data_yet_in_every_language(
    client: httpx.AsyncClient, db: str
) -> None:
    await signed_in_owner(client)
    response = await client.get("/admin/analytics?lang=pl")
    assert response.status_code == 200
    assert response.text.count("Brak danych") >= 3


async def test_the_carrier_filter_narrows_every_table(client: httpx.AsyncClient, db: str) -> None:
    await signed_in_owner(client, await seeded_shop())
    response = await client.get(f"/admin/analytics/satisfaction?{PERIOD}&carrier=ups")
    by_carrier = response.context["tables"][1]  # type: ignore[attr-defined]
    assert [row[0].code for row in by_carrier.rows] == ["ups", "ups"]
    assert "carrier UPS" in response.text
    assert (
        'href="/admin/analytics/satisfaction_by_carrier.csv?from=2026-11-16&amp;to=2026-11-30&amp;carrier=ups"'
        in response.text
    )


async def test_dates_are_inclusive_calendar_days(client: httpx.AsyncClient, db: str) -> None:
    await signed_in_owner(client, await seeded_shop())
    # The 17th alone: the ups answers (CSAT 5 4 2, NPS 10 9 7 3).
    response = await client.get(
        "/admin/analytics/satisfaction_by_carrier.csv?from=2026-11-17&to=2026-11-17"
    )
    assert [row[:4] for row in rows_of(response.text)[1:]] == [
        ["ups", "csat", "3", "66.67"],
        ["ups", "nps", "4", "25.00"],
    ]


async def test_no_period_means_the_last_ninety_days(client: httpx.AsyncClient, db: str) -> None:
    await signed_in_owner(client)
    response = await client.get("/admin/analytics")
    form = response.context["form"]  # type: ignore[attr-defined]
    assert (form.last - form.first).days == 89 and form.carrier == ""


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=yesterday", "The start date is not a date"),
        ("to=2026-13-01", "The end date is not a date"),
        ("from=2026-11-30&to=2026-11-01", "The start date is after the end date."),
        ("from=2000-01-01&to=2026-11-01", "Choose a period of at most five years."),
        ("carrier=<script>", "Unknown carrier."),
    ],
)
async def test_bad_filters_get_a_clear_message(
    client: httpx.AsyncClient, db: str, query: str, message: str
) -> None:
    await signed_in_owner(client)
    page = await client.get(f"/admin/analytics?{query}")
    assert page.status_code == 400
    assert message in page.text
    assert "<script>" not in page.text
    export = await client.get(f"/admin/analytics/on_time.csv?{query}")
    assert export.status_code == 400 and message in export.text


async def test_htmx_gets_only_the_results_and_an_announcement(
    client: httpx.AsyncClient, db: str
) -> None:
    await signed_in_owner(client, await seeded_shop())
    response = await client.get(
        f"/admin/analytics/returns?{PERIOD}",
        headers={"HX-Request": "true", "HX-Target": "results"},
    )
    assert response.status_code == 200
    assert response.template.name == "admin/_analytics_results.html"  # type: ignore[attr-defined]
    assert "<html" not in response.text
    assert 'id="analytics-status" hx-swap-oob="innerHTML"' in response.text
    assert 'id="analytics-nav"' in response.text and 'hx-swap-oob="true"' in response.text


async def test_the_page_works_without_javascript(client: httpx.AsyncClient, db: str) -> None:
    await signed_in_owner(client)
    text = (await client.get("/admin/analytics/delivery")).text
    assert '<form method="get" action="/admin/analytics/delivery"' in text
    assert 'style="' not in text.split("<main", 1)[1]


async def test_every_table_on_a_page_can_be_exported(client: httpx.AsyncClient, db: str) -> None:
    await signed_in_owner(client, await seeded_shop())
    for path in PAGES:
        page = await client.get(f"{path}?{PERIOD}")
        for table in page.context["tables"]:  # type: ignore[attr-defined]
            response = await client.get(f"/admin/analytics/{table.key}.csv?{PERIOD}")
            assert response.status_code == 200
            assert response.headers["content-type"] == "text/csv; charset=utf-8"
            assert response.headers["content-disposition"] == (
                f'attachment; filename="{table.key}-2026-11-16-2026-11-30.csv"'
            )
            assert rows_of(response.text) == table.export()


async def test_exports_carry_codes_and_decimal_strings(client: httpx.AsyncClient, db: str) -> None:
    await signed_in_owner(client, await seeded_shop())
    response = await client.get(f"/admin/analytics/return_reasons.csv?{PERIOD}&lang=pl")
    assert response.text.startswith("reason,returned,sold,return_rate\r\n")
    assert rows_of(response.text)[1:] == [
        ["too_small", "2", "7", "28.57"],
        ["", "1", "7", "14.29"],
        ["damaged", "1", "7", "14.29"],
    ]


async def test_an_exported_product_name_cannot_run_as_a_formula(
    client: httpx.AsyncClient, db: str
) -> None:
    shop = await factories.merchant()
    order = await factories.order(
        shop,
        placed_at=__import__("datetime").datetime(2026, 11, 20, tzinfo=__import__("datetime").UTC),
    )
    await factories.order_item(order, sku='=HYPERLINK("http://evil")', title="@SUM(1)")
    await signed_in_owner(client, shop)
    response = await client.get(f"/admin/analytics/return_variants.csv?{PERIOD}")
    assert rows_of(response.text)[1][:2] == ['\'=HYPERLINK("http://evil")', "'@SUM(1)"]


async def test_an_unknown_export_is_not_found(client: httpx.AsyncClient, db: str) -> None:
    await signed_in_owner(client)
    assert (await client.get("/admin/analytics/passwords.csv")).status_code == 404


@pytest.mark.parametrize(
    "query",
    ["from=0001-01-01&to=9999-12-31", "from=0001-01-01", "to=0001-01-01", "to=9999-12-31"],
)
async def test_days_at_the_ends_of_the_calendar_get_a_clear_400(
    client: httpx.AsyncClient, db: str, query: str
) -> None:
    await signed_in_owner(client, await factories.merchant())
    for path in [*PAGES, "/admin/analytics/on_time.csv"]:
        response = await client.get(f"{path}?{query}")
        assert response.status_code in (200, 400), (path, response.status_code)
        if path in PAGES:
            assert response.status_code == 400
            assert "Choose dates between 2000-01-01 and" in response.text
