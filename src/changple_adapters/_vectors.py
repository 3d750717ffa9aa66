"""Rules every `VectorIndex` adapter shares: Pinecone's limits, the caller-facing checks, and the
simple-filter semantics, so the in-memory fake, LanceDB and Pinecone refuse and match the same things.
Standard library only: the in-memory fake must import with nothing but pydantic."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TypeVar

from changple_domain.errors import InvalidInput
from changple_domain.model.providers import MetadataValue, VectorRecord

MAX_ID_LENGTH = 512
MAX_METADATA_BYTES = 40 * 1024
MAX_TOP_K = 10_000
MAX_UPSERT_RECORDS = 1_000
MAX_UPSERT_BYTES = 2 * 1024 * 1024
MAX_IDS_PER_REQUEST = 1_000

SimpleFilter = Mapping[str, MetadataValue]
T = TypeVar("T")


def check_id(vector_id: str, *, what: str = "id") -> None:
    """Pinecone takes 1-512 ASCII characters without NUL; the SDK refuses anything else."""
    if not vector_id or len(vector_id) > MAX_ID_LENGTH:
        raise InvalidInput(f"{what} must be 1-{MAX_ID_LENGTH} characters, got {len(vector_id)}")
    if not vector_id.isascii() or "\x00" in vector_id:
        raise InvalidInput(f"{what} must be ASCII without NUL: {vector_id[:80]!r}")


def unique_checked_ids(ids: Sequence[str]) -> list[str]:
    """The ids to send, each checked (`check_id`) and once, in first-seen order."""
    for vector_id in ids:
        check_id(vector_id)
    return list(dict.fromkeys(ids))


def check_prefix(prefix: str) -> None:
    """A prefix follows the id rules, except that it may be empty (it then matches every id)."""
    if prefix:
        check_id(prefix, what="prefix")


def metadata_json(metadata: Mapping[str, MetadataValue]) -> str:
    """Compact JSON with raw UTF-8: the measure of the 40 KB metadata limit."""
    return json.dumps(metadata, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def check_metadata(record_id: str, metadata: Mapping[str, MetadataValue]) -> None:
    for key, value in metadata.items():
        if key.startswith("$"):
            raise InvalidInput(f"{record_id}: metadata key {key!r} starts with '$', reserved for filter operators")
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidInput(f"{record_id}: metadata {key!r} is not a finite number")
    size = len(metadata_json(metadata).encode())
    if size > MAX_METADATA_BYTES:
        raise InvalidInput(f"{record_id}: metadata is {size} bytes, over the {MAX_METADATA_BYTES}-byte limit")


def check_vector(values: Sequence[float], dimension: int | None, *, what: str) -> int:
    """Returns the dimension; cosine needs a finite vector with at least one non-zero value."""
    if dimension is not None and len(values) != dimension:
        raise InvalidInput(f"{what} has dimension {len(values)}, the index has {dimension}")
    if not values or not (math.isfinite(sum(values)) or all(math.isfinite(v) for v in values)):
        raise InvalidInput(f"{what} must be a non-empty vector of finite numbers")
    if not any(values):
        raise InvalidInput(f"{what} is all zeros, which has no cosine similarity")
    return len(values)


def check_records(records: Iterable[VectorRecord], dimension: int | None) -> int | None:
    """Validate a whole upsert before anything is written; returns the (possibly first) dimension."""
    for record in records:
        check_id(record.id)
        dimension = check_vector(record.values, dimension, what=f"record {record.id}")
        check_metadata(record.id, record.metadata)
    return dimension


def check_query(vector: Sequence[float], top_k: int, dimension: int | None) -> None:
    if not 1 <= top_k <= MAX_TOP_K:
        raise InvalidInput(f"top_k must be between 1 and {MAX_TOP_K}, got {top_k}")
    check_vector(vector, dimension, what="the query vector")


def last_wins(records: Iterable[VectorRecord]) -> list[VectorRecord]:
    """One record per id, the last one given, as an upsert of them in order would leave it."""
    return list({record.id: record for record in records}.values())


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = math.fsum(x * y for x, y in zip(a, b, strict=True))
    norms = math.sqrt(math.fsum(x * x for x in a)) * math.sqrt(math.fsum(y * y for y in b))
    return max(-1.0, min(1.0, dot / norms)) if norms else 0.0


def _same(stored: MetadataValue, wanted: MetadataValue) -> bool:
    """Equality as Pinecone sees it: booleans are not numbers, and every number is a float."""
    if isinstance(stored, bool) or isinstance(wanted, bool):
        return isinstance(stored, bool) and isinstance(wanted, bool) and stored == wanted
    return stored == wanted


def matches(metadata: Mapping[str, MetadataValue], filter: SimpleFilter | None) -> bool:
    """The port's filter: a scalar means `$eq`, a list means `$in`; a list-valued field matches when
    any of its elements does (Pinecone's semantics). A missing field never matches."""
    for key, wanted in (filter or {}).items():
        if key not in metadata:
            return False
        stored = metadata[key]
        candidates = stored if isinstance(stored, list) else [stored]
        options = wanted if isinstance(wanted, list) else [wanted]
        if not any(_same(c, o) for c in candidates for o in options):
            return False
    return True


def matches_nothing(filter: SimpleFilter | None) -> bool:
    """A filter with an empty list (`$in: []`) matches no record at all: an index need not be asked."""
    return bool(filter) and any(value == [] for value in (filter or {}).values())


def to_pinecone_filter(filter: SimpleFilter | None) -> dict[str, object] | None:
    """The same filter in Pinecone's operator syntax."""
    if not filter:
        return None
    return {key: {"$in": list(value)} if isinstance(value, list) else {"$eq": value} for key, value in filter.items()}


def chunked(items: Sequence[T], size: int) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
