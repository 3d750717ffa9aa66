"""`VectorIndex` embedded in a directory with LanceDB: the default for a machine with no keys.

One table: `id` (string), `vector` (fixed-size float32 list), `metadata` (JSON text) and `article_id`
(int64, from the metadata or the id) so the common per-post filter can be pushed down. There is no ANN
index, so a query is an exact cosine scan. Other metadata filters run in Python over an over-fetched
candidate list that grows until enough records pass (fine at embedded scale). Writes from another
process are seen at once (read_consistency_interval=0), and small fragments from repeated upserts are
compacted when they pile up."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import lancedb
import pyarrow as pa

from changple_adapters._vectors import (
    check_prefix,
    check_query,
    check_records,
    chunked,
    last_wins,
    matches,
    matches_nothing,
    metadata_json,
    unique_checked_ids,
)
from changple_adapters.private_paths import private_directory
from changple_domain.errors import InvalidSetting, ProviderUnavailable
from changple_domain.model.providers import MetadataValue, VectorMatch, VectorRecord
from changple_domain.ports import VectorIndex

IDS_PER_STATEMENT = 500
# LanceDB's advice is to optimize after about 20 writes; counting fragments also covers writes by other processes.
MAX_FRAGMENTS = 16
KEEP_OLD_VERSIONS = timedelta(hours=1)  # readers in other processes may still be on an older version
_POST_ID = re.compile(r"post-(\d+)#")


class LanceVectorIndex(VectorIndex):
    """The table is opened (or created) on first use; `dimensions` must match an existing table."""

    def __init__(self, *, path: Path, table: str = "posts", dimensions: int) -> None:
        if dimensions < 1:
            raise InvalidSetting(f"dimensions must be positive, got {dimensions}")
        self.path = Path(path)
        self.table_name = table
        self.dimensions = dimensions
        self._table: Any = None
        self._lock = threading.Lock()

    # --- VectorIndex ----------------------------------------------------------------------------

    def upsert(self, records: Sequence[VectorRecord]) -> None:
        check_records(records, self.dimensions)
        rows = last_wins(records)
        if not rows:
            return
        data = pa.table(
            {
                "id": pa.array([r.id for r in rows], pa.string()),
                "vector": pa.FixedSizeListArray.from_arrays(
                    pa.array([v for r in rows for v in r.values], pa.float32()), self.dimensions
                ),
                "metadata": pa.array([metadata_json(r.metadata) for r in rows], pa.string()),
                "article_id": pa.array([_article_id(r) for r in rows], pa.int64()),
            },
            schema=self._schema(),
        )
        table = self._open()
        with self._translated("upsert"):
            table.merge_insert("id").when_matched_update_all().when_not_matched_insert_all().execute(data)
            self._compact_if_fragmented(table)

    def delete(self, ids: Sequence[str]) -> None:
        unique = unique_checked_ids(ids)
        table = self._open()
        with self._translated("delete"):
            for chunk in chunked(unique, IDS_PER_STATEMENT):
                table.delete(f"id IN ({_sql_list(chunk)})")
            if ids:
                self._compact_if_fragmented(table)

    def list_ids(self, prefix: str) -> list[str]:
        """`starts_with` instead of LIKE: no wildcard in an id (`%`, `_`) can widen the match."""
        check_prefix(prefix)
        query = self._open().search().select(["id"]).limit(None)
        if prefix:
            query = query.where(f"starts_with(id, {_sql_str(prefix)})")
        with self._translated("list"):
            ids: list[str] = query.to_arrow().column("id").to_pylist()
        return sorted(ids)

    def fetch(self, ids: Sequence[str]) -> dict[str, VectorRecord]:
        unique = unique_checked_ids(ids)
        table = self._open()
        found: dict[str, VectorRecord] = {}
        for chunk in chunked(unique, IDS_PER_STATEMENT):
            query = table.search().where(f"id IN ({_sql_list(chunk)})").select(["id", "vector", "metadata"]).limit(None)
            with self._translated("fetch"):
                rows = query.to_arrow().to_pylist()
            for row in rows:
                found[row["id"]] = VectorRecord(
                    id=row["id"], values=tuple(row["vector"]), metadata=json.loads(row["metadata"])
                )
        return found

    def query(
        self, vector: Sequence[float], *, top_k: int = 10, filter: dict[str, MetadataValue] | None = None
    ) -> list[VectorMatch]:
        check_query(vector, top_k, self.dimensions)
        if matches_nothing(filter):
            return []
        table = self._open()
        article = (filter or {}).get("article_id")
        pushdown = f"article_id = {article}" if isinstance(article, int) and not isinstance(article, bool) else None
        wanted = top_k if not filter else max(4 * top_k, 64)
        while True:
            search = table.search(list(vector)).distance_type("cosine").limit(wanted)
            if pushdown:
                search = search.where(pushdown, prefilter=True)
            with self._translated("query"):
                rows = search.select(["id", "metadata", "_distance"]).to_arrow().to_pylist()
            decoded = ((row, json.loads(row["metadata"])) for row in rows)
            hits = [(row, metadata) for row, metadata in decoded if matches(metadata, filter)]
            if len(hits) >= top_k or len(rows) < wanted:
                break
            wanted *= 4
        scored = sorted(
            ((max(-1.0, min(1.0, 1.0 - row["_distance"])), row["id"], md) for row, md in hits),
            key=lambda hit: (-hit[0], hit[1]),
        )
        return [VectorMatch(id=vector_id, score=score, metadata=md) for score, vector_id, md in scored[:top_k]]

    # --- table --------------------------------------------------------------------------------

    def optimize(self) -> None:
        """Compact fragments and drop versions older than an hour; safe while others read."""
        table = self._open()
        with self._translated("optimize"):
            table.optimize(cleanup_older_than=KEEP_OLD_VERSIONS)

    def _schema(self) -> pa.Schema:
        return pa.schema(
            [
                pa.field("id", pa.string(), nullable=False),
                pa.field("vector", pa.list_(pa.float32(), self.dimensions)),
                pa.field("metadata", pa.string()),
                pa.field("article_id", pa.int64()),
            ]
        )

    def warm(self) -> None:
        """Open the table now (LanceDB takes about a second to import): a server calls this in the
        background after it listens, so the first search does not wait for it."""
        self._open()

    def _open(self) -> Any:
        with self._lock:
            if self._table is None:
                with self._translated("open"):
                    self._table = self._open_or_create()
            return self._table

    def _open_or_create(self) -> Any:
        private_directory(self.path)
        db = lancedb.connect(self.path, read_consistency_interval=timedelta(0))
        try:
            return db.create_table(self.table_name, schema=self._schema(), exist_ok=True)
        except ValueError as exc:  # the table exists with another schema
            found = db.open_table(self.table_name).schema.field("vector").type
            raise InvalidSetting(
                f"{self.path}/{self.table_name} holds vectors of type {found}, not {self.dimensions} float32"
            ) from exc

    def _compact_if_fragmented(self, table: Any) -> None:
        if table.stats()["fragment_stats"]["num_fragments"] > MAX_FRAGMENTS:
            table.optimize(cleanup_older_than=KEEP_OLD_VERSIONS)

    @contextmanager
    def _translated(self, operation: str) -> Iterator[None]:
        """LanceDB's I/O and commit failures become `ProviderUnavailable` (worth retrying)."""
        try:
            yield
        except (OSError, RuntimeError) as exc:
            raise ProviderUnavailable(f"lancedb {operation} on {self.path} failed: {exc}") from exc


def _article_id(record: VectorRecord) -> int | None:
    value = record.metadata.get("article_id")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    found = _POST_ID.match(record.id)
    return int(found.group(1)) if found else None


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sql_list(values: Sequence[str]) -> str:
    return ", ".join(_sql_str(value) for value in values)
