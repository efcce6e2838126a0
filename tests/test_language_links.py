"""The language menu leads to the same page in another language, never to an empty form
or a POST-only address."""

from __future__ import annotations

from starlette.requests import Request

from portal.web.language_links import language_url
from portal.web.templating import build_templates


def _request(
    method: str, path: str, query: str = "", headers: dict[str, str] | None = None
) -> Request:
    raw = [(b"host", b"shop.test"), *((k.encode(), v.encode()) for k, v in (headers or {}).items())]
    scope = {
        "type": "http",
        "method": method,
        "scheme": "http",
        "server": ("shop.test", 80),
        "path": path,
        "root_path": "",
        "query_string": query.encode(),
        "headers": raw,
    }
    return Request(scope)


def test_it_keeps_the_tracking_number_of_a_tracking_page() -> None:
    request = _request("GET", "/track", "number=SBX123")
    assert language_url(request, "pl") == "/track?number=SBX123&lang=pl"


def test_it_replaces_an_earlier_language_choice_and_keeps_repeated_keys() -> None:
    request = _request("GET", "/admin/analytics", "from=2026-01-01&lang=ro&carrier=a&carrier=b")
    assert language_url(request, "el") == (
        "/admin/analytics?from=2026-01-01&carrier=a&carrier=b&lang=el"
    )


def test_a_page_without_a_query_gets_just_the_language() -> None:
    assert language_url(_request("GET", "/returns/policy/demo"), "ru") == (
        "/returns/policy/demo?lang=ru"
    )


def test_a_form_post_answer_leads_back_to_the_page_with_the_form() -> None:
    request = _request(
        "POST",
        "/admin/notifications/templates/survey/email/pl/preview",
        headers={"referer": "http://shop.test/admin/notifications/templates/survey/email/pl"},
    )
    assert language_url(request, "ro") == "/admin/notifications/templates/survey/email/pl?lang=ro"


def test_a_form_post_without_a_same_site_referer_leads_home() -> None:
    assert language_url(_request("POST", "/orders/lookup"), "pl") == "/?lang=pl"
    elsewhere = _request("POST", "/orders/lookup", headers={"referer": "https://evil.test/x?a=1"})
    assert language_url(elsewhere, "pl") == "/?lang=pl"
    sneaky = _request("POST", "/orders/lookup", headers={"referer": "//evil.test/x"})
    assert language_url(sneaky, "pl") == "/?lang=pl"


def test_the_query_is_escaped() -> None:
    request = _request("GET", "/admin/returns", "q=a%26b%20c")
    assert language_url(request, "pl") == "/admin/returns?q=a%26b+c&lang=pl"


def test_every_template_can_call_it() -> None:
    templates = build_templates()
    request = _request("GET", "/track", "number=X1")
    request.scope["app"] = type("App", (), {"state": type("S", (), {"settings": None})()})()
    context = templates.context_processors[0](request)
    assert context["language_url"]("el") == "/track?number=X1&lang=el"
