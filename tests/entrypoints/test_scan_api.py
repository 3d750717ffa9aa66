"""A scan over HTTP as an operator starts one: `POST /api/v1/scraper/run/` answers 202 at once, the
worker's `scan_cafe` actor walks the cafe (here a snapshot on disk), then the pipeline run it asked
for ingests what was found, and the status API tells the whole story."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from changple_adapters.naver.sample import load_sample
from changple_adapters.sql.migrations import upgrade_database
from changple_domain.use_cases.catalog import sync_catalog
from changple_entrypoints.composition.bootstrap import build_container
from changple_entrypoints.composition.container import Container
from changple_entrypoints.http.app import create_app
from changple_entrypoints.settings import Settings
from changple_entrypoints.worker.actors import QUEUE
from tests.entrypoints.callers import as_admin
from tests.entrypoints.draining import drain
from tests.fixtures.naver_cafe.corpus import LOGIN_ID, all_ids
from tests.fixtures.naver_cafe.snapshot import write_snapshot


def _scan(status: dict[str, Any], key: str) -> dict[str, Any]:
    return next(s for s in status["recent_scans"] if s["key"] == key)


def test_a_scan_over_http_then_the_pipeline_it_asked_for(client: TestClient, container: Container) -> None:  # type: ignore[type-arg]
    sample = load_sample()  # the container's cafe is the bundled sample; its authors are the catalog
    sync_catalog(sample.authors, sample.brands, uow=container.uow())

    accepted = client.post("/api/v1/scraper/run/", json={"key": "api:scan-1", "ingest_after": True})
    assert accepted.status_code == 202
    body = accepted.json()
    assert body["key"] == "api:scan-1"
    assert body["scan_id"].startswith("scan-")
    assert (body["state"], body["phase"]) == ("running", "starting")
    # The scan is recorded before it is queued, so the status API shows it at once.
    assert _scan(client.get("/api/v1/scraper/status/").json(), "api:scan-1")["id"] == body["scan_id"]

    drain(container)

    status = client.get("/api/v1/scraper/status/").json()
    scan = _scan(status, "api:scan-1")
    assert scan["state"] == "succeeded"
    assert scan["phase"] == "done"
    assert scan["counts"]["new"] == 26  # the bundled sample cafe: posts by allowed authors
    assert scan["counts"]["skipped"] == 21  # and posts by authors who are not allowed, or disabled
    assert scan["counts"]["members_only"] == 1
    assert scan["counts"]["gaps"] == scan["counts"]["deleted"] == 9
    assert "missing ids in a row" in scan["stopped_because"]  # the end of the cafe
    run = next(r for r in status["recent_runs"] if r["key"] == "after:api:scan-1")
    assert run["state"] == "succeeded"
    assert status["posts_by_stage"]["indexed"] == 23

    assert client.get("/api/v1/posts/1003/").status_code == 200
    assert client.get("/api/v1/posts/1020/").status_code == 404  # skipped for its author: never stored
    hits = client.get("/api/v1/search/", params={"q": "가맹계약서 확인할 것", "k": 3}).json()["items"]
    assert hits[0]["article_id"] == 1003

    # The same key again is the same scan; it is not queued a second time.
    again = client.post("/api/v1/scraper/run/", json={"key": "api:scan-1", "ingest_after": True})
    assert again.status_code == 202
    assert again.json()["scan_id"] == body["scan_id"]
    assert again.json()["state"] == "succeeded"
    assert container.broker().queues[QUEUE].qsize() == 0  # type: ignore[attr-defined]

    # A second scan starts after the highest known id and finds nothing new.
    client.post("/api/v1/scraper/run/", json={"key": "api:scan-2"})
    drain(container)
    second = _scan(client.get("/api/v1/scraper/status/").json(), "api:scan-2")
    assert second["state"] == "succeeded"
    assert second["counts"]["new"] == 0
    assert second["stopped_because"].startswith("50 missing ids in a row")  # from 1058: the end of the cafe
    # Besides those, only posts of the last week were fetched again, and they had not changed.
    assert second["counts"]["fetched"] - 50 == second["counts"]["unchanged"]


def test_a_bad_scan_request_is_a_400_that_names_the_field(client: TestClient) -> None:  # type: ignore[type-arg]
    response = client.post("/api/v1/scraper/run/", json={"key": "", "ingest_after": "soon"})
    assert response.status_code == 400
    assert "key" in response.text
    assert client.get("/api/v1/scraper/status/").json()["recent_scans"] == []


@pytest.fixture
def expired_session_client(tmp_path: Path) -> Iterator[tuple[TestClient, Container]]:  # type: ignore[type-arg]
    """A cafe whose article LOGIN_ID answers with Naver's login page: the session has expired."""
    snapshot = tmp_path / "cafe"
    write_snapshot(snapshot)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=tmp_path / "data", redis_url=None, cafe_source="snapshot", snapshot_dir=snapshot
    )
    upgrade_database(settings.resolved_database_url)
    container = build_container(settings)
    with TestClient(app=create_app(container)) as client:
        yield as_admin(client, container), container


def test_an_expired_session_fails_the_scan_with_the_fix_and_keeps_what_came_before(
    expired_session_client: tuple[TestClient, Container],  # type: ignore[type-arg]
) -> None:
    client, container = expired_session_client
    accepted = client.post("/api/v1/scraper/run/", json={"key": "api:expired", "ingest_after": True})
    assert accepted.status_code == 202

    drain(container)

    status = client.get("/api/v1/scraper/status/").json()
    scan = _scan(status, "api:expired")
    assert scan["state"] == "failed"
    assert "storage_state" in scan["error"]
    assert scan["last_article_id"] == LOGIN_ID
    before = [i for i in all_ids() if i < LOGIN_ID]
    assert scan["counts"]["fetched"] == len(before) + 1  # everything up to the login page, recorded
    uow = container.uow()
    with uow:
        recorded = uow.statuses.get_many(before)
    assert sorted(recorded) == before
    # The actor does not retry a login problem (a person must log in), but the pipeline still runs.
    assert any(r["key"] == "after:api:expired" and r["state"] == "succeeded" for r in status["recent_runs"])
