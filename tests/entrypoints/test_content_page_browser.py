"""A published column's page as a browser opens it: headless Chromium against the app served by uvicorn.
The page stays sandboxed (no script runs in it) and still shows every one of its own images."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from changple_adapters.sql.migrations import upgrade_database
from changple_entrypoints.composition.bootstrap import build_container
from changple_entrypoints.composition.container import Container
from changple_entrypoints.http.app import create_app
from changple_entrypoints.settings import Settings
from tests.entrypoints.callers import as_admin
from tests.entrypoints.live_app import free_port, serve_app
from tests.entrypoints.test_content_api import publish
from tests.fixtures.naver_cafe.pytest_plugin import BROWSER_PATIENCE_MS
from tests.fixtures.uploads import image_src, notion_export, png_bytes, xss_export

pytest_plugins = ["tests.fixtures.naver_cafe.pytest_plugin"]

IMAGES = {"first.png": png_bytes(80, 60), "second.png": png_bytes(40, 30, color=(20, 160, 90))}
TITLE = "그림 두 장"
LOADED = "[...document.images].filter(image => image.complete && image.naturalWidth > 0).length"


@pytest.fixture
def container(tmp_path: Path) -> Container:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", redis_url=None)  # type: ignore[call-arg]
    upgrade_database(settings.resolved_database_url)
    return build_container(settings)


def published_page(container: Container, export: bytes) -> str:
    """The `page_url` of `export` once the worker has published it."""
    with TestClient(app=create_app(container)) as client:
        return str(publish(as_admin(client, container), container, export)["page_url"])


@pytest.fixture
def tab(chromium_browser: Any) -> Iterator[tuple[Any, list[str]]]:
    context = chromium_browser.new_context(locale="ko-KR")
    page = context.new_page()
    page.set_default_timeout(BROWSER_PATIENCE_MS)
    failures: list[str] = []
    page.on("requestfailed", lambda request: failures.append(f"{request.url}: {request.failure}"))
    try:
        yield page, failures
    finally:
        context.close()


def two_image_export() -> bytes:
    body = "".join(f'<p>{name}</p><img src="{image_src(name, title=TITLE)}">' for name in IMAGES)
    return notion_export(title=TITLE, images=IMAGES, body_html=body)


def test_a_sandboxed_page_shows_all_of_its_own_images(container: Container, tab: tuple[Any, list[str]]) -> None:
    page_url = published_page(container, two_image_export())
    page, failures = tab
    with serve_app(container, free_port()) as base:
        answer = page.goto(base + page_url, wait_until="load")
        assert answer is not None
        assert answer.status == 200
        policy = answer.headers["content-security-policy"]
        assert "sandbox" in policy.split("; ")[-1]  # still sandboxed: no allow-scripts, no forms
        assert "allow-scripts" not in policy
        assert page.locator("img").count() == 2
        assert page.evaluate(LOADED) == 2, failures
        assert failures == []


def test_scripts_stay_off_in_the_page(container: Container, tab: tuple[Any, list[str]]) -> None:
    """Even a script the sanitizer missed would not run: the page may not run any."""
    page_url = published_page(container, xss_export())
    page, _ = tab
    with serve_app(container, free_port()) as base:
        page.goto(base + page_url, wait_until="load")
        assert page.evaluate(LOADED) >= 1
        # The browser refuses a script put into the page after it loaded as it refused the page's own.
        page.evaluate(
            "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
            " document.body.append(s); }"
        )
        assert page.evaluate("window.ran === undefined")
