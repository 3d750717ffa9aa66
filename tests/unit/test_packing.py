"""Packing requests into provider batches: every limit holds, order is kept, nothing is lost,
and batches come out while the input is still being read."""

from __future__ import annotations

from collections.abc import Iterator

from hypothesis import given
from hypothesis import strategies as st

from changple_domain.policies.packing import BatchLimits, pack, pack_lazily

Item = tuple[int, int, int]  # (id, bytes, inputs)

items_strategy = st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 60), st.integers(1, 6)), max_size=80)
limits_strategy = st.builds(
    BatchLimits,
    max_requests=st.integers(1, 10),
    max_bytes=st.integers(1, 150),
    max_inputs=st.one_of(st.none(), st.integers(1, 12)),
)


@given(items=items_strategy, limits=limits_strategy)
def test_every_item_is_sent_once_in_order_within_every_limit_or_reported(
    items: list[Item], limits: BatchLimits
) -> None:
    packed = pack(items, limits, size_of=lambda i: i[1], inputs_of=lambda i: i[2])

    def alone_too_large(item: Item) -> bool:
        return item[1] > limits.max_bytes or (limits.max_inputs is not None and item[2] > limits.max_inputs)

    sent = [item for batch in packed.batches for item in batch]
    assert sent == [item for item in items if not alone_too_large(item)]  # in order, none lost
    assert packed.too_large == [item for item in items if alone_too_large(item)]
    for batch in packed.batches:
        assert batch
        assert len(batch) <= limits.max_requests
        assert sum(i[1] for i in batch) <= limits.max_bytes
        if limits.max_inputs is not None:
            assert sum(i[2] for i in batch) <= limits.max_inputs


def test_batches_are_yielded_before_the_input_is_exhausted() -> None:
    read: list[int] = []

    def endless() -> Iterator[int]:
        n = 0
        while True:
            read.append(n)
            yield n
            n += 1

    batches = pack_lazily(endless(), BatchLimits(max_requests=3, max_bytes=10**9), size_of=lambda _: 1)

    assert next(batches) == [0, 1, 2]
    assert len(read) == 4  # the fourth item closed the first batch; nothing more was read
    assert next(batches) == [3, 4, 5]
