"""Packing requests into provider batches within every limit at once. Greedy and order-keeping:
a batch closes when the next item would cross any limit; an item that alone crosses a limit is
reported, never sent."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class BatchLimits(BaseModel):
    """Per-batch ceilings; `max_inputs` counts inputs summed over all requests (OpenAI's rule)."""

    model_config = ConfigDict(frozen=True)

    max_requests: int = Field(ge=1)
    max_bytes: int = Field(ge=1)
    max_inputs: int | None = Field(default=None, ge=1)


class Packed(BaseModel, Generic[T]):
    batches: list[list[T]]
    too_large: list[T]


# Provider facts (shared/PROVIDERS.md), with head-room for the JSONL framing around each body.
OPENAI_EMBEDDING_BATCH = BatchLimits(max_requests=50_000, max_bytes=190_000_000, max_inputs=50_000)
OPENAI_MAX_INPUTS_PER_REQUEST = 2048
OPENAI_MAX_TOKENS_PER_REQUEST = 300_000
GEMINI_SUMMARY_BATCH = BatchLimits(max_requests=10_000, max_bytes=1_900_000_000)


def pack_lazily(
    items: Iterable[T],
    limits: BatchLimits,
    *,
    size_of: Callable[[T], int],
    inputs_of: Callable[[T], int] = lambda _: 1,
    too_large: Callable[[T], None] = lambda _: None,
) -> Iterator[list[T]]:
    """Yield batches that respect `limits` as `items` arrive, keeping their order; an item that
    alone crosses a limit goes to `too_large`. Only one batch is held at a time, so memory
    depends on the provider's limits, not on how many items there are."""
    current: list[T] = []
    current_bytes = current_inputs = 0
    for item in items:
        size, inputs = size_of(item), inputs_of(item)
        if size > limits.max_bytes or (limits.max_inputs is not None and inputs > limits.max_inputs):
            too_large(item)
            continue
        crosses = (
            len(current) + 1 > limits.max_requests
            or current_bytes + size > limits.max_bytes
            or (limits.max_inputs is not None and current_inputs + inputs > limits.max_inputs)
        )
        if current and crosses:
            yield current
            current, current_bytes, current_inputs = [], 0, 0
        current.append(item)
        current_bytes += size
        current_inputs += inputs
    if current:
        yield current


def pack(
    items: Sequence[T],
    limits: BatchLimits,
    *,
    size_of: Callable[[T], int],
    inputs_of: Callable[[T], int] = lambda _: 1,
) -> Packed[T]:
    """Split `items` into batches that respect `limits`, keeping their order."""
    too_large: list[T] = []
    batches = list(pack_lazily(items, limits, size_of=size_of, inputs_of=inputs_of, too_large=too_large.append))
    return Packed[T](batches=batches, too_large=too_large)
