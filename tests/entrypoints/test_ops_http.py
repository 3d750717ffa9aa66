"""The operations console over plain HTTP (Litestar's test client, no browser): who gets in, CSRF,
bad form input answered with a 4xx page that says what to fix, the one-time login link's rules,
and what each action records and queues."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import dramatiq
import pytest
from litestar.testing import TestClient

from changple_domain.model.access import Scope
from changple_domain.model.users import UserRole
from changple_domain.use_cases.accounts import set_role
from changple_entrypoints.composition.container import Container
from changple_entrypoints.http.app import create_app
from changple_entrypoints.http.redaction import redact_query
from tests.entrypoints.callers import bearer, service_token
from tests.entrypoints.console_support import FAILED_POST, FAILURE, login_link, seeded_container

HX = {"HX-Request": "true"}
Client = TestClient  # type: ignore[type-arg]


@pytest.fixture
def container(tmp_path: Path) -> Container:
    return seeded_container(tmp_path)


@pytest.fixture
def visitor(container: Container) -> Iterator[Any]:
    with TestClient(app=create_app(container)) as client:
        yield client


@pytest.fixture
def admin(visitor: Any, container: Container) -> Any:
    """A browser-like client signed in as the local admin through a one-time link."""
    answer = visitor.get(login_link(container), follow_redirects=False)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/ops"
    return visitor


def csrf_of(client: Any) -> dict[str, str]:
    """The CSRF header the console page hands to htmx (its `hx-headers` attribute)."""
    page = client.get("/ops/catalog")
    assert page.status_code == 200
    found = re.search(r"hx-headers='([^']*)'", page.text)
    assert found is not None
    return {"X-CSRF-Token": json.loads(html.unescape(found.group(1)))["X-CSRF-Token"], **HX}


def console_paths(client: Any) -> list[tuple[str, str]]:
    """Every console route (method, path with sample values), read from the app itself."""
    routes = []
    for route in client.app.routes:
        if not route.path.startswith("/ops") or route.path.startswith(("/ops/static", "/ops/login")):
            continue
        for method in sorted(route.methods - {"OPTIONS", "HEAD"}):
            path = route.path.replace("{article_id:int}", str(FAILED_POST)).replace("{kind:str}", "authors")
            routes.append((method, path))
    return routes


def test_every_console_route_refuses_visitors_and_social_users(admin: Any, container: Container) -> None:
    routes = console_paths(admin)
    assert len(routes) >= 11
    assert ("POST", f"/ops/posts/{FAILED_POST}/retry") in routes
    csrf = csrf_of(admin)
    with TestClient(app=admin.app) as anonymous:
        for method, path in routes:
            answer = anonymous.request(method, path)
            assert answer.status_code == 401, (method, path)
            assert "text/html" in answer.headers["content-type"]
            assert "Sign in first" in answer.text
    uow = container.uow()
    with uow:
        [local] = uow.users.list()
    set_role(local.id, UserRole.SOCIAL, uow=container.uow())
    for method, path in routes:
        answer = admin.request(method, path, headers=csrf)
        assert answer.status_code == 403, (method, path)
        assert "admin" in answer.text
    uow = container.uow()
    with uow:
        post = uow.posts.get(FAILED_POST)
    assert post is not None
    assert post.summary_stage.attempts == 3  # the refused retry changed nothing


def test_admin_tokens_get_in_and_other_scopes_do_not(visitor: Any, container: Container) -> None:
    page = visitor.get("/ops", headers=bearer(service_token(container, Scope.ADMIN)))
    assert page.status_code == 200
    assert FAILURE in page.text
    assert "token tests-" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    pipeline_only = visitor.get("/ops", headers=bearer(service_token(container, Scope.PIPELINE)))
    assert pipeline_only.status_code == 403
    # A token needs no CSRF token: there is no cookie to ride on.
    answer = visitor.post("/ops/actions/poll", headers=bearer(service_token(container, Scope.ADMIN)))
    assert answer.status_code == 200
    assert "poll queued" in answer.text


def test_unsafe_requests_on_the_session_need_the_csrf_token(admin: Any, container: Container) -> None:
    refused = admin.post("/ops/actions/run")
    assert refused.status_code == 403
    assert "reload the page" in refused.text
    forged = admin.post("/ops/actions/run", headers={"X-CSRF-Token": "0" * 128})
    assert forged.status_code == 403
    uow = container.uow()
    with uow:
        assert uow.runs.recent() == []

    accepted = admin.post("/ops/actions/run", headers=csrf_of(admin))
    assert accepted.status_code == 200
    assert 'hx-trigger="every 1s"' in accepted.text  # the panel keeps itself fresh while the run goes
    with uow:
        [run] = uow.runs.recent()
    assert run.key.startswith("ops:")
    assert run.key in accepted.text
    assert container.broker().queues["changple"].qsize() == 1  # its first step, queued


def test_bad_form_input_is_a_4xx_that_says_what_to_fix(admin: Any) -> None:
    csrf = csrf_of(admin)
    cases = [
        ("POST", "/ops/catalog/authors", {"name": "   "}, 400, "author name must not be empty"),
        ("POST", "/ops/catalog/authors", {"name": "가" * 201}, 400, "name"),
        ("POST", "/ops/catalog/brands", {"name": "x\x01y"}, 400, "control characters"),
        ("POST", "/ops/catalog/authors", {}, 400, "name"),
        ("POST", "/ops/catalog/authors/active", {"name": "창플지기", "enabled": "maybe"}, 400, "enabled"),
        ("POST", "/ops/catalog/authors/active", {"name": "nobody", "enabled": "false"}, 404, "no allowed author"),
        ("POST", "/ops/catalog/recipes", {"name": "x"}, 404, "authors and brands"),
        ("POST", "/ops/posts/1001/retry", {}, 409, "has not failed"),
        ("POST", "/ops/posts/424242/retry", {}, 404, "no post"),
    ]
    for method, path, form, status, words in cases:
        answer = admin.request(method, path, data=form, headers=csrf)
        assert answer.status_code == status, (path, form, answer.text)
        assert words in html.unescape(answer.text), (path, form)
        assert answer.headers["hx-retarget"] == "#flash"  # shown where the page shows messages
    for path, status, words in (
        ("/ops/posts/424242", 404, "no post or status"),
        ("/ops/catalog/authors?show=some", 400, "show"),
        ("/ops/catalog/authors?q=" + "x" * 101, 400, "q"),
    ):
        page = admin.get(path)
        assert page.status_code == status, path
        assert "<h1>" in page.text  # a whole page for a browser's own request
        assert words in page.text, path
    taken = admin.post("/ops/catalog/authors", data={"name": "창플지기"}, headers=csrf)
    assert taken.status_code == 409
    assert "already exists" in html.unescape(taken.text)


def test_retry_resets_only_the_failed_stage(admin: Any, container: Container) -> None:
    answer = admin.post(f"/ops/posts/{FAILED_POST}/retry", headers=csrf_of(admin))
    assert answer.status_code == 200
    assert "Retry queued" in answer.text
    uow = container.uow()
    with uow:
        post = uow.posts.get(FAILED_POST)
    assert post is not None
    assert post.summary_stage.attempts == 0
    assert post.summary_hash is None  # nothing pretends a summary exists
    again = admin.post(f"/ops/posts/{FAILED_POST}/retry", headers=csrf_of(admin))
    assert again.status_code == 409


def test_a_scan_is_recorded_and_queued(admin: Any, container: Container) -> None:
    answer = admin.post("/ops/actions/scan", data={"ingest_after": "true"}, headers=csrf_of(admin))
    assert answer.status_code == 200
    assert "the pipeline runs when it ends" in answer.text
    uow = container.uow()
    with uow:
        [scan] = uow.scans.recent()
    assert scan.key in answer.text
    [raw] = list(container.broker().queues["changple"].queue)
    message = dramatiq.Message.decode(raw)
    assert message.actor_name == "scan_cafe"
    assert message.kwargs["then_pipeline_key"] == f"after:{scan.key}"


def test_the_login_link_works_once_expires_and_stays_out_of_logs(visitor: Any, container: Container) -> None:
    before = visitor.get("/ops/catalog")
    assert before.status_code == 401
    link = login_link(container)
    first = visitor.get(link, follow_redirects=False)
    assert first.status_code == 303
    session = visitor.cookies.get("changple_session")
    assert session
    assert visitor.get("/ops").status_code == 200

    with TestClient(app=visitor.app) as other:
        replay = other.get(link, follow_redirects=False)
        assert replay.status_code == 401
        assert "used already" in replay.text
        assert other.get("/ops").status_code == 401

        expired = container.login_links().issue(
            now=container.clock().now() - timedelta(hours=1), ttl=timedelta(minutes=1)
        )
        late = other.get(f"/ops/login?token={expired}")
        assert late.status_code == 401
        assert "expired" in late.text
        missing = other.get("/ops/login")
        assert missing.status_code == 400
        assert "token" in missing.text

    assert container.login_links().pending == 0  # spent links are forgotten, expired ones too
    secret = link.partition("token=")[2]
    assert secret not in redact_query(link)  # what uvicorn's access log writes
