"""The pipeline over HTTP as an operator and the chat agent use it: ingest answers 202 at once,
the in-process worker runs the run, and status, batches, a post's trail and search tell the story."""

from __future__ import annotations

from litestar.testing import TestClient

from changple_domain.model.runs import RunTrigger
from changple_domain.use_cases.pipeline_runs import StartRun
from changple_entrypoints.composition.container import Container
from changple_entrypoints.sample_data import load_sample_into_store
from tests.entrypoints.draining import drain
from tests.entrypoints.openapi import documented


def test_ingest_runs_the_pipeline_and_everything_reports_it(client: TestClient, container: Container) -> None:  # type: ignore[type-arg]
    load_sample_into_store(uow=container.uow(), clock=container.clock())

    accepted = client.post("/api/v1/scraper/ingest/", json={"key": "api:test-1"})
    assert accepted.status_code == 202
    body = accepted.json()
    assert body["created"] is True
    assert body["key"] == "api:test-1"
    again = client.post("/api/v1/scraper/ingest/", json={"key": "api:test-1"})
    assert again.status_code == 202
    assert again.json()["run_id"] == body["run_id"]
    assert again.json()["created"] is False

    drain(container)

    status = client.get("/api/v1/scraper/status/").json()
    assert status["posts_by_stage"]["indexed"] == 23
    assert status["posts_by_stage"]["needs_summary"] == 0
    assert status["open_jobs"] == []
    run = next(r for r in status["recent_runs"] if r["key"] == "api:test-1")
    assert run["state"] == "succeeded"

    batches = client.get("/api/v1/batches/").json()["items"]
    assert {b["kind"] for b in batches} == {"summarize", "embed"}
    assert all(b["state"] == "applied" for b in batches)
    one = client.get(f"/api/v1/batches/{batches[0]['id']}/")
    assert one.status_code == 200
    assert one.json()["items"]

    trail = client.get("/api/v1/posts/1003/ingestion/").json()
    assert trail["post"]["indexed_hash"] == trail["post"]["content_hash"]
    assert {b["kind"] for b in trail["batches"]} == {"summarize", "embed"}

    hits = client.get("/api/v1/search/", params={"q": "가맹계약서 확인할 것", "k": 3})
    assert hits.status_code == 200
    assert hits.json()["items"][0]["article_id"] == 1003


def test_pipeline_endpoints_refuse_bad_input_with_4xx(client: TestClient) -> None:  # type: ignore[type-arg]
    assert client.post("/api/v1/scraper/ingest/", json={"key": ""}).status_code == 400
    assert client.post("/api/v1/scraper/ingest/", json={"nope": 1}).status_code == 400
    assert client.get("/api/v1/batches/no-such-job/").status_code == 404
    assert client.get("/api/v1/batches/", params={"limit": 0}).status_code == 400
    assert client.get("/api/v1/posts/424242/ingestion/").status_code == 404
    assert client.get("/api/v1/search/", params={"q": ""}).status_code == 400
    assert client.get("/api/v1/search/").status_code == 400


def test_a_missing_batch_or_trail_is_a_documented_404(client: TestClient) -> None:  # type: ignore[type-arg]
    """Found by the fuzzer: both answered 404, which their schemas did not list."""
    assert client.get("/api/v1/batches/no-such-job/").status_code == 404
    assert "404" in documented(client, "GET", "/api/v1/batches/{job_id}")
    assert client.get("/api/v1/posts/424242/ingestion/").status_code == 404
    assert "404" in documented(client, "GET", "/api/v1/posts/{article_id}/ingestion")


def test_ingest_without_a_body_makes_its_own_key(client: TestClient) -> None:  # type: ignore[type-arg]
    accepted = client.post("/api/v1/scraper/ingest/")
    assert accepted.status_code == 202
    assert accepted.json()["key"].startswith("api:")
    assert accepted.json()["created"] is True


def test_trail_of_an_ineligible_post_says_why(client: TestClient, container: Container) -> None:  # type: ignore[type-arg]
    load_sample_into_store(uow=container.uow(), clock=container.clock())
    trail = client.get("/api/v1/posts/1010/ingestion/").json()  # an ad by an author who is not allowed
    assert trail["post"]["eligible"] is False
    assert "not an allowed author" in trail["post"]["reason"]
    assert trail["post"]["need"] == "nothing"


def test_blank_search_is_400(client: TestClient) -> None:  # type: ignore[type-arg]
    response = client.get("/api/v1/search/", params={"q": "   "})
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_input", "detail": "search text: the search query is empty"}


def test_a_run_and_a_scan_are_read_by_id(client: TestClient, container: Container) -> None:  # type: ignore[type-arg]
    load_sample_into_store(uow=container.uow(), clock=container.clock())
    run_id = client.post("/api/v1/scraper/ingest/", json={"key": "api:by-id"}).json()["run_id"]
    queued = client.get(f"/api/v1/runs/{run_id}/")
    assert queued.status_code == 200
    assert queued.json()["state"] == "running"
    assert queued.json()["finished_at"] is None

    drain(container)

    run = client.get(f"/api/v1/runs/{run_id}/").json()
    assert run["key"] == "api:by-id"
    assert run["state"] == "succeeded"
    assert run["counts"]["indexed"] == 23
    assert run["finished_at"] is not None
    assert run["error"] is None
    assert float(run["cost_usd"]) >= 0

    scan_id = client.post("/api/v1/scraper/run/", json={"key": "api:scan-by-id"}).json()["scan_id"]
    scan = client.get(f"/api/v1/scans/{scan_id}/")
    assert scan.status_code == 200
    assert scan.json()["key"] == "api:scan-by-id"
    assert set(scan.json()["counts"]) >= {"fetched", "new", "errors"}


def test_an_unknown_run_or_scan_is_a_documented_404_with_a_sentence(client: TestClient) -> None:  # type: ignore[type-arg]
    for path, template in (
        ("/api/v1/runs/run-nope/", "/api/v1/runs/{run_id}"),
        ("/api/v1/scans/scan-nope/", "/api/v1/scans/{scan_id}"),
    ):
        answer = client.get(path)
        assert answer.status_code == 404
        assert "nope" in answer.json()["detail"]
        assert "404" in documented(client, "GET", template)


def test_an_older_run_whose_messages_were_lost_is_finished_by_the_next_run(
    client: TestClient,  # type: ignore[type-arg]
    container: Container,
) -> None:
    load_sample_into_store(uow=container.uow(), clock=container.clock())
    lost = container.start_run(StartRun(key="nightly:lost", trigger=RunTrigger.SCHEDULE)).run  # never queued
    assert client.get(f"/api/v1/runs/{lost.id}/").json()["state"] == "running"

    client.post("/api/v1/scraper/ingest/", json={"key": "api:after-the-loss"})
    drain(container)

    old = client.get(f"/api/v1/runs/{lost.id}/").json()
    assert old["state"] == "succeeded"
    assert old["finished_at"] is not None
    assert old["counts"]["needs_summary"] == 0
