""" "Notify me in this browser" in Debian's Chromium: the permission prompt is answered, the
service worker registers, the Push API is asked with our VAPID key, and the subscription
reaches Doorstep, which keeps it for the order's parcel.

Chromium's own push service (Google's) is out of reach here, so the test stands in for it
at the browser's edge: ``PushManager.subscribe`` answers with a subscription whose
endpoint is a local stub, exactly as the browser would shape it (``toJSON()`` with
``endpoint`` and ``keys.p256dh`` / ``keys.auth``).
"""

from __future__ import annotations

import base64
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from portal import db as portal_db
from portal.core.links import make_tracking_link
from portal.models import PushSubscription
from portal.notifications.webpush import generate_keys
from portal.settings import Settings
from tests import factories
from tests.conftest import _free_port, _run_async, axe_violations, copy_migrated, running_server

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SECRET = "p" * 40
KEYS = generate_keys()
ENDPOINT = "https://push.example.test/wpush/v2/browser-1"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


POINT = _b64(
    ec.generate_private_key(ec.SECP256R1())
    .public_key()
    .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
)
AUTH = _b64(os.urandom(16))

FAKE_PUSH_SERVICE = (
    """
window.__subscribed = [];
PushManager.prototype.subscribe = function (options) {
  const key = new Uint8Array(options.applicationServerKey);
  window.__subscribed.push({ userVisibleOnly: options.userVisibleOnly, keyLength: key.length,
                             keyFirstByte: key[0] });
  const json = { endpoint: ENDPOINT_JSON, expirationTime: null,
                 keys: { p256dh: P256DH_JSON, auth: AUTH_JSON } };
  return Promise.resolve({ endpoint: json.endpoint, toJSON: () => json,
                           unsubscribe: () => Promise.resolve(true) });
};
PushManager.prototype.getSubscription = function () { return Promise.resolve(null); };
""".replace("ENDPOINT_JSON", json.dumps(ENDPOINT))
    .replace("P256DH_JSON", json.dumps(POINT))
    .replace("AUTH_JSON", json.dumps(AUTH))
)


async def _seed(url: str) -> int:
    await portal_db.connect(url)
    try:
        shop = await factories.merchant(
            slug="push-shop", name="Sklep", channel_order=["email", "sms", "push"]
        )
        buyer = await factories.customer(shop, email="anna@example.test", locale="pl")
        order = await factories.order(shop, customer=buyer, number="#PUSH1")
        shipment = await factories.shipment(shop, order=order, tracking_number="SBX00000007001")
        return shipment.id
    finally:
        await portal_db.disconnect()


async def _subscriptions(url: str) -> list[tuple[int, str]]:
    await portal_db.connect(url)
    try:
        return [(s.shipment_id, s.endpoint) for s in await PushSubscription.all()]
    finally:
        await portal_db.disconnect()


@pytest.fixture(scope="module")
def live(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[str, str, int]]:
    root = tmp_path_factory.mktemp("push-live")
    port = _free_port()
    url = f"sqlite://{root}/live.sqlite3"
    env = {
        **os.environ,
        "PORTAL_VAR_DIR": str(root / "var"),
        "PORTAL_DATABASE_URL": url,
        "PORTAL_SECRET_KEY": SECRET,
        "PORTAL_LOG_LEVEL": "WARNING",
        "PORTAL_VAPID_PUBLIC_KEY": KEYS.public_key,
        "PORTAL_VAPID_PRIVATE_KEY": KEYS.private_key,
    }
    copy_migrated(sqlite_template, root / "live.sqlite3")
    shipment_id = _run_async(_seed(url))
    base = f"http://127.0.0.1:{port}"
    link = make_tracking_link(
        Settings(secret_key=SECRET, public_base_url=base), type("S", (), {"id": shipment_id})()
    )
    command = [sys.executable, "-m", "uvicorn", "--factory", "tests.tracking_page.liveapp:create",
               "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]  # fmt: skip
    with running_server(command, base=base, env=env, cwd=ROOT):
        yield url, link, shipment_id


def test_a_browser_subscribes_to_its_order_from_the_tracking_page(
    browser: Any, live: tuple[str, str, int]
) -> None:
    url, link, shipment_id = live
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.grant_permissions(["notifications"], origin=link.split("/t/")[0])
    context.add_init_script(FAKE_PUSH_SERVICE)
    page = context.new_page()
    try:
        page.goto(f"{link}?lang=pl")
        button = page.locator(".reach .push-on")
        button.wait_for(state="visible")
        with page.expect_request(lambda r: r.url.endswith("/push") and r.method == "POST") as sent:
            button.click()
        assert json.loads(sent.value.post_data or "{}")["endpoint"] == ENDPOINT
        status = page.locator(".reach .push-status")
        status.wait_for(state="visible")
        page.wait_for_function(
            "document.querySelector('.reach .push-status').textContent.length > 0"
        )
        assert page.locator(".reach .push-off").is_visible(), "the button now stops them"
        assert page.evaluate("window.__subscribed") == [
            {"userVisibleOnly": True, "keyLength": 65, "keyFirstByte": 4}
        ], "subscribed with our VAPID public key (an uncompressed P-256 point)"
        registered = page.evaluate(
            "navigator.serviceWorker.getRegistration('/').then(r => r && r.active && "
            "r.active.scriptURL)"
        )
        assert str(registered).endswith("/push-sw.js")
        assert _run_async(_subscriptions(url)) == [(shipment_id, ENDPOINT)]
        widths = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], f"horizontal scroll at 390 px: {widths}"
        violations = axe_violations(page)
        assert violations == [], [(v["id"], v["help"]) for v in violations]
    finally:
        context.close()
