"""An in-memory `VectorIndex`: brute-force cosine over a dict, with the same checks and filter
semantics as the real indexes, so tests on it mean something for Pinecone and LanceDB."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from changple_adapters._vectors import (
    check_id,
    check_prefix,
    check_query,
    check_records,
    cosine,
    last_wins,
    matches,
)
from changple_domain.model.providers import MetadataValue, VectorMatch, VectorRecord
from changple_domain.ports import VectorIndex


class MemoryVectorIndex(VectorIndex):
    """State lives on the instance; `dimensions` is fixed by the constructor or the first upsert."""

    def __init__(self, *, dimensions: int | None = None) -> None:
        self.dimensions = dimensions
        self._records: dict[str, VectorRecord] = {}
        self._lock = threading.Lock()

    @property
    def records(self) -> dict[str, VectorRecord]:
        """A copy of everything stored, by id (for assertions)."""
        with self._lock:
            return dict(self._records)

    def upsert(self, records: Sequence[VectorRecord]) -> None:
        with self._lock:
            self.dimensions = check_records(records, self.dimensions)
            for record in last_wins(records):
                self._records[record.id] = record

    def delete(self, ids: Sequence[str]) -> None:
        for vector_id in ids:
            check_id(vector_id)
        with self._lock:
            for vector_id in ids:
                self._records.pop(vector_id, None)

    def list_ids(self, prefix: str) -> list[str]:
        check_prefix(prefix)
        with self._lock:
            return sorted(vector_id for vector_id in self._records if vector_id.startswith(prefix))

    def fetch(self, ids: Sequence[str]) -> dict[str, VectorRecord]:
        for vector_id in ids:
            check_id(vector_id)
        with self._lock:
            return {vector_id: self._records[vector_id] for vector_id in ids if vector_id in self._records}

    def query(
        self, vector: Sequence[float], *, top_k: int = 10, filter: dict[str, MetadataValue] | None = None
    ) -> list[VectorMatch]:
        with self._lock:
            check_query(vector, top_k, self.dimensions)
            candidates = [record for record in self._records.values() if matches(record.metadata, filter)]
        scored = sorted(((cosine(vector, r.values), r) for r in candidates), key=lambda pair: (-pair[0], pair[1].id))
        return [VectorMatch(id=r.id, score=score, metadata=r.metadata) for score, r in scored[:top_k]]
