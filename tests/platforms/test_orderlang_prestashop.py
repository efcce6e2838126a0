"""The customer's language comes from her PrestaShop order and writes her messages.

An order's ``id_lang`` names one of the shop's ``languages``, whose ``locale`` (else
``language_code``, else ``iso_code``, which is "gb" for English (GB)) is the language she
shopped in (https://devdocs.prestashop-project.org/8/webservice/resources/orders/,
https://devdocs.prestashop-project.org/8/webservice/resources/languages/; fixtures in
tests/fixtures/prestashop, SOURCE.md). Faked at HTTP only: the Webservice as
:class:`tests.platforms.fakes.FakePresta`, DHL's Unified Tracking API as its documented
delivered answer (https://developer.dhl.com/api-reference/shipment-tracking), and
a real SMTP server (:class:`tests.notifications.helpers.SmtpSink`) receiving the e-mails.
"""

from __future__ import annotations

import html
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from portal import i18n
from portal.app import create_app
from portal.cli import connect_store
from portal.core.links import PREFERENCES_PATH, make_preferences_token, make_short_tracking_link
from portal.models import (
    Customer,
    MessageState,
    Order,
    OutboxMessage,
    PlatformConnection,
    Shipment,
)
from portal.notifications.dispatcher import dispatch_once
from portal.notifications.templates import file_default
from portal.platforms.backfill import sync_connection
from portal.platforms.prestashop import LANGUAGE_FIELDS, LANGUAGES_REFUSED, language_tag
from portal.settings import Settings
from portal.tracking.sweep import sweep_until_idle
from tests import factories
from tests.admin.helpers import admin_app, signed_in_owner
from tests.conftest import client_for, make_settings
from tests.notifications.helpers import SmtpSink, free_port, listening
from tests.platforms.fakes import (
    DHL_API_KEY,
    DHL_NUMBER,
    DHL_TRACK_URL,
    PRESTA,
    PRESTA_KEY,
    REALM,
    FakePresta,
    connect_args,
    fixture,
    outside,
)
from tests.platforms.test_prestashop import BASE

#: ``languages.json``: the Polish shop's languages by id (English (GB) is ``iso_code`` "gb"
#: in PrestaShop's language packs).
POLISH, ENGLISH, RUSSIAN, GERMAN, ENGLISH_GB = "1", "2", "3", "4", "5"
EMAIL = "klient0@example.pl"


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    with listening(SmtpSink(port=free_port())) as sink:
        yield sink


@pytest.fixture
def settings(tmp_path: Path, database_url: str, db: str, smtp_sink: SmtpSink) -> Settings:
    return make_settings(
        tmp_path,
        database_url=database_url,
        public_base_url="https://doorstep.example.com",
        smtp_url=f"smtp://127.0.0.1:{smtp_sink.port}",
        mail_from="Acme <hello@shop.test>",
    )


@pytest.fixture
def store() -> FakePresta:
    return FakePresta.with_orders(3, BASE)


def dhl_delivered_now(request: httpx.Request) -> httpx.Response:
    """DHL's delivered answer (fixtures/dhl/delivered.json) with its scans moved to now:
    a scan older than the shipment is one the customer is not told about (a first sync's)."""
    assert request.headers["DHL-API-Key"] == DHL_API_KEY
    now = datetime.now(UTC).isoformat()

    def moved(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: now if k == "timestamp" else moved(v) for k, v in value.items()}
        if isinstance(value, list):
            return [moved(v) for v in value]
        return value

    return httpx.Response(200, json=moved(fixture("dhl", "delivered.json")))


@pytest.fixture
async def http(store: FakePresta) -> AsyncIterator[httpx.AsyncClient]:
    with respx.mock(assert_all_called=False) as mock:
        mock.route(host="sklep.example.pl").mock(side_effect=store.answer)
        mock.get(DHL_TRACK_URL).mock(side_effect=dhl_delivered_now)
        async with httpx.AsyncClient() as client:
            yield client


async def connected(settings: Settings, http: httpx.AsyncClient, shop_locale: str) -> None:
    """Merchant ``acme`` speaking ``shop_locale``, its DHL account, its store connected."""
    merchant = await factories.merchant(slug="acme", default_locale=shop_locale)
    await factories.carrier_account(
        merchant, carrier_key="dhl", credentials={"api_key": DHL_API_KEY}, settings=settings
    )
    await connect_store(connect_args("prestashop", url=PRESTA, key=PRESTA_KEY), settings, http)


async def mails_after_delivery(settings: Settings, http: httpx.AsyncClient) -> None:
    """The worker: sync the store, poll DHL (delivered), send what is due."""
    await sync_connection(await PlatformConnection.get(), settings, http)
    await sweep_until_idle(settings, client=http)
    for _ in range(10):
        if not (await dispatch_once(settings, http_client=http)).claimed:
            return
    raise AssertionError("the outbox never drained")


def in_language(mail: EmailMessage, trigger: str, locale: str) -> bool:
    """Whether the e-mail's subject is the shipped ``trigger`` template's in ``locale``
    (the words before its first variable)."""
    words = file_default(trigger, "email", locale).subject.split("{")[0].strip()
    assert words, f"{trigger}'s subject starts with words of its language"
    return str(mail["Subject"]).startswith(words)


@pytest.mark.parametrize(
    ("shop_locale", "id_lang", "expected"),  # expected: her messages' and pages' language
    [("en", RUSSIAN, "ru"), ("ru", ENGLISH, "en"), ("pl", GERMAN, "pl")],
    ids=["russian-order-english-shop", "english-order-russian-shop", "unshipped-is-shops"],
)
async def test_the_order_language_writes_the_customers_shipment_emails(
    settings: Settings,
    store: FakePresta,
    http: httpx.AsyncClient,
    smtp_sink: SmtpSink,
    shop_locale: str,
    id_lang: str,
    expected: str,
) -> None:
    await connected(settings, http, shop_locale)
    store.orders[1000]["id_lang"] = id_lang
    store.order_carriers[2000]["tracking_number"] = DHL_NUMBER

    await mails_after_delivery(settings, http)

    customer = await Customer.get(email=EMAIL)
    # German is not shipped: her language stays unset, and the shop's applies.
    assert customer.locale == (None if id_lang == GERMAN else expected)
    sent = await OutboxMessage.filter(state=MessageState.SENT, customer_id=customer.id)
    assert sent, "a delivered parcel is announced"
    mails = [m for _, m in smtp_sink.received if EMAIL in str(m["To"])]
    assert len(mails) == len(sent)
    for row, mail in zip(sorted(sent, key=lambda r: r.id), mails, strict=True):
        assert row.locale == expected
        assert in_language(mail, row.trigger, expected), (mail["Subject"], expected)
        # Its links open the customer's pages in the same language.
        body = mail.get_body(("plain",))
        assert body is not None and f"lang={expected}" in str(body.get_content())  # type: ignore[attr-defined]
    # The short link of a text message names no language: her tracking page opens in hers
    # (the shop's when she has none) whatever the browser asks, unless it names a language.
    shipment = await Shipment.get(tracking_number=DHL_NUMBER)
    path = httpx.URL(make_short_tracking_link(settings, shipment)).path
    async with client_for(create_app(settings, manage_db=False)) as browser:
        page = await browser.get(path)
        asked = await browser.get(path, headers={"Accept-Language": "bg"})
    assert (page.status_code, page.headers["content-language"]) == (200, expected)
    assert asked.headers["content-language"] == "bg", "the visitor's own choice wins"


async def test_the_language_list_is_read_once_per_sync_and_the_order_gives_each_its_own(
    settings: Settings, store: FakePresta
) -> None:
    for order_id, id_lang in ((1000, RUSSIAN), (1001, POLISH), (1002, "99")):
        store.orders[order_id]["id_lang"] = id_lang
    reads: list[str] = []

    def counting(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/languages":
            reads.append(str(request.url.params.get("display")))
        return store.answer(request)

    async with outside("sklep.example.pl", counting) as client:
        await connected(settings, client, "en")
        assert reads == [LANGUAGE_FIELDS], "connecting reads it, to tell a refusal at once"
        reads.clear()
        await sync_connection(await PlatformConnection.get(), settings, client)
        assert reads == [LANGUAGE_FIELDS], "one read of the list for the whole sync"
        await sync_connection(await PlatformConnection.get(), settings, client, full=True)
    assert reads == [LANGUAGE_FIELDS] * 2, "each sync reads it afresh"
    locales = {
        o.number: (await Customer.get(id=o.customer_id)).locale
        for o in await Order.all()
        if o.customer_id is not None
    }
    # An id the shop does not list (a language deleted since) leaves hers unset.
    assert locales == {"XKB000000": "ru", "XKB000001": "pl", "XKB000002": None}


async def test_english_gb_whose_iso_code_is_gb_gives_english(
    settings: Settings, store: FakePresta, http: httpx.AsyncClient
) -> None:
    """PrestaShop's ``iso_code`` is not ISO 639-1: its English (GB) pack says "gb", which is
    no language; the row's ``locale`` ("en-GB") is read first."""
    rows = {str(r["id"]): r for r in fixture("prestashop", "languages.json")["languages"]}
    assert rows[ENGLISH_GB]["iso_code"] == "gb"
    assert language_tag(rows[ENGLISH_GB]) == "en-GB"
    assert language_tag({"id": 9, "iso_code": "gb", "locale": "", "language_code": "en-gb"}) == (
        "en-gb"
    )
    await connected(settings, http, "ru")
    store.orders[1000]["id_lang"] = ENGLISH_GB

    await sync_connection(await PlatformConnection.get(), settings, http)

    assert (await Customer.get(email=EMAIL)).locale == "en"


async def test_a_language_she_chose_is_never_overwritten_by_the_store(
    settings: Settings, store: FakePresta, http: httpx.AsyncClient
) -> None:
    """No "chosen" flag is needed: the store's language only fills an empty one, and the
    preferences page stores only a language different from what she gets already."""
    await connected(settings, http, "en")
    merchant = await factories.merchant(slug="other")  # another shop's customer is apart
    await Customer.create(merchant=merchant, email=EMAIL, locale="uk")
    acme = await PlatformConnection.get()
    await Customer.create(merchant_id=acme.merchant_id, email=EMAIL, locale="uk")
    store.orders[1000]["id_lang"] = RUSSIAN
    store.orders[1001]["id_lang"] = RUSSIAN

    await sync_connection(acme, settings, http)

    assert (await Customer.get(merchant_id=acme.merchant_id, email=EMAIL)).locale == "uk"
    assert (await Customer.get(email="klient1@example.pl")).locale == "ru"
    # A later order in another language does not move the one an earlier order gave.
    store.orders[1001]["id_lang"] = ENGLISH
    store.orders[1001]["date_upd"] = "2026-11-02 12:00:00"
    await sync_connection(await PlatformConnection.get(), settings, http)
    assert (await Customer.get(email="klient1@example.pl")).locale == "ru"


async def test_keeping_the_shops_language_on_the_preferences_page_leaves_hers_to_her_orders(
    settings: Settings, store: FakePresta, http: httpx.AsyncClient
) -> None:
    """She has no language (her order's is German, not shipped) and saves the preferences
    page with the shop's language it showed her, say to stop texts: leaving a preselected
    language is not choosing it, so her next order's Russian becomes hers."""
    await connected(settings, http, "en")
    store.orders[1000]["id_lang"] = GERMAN
    await sync_connection(await PlatformConnection.get(), settings, http)
    customer = await Customer.get(email=EMAIL)
    assert customer.locale is None

    page = f"{PREFERENCES_PATH}/{make_preferences_token(settings, customer.id)}"
    async with client_for(create_app(settings, manage_db=False)) as browser:
        saved = await browser.post(
            page, data={"form": "preferences", "email_opt_in": "1", "language": "en"}
        )
    assert saved.status_code == 200
    assert (await Customer.get(id=customer.id)).locale is None

    store.orders[1000]["id_lang"] = RUSSIAN
    store.orders[1000]["date_upd"] = "2026-11-02 12:00:00"
    await sync_connection(await PlatformConnection.get(), settings, http)
    assert (await Customer.get(id=customer.id)).locale == "ru"


@pytest.mark.parametrize("status", [401, 403])
async def test_a_key_without_the_languages_permission_still_syncs_its_orders(
    settings: Settings, store: FakePresta, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    store.orders[1000]["id_lang"] = RUSSIAN

    def refusing(request: httpx.Request) -> httpx.Response:
        """A key made before Doorstep read ``languages``: PrestaShop answers 401 (the body
        is illustrative, Doorstep reads only the status)."""
        if request.url.path == "/api/languages":
            return httpx.Response(
                status, json={"errors": [{"code": 21, "message": "No permission for languages"}]}
            )
        return store.answer(request)

    async with outside("sklep.example.pl", refusing) as client:
        await connected(settings, client, "en")
        report = await sync_connection(await PlatformConnection.get(), settings, client)

    assert (report.orders_created, report.problems) == (3, [])
    assert (await PlatformConnection.get()).paused_reason is None
    assert await Customer.filter(locale__isnull=False).count() == 0
    assert any("refused the languages" in r.getMessage() for r in caplog.records)


async def test_a_languages_read_that_fails_otherwise_fails_the_sync_and_is_read_again(
    settings: Settings, store: FakePresta
) -> None:
    """Only the permission refusal is passed over: an answer that is not JSON (a broken
    rewrite, a maintenance page) fails the sync like any other read, and the next sync
    reads the languages again instead of applying orders without them."""
    store.orders[1000]["id_lang"] = RUSSIAN
    broken = [True]

    def maintenance(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/languages" and broken[0]:
            return httpx.Response(200, text="<html>Maintenance</html>")
        return store.answer(request)

    async with outside("sklep.example.pl", maintenance) as client:
        await connected(settings, client, "en")
        failed = await sync_connection(await PlatformConnection.get(), settings, client)
        assert failed.orders_created == 0 and failed.problems, "the sync failed"
        connection = await PlatformConnection.get()
        assert connection.paused_reason is None and connection.last_error
        broken[0] = False
        synced = await sync_connection(connection, settings, client)

    assert (synced.orders_created, synced.problems) == (3, [])
    assert (await Customer.get(email=EMAIL)).locale == "ru"


def refusing_languages(
    store: FakePresta, refused: list[bool]
) -> Callable[[httpx.Request], httpx.Response]:
    """The Webservice of a key made before Doorstep read ``languages``: PrestaShop refuses a
    resource the key has no permission on with 401 and its Basic realm, as it refuses a
    wrong key (https://devdocs.prestashop-project.org/8/webservice/tutorials/creating-access/,
    permissions per resource; the body is illustrative, Doorstep reads only the status),
    while ``refused[0]`` holds; the owner's ticking View (GET) on it clears that."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/languages" and refused[0]:
            return httpx.Response(
                401,
                headers={"WWW-Authenticate": f'Basic realm="{REALM}"'},
                json={"errors": [{"code": 21, "message": "No permission for languages"}]},
            )
        return store.answer(request)

    return answer


def hint(locale: str) -> str:
    """The workspace's sentence in ``locale``."""
    return i18n.translations(locale).ugettext(LANGUAGES_REFUSED)


def shown(page: httpx.Response) -> str:
    """The page's text as a reader sees it (entities read)."""
    return html.unescape(page.text)


async def test_the_workspace_tells_the_owner_of_a_key_refused_the_languages_until_a_sync_reads_them(
    tmp_path: Path, database_url: str, db: str, store: FakePresta
) -> None:
    app = admin_app(tmp_path, database_url, public_base_url="https://doorstep.example.com")
    settings: Settings = app.state.settings
    store.orders[1000]["id_lang"] = RUSSIAN
    refused = [True]
    assert len({hint(locale) for locale in i18n.LOCALES}) == len(i18n.LOCALES), "translated"

    async with (
        outside("sklep.example.pl", refusing_languages(store, refused)) as http,
        client_for(app) as owner,
    ):
        _user, token = await signed_in_owner(owner, await factories.merchant(slug="acme"))
        made = await owner.post(
            "/admin/stores",
            data={"platform": "prestashop", "shop_url": PRESTA, "api_key": PRESTA_KEY,
                  "csrf_token": token},
        )  # fmt: skip
        assert made.status_code == 303, made.text
        # Told as soon as the key is saved, in the workspace's every language.
        for locale in i18n.LOCALES:
            page = await owner.get(f"/admin/stores?lang={locale}")
            assert hint(locale) in shown(page), locale

        synced = await sync_connection(await PlatformConnection.get(), settings, http)
        assert (synced.orders_created, synced.problems) == (3, [])
        assert hint("pl") in shown(await owner.get("/admin/stores?lang=pl"))
        assert (await Customer.get(email=EMAIL)).locale is None

        refused[0] = False  # the owner gives the key View (GET) on languages
        store.orders[1000]["date_upd"] = "2026-11-02 12:00:00"
        await sync_connection(await PlatformConnection.get(), settings, http)
        page = await owner.get("/admin/stores?lang=pl")

    assert hint("pl") not in shown(page)
    assert (await PlatformConnection.get()).last_error is None
    assert (await Customer.get(email=EMAIL)).locale == "ru"


async def test_connecting_by_cli_warns_of_a_key_refused_the_languages(
    settings: Settings, store: FakePresta
) -> None:
    async with outside("sklep.example.pl", refusing_languages(store, [True])) as http:
        merchant = await factories.merchant(slug="acme")
        await factories.carrier_account(
            merchant, carrier_key="dhl", credentials={"api_key": DHL_API_KEY}, settings=settings
        )
        lines = await connect_store(
            connect_args("prestashop", url=PRESTA, key=PRESTA_KEY), settings, http
        )

    assert f"Warning: {LANGUAGES_REFUSED}" in lines
    assert (await PlatformConnection.get()).last_error == LANGUAGES_REFUSED
