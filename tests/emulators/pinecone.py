"""A local emulator of the Pinecone data plane (REST, API version 2026-07), as the pinecone SDK speaks
it: upsert, query, fetch, list, delete and describe_index_stats over namespaces, with Pinecone's
request limits and its storage quirks (values kept as float32, metadata numbers as float64).

Knobs, all guarded by `self.lock`: `failures` (statuses answered to the next requests, one popped per
request), `retry_after_seconds` (a Retry-After header on those), `latency_seconds`, `requests` (every
(method, path)), `upserts` (one `UpsertCall` per upsert request, accepted or not), `namespaces` (the
stored vectors), `dimension` (fixed by the constructor or the first upsert)."""

from __future__ import annotations

import base64
import json
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.emulators.base import Emulator, Handler, Request, Response, run_main
from tests.emulators.pinecone_rules import PineconeError, cosine, error_response, filter_matches, float32, is_number

MAX_UPSERT_RECORDS = 1_000
MAX_UPSERT_BYTES = 2 * 1024 * 1024
MAX_METADATA_BYTES = 40 * 1024
MAX_IDS = 1_000
MAX_TOP_K = 10_000
MAX_ID_LENGTH = 512
MAX_LIST_LIMIT = 100


@dataclass(frozen=True)
class StoredVector:
    id: str
    values: array[float]  # float32, as Pinecone keeps them
    metadata: dict[str, Any]

    def to_json(self, *, values: bool = True, metadata: bool = True) -> dict[str, Any]:
        body: dict[str, Any] = {"id": self.id, "values": list(self.values) if values else []}
        if metadata and self.metadata:
            body["metadata"] = self.metadata
        return body


@dataclass(frozen=True)
class UpsertCall:
    records: int
    body_bytes: int
    status: int


class PineconeEmulator(Emulator):
    """`api_key=None` accepts any non-empty key; `dimension=None` lets the first upsert fix it."""

    def __init__(self, *, api_key: str | None = None, dimension: int | None = None) -> None:
        super().__init__()
        self.api_key = api_key
        self.dimension = dimension
        self._initial_dimension = dimension
        self.url = ""
        self.namespaces: dict[str, dict[str, StoredVector]] = {}
        self.failures: list[int] = []
        self.retry_after_seconds: float | None = None
        self.upserts: list[UpsertCall] = []
        for method, path, handler in (
            ("POST", "/vectors/upsert", self._upsert),
            ("POST", "/query", self._query),
            ("GET", "/vectors/fetch", self._fetch),
            ("GET", "/vectors/list", self._list),
            ("POST", "/vectors/delete", self._delete),
            ("POST", "/describe_index_stats", self._stats),
        ):
            self.route(method, path, self._guarded(handler))

    # --- test helpers -------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """The URL to give the SDK: it takes plain http only for a host with a dot or `localhost`."""
        self.url = super().start(host, port).replace("//127.0.0.1:", "//localhost:")
        return self.url

    def reset(self) -> None:
        """Forget every vector, knob and counter: one server can serve many tests (stopping costs 0.5 s)."""
        with self.lock:
            self.namespaces.clear()
            self.failures.clear()
            self.upserts.clear()
            self.requests.clear()
            self.dimension = self._initial_dimension
            self.retry_after_seconds = None
            self.latency_seconds = 0.0

    def count(self, path: str, method: str | None = None) -> int:
        """How many requests reached `path` (any method unless given)."""
        with self.lock:
            return sum(1 for m, p in self.requests if p == path and method in (None, m))

    def vectors(self, namespace: str = "") -> dict[str, StoredVector]:
        """A copy of one namespace's stored vectors."""
        with self.lock:
            return dict(self.namespaces.get(namespace, {}))

    # --- plumbing -----------------------------------------------------------------------------

    def _guarded(self, handler: Callable[[Request], dict[str, Any]]) -> Handler:
        def serve(request: Request) -> Response:
            with self.lock:
                injected = self.failures.pop(0) if self.failures else None
                retry_after = self.retry_after_seconds
            if injected is not None:
                response = error_response(injected, f"injected failure {injected}")
                if retry_after is not None:
                    response.headers["Retry-After"] = f"{retry_after:g}"
                return response
            key = request.headers.get("api-key", "")
            if not key or (self.api_key is not None and key != self.api_key):
                return Response(
                    401, {"error": {"code": "UNAUTHENTICATED", "message": "Invalid API Key"}, "status": 401}
                )
            try:
                return Response(200, handler(request))
            except PineconeError as exc:
                return error_response(exc.status, str(exc))

        return serve

    @staticmethod
    def _body(request: Request) -> dict[str, Any]:
        try:
            body = request.json()
        except ValueError as exc:
            raise PineconeError(400, f"malformed JSON: {exc}") from exc
        if not isinstance(body, dict):
            raise PineconeError(400, "the body must be a JSON object")
        return body

    @staticmethod
    def _namespace(raw: Any) -> str:
        return "" if raw in (None, "__default__") else str(raw)

    @staticmethod
    def _check_id(vector_id: Any) -> str:
        if not isinstance(vector_id, str) or not 1 <= len(vector_id) <= MAX_ID_LENGTH:
            raise PineconeError(400, f"vector id must be a string of 1-{MAX_ID_LENGTH} characters")
        return vector_id

    @staticmethod
    def _check_values(values: Any, what: str, dimension: int | None) -> array[float]:
        if not isinstance(values, list) or not values or not set(map(type, values)) <= {float, int}:
            raise PineconeError(400, f"{what}: values must be a non-empty array of numbers")
        if dimension is not None and len(values) != dimension:
            raise PineconeError(
                400, f"Vector dimension {len(values)} does not match the dimension of the index {dimension}"
            )
        if not any(values):
            raise PineconeError(400, f"{what}: dense vectors must contain at least one non-zero value")
        return float32(values)

    @staticmethod
    def _check_metadata(vector_id: str, metadata: Any) -> dict[str, Any]:
        if metadata is None:
            return {}
        if not isinstance(metadata, dict):
            raise PineconeError(400, f"{vector_id}: metadata must be an object")
        size = len(json.dumps(metadata, ensure_ascii=False, separators=(",", ":")).encode())
        if size > MAX_METADATA_BYTES:
            raise PineconeError(
                400, f"Metadata size is {size} bytes, which exceeds the limit of {MAX_METADATA_BYTES} bytes per vector"
            )
        stored: dict[str, Any] = {}
        for key, value in metadata.items():
            if key.startswith("$"):
                raise PineconeError(400, f"{vector_id}: metadata key {key!r} is reserved")
            if isinstance(value, list) and all(isinstance(item, str) for item in value):
                stored[key] = list(value)
            elif isinstance(value, str | bool):
                stored[key] = value
            elif is_number(value):
                stored[key] = float(value)  # Pinecone keeps every number as a 64-bit float
            elif value is not None:
                raise PineconeError(
                    400, f"{vector_id}: metadata {key!r} must be a string, number, boolean or list of strings"
                )
        return stored

    # --- routes -------------------------------------------------------------------------------

    def _upsert(self, request: Request) -> dict[str, Any]:
        status, count = 200, 0
        try:
            if len(request.body) > MAX_UPSERT_BYTES:
                raise PineconeError(
                    413, f"Request size {len(request.body)} bytes exceeds the limit of {MAX_UPSERT_BYTES} bytes"
                )
            body = self._body(request)
            count = len(body["vectors"]) if isinstance(body.get("vectors"), list) else 0
            return self._apply_upsert(body)
        except PineconeError as exc:
            status = exc.status
            raise
        finally:
            with self.lock:
                self.upserts.append(UpsertCall(count, len(request.body), status))

    def _apply_upsert(self, body: dict[str, Any]) -> dict[str, Any]:
        """All or nothing: every vector is checked before any is stored."""
        vectors = body.get("vectors")
        if not isinstance(vectors, list) or not vectors:
            raise PineconeError(400, "vectors must be a non-empty array")
        if len(vectors) > MAX_UPSERT_RECORDS:
            raise PineconeError(400, f"upsert takes at most {MAX_UPSERT_RECORDS} vectors, got {len(vectors)}")
        with self.lock:
            dimension = self.dimension
            staged: dict[str, StoredVector] = {}
            for item in vectors:
                if not isinstance(item, dict):
                    raise PineconeError(400, "each vector must be an object")
                vector_id = self._check_id(item.get("id"))
                values = self._check_values(item.get("values"), vector_id, dimension)
                dimension = len(values)
                staged[vector_id] = StoredVector(
                    vector_id, values, self._check_metadata(vector_id, item.get("metadata"))
                )
            self.dimension = dimension
            self.namespaces.setdefault(self._namespace(body.get("namespace")), {}).update(staged)
        return {"upsertedCount": len(vectors)}

    def _query(self, request: Request) -> dict[str, Any]:
        body = self._body(request)
        top_k = body.get("topK")
        if not isinstance(top_k, int) or isinstance(top_k, bool) or not 1 <= top_k <= MAX_TOP_K:
            raise PineconeError(400, f"topK must be an integer between 1 and {MAX_TOP_K}")
        namespace = self._namespace(body.get("namespace"))
        expression = body.get("filter")
        with self.lock:
            stored = self.namespaces.get(namespace, {})
            if "id" in body:
                base = stored.get(self._check_id(body["id"]))
                query = base.values if base else None
            else:
                query = self._check_values(body.get("vector"), "query vector", self.dimension)
            candidates = [v for v in stored.values() if expression is None or filter_matches(v.metadata, expression)]
        scored = (
            sorted(((cosine(query, v.values), v) for v in candidates), key=lambda p: (-p[0], p[1].id)) if query else []
        )
        include_values, include_metadata = bool(body.get("includeValues")), bool(body.get("includeMetadata"))
        matches = [
            {"score": score, **v.to_json(values=include_values, metadata=include_metadata)}
            for score, v in scored[:top_k]
        ]
        return {"matches": matches, "namespace": namespace, "usage": {"readUnits": 1 + len(candidates) // 1000}}

    def _fetch(self, request: Request) -> dict[str, Any]:
        ids = request.query.get("ids", [])
        if not ids:
            raise PineconeError(400, "ids is required")
        if len(ids) > MAX_IDS:
            raise PineconeError(400, f"fetch takes at most {MAX_IDS} ids, got {len(ids)}")
        namespace = self._namespace((request.query.get("namespace") or [""])[0])
        with self.lock:
            stored = self.namespaces.get(namespace, {})
            found = {i: stored[i].to_json() for i in ids if i in stored}
        return {"vectors": found, "namespace": namespace, "usage": {"readUnits": 1 + len(found) // 10}}

    def _list(self, request: Request) -> dict[str, Any]:
        query = {key: values[0] for key, values in request.query.items()}
        try:
            limit = int(query.get("limit", MAX_LIST_LIMIT))
        except ValueError as exc:
            raise PineconeError(400, "limit must be an integer") from exc
        if not 1 <= limit <= MAX_LIST_LIMIT:
            raise PineconeError(400, f"limit must be between 1 and {MAX_LIST_LIMIT}")
        prefix = query.get("prefix", "")
        after = base64.urlsafe_b64decode(query["paginationToken"]).decode() if "paginationToken" in query else None
        namespace = self._namespace(query.get("namespace"))
        with self.lock:
            ids = sorted(i for i in self.namespaces.get(namespace, {}) if i.startswith(prefix))
        if after is not None:
            ids = [i for i in ids if i > after]
        page = ids[:limit]
        result: dict[str, Any] = {
            "vectors": [{"id": i} for i in page],
            "namespace": namespace,
            "usage": {"readUnits": 1},
        }
        if len(ids) > limit:
            result["pagination"] = {"next": base64.urlsafe_b64encode(page[-1].encode()).decode()}
        return result

    def _delete(self, request: Request) -> dict[str, Any]:
        body = self._body(request)
        selectors = [key for key in ("ids", "deleteAll", "filter") if body.get(key) not in (None, False)]
        if len(selectors) != 1:
            raise PineconeError(400, "exactly one of ids, deleteAll and filter is required")
        namespace = self._namespace(body.get("namespace"))
        with self.lock:
            stored = self.namespaces.setdefault(namespace, {})
            if selectors == ["ids"]:
                ids = body["ids"]
                if not isinstance(ids, list) or len(ids) > MAX_IDS:
                    raise PineconeError(400, f"delete takes an array of at most {MAX_IDS} ids")
                doomed = [i for i in ids if i in stored]
            elif selectors == ["deleteAll"]:
                doomed = list(stored)
            else:
                doomed = [i for i, v in stored.items() if filter_matches(v.metadata, body["filter"])]
            for vector_id in doomed:
                del stored[vector_id]
        return {}

    def _stats(self, request: Request) -> dict[str, Any]:
        if self._body(request).get("filter"):
            raise PineconeError(400, "describe_index_stats does not take a filter on serverless indexes")
        with self.lock:
            counts = {ns or "__default__": len(v) for ns, v in self.namespaces.items() if v}
            dimension = self.dimension
        return {
            "namespaces": {ns: {"vectorCount": n} for ns, n in counts.items()},
            "dimension": dimension,
            "indexFullness": 0.0,
            "totalVectorCount": sum(counts.values()),
            "metric": "cosine",
            "vectorType": "dense",
        }


if __name__ == "__main__":
    run_main(PineconeEmulator())
