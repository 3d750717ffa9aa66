"""Every response names its request, and the id follows the work the request started: the queued
message carries it and the actor's log lines are written under it."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from changple_entrypoints.composition.container import Container
from changple_entrypoints.request_ids import current_request_id
from changple_entrypoints.worker.actors import QUEUE
from changple_entrypoints.worker.broker import REQUEST_ID_OPTION
from tests.entrypoints.draining import drain

MADE_HERE = re.compile(r"[0-9a-f]{16}")


def test_a_request_without_an_id_gets_one_and_each_request_its_own(anonymous_client: TestClient) -> None:  # type: ignore[type-arg]
    first = anonymous_client.get("/api/health").headers["x-request-id"]
    second = anonymous_client.get("/api/health").headers["x-request-id"]
    assert MADE_HERE.fullmatch(first)
    assert MADE_HERE.fullmatch(second)
    assert first != second


@pytest.mark.parametrize("path", ["/api/health", "/api/v1/no-such-route/", "/api/v1/admin/authors/"])
def test_the_proxys_plain_id_is_kept_on_every_answer(anonymous_client: TestClient, path: str) -> None:  # type: ignore[type-arg]
    response = anonymous_client.get(path, headers={"X-Request-ID": "edge-7f3a.91:b_c"})
    assert response.headers["x-request-id"] == "edge-7f3a.91:b_c"  # 200, 404 and 401 alike


@pytest.mark.parametrize("given", [b"two words", b"x" * 129, b"a\tb", "세션".encode(), b""])
def test_an_id_that_is_not_a_plain_token_is_replaced(anonymous_client: TestClient, given: bytes) -> None:  # type: ignore[type-arg]
    response = anonymous_client.get("/api/health", headers={"X-Request-ID": given})
    assert MADE_HERE.fullmatch(response.headers["x-request-id"])


class _IdsSeen(logging.Handler):
    """What request id was current when each record of the worker's loggers was written."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, str | None]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append((record.getMessage(), current_request_id.get()))


@pytest.fixture
def ids_seen() -> Iterator[_IdsSeen]:
    handler = _IdsSeen()
    logger = logging.getLogger("changple_entrypoints.worker")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(previous)


def test_the_work_a_request_queues_runs_under_its_id(
    client: TestClient,  # type: ignore[type-arg]
    container: Container,
    ids_seen: _IdsSeen,
) -> None:
    accepted = client.post("/api/v1/scraper/run/", json={"key": "api:traced"}, headers={"X-Request-ID": "trace-42"})
    assert accepted.status_code == 202
    [raw] = list(container.broker().queues[QUEUE].queue)  # type: ignore[attr-defined]
    assert json.loads(raw)["options"][REQUEST_ID_OPTION] == "trace-42"

    drain(container)
    scan_lines = [request_id for message, request_id in ids_seen.seen if message.startswith("scan api:traced")]
    assert scan_lines == ["trace-42"]
    assert current_request_id.get() is None  # nothing leaks into the test's own context
