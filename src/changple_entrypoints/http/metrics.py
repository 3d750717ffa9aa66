"""`GET /metrics` in Prometheus' text format, for an admin or a token with the `metrics` scope.

Two kinds of figure:
- what this API process saw, counted as requests pass (Litestar's Prometheus middleware): requests
  and their latency by route template, method and status, so errors are the 4xx and 5xx series.
  With PROMETHEUS_MULTIPROC_DIR set, every process counts into it and a scrape sums them all.
- what the store and the queue hold, read at scrape time and the same whichever process answers:
  posts by stage and status, batch jobs and spend by kind, provider and state, scan and run
  outcomes, and each Dramatiq queue's ready, delayed and dead-lettered messages."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from litestar import Response, get
from litestar.openapi import ResponseSpec
from litestar.plugins.prometheus import PrometheusConfig
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from changple_domain.model.access import Scope
from changple_domain.model.posts import PostStatusKind
from changple_domain.model.runs import RunState
from changple_domain.use_cases.operational_figures import OperationalFigures
from changple_entrypoints.http.access import AUTH_RESPONSES, requires
from changple_entrypoints.http.dependencies import UseCase
from changple_entrypoints.worker.broker import QueueDepth

# Prometheus text exposition format; Litestar appends "; charset=utf-8" to a text/* media type itself.
TEXT_FORMAT = "text/plain; version=0.0.4"

# Requests by route template (never the raw path: ids would make a series each), not /metrics itself.
REQUEST_METRICS = PrometheusConfig(
    app_name="changple", prefix="changple", group_path=True, exclude=["^/metrics"], exclude_unhandled_paths=True
)


class StoreFigures(Collector):
    """The store's and the queue's figures as gauges, read once per scrape."""

    def __init__(self, figures: OperationalFigures, queues: list[QueueDepth]) -> None:
        self.figures, self.queues = figures, queues

    def collect(self) -> Iterator[Metric]:
        figures = self.figures
        yield _gauge("posts", "Stored posts, by what their recorded hashes say", "selection", figures.posts)
        # Every state, 0 where none: an alert on `> 0` needs the series to exist before it fires.
        statuses = {kind: figures.statuses.get(kind, 0) for kind in PostStatusKind}
        yield _gauge("post_statuses", "Article ids by what the last look found", "kind", statuses)
        yield _gauge("scans", "Scans of the cafe by state", "state", {s: figures.scans.get(s, 0) for s in RunState})
        yield _gauge("pipeline_runs", "Pipeline runs by state", "state", {s: figures.runs.get(s, 0) for s in RunState})
        jobs = GaugeMetricFamily("changple_batch_jobs", "Batch jobs", labels=["kind", "provider", "state"])
        spend = GaugeMetricFamily(
            "changple_batch_spend_usd",
            "What batch jobs cost (price=batch) and would have cost at the standard price (price=standard)",
            labels=["kind", "provider", "state", "price"],
        )
        for tally in figures.batches:
            labels = [tally.kind.value, tally.provider, tally.state.value]
            jobs.add_metric(labels, tally.jobs)
            spend.add_metric([*labels, "batch"], float(tally.cost_usd))
            spend.add_metric([*labels, "standard"], float(tally.standard_cost_usd))
        yield jobs
        yield spend
        depth = GaugeMetricFamily("changple_queue_messages", "Messages in a Dramatiq queue", labels=["queue", "state"])
        for queue in self.queues:
            for state in ("ready", "delayed", "dead"):
                depth.add_metric([queue.queue, state], getattr(queue, state))
        yield depth


def _gauge(name: str, documentation: str, label: str, values: dict[Any, int]) -> GaugeMetricFamily:
    gauge = GaugeMetricFamily(f"changple_{name}", documentation, labels=[label])
    for key, value in sorted(values.items()):
        gauge.add_metric([str(getattr(key, "value", key))], value)
    return gauge


def _request_registry() -> CollectorRegistry:
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:  # every process's counts, summed
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return REGISTRY


@get(
    "/metrics",
    media_type=TEXT_FORMAT,
    guards=[requires(Scope.METRICS)],
    sync_to_thread=True,
    tags=["operations"],
    summary="Prometheus metrics",
    description="Text exposition format. An admin or a service token with the `metrics` scope "
    "(`changple tokens create prometheus --scope metrics`).",
    security=[{"serviceToken": []}],
    responses={**AUTH_RESPONSES, 200: ResponseSpec(None, description="the metrics", media_type=TEXT_FORMAT)},
)
def metrics(
    operational_figures: UseCase[OperationalFigures], queue_depths: UseCase[list[QueueDepth]]
) -> Response[bytes]:
    store = CollectorRegistry(auto_describe=False)
    store.register(StoreFigures(operational_figures(), queue_depths()))
    body = generate_latest(_request_registry()) + generate_latest(store)
    return Response(body)
