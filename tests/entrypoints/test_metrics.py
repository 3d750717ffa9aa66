"""`/metrics`: only an admin or a `metrics` token reads it; it counts requests by route template
and status, and reports what the store and the queue hold at the moment of the scrape."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient
from prometheus_client.parser import text_string_to_metric_families

from changple_domain.model.access import Scope
from changple_domain.model.batches import BatchKind, BatchState
from changple_entrypoints.composition.container import Container
from changple_entrypoints.http.app import create_app
from changple_entrypoints.sample_data import load_sample_into_store
from tests.contract.factories import make_job
from tests.entrypoints.callers import bearer, service_token

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _samples(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples: Samples, name: str, **labels: str) -> float:
    wanted = set(labels.items())
    found = [v for (n, got), v in samples.items() if n == name and wanted <= got]
    assert len(found) == 1, (name, labels, found)
    return found[0]


@pytest.fixture
def site(container: Container) -> Iterator[tuple[TestClient[Any], Container]]:
    with TestClient(app=create_app(container)) as client:
        yield client, container


def test_only_an_admin_or_a_metrics_token_reads_the_metrics(site: tuple[TestClient[Any], Container]) -> None:
    client, container = site
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=bearer(service_token(container, Scope.CHAT))).status_code == 403
    for scope in (Scope.METRICS, Scope.ADMIN):
        answer = client.get("/metrics", headers=bearer(service_token(container, scope)))
        assert answer.status_code == 200, scope
        assert answer.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"  # the charset once


def test_requests_are_counted_by_route_template_and_status(site: tuple[TestClient[Any], Container]) -> None:
    client, container = site
    reader = bearer(service_token(container, Scope.METRICS))
    route = "/api/v1/posts/{article_id}"  # the template, as Litestar names it
    before = _samples(client.get("/metrics", headers=reader).text)
    for article_id in (1003, 1004, 999999):  # two ids: one series, not one per post
        client.get(f"/api/v1/posts/{article_id}/")
    after = _samples(client.get("/metrics", headers=reader).text)

    def missing(samples: Samples) -> float:
        try:
            return _value(samples, "changple_requests_total", path=route, status_code="404")
        except AssertionError:
            return 0

    assert missing(after) - missing(before) == 3  # the store is empty: all three are 404s
    assert not [n for (n, labels) in after if ("path", "/api/v1/posts/1003/") in labels]
    assert _value(after, "changple_request_duration_seconds_count", path=route, status_code="404") >= 3


def test_the_store_and_the_queue_are_read_at_scrape_time(site: tuple[TestClient[Any], Container]) -> None:
    client, container = site
    load_sample_into_store(uow=container.uow(), clock=container.clock())
    uow = container.uow()
    with uow:
        uow.batches.add(make_job("sum-1"))
        uow.batches.add(make_job("emb-1", kind=BatchKind.EMBED, provider="openai", state=BatchState.FAILED))
        uow.commit()
    assert (
        client.post(
            "/api/v1/scraper/run/", json={"key": "api:metrics"}, headers=bearer(service_token(container, Scope.ADMIN))
        ).status_code
        == 202
    )  # queues one message and records one scan

    samples = _samples(client.get("/metrics", headers=bearer(service_token(container, Scope.METRICS))).text)
    with uow:
        stored = uow.posts.count()
    assert stored > 0
    assert _value(samples, "changple_posts", selection="all") == stored
    assert _value(samples, "changple_post_statuses", kind="saved") > 0
    assert _value(samples, "changple_scans", state="running") == 1
    assert _value(samples, "changple_batch_jobs", kind="summarize", provider="gemini", state="created") == 1
    spent = _value(samples, "changple_batch_spend_usd", kind="embed", provider="openai", state="failed", price="batch")
    assert spent == pytest.approx(1234.567891)
    assert _value(samples, "changple_queue_messages", queue="changple", state="ready") == 1
    assert _value(samples, "changple_queue_messages", queue="changple", state="dead") == 0


def test_the_dashboard_and_the_alert_rules_name_only_metrics_that_exist(
    site: tuple[TestClient[Any], Container],
) -> None:
    import json
    import re
    from pathlib import Path

    client, container = site
    client.get("/api/health")
    load_sample_into_store(uow=container.uow(), clock=container.clock())
    uow = container.uow()
    with uow:
        uow.batches.add(make_job("sum-1"))
        uow.commit()
    exposed = {
        name for name, _ in _samples(client.get("/metrics", headers=bearer(service_token(container, Scope.ADMIN))).text)
    }
    docs = Path(__file__).resolve().parents[2] / "docs"
    dashboard = json.loads((docs / "grafana-dashboard.json").read_text(encoding="utf-8"))
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    expressions += re.findall(r"expr: (.+)", (docs / "prometheus-alerts.yml").read_text(encoding="utf-8"))
    named = {name for expr in expressions for name in re.findall(r"\bchangple_[a-z_]+", expr)}
    assert named
    assert named <= exposed, named - exposed
