"""Search and recommendations spend money and index work for anyone (issue 16, item 8): each caller
(address, account or service token) has its own budget a minute, over it a 429 with Retry-After and
a sentence; the budget is shared by every API process through Redis; a repeated query's embedding
comes from the cache, not the provider. (The cache itself: tests/unit/test_query_cache.py.)"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from dependency_injector import providers
from litestar.testing import TestClient

from changple_adapters.memory.embedder import MemoryBatchEmbedder
from changple_domain.model.access import Scope
from changple_entrypoints.composition.bootstrap import build_container
from changple_entrypoints.composition.container import Container
from changple_entrypoints.http.app import create_app
from changple_entrypoints.settings import Settings
from tests.contract.embedding_support import emulator_url, running_emulator
from tests.emulators.openai import OpenAIEmulator
from tests.entrypoints.callers import bearer, service_token
from tests.entrypoints.live_app import free_port, serve_app
from tests.entrypoints.openapi import documented
from tests.entrypoints.readers import make_user, reader_client
from tests.services import REDIS_URL, reachable_redis

SEARCH = "/api/v1/search/"
LIMITS = {"search_rate_limit_per_minute": 2, "search_rate_limit_signed_in_per_minute": 3}


class CountingEmbedder(MemoryBatchEmbedder):
    """The memory embedder, counting the query embeddings it is asked for (the provider's bill)."""

    def __init__(self) -> None:
        super().__init__()
        self.query_calls: list[str] = []

    def embed_query(self, text: str) -> tuple[float, ...]:
        self.query_calls.append(text)
        return super().embed_query(text)


def _container(tmp_path: Path, **overrides: Any) -> Container:
    from changple_adapters.sql.migrations import upgrade_database

    values: dict[str, Any] = {"_env_file": None, "data_dir": tmp_path / "data", "redis_url": None, **LIMITS}
    settings = Settings(**(values | overrides))
    upgrade_database(settings.resolved_database_url)
    return build_container(settings)


@pytest.fixture
def limited(tmp_path: Path) -> Container:
    return _container(tmp_path, search_rate_limit_token_per_minute=4)


def _spend(client: TestClient, n: int, **kwargs: Any) -> list[int]:  # type: ignore[type-arg]
    return [client.get(SEARCH, params={"q": f"가맹 {i}"}, **kwargs).status_code for i in range(n)]


def test_over_the_budget_is_a_429_with_retry_after_and_a_sentence(limited: Container) -> None:
    with TestClient(app=create_app(limited)) as visitor:
        assert _spend(visitor, 2) == [200, 200]
        over = visitor.get(SEARCH, params={"q": "가맹"})
        assert over.status_code == 429
        wait = int(over.headers["retry-after"])
        assert 1 <= wait <= 60
        assert over.json()["error"] == "rate_limited"
        assert (
            over.json()["detail"]
            == f"too many searches from this address: at most 2 a minute; try again in {wait} seconds"
        )
        # Recommendations query the index too: a budget of their own, not spent by the searches.
        recommended = [visitor.get("/api/v1/content/recommended/1/") for _ in range(3)]
        assert [r.status_code for r in recommended] == [404, 404, 429]
        assert recommended[0].json()["error"] == "not_found"
        assert "too many recommendation requests from this address" in recommended[2].json()["detail"]
        assert int(recommended[2].headers["retry-after"]) >= 1


def test_each_caller_has_a_budget_of_its_own(limited: Container) -> None:
    reader = reader_client(limited, make_user(limited))
    try:
        with TestClient(app=create_app(limited)) as plain:
            assert _spend(plain, 3) == [200, 200, 429]  # the visitor's address is spent
            assert _spend(reader, 4) == [200, 200, 200, 429]  # a signed-in reader counts apart
            first = bearer(service_token(limited, Scope.CHAT))
            second = bearer(service_token(limited, Scope.CHAT))
            assert _spend(plain, 5, headers=first) == [200, 200, 200, 200, 429]
            assert _spend(plain, 1, headers=second) == [200]  # a token of its own, a budget of its own
            assert "this service token" in plain.get(SEARCH, params={"q": "x"}, headers=first).json()["detail"]
    finally:
        reader.__exit__(None, None, None)


@pytest.mark.redis
def test_the_budget_is_shared_by_every_api_process_through_redis(tmp_path: Path) -> None:
    redis = reachable_redis()
    namespace = f"changple-test-{uuid.uuid4().hex[:8]}"
    try:
        shared = {"redis_url": REDIS_URL, "redis_namespace": namespace}
        one, two = _container(tmp_path / "one", **shared), _container(tmp_path / "two", **shared)
        with TestClient(app=create_app(one)) as first, TestClient(app=create_app(two)) as second:
            assert [*_spend(first, 1), *_spend(second, 1)] == [200, 200]
            assert second.get(SEARCH, params={"q": "가맹"}).status_code == 429
            assert first.get(SEARCH, params={"q": "가맹"}).status_code == 429
        assert list(redis.scan_iter(match=f"{namespace}*"))  # the counter lived in Redis
    finally:
        keys = list(redis.scan_iter(match=f"{namespace}*"))
        if keys:
            redis.delete(*keys)


@pytest.fixture
def counted(tmp_path: Path) -> Iterator[tuple[Container, CountingEmbedder]]:
    container = _container(tmp_path, search_rate_limit_per_minute=0)
    embedder = CountingEmbedder()
    container.embedder.override(providers.Object(embedder))
    yield container, embedder
    container.embedder.reset_override()


def test_a_repeated_query_is_embedded_once(counted: tuple[Container, CountingEmbedder]) -> None:
    container, embedder = counted
    with TestClient(app=create_app(container)) as visitor:
        for q in ("가맹 계약서", "  가맹   계약서 ", "가맹 계약서"):
            assert visitor.get(SEARCH, params={"q": q}).status_code == 200
        assert embedder.query_calls == ["가맹 계약서"]
        assert visitor.get(SEARCH, params={"q": "다른 질문"}).status_code == 200
    assert embedder.query_calls == ["가맹 계약서", "다른 질문"]


def test_zero_lifts_a_limit(tmp_path: Path) -> None:
    with TestClient(app=create_app(_container(tmp_path, search_rate_limit_per_minute=0))) as visitor:
        assert set(_spend(visitor, 40)) == {200}


def test_the_429_is_in_the_schema_of_both_routes(limited: Container) -> None:
    with TestClient(app=create_app(limited)) as client:
        for path in ("/api/v1/search", "/api/v1/content/recommended/{content_id}"):
            assert "429" in documented(client, "GET", path), path


def test_addresses_behind_the_trusted_proxy_count_apart_and_ipv6_by_its_64(tmp_path: Path) -> None:
    """Over real HTTP: the server believes X-Forwarded-For from the local proxy (FORWARDED_ALLOW_IPS),
    and one host's /64 is one budget, or a visitor with a /64 would hold 2**64 of them."""
    container = _container(tmp_path, search_rate_limit_per_minute=1)
    with serve_app(container, free_port()) as base, httpx.Client(base_url=base, timeout=30) as http:

        def search_from(address: str) -> int:
            return http.get(SEARCH, params={"q": "가맹"}, headers={"X-Forwarded-For": address}).status_code

        assert [search_from("203.0.113.5"), search_from("203.0.113.5")] == [200, 429]
        assert search_from("203.0.113.6") == 200
        assert [search_from("2001:db8:0:7::1"), search_from("2001:db8:0:7::abcd")] == [200, 429]
        assert search_from("2001:db8:0:8::1") == 200


@pytest.fixture(scope="module")
def openai() -> Iterator[OpenAIEmulator]:
    with running_emulator() as emulator:
        yield emulator


def test_a_repeated_query_does_not_reach_the_openai_emulator_again(tmp_path: Path, openai: OpenAIEmulator) -> None:
    """The same, against the real OpenAI adapter and the emulator's request log (the bill)."""
    openai.reset()
    container = _container(
        tmp_path,
        openai_api_key="sk-test",
        openai_base_url=emulator_url(openai),
        embedding_dimensions=8,
        search_rate_limit_per_minute=0,
    )
    with TestClient(app=create_app(container)) as visitor:
        for q in ("가맹 계약서", "  가맹   계약서 ", "가맹 계약서"):
            assert visitor.get(SEARCH, params={"q": q}).status_code == 200
    assert [path for _, path in openai.requests] == ["/v1/embeddings"]
