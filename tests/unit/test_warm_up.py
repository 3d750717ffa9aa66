"""The server's background warm-up: offline parts are loaded before the first request needs them,
a part that cannot warm is left alone, and a failure is a log line, never a dead server."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from changple_adapters.local.embedder import OfflineBatchEmbedder
from changple_adapters.local.vector_index import LanceVectorIndex
from changple_adapters.memory import MemoryBatchEmbedder
from changple_entrypoints.http.warm_up import warm_up_in_background


def test_offline_parts_are_ready_after_warming(tmp_path: Path) -> None:
    embedder = OfflineBatchEmbedder(dimensions=64)
    index = LanceVectorIndex(path=tmp_path / "vectors", dimensions=64)
    assert "_vectorizer" not in vars(embedder)  # nothing loaded at construction
    warm_up_in_background({"embedder": lambda: embedder, "vector index": lambda: index}).join(timeout=120)
    assert "_vectorizer" in vars(embedder)
    assert index._table is not None
    assert index.query(embedder.embed_query("창업 비용"), top_k=3) == []


def test_a_failing_part_is_logged_and_the_rest_still_warm(caplog: pytest.LogCaptureFixture) -> None:
    embedder = OfflineBatchEmbedder(dimensions=32)

    def broken() -> object:
        raise RuntimeError("no such index")

    with caplog.at_level(logging.WARNING, logger="changple_entrypoints.http.warm_up"):
        parts = {"vector index": broken, "memory": MemoryBatchEmbedder, "embedder": lambda: embedder}
        warm_up_in_background(parts).join(timeout=120)
    assert "_vectorizer" in vars(embedder)
    assert [r.getMessage() for r in caplog.records] == ["warming vector index failed: RuntimeError: no such index"]
