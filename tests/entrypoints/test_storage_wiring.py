"""The composition root's three storage wirings (process memory, SQLite, Postgres) each serve the
same day of work through the HTTP API and the worker: a scan that asks for a run, the run, search,
a post, the batches, the console. A storage branch of the container that no test builds could be
broken without anyone knowing; here each one is built and used."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from changple_adapters.naver.sample import load_sample
from changple_adapters.sql.migrations import upgrade_database
from changple_domain.use_cases.catalog import sync_catalog
from changple_entrypoints.choices import Storage
from changple_entrypoints.composition.bootstrap import build_container
from changple_entrypoints.composition.container import Container
from changple_entrypoints.http.app import create_app
from changple_entrypoints.settings import Settings
from tests.contract.conftest import DEFAULT_ADMIN_URL, PostgresServer
from tests.entrypoints.callers import as_admin
from tests.entrypoints.draining import drain

STORAGES = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer(os.environ.get("CHANGPLE_TEST_POSTGRES_URL", DEFAULT_ADMIN_URL))
    try:
        yield server
    finally:
        server.drop_all()


@pytest.fixture(params=STORAGES)
def wired(request: pytest.FixtureRequest, tmp_path: Path) -> Container:
    fields: dict[str, object] = {
        "data_dir": tmp_path / "data",
        "redis_url": None,
        "summarizer": "memory",
        "embedder": "memory",
        "vector_index": "memory",
        "poll_interval_seconds": 0.05,  # the memory providers finish at once: no need to wait
        "poll_max_interval_seconds": 0.05,
    }
    if request.param == "memory":
        fields["storage"] = Storage.MEMORY
    elif request.param == "postgres":
        fields["database_url"] = request.getfixturevalue("postgres").create_database()
    settings = Settings(_env_file=None, **fields)  # type: ignore[call-arg, arg-type]
    if settings.storage == Storage.SQL:
        upgrade_database(settings.resolved_database_url)
    return build_container(settings)


def test_a_day_of_work_on_each_storage(wired: Container) -> None:
    sample = load_sample()
    sync_catalog(sample.authors, sample.brands, uow=wired.uow())
    with TestClient(app=create_app(wired)) as client:
        as_admin(client, wired)
        accepted = client.post("/api/v1/scraper/run/", json={"key": "api:wiring", "ingest_after": True})
        assert accepted.status_code == 202, accepted.text
        drain(wired)

        status = client.get("/api/v1/scraper/status/").json()
        scan = next(s for s in status["recent_scans"] if s["key"] == "api:wiring")
        assert (scan["state"], scan["counts"]["new"]) == ("succeeded", 26)
        run = next(r for r in status["recent_runs"] if r["key"] == "after:api:wiring")
        assert run["state"] == "succeeded"
        assert status["posts_by_stage"]["indexed"] > 0

        hits = client.get("/api/v1/search/", params={"q": "가맹 계약", "k": 3}).json()["items"]
        assert hits, "search finds the indexed sample posts"
        post = client.get(f"/api/v1/posts/{hits[0]['article_id']}/")
        assert post.status_code == 200
        assert post.json()["article_id"] == hits[0]["article_id"]

        batches = client.get("/api/v1/batches/").json()["items"]
        assert batches
        one = client.get(f"/api/v1/batches/{batches[0]['id']}/")
        assert (one.status_code, one.json()["id"]) == (200, batches[0]["id"])
        assert client.get("/api/v1/batches/no-such-job/").status_code == 404

        console = client.get("/ops/")
        assert console.status_code == 200
        assert "after:api:wiring" in console.text
