"""`VectorIndex` on a Pinecone serverless index through the pinecone SDK (REST).

The SDK sends one request per call unless given `batch_size`, and its batched path reports failed
chunks instead of raising, so this adapter splits upserts itself (<= 1,000 records and <= 2 MB each)
and sends them one by one. The SDK already retries 408/429/5xx three times; what still fails becomes
`ProviderUnavailable` (429/5xx/network) or `ProviderRejected` (other 4xx)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import orjson
from pinecone import Pinecone
from pinecone.errors import (
    ApiError,
    PineconeConnectionError,
    PineconeError,
    PineconeTimeoutError,
    PineconeTypeError,
    PineconeValueError,
    ResponseParsingError,
)

from changple_adapters._vectors import (
    MAX_IDS_PER_REQUEST,
    MAX_UPSERT_BYTES,
    MAX_UPSERT_RECORDS,
    check_prefix,
    check_query,
    check_records,
    chunked,
    last_wins,
    matches_nothing,
    to_pinecone_filter,
    unique_checked_ids,
)
from changple_domain.errors import InvalidInput, InvalidSetting, ProviderRejected, ProviderUnavailable
from changple_domain.model.providers import MetadataValue, VectorMatch, VectorRecord
from changple_domain.ports import VectorIndex

LIST_PAGE_SIZE = 100
# Leave room under 2 MiB for the envelope and for any float the SDK's orjson spells longer than json does.
UPSERT_BYTE_BUDGET = MAX_UPSERT_BYTES - 64 * 1024
# "-1.2345678901234567e-308," is 25 bytes: no float64 written as JSON is longer.
_MAX_FLOAT_JSON_BYTES = 25
# Fetch sends ids in the query string; proxies commonly refuse request lines over 8-16 KB.
FETCH_QUERY_BUDGET = 12_000
_RETRYABLE = frozenset({408, 429})
_LARGEST_EXACT_FLOAT = 2**53


class PineconeVectorIndex(VectorIndex):
    """One namespace of one index. `dimensions`, when given, is checked before anything is sent."""

    def __init__(
        self,
        *,
        api_key: str,
        host: str,
        namespace: str = "posts",
        dimensions: int | None = None,
        upsert_concurrency: int = 4,
    ) -> None:
        if not api_key:
            raise InvalidSetting("the Pinecone API key is empty")
        if not 1 <= upsert_concurrency <= 32:
            raise InvalidSetting(f"upsert_concurrency must be between 1 and 32, got {upsert_concurrency}")
        self._api_key = api_key
        self.namespace = namespace
        self.dimensions = dimensions
        self.upsert_concurrency = upsert_concurrency
        try:
            self._index = Pinecone(api_key=api_key).Index(host=host)
        except PineconeError as exc:
            raise InvalidSetting(f"cannot use Pinecone host {host!r}: {self._redact(exc)}") from exc

    # --- VectorIndex ----------------------------------------------------------------------------

    def upsert(self, records: Sequence[VectorRecord]) -> None:
        """Requests go out `upsert_concurrency` at a time, as Pinecone advises for bulk loads: the
        round trips overlap instead of adding up. Any failed request fails the call (upserts are
        idempotent, so the caller simply sends the same records again)."""
        check_records(records, self.dimensions)  # all of it, so a bad record means nothing was written
        batches = self._upsert_batches([self._to_wire(r) for r in last_wins(records)])
        if self.upsert_concurrency == 1:
            for batch in batches:
                self._upsert_one(batch)
            return
        with ThreadPoolExecutor(self.upsert_concurrency, thread_name_prefix="pinecone-upsert") as pool:
            pending: set[Future[None]] = set()
            for batch in batches:
                if len(pending) >= self.upsert_concurrency:  # bounded: never the whole job in memory
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        future.result()
                pending.add(pool.submit(self._upsert_one, batch))
            for future in pending:
                future.result()

    def _upsert_one(self, batch: list[dict[str, Any]]) -> None:
        with self._translated("upsert"):
            response = self._index.upsert(vectors=batch, namespace=self.namespace)
        if response.upserted_count != len(batch):
            raise ProviderUnavailable(f"pinecone upserted {response.upserted_count} of {len(batch)} vectors")

    def delete(self, ids: Sequence[str]) -> None:
        for chunk in chunked(unique_checked_ids(ids), MAX_IDS_PER_REQUEST):
            with self._translated("delete"):
                self._index.delete(ids=chunk, namespace=self.namespace)

    def list_ids(self, prefix: str) -> list[str]:
        check_prefix(prefix)
        found: set[str] = set()
        token: str | None = None
        seen_tokens: set[str] = set()
        while True:
            with self._translated("list"):
                page = self._index.list_paginated(
                    prefix=prefix or None, limit=LIST_PAGE_SIZE, pagination_token=token, namespace=self.namespace
                )
            found.update(item.id for item in page.vectors if item.id)
            token = page.pagination.next if page.pagination is not None else None
            if not token:
                return sorted(found)
            if token in seen_tokens:
                raise ProviderUnavailable("pinecone list returned the same page token twice")
            seen_tokens.add(token)

    def fetch(self, ids: Sequence[str]) -> dict[str, VectorRecord]:
        found: dict[str, VectorRecord] = {}
        for chunk in _fetch_chunks(unique_checked_ids(ids)):
            with self._translated("fetch"):
                response = self._index.fetch(ids=chunk, namespace=self.namespace)
            for vector_id, vector in response.vectors.items():
                found[vector_id] = VectorRecord(
                    id=vector_id, values=tuple(vector.values), metadata=_from_wire(vector.metadata)
                )
        return found

    def query(
        self, vector: Sequence[float], *, top_k: int = 10, filter: dict[str, MetadataValue] | None = None
    ) -> list[VectorMatch]:
        check_query(vector, top_k, self.dimensions)
        if matches_nothing(filter):
            return []
        with self._translated("query"):
            response = self._index.query(
                top_k=top_k,
                vector=list(vector),
                namespace=self.namespace,
                filter=to_pinecone_filter(filter),
                include_metadata=True,
            )
        return [
            VectorMatch(id=m.id, score=max(-1.0, min(1.0, m.score)), metadata=_from_wire(m.metadata))
            for m in response.matches
        ]

    # --- plumbing -------------------------------------------------------------------------------

    @staticmethod
    def _to_wire(record: VectorRecord) -> dict[str, Any]:
        metadata = {k: list(v) if isinstance(v, list | tuple) else v for k, v in record.metadata.items()}
        return {"id": record.id, "values": list(record.values), "metadata": metadata}

    def _upsert_batches(self, payloads: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
        """Greedy packing under both limits. Sizes are upper bounds: the id and metadata measured as
        compact UTF-8 JSON, and every float counted at the longest a JSON float can be (encoding
        thousands of vectors just to measure them cost more than the upload)."""
        envelope = len(json.dumps({"vectors": [], "namespace": self.namespace}, ensure_ascii=False).encode())
        batch: list[dict[str, Any]] = []
        size = envelope
        for payload in payloads:
            head = {"id": payload["id"], "values": [], "metadata": payload["metadata"]}
            measured = len(orjson.dumps(head))  # compact UTF-8, as the SDK's orjson sends it
            item = measured + _MAX_FLOAT_JSON_BYTES * len(payload["values"]) + 1
            if batch and (len(batch) >= MAX_UPSERT_RECORDS or size + item > UPSERT_BYTE_BUDGET):
                yield batch
                batch, size = [], envelope
            batch.append(payload)
            size += item
        if batch:
            yield batch

    @contextmanager
    def _translated(self, operation: str) -> Iterator[None]:
        """SDK errors become domain errors; the key never appears in a message."""
        try:
            yield
        except ApiError as exc:
            detail = f"pinecone {operation} answered {exc.status_code}: {self._redact(exc)}"
            if exc.status_code in _RETRYABLE or exc.status_code >= 500:
                raise ProviderUnavailable(detail) from exc
            raise ProviderRejected(detail) from exc
        except (PineconeConnectionError, PineconeTimeoutError, ResponseParsingError) as exc:
            raise ProviderUnavailable(f"pinecone {operation} failed: {self._redact(exc)}") from exc
        except (PineconeValueError, PineconeTypeError) as exc:
            raise InvalidInput(f"pinecone {operation} refused the arguments: {self._redact(exc)}") from exc
        except PineconeError as exc:
            raise ProviderRejected(f"pinecone {operation} failed: {self._redact(exc)}") from exc

    def _redact(self, exc: BaseException) -> str:
        return str(exc).replace(self._api_key, "***")


def _from_wire(metadata: Mapping[str, Any] | None) -> dict[str, MetadataValue]:
    """Pinecone keeps every metadata number as a 64-bit float; whole numbers come back as ints."""
    result: dict[str, MetadataValue] = {}
    for key, value in (metadata or {}).items():
        if isinstance(value, float) and value.is_integer() and abs(value) < _LARGEST_EXACT_FLOAT:
            result[key] = int(value)
        elif isinstance(value, list):
            result[key] = [str(item) for item in value]
        else:
            result[key] = value
    return result


def _fetch_chunks(ids: list[str]) -> Iterator[list[str]]:
    """At most 1,000 ids per request, and a query string short enough for any proxy on the way."""
    chunk: list[str] = []
    length = 0
    for vector_id in ids:
        item = len("&ids=") + len(quote(vector_id, safe=""))
        if chunk and (len(chunk) >= MAX_IDS_PER_REQUEST or length + item > FETCH_QUERY_BUDGET):
            yield chunk
            chunk, length = [], 0
        chunk.append(vector_id)
        length += item
    if chunk:
        yield chunk
