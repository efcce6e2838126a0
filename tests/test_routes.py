"""The route table: the tracking pages are tried first, and no other route takes their paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.routing import Match

from portal.tracking_page import views as tracking_page_views
from portal.web.routes import build_routes
from tests.conftest import make_settings

#: A path of each tracking route, with the method it answers.
TRACKING_PATHS = [
    ("GET", "/track"),
    ("GET", "/track/SBX0001/status"),
    ("GET", "/track/SBX0001"),
    ("POST", "/orders/lookup"),
    ("GET", "/t/abc.def/status"),
    ("POST", "/t/abc.def/problem"),
    ("POST", "/t/abc.def/preferences"),
    ("GET", "/t/abc.def"),
    ("GET", "/brand/acme.css"),
]


def _scope(method: str, path: str) -> dict[str, object]:
    return {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}


def test_the_tracking_routes_come_first(tmp_path: Path) -> None:
    routes = build_routes(make_settings(tmp_path, sandbox_carrier="true"))
    assert routes[: len(tracking_page_views.routes)] == tracking_page_views.routes


@pytest.mark.parametrize(("method", "path"), TRACKING_PATHS)
def test_no_other_route_answers_a_tracking_path(tmp_path: Path, method: str, path: str) -> None:
    routes = build_routes(make_settings(tmp_path, sandbox_carrier="true"))
    tracking = len(tracking_page_views.routes)
    assert any(r.matches(_scope(method, path))[0] is Match.FULL for r in routes[:tracking])
    others = [r for r in routes[tracking:] if r.matches(_scope(method, path))[0] is not Match.NONE]
    assert others == []
