"""The `VectorIndex` contract, run on the in-memory fake, on Pinecone (the real SDK against a local
emulator of its data plane) and on the embedded LanceDB index. What only one of them has (Pinecone's
request limits and errors, LanceDB's persistence) is in test_vector_index_specifics.py."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from changple_adapters.local.vector_index import LanceVectorIndex
from changple_adapters.memory.vector_index import MemoryVectorIndex
from changple_domain.errors import InvalidInput
from changple_domain.model.providers import MetadataValue, VectorRecord
from changple_domain.ports import VectorIndex
from tests.contract.vectors import DIM, pinecone_index, record, unit
from tests.emulators.pinecone import PineconeEmulator


@pytest.fixture
def emulator(pinecone_server: PineconeEmulator) -> PineconeEmulator:
    pinecone_server.reset()
    return pinecone_server


@pytest.fixture(params=["memory", "pinecone", "lance"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> VectorIndex:
    if request.param == "memory":
        return MemoryVectorIndex(dimensions=DIM)
    if request.param == "pinecone":
        return pinecone_index(request.getfixturevalue("emulator"))
    return LanceVectorIndex(path=tmp_path / "lance", dimensions=DIM)


# --- the contract ---------------------------------------------------------------------------------


def test_upsert_then_fetch_round_trips_values_and_metadata(index: VectorIndex) -> None:
    stored = record(
        "post-1003#0",
        (0.123456789, -0.5, 0.25, 1e-3, 0.0, 0.75, -0.125, 0.3333),
        board="창업 이야기",
        brands=["교촌치킨", "BBQ"],
        views=1234,
        rating=4.5,
        is_notice=False,
    )
    index.upsert([stored, record("post-1003#1")])

    fetched = index.fetch(["post-1003#0", "post-404#0"])

    assert list(fetched) == ["post-1003#0"]
    got = fetched["post-1003#0"]
    assert got.values == pytest.approx(stored.values, rel=1e-6, abs=1e-7)  # float32 is enough
    assert got.metadata == stored.metadata
    assert type(got.metadata["article_id"]) is int  # Pinecone answers 1003.0
    assert type(got.metadata["is_notice"]) is bool
    assert index.fetch([]) == {}


def test_upsert_replaces_and_never_duplicates(index: VectorIndex) -> None:
    index.upsert([record("post-7#0", board="old"), record("post-7#1")])
    index.upsert([record("post-7#0", unit(3), board="first"), record("post-7#0", unit(5), board="new")])

    assert index.list_ids("post-7#") == ["post-7#0", "post-7#1"]
    replaced = index.fetch(["post-7#0"])["post-7#0"]
    assert replaced.metadata["board"] == "new"
    assert replaced.values == pytest.approx(unit(5), rel=1e-6)


def test_list_ids_returns_exactly_one_posts_chunks_across_pages(index: VectorIndex) -> None:
    chunks = [record(f"post-1#{i}") for i in range(250)]
    others = [record(i) for i in ("post-10#0", "post-10#1", "post-100#0", "post-2#0", "post-11#0")]
    index.upsert(chunks + others)

    assert index.list_ids("post-1#") == sorted(r.id for r in chunks)
    assert index.list_ids("post-10#") == ["post-10#0", "post-10#1"]
    assert index.list_ids("post-3#") == []
    assert len(index.list_ids("")) == 255
    assert len(index.list_ids("post-1")) == 254


def test_ids_with_sql_and_like_characters_are_literal(index: VectorIndex) -> None:
    odd = ["post-1%#0", "post-1_#0", "post-1#0", "post-9'\\#0", 'post-9"#1']
    index.upsert([record(i, unit(n)) for n, i in enumerate(odd)])

    assert index.list_ids("post-1%") == ["post-1%#0"]
    assert index.list_ids("post-1_") == ["post-1_#0"]
    assert index.list_ids("post-9'") == ["post-9'\\#0"]
    assert set(index.fetch(odd)) == set(odd)
    index.delete(["post-9'\\#0", "post-1%#0"])
    assert index.list_ids("post-") == ["post-1#0", "post-1_#0", 'post-9"#1']


def test_delete_removes_only_the_given_ids(index: VectorIndex) -> None:
    index.upsert([record(f"post-5#{i}") for i in range(4)] + [record("post-6#0")])

    index.delete(["post-5#1", "post-5#3", "post-404#0"])
    index.delete([])

    assert index.list_ids("post-") == ["post-5#0", "post-5#2", "post-6#0"]
    assert index.fetch(["post-5#1"]) == {}


def test_query_returns_the_nearest_first(index: VectorIndex) -> None:
    index.upsert([record(f"post-{i}#0", unit(i)) for i in range(1, 7)])

    matches = index.query(unit(3), top_k=3)

    assert len(matches) == 3
    assert matches[0].id == "post-3#0"
    assert matches[0].score == pytest.approx(1.0, abs=1e-5)
    assert all(-1.0 <= m.score <= 1.0 for m in matches)
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    assert matches[0].metadata["article_id"] == 3
    assert len(index.query(unit(3), top_k=100)) == 6


def test_query_filters_by_scalar_and_by_list_membership(index: VectorIndex) -> None:
    index.upsert(
        [
            record("post-1#0", unit(1), board="창업 이야기", brands=["교촌치킨", "BBQ"], is_notice=False),
            record("post-2#0", unit(1), board="창업 이야기", brands=["메가커피"], is_notice=True),
            record("post-3#0", unit(2), board="질문", brands=["BBQ"], is_notice=False),
            record("post-4#0", unit(1), board="질문", brands=[], is_notice=False),
        ]
        + [record(f"post-{i}#0", unit(1), board="잡담") for i in range(10, 90)]  # nearer crowd to filter out
    )

    def ids(**filter: MetadataValue) -> list[str]:
        return sorted(m.id for m in index.query(unit(1), top_k=5, filter=filter))

    assert ids(board="창업 이야기") == ["post-1#0", "post-2#0"]
    assert ids(brands="BBQ") == ["post-1#0", "post-3#0"]
    assert ids(brands=["메가커피", "없는브랜드"]) == ["post-2#0"]
    assert ids(board=["질문", "없는게시판"], is_notice=False) == ["post-3#0", "post-4#0"]
    assert ids(article_id=3) == ["post-3#0"]
    assert ids(is_notice=True) == ["post-2#0"]
    assert ids(board="없는게시판") == []
    assert ids(brands=[]) == []


def test_a_big_upsert_lands_whole(index: VectorIndex) -> None:
    index.upsert([record(f"post-{i // 10}#{i % 10}", unit(i)) for i in range(2_500)])

    assert len(index.list_ids("")) == 2_500
    assert len(index.fetch([f"post-{i}#0" for i in range(250)])) == 250


def test_oversized_metadata_is_refused_and_nothing_is_written(index: VectorIndex) -> None:
    big = record("post-9#1", body="가맹비와 인테리어 비용 " * 2_000)  # about 60 KB of UTF-8
    with pytest.raises(InvalidInput, match="40960"):
        index.upsert([record("post-9#0"), big])
    assert index.list_ids("") == []


@pytest.mark.parametrize(
    "bad",
    [
        record("post-1#0", (1.0, 2.0, 3.0)),  # wrong dimension
        record("post-1#0", (0.0,) * DIM),  # no cosine for a zero vector
        record("게시글-1#0"),  # ids are ASCII
        record("post-1#0", (math.nan,) + (1.0,) * (DIM - 1)),
        VectorRecord(id="post-1#0", values=unit(1), metadata={"$bad": "key"}),
    ],
)
def test_invalid_records_are_refused(index: VectorIndex, bad: VectorRecord) -> None:
    with pytest.raises(InvalidInput):
        index.upsert([bad])
    assert index.list_ids("") == []


def test_invalid_queries_are_refused(index: VectorIndex) -> None:
    index.upsert([record("post-1#0")])
    for top_k, vector in ((0, unit(1)), (10_001, unit(1)), (5, (1.0, 2.0))):
        with pytest.raises(InvalidInput):
            index.query(vector, top_k=top_k)
    with pytest.raises(InvalidInput):
        index.list_ids("게시글-")


def test_fetch_and_delete_check_every_id_and_take_a_repeated_one_once(index: VectorIndex) -> None:
    index.upsert([record("post-1#0"), record("post-2#0")])

    assert list(index.fetch(["post-1#0", "post-1#0"])) == ["post-1#0"]
    for bad in ("", "게시글-1#0", "x" * 513):
        with pytest.raises(InvalidInput):
            index.fetch(["post-1#0", bad])
        with pytest.raises(InvalidInput):
            index.delete(["post-2#0", bad])
    assert index.list_ids("post-") == ["post-1#0", "post-2#0"]  # a refused delete removed nothing
    index.delete(["post-2#0", "post-2#0"])
    assert index.list_ids("post-") == ["post-1#0"]
