"""The API docs page at `/schema` renders with nothing from outside the host: ReDoc is served from the
package, the page has no inline script, and its Content-Security-Policy allows this server only.
Checked in real Chromium (every request recorded, any to another host refused and reported) and
over plain HTTP."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from litestar.testing import TestClient

from changple_entrypoints.composition.container import Container
from changple_entrypoints.http.docs_page import bundle_version
from tests.entrypoints.live_app import free_port, serve_app
from tests.fixtures.naver_cafe.pytest_plugin import BROWSER_PATIENCE_MS

pytest_plugins = ["tests.fixtures.naver_cafe.pytest_plugin"]

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
SUMMARIES = ("Liveness: the process answers", "The plain text of columns, for attaching to a chat message")


def is_local(url: str) -> bool:
    scheme = urlsplit(url).scheme
    if scheme == "data":
        return True
    if scheme == "blob":  # blob:http://127.0.0.1:port/uuid, made by the page itself
        url = url.removeprefix("blob:")
    return urlsplit(url).hostname in LOCAL_HOSTS


@pytest.fixture
def live(container: Container) -> Iterator[str]:
    with serve_app(container, free_port()) as base:
        yield base


@pytest.mark.parametrize("path", ["/schema", "/schema/redoc"])
def test_the_docs_page_renders_the_operations_with_nothing_from_outside(
    live: str, chromium_browser: Any, path: str
) -> None:
    from playwright.sync_api import expect

    context = chromium_browser.new_context()
    requested: list[str] = []
    outside: list[str] = []
    problems: list[str] = []

    def only_local(route: Any) -> None:
        if is_local(route.request.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    page.set_default_timeout(BROWSER_PATIENCE_MS)
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    try:
        page.goto(live + path)
        for summary in SUMMARIES:
            expect(page.get_by_role("heading", name=summary)).to_be_visible()
        expect(page.get_by_role("menuitem").filter(has_text="Liveness")).to_have_count(1)
    finally:
        context.close()
    assert f"{live}/schema/assets/redoc.standalone.js?v={bundle_version()}" in requested
    assert f"{live}/schema/openapi.json" in requested
    assert outside == []
    assert [url for url in requested if not is_local(url)] == []
    assert problems == []


def test_the_docs_page_and_its_assets_over_http(anonymous_client: TestClient[Any]) -> None:
    page = anonymous_client.get("/schema")
    assert page.status_code == 200
    assert not re.findall(r"(?:src|href)=[\"']?(?:https?:)?//", page.text), page.text  # nothing remote
    assert "<script>" not in page.text.replace(" ", "")  # no inline script for the policy to allow
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy
    assert "https:" not in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    src = re.findall(r'<script src="([^"]+)"', page.text)
    assert src == [f"/schema/assets/redoc.standalone.js?v={bundle_version()}"]
    script = anonymous_client.get(html.unescape(src[0]))
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    # named by its content hash, so it may be kept for a year
    assert set(script.headers["cache-control"].split(", ")) == {"public", "max-age=31536000", "immutable"}
    assert script.headers["x-content-type-options"] == "nosniff"
    assert b"ReDoc" in script.content[:2000] or b"Redoc" in script.content
    assert anonymous_client.get("/schema/assets/REDOC-LICENSE.txt").status_code == 200
    for cdn_page in ("/schema/swagger", "/schema/rapidoc", "/schema/elements"):
        assert anonymous_client.get(cdn_page).status_code == 404, cdn_page  # they loaded CDNs: not served
