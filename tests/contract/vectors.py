"""Builders for the vector-index contracts: small vectors with a known nearest neighbour, records
with Korean metadata, and a `PineconeVectorIndex` wired to a running emulator."""

from __future__ import annotations

import re

from changple_adapters.pinecone import PineconeVectorIndex
from changple_domain.model.providers import MetadataValue, VectorRecord
from tests.emulators.pinecone import PineconeEmulator

DIM = 8
KEY = "pc-test-key-0123456789"


def unit(i: int, dim: int = DIM) -> tuple[float, ...]:
    """A vector pointing mostly along axis i, with a little of every axis so none is all zeros."""
    return tuple(1.0 if k == i % dim else 0.01 * (k + 1) for k in range(dim))


def record(vector_id: str, values: tuple[float, ...] | None = None, **metadata: MetadataValue) -> VectorRecord:
    """A chunk record whose `article_id` comes from a `post-{id}#{chunk}` id."""
    found = re.match(r"post-(\d+)#", vector_id)
    article = int(found.group(1)) if found else 0
    meta: dict[str, MetadataValue] = {"article_id": article, "title": "치킨집 창업 1년 후기", **metadata}
    return VectorRecord(id=vector_id, values=values or unit(article), metadata=meta)


def pinecone_index(
    emulator: PineconeEmulator, *, dimensions: int = DIM, api_key: str = KEY, namespace: str = "posts"
) -> PineconeVectorIndex:
    assert emulator.url, "start the emulator first"
    return PineconeVectorIndex(api_key=api_key, host=emulator.url, namespace=namespace, dimensions=dimensions)
