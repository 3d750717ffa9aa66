"""The HTTP app through Litestar's test client: health, readiness, the error table, and the
JSON error shape for bad input."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from changple_adapters.naver.sample import load_sample
from changple_domain.errors import (
    AlreadyExists,
    ChangpleError,
    InvalidInput,
    InvalidSetting,
    NotFound,
    ProviderUnavailable,
)
from changple_entrypoints.composition.bootstrap import build_container
from changple_entrypoints.composition.container import Container
from changple_entrypoints.http.app import create_app
from changple_entrypoints.http.errors import status_for
from changple_entrypoints.sample_data import load_sample_into_store
from changple_entrypoints.settings import Settings
from tests.entrypoints.openapi import documented


def test_health_answers_ok(client: TestClient) -> None:  # type: ignore[type-arg]
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def sent_for_head(app: Litestar, path: str) -> tuple[int, dict[str, str], bytes]:
    """What the app itself sends for `HEAD path` (a client or server would drop a body: look beneath)."""
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "HEAD", "path": path, "raw_path": path.encode(), "query_string": b""}
    scope |= {"headers": [], "root_path": "", "scheme": "http", "http_version": "1.1", "asgi": {"version": "3.0"}}
    await app(scope, receive, send)  # type: ignore[arg-type]
    start, *rest = sent
    headers = {name.decode(): value.decode() for name, value in start["headers"]}
    return start["status"], headers, b"".join(message.get("body", b"") for message in rest)


@pytest.mark.parametrize("path", ["/api/health", "/api/health/ready"])
def test_health_answers_head_as_it_answers_get_without_a_body(container: Container, path: str) -> None:
    """Load balancers check with HEAD: GET's status, type and length, and nothing to read."""
    app = create_app(container)
    with TestClient(app=app) as client:
        got = client.get(path)
        status, headers, body = client.blocking_portal.call(sent_for_head, app, path)  # on the app's loop
    assert status == got.status_code == 200
    assert body == b""
    assert headers["content-type"] == got.headers["content-type"] == "application/json"
    assert headers["content-length"] == str(len(got.content))
    assert headers["x-content-type-options"] == "nosniff"  # the security headers all the same


def test_ready_names_database_and_broker(client: TestClient) -> None:  # type: ignore[type-arg]
    response = client.get("/api/health/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"] == {"database": "sqlite", "broker": "embedded"}


def test_ready_is_503_naming_the_failing_part(tmp_path: Path) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=tmp_path, database_url="postgresql://nobody@127.0.0.1:1/none"
    )
    with TestClient(app=create_app(build_container(settings))) as client:
        response = client.get("/api/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["error"] == "not_ready"
    assert "database" in body["detail"]
    assert body["checks"]["broker"] == "embedded"
    assert body["checks"]["database"].startswith("failing: postgresql")
    app = create_app(build_container(settings))
    with TestClient(app=app) as client:
        status, _, body = client.blocking_portal.call(sent_for_head, app, "/api/health/ready")
    assert status == 503  # a load balancer checking with HEAD hears it too
    assert body == b""


def test_openapi_schema_is_served(client: TestClient) -> None:  # type: ignore[type-arg]
    response = client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/health/ready" in paths
    assert "/api/v1/admin/authors" in paths  # Litestar lists paths without the trailing slash


def test_post_read_and_404_shape(client: TestClient, container: Container) -> None:  # type: ignore[type-arg]
    sample, _ = load_sample_into_store(uow=container.uow(), clock=container.clock())
    saved = next(a for a in sample.articles if a.post is not None)
    response = client.get(f"/api/v1/posts/{saved.article_id}/")
    assert response.status_code == 200
    assert response.json()["title"] == saved.post.title  # type: ignore[union-attr]
    assert response.json()["published_at"].endswith("+09:00")

    missing = client.get("/api/v1/posts/999999999/")
    assert missing.status_code == 404
    assert missing.json() == {"error": "not_found", "detail": "no post with article id 999999999"}


def test_a_missing_post_is_a_documented_404(client: TestClient) -> None:  # type: ignore[type-arg]
    """Found by the fuzzer: the 404 was answered but not in the schema."""
    assert client.get("/api/v1/posts/999999999/").status_code == 404
    assert documented(client, "GET", "/api/v1/posts/{article_id}")["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorRead"
    }


def test_every_documented_error_body_is_the_one_sent(client: TestClient) -> None:  # type: ignore[type-arg]
    """Found by the fuzzer: Litestar documented its own 400 body (`status_code`, `detail`, `extra`)
    on every operation with parameters, while the app answers `{"error", "detail"}`."""
    schema = client.get("/schema/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                body = response.get("content", {}).get("application/json", {}).get("schema", {})
                assert "status_code" not in body.get("required", []), f"{method} {path} {status}"
    assert documented(client, "GET", "/api/v1/search")["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorRead"
    }
    answer = client.get("/api/v1/search/", params={"q": "가맹", "k": "many"})
    assert answer.status_code == 400
    assert set(answer.json()) == {"error", "detail"}
    assert "k" in answer.json()["detail"]


def test_unknown_route_and_bad_path_are_json_4xx(client: TestClient) -> None:  # type: ignore[type-arg]
    unknown = client.get("/api/v1/nothing-here/")
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "not_found"
    bad_id = client.get("/api/v1/posts/not-a-number/")
    assert 400 <= bad_id.status_code < 500
    assert "error" in bad_id.json()


def test_author_create_conflict_and_validation(client: TestClient) -> None:  # type: ignore[type-arg]
    created = client.post("/api/v1/admin/authors/", json={"name": "  창플  지기 ", "group": "팀비즈니스"})
    assert created.status_code == 201
    assert created.json() == {"name": "창플 지기", "group": "팀비즈니스", "active": True}

    again = client.post("/api/v1/admin/authors/", json={"name": "창플 지기"})
    assert again.status_code == 409
    assert again.json()["error"] == "already_exists"

    blank = client.post("/api/v1/admin/authors/", json={"name": "   "})
    assert blank.status_code == 400
    assert blank.json()["error"] == "invalid_input"

    unknown_field = client.post("/api/v1/admin/authors/", json={"name": "x", "role": "admin"})
    assert unknown_field.status_code == 400
    assert "role" in unknown_field.json()["detail"]

    not_json = client.post("/api/v1/admin/authors/", content=b"{nope", headers={"content-type": "application/json"})
    assert not_json.status_code == 400

    listed = client.get("/api/v1/admin/authors/", params={"q": "지기"})
    assert [a["name"] for a in listed.json()["items"]] == ["창플 지기"]


def test_author_disable_then_unknown_is_404(client: TestClient) -> None:  # type: ignore[type-arg]
    client.post("/api/v1/admin/authors/", json={"name": "상권박사"})
    disabled = client.patch("/api/v1/admin/authors/상권박사/", json={"active": False})
    assert disabled.status_code == 200
    assert disabled.json()["active"] is False
    assert client.get("/api/v1/admin/authors/", params={"active": True}).json()["items"] == []
    missing = client.patch("/api/v1/admin/authors/없는사람/", json={"active": True})
    assert missing.status_code == 404


def test_error_table_follows_the_class_hierarchy() -> None:
    assert status_for(NotFound("x")) == 404
    assert status_for(AlreadyExists("x")) == 409
    assert status_for(InvalidInput("x")) == 400
    assert status_for(InvalidSetting("x")) == 503
    assert status_for(ProviderUnavailable("x")) == 503

    class Unmapped(ChangpleError):
        pass

    assert status_for(Unmapped("x")) == 500


def test_every_page_of_the_sample_cafe_parses() -> None:
    sample = load_sample()
    outcomes = Counter(a.outcome.value for a in sample.articles)
    assert outcomes["saved"] >= 40
    assert set(outcomes) == {"saved", "deleted", "members_only"}, outcomes  # no page the parser cannot read
    for article in sample.articles:
        if article.post is not None:
            assert article.post.url == f"{sample.url}/{article.article_id}"
            assert article.post.published_at.utcoffset() == timedelta(hours=9)
    with_paragraphs = [a for a in sample.articles if a.post is not None and "\n\n" in a.post.content]
    assert len(with_paragraphs) >= 30, "paragraph breaks survive the page"
