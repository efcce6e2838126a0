"""POST/GET/DELETE /api/v1/webhook-endpoints: the secret is shown once and stored encrypted."""

from __future__ import annotations

import httpx

from portal.models import Merchant, WebhookEndpoint
from tests import factories

ENDPOINT = {"url": "https://hooks.example.test/doorstep", "topics": ["shipment.*"]}


async def test_it_creates_an_endpoint_and_shows_the_secret_once(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/v1/webhook-endpoints", json={**ENDPOINT, "description": "ERP"})
    assert response.status_code == 201
    body = response.json()
    assert body["secret"].startswith("whsec_") and body["enabled"] is True
    stored = await WebhookEndpoint.get(id=body["id"])
    assert body["secret"] not in stored.secret_encrypted
    read = await api.get(f"/api/v1/webhook-endpoints/{body['id']}")
    assert read.status_code == 200 and "secret" not in read.json()
    listed = await api.get("/api/v1/webhook-endpoints")
    assert [e["id"] for e in listed.json()["data"]] == [body["id"]]


async def test_bad_urls_and_topics_are_field_errors(api: httpx.AsyncClient) -> None:
    bad_url = await api.post("/api/v1/webhook-endpoints", json={**ENDPOINT, "url": "ftp://x"})
    assert bad_url.status_code == 422 and bad_url.json()["errors"][0]["pointer"] == "/url"
    bad_topic = await api.post(
        "/api/v1/webhook-endpoints", json={**ENDPOINT, "topics": ["shipment.*", "shipment.lost"]}
    )
    assert bad_topic.status_code == 422
    assert bad_topic.json()["errors"][0]["pointer"] == "/topics/1"


async def test_it_deletes_an_endpoint(api: httpx.AsyncClient) -> None:
    created = (await api.post("/api/v1/webhook-endpoints", json=ENDPOINT)).json()
    response = await api.delete(f"/api/v1/webhook-endpoints/{created['id']}")
    assert response.status_code == 204 and response.content == b""
    assert (await api.delete(f"/api/v1/webhook-endpoints/{created['id']}")).status_code == 404


async def test_another_merchants_endpoint_is_not_found(
    api: httpx.AsyncClient, shop: Merchant
) -> None:
    theirs = await WebhookEndpoint.create(
        merchant=await factories.merchant(),
        url="https://x.test",
        secret_encrypted="x",
        topics=["*"],
    )
    assert (await api.get(f"/api/v1/webhook-endpoints/{theirs.id}")).status_code == 404
    assert (await api.delete(f"/api/v1/webhook-endpoints/{theirs.id}")).status_code == 404
    assert (await api.get("/api/v1/webhook-endpoints")).json()["data"] == []
    assert await WebhookEndpoint.filter(id=theirs.id).exists()
