"""Every response of the console carries the console's security headers, whatever answered it: a
page, an error page from an exception handler, the router's 404/405, the CSRF middleware's refusal,
a redirect, a static file, a failed one-time login link. Every other response carries nosniff."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers
from litestar.testing import TestClient

from changple_domain.model.access import Scope
from changple_entrypoints.composition.container import Container
from changple_entrypoints.http.app import create_app
from tests.entrypoints.callers import bearer, service_token
from tests.entrypoints.console_support import FAILED_POST, login_link, seeded_container
from tests.entrypoints.test_ops_http import console_paths, csrf_of


@pytest.fixture
def console(tmp_path: Path) -> Iterator[tuple[Any, Container]]:
    """A client that has not signed in, and the seeded install it calls."""
    container = seeded_container(tmp_path)
    with TestClient(app=create_app(container)) as client:
        yield client, container


def assert_console_headers(answer: Any, *, cached: bool = False) -> None:
    where = (answer.request.method, str(answer.request.url), answer.status_code)
    policy = answer.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in policy, where
    assert "script-src 'self'" in policy, where
    assert "default-src 'self'" in policy, where
    assert answer.headers.get("x-content-type-options") == "nosniff", where
    assert answer.headers.get("referrer-policy") == "no-referrer", where
    if not cached:
        assert answer.headers.get("cache-control") == "no-store", where


def test_every_console_route_carries_the_headers_on_success_and_refusal(console: tuple[Any, Container]) -> None:
    visitor, container = console
    routes = console_paths(visitor)
    assert len(routes) >= 11
    other_scope = bearer(service_token(container, Scope.PIPELINE))
    for method, path in routes:
        assert_console_headers(visitor.request(method, path))  # 401: not signed in
        assert_console_headers(visitor.request(method, path, headers=other_scope))  # 403: not an admin
    admin_token = bearer(service_token(container, Scope.ADMIN))
    for method, path in routes:
        answer = visitor.request(method, path, headers=admin_token, data={"name": "x", "enabled": "true"})
        assert answer.status_code < 500, (method, path, answer.text)
        assert_console_headers(answer)


def test_console_errors_of_every_kind_carry_the_headers(console: tuple[Any, Container]) -> None:
    visitor, container = console
    assert visitor.get(login_link(container), follow_redirects=False).status_code == 303
    csrf = csrf_of(visitor)
    cases = [
        ("GET", "/ops", {}, {}, 200),
        ("GET", "/ops/catalog/authors?show=some", {}, {}, 400),
        ("POST", "/ops/catalog/authors", {"name": "   "}, csrf, 400),
        ("POST", "/ops/actions/run", {}, {}, 403),  # no CSRF token: the middleware refuses
        ("GET", "/ops/posts/424242", {}, {}, 404),  # a handler's NotFound
        ("GET", "/ops/no-such-page", {}, {}, 404),  # no route at all: the router answers
        ("GET", "/ops/static/no-such.css", {}, {}, 404),
        ("DELETE", "/ops/catalog", {}, csrf, 405),
        ("POST", f"/ops/posts/{FAILED_POST}/retry", {}, csrf, 200),
        ("POST", "/ops/posts/1001/retry", {}, csrf, 409),
        ("POST", "/ops/catalog/authors", {"name": "x" * (2 * 1024 * 1024)}, csrf, 413),
    ]
    for method, path, form, headers, status in cases:
        answer = visitor.request(method, path, data=form, headers=headers)
        assert answer.status_code == status, (method, path, answer.text[:300])
        assert_console_headers(answer, cached=path.startswith("/ops/static/"))
    too_large = visitor.post("/ops/catalog/authors", data={"name": "x" * (2 * 1024 * 1024)}, headers=csrf)
    assert "bytes this route accepts" in too_large.text

    def broken_queue() -> Any:
        raise RuntimeError("the broker fell over")

    container.task_queue.override(providers.Callable(broken_queue))
    try:
        crashed = visitor.post("/ops/actions/poll", headers=csrf)
    finally:
        container.task_queue.reset_override()
    assert crashed.status_code == 500
    assert_console_headers(crashed)


def test_the_login_link_carries_the_headers_whether_it_works_or_not(console: tuple[Any, Container]) -> None:
    visitor, container = console
    for path, status in (
        ("/ops/login?token=not-a-link", 401),
        ("/ops/login", 400),
        ("/ops/login?token=" + "x" * 201, 400),
        (login_link(container), 303),
    ):
        answer = visitor.get(path, follow_redirects=False)
        assert answer.status_code == status, (path, answer.text)
        assert_console_headers(answer)
    spent = visitor.get(path, follow_redirects=False)
    assert spent.status_code == 401
    assert_console_headers(spent)


def test_static_files_carry_the_headers_and_may_be_cached(console: tuple[Any, Container]) -> None:
    visitor, _ = console
    for name, kind in (("ops.css", "text/css"), ("htmx.min.js", "javascript")):
        answer = visitor.get(f"/ops/static/{name}")
        assert answer.status_code == 200
        assert kind in answer.headers["content-type"]
        assert_console_headers(answer, cached=True)
        assert answer.headers.get("cache-control") != "no-store"


def test_every_other_answer_carries_nosniff(console: tuple[Any, Container]) -> None:
    visitor, _ = console
    for path, status in (
        ("/api/health", 200),
        ("/api/v1/posts/424242/", 404),
        ("/api/v1/no-such-route/", 404),
        ("/api/v1/content/424242/page", 404),
        ("/api/v1/content/424242/files/x.png", 404),
        ("/api/v1/content/attachment/", 405),
        ("/api/v1/admin/authors/", 401),
        ("/schema/openapi.json", 200),
    ):
        answer = visitor.get(path)
        assert answer.status_code == status, (path, answer.text[:200])
        assert answer.headers.get("x-content-type-options") == "nosniff", path
    json = {"content-type": "application/json"}
    refused = visitor.post("/api/v1/content/attachment/", content=b"[" * 5000, headers=json)
    assert refused.status_code == 400
    assert refused.headers.get("x-content-type-options") == "nosniff"
