"""What only one `VectorIndex` has: Pinecone's request limits, retries and error mapping (the real
SDK against the emulator), and LanceDB's persistence across instances and processes."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pinecone import Pinecone
from pinecone.errors import ApiError, PayloadTooLargeError

from changple_adapters._vectors import matches, to_pinecone_filter
from changple_adapters.local.vector_index import LanceVectorIndex
from changple_adapters.pinecone import PineconeVectorIndex
from changple_domain.errors import InvalidSetting, ProviderRejected, ProviderUnavailable
from changple_domain.model.providers import MetadataValue, VectorRecord
from tests.contract.vectors import DIM, KEY, pinecone_index, record, unit
from tests.emulators.pinecone import MAX_UPSERT_BYTES, MAX_UPSERT_RECORDS, PineconeEmulator
from tests.emulators.pinecone_rules import filter_matches


@pytest.fixture
def emulator(pinecone_server: PineconeEmulator) -> PineconeEmulator:
    pinecone_server.reset()
    return pinecone_server


# --- Pinecone only: request limits, retries and errors --------------------------------------------


def test_pinecone_splits_upserts_within_both_limits(emulator: PineconeEmulator) -> None:
    index = pinecone_index(emulator, dimensions=512)
    brands: list[str] = ["교촌치킨", "BBQ", "메가커피"]
    records = [
        VectorRecord(
            id=f"post-{i // 5}#{i % 5}",
            values=tuple(math.sin(i + k) / 3 for k in range(512)),
            metadata={"article_id": i // 5, "title": f"창업 후기 {i}", "brands": brands},
        )
        for i in range(1_500)
    ]

    index.upsert(records)

    calls = emulator.upserts
    assert len(calls) > 1
    assert sum(c.records for c in calls) == 1_500
    assert sum(c.body_bytes for c in calls) > MAX_UPSERT_BYTES
    assert all(c.status == 200 and c.body_bytes <= MAX_UPSERT_BYTES for c in calls)
    assert len(emulator.vectors("posts")) == 1_500


def test_pinecone_splits_by_count(emulator: PineconeEmulator) -> None:
    pinecone_index(emulator).upsert([record(f"post-{i}#0", unit(i)) for i in range(2_500)])

    assert sorted(c.records for c in emulator.upserts) == [500, 1_000, 1_000]  # sent concurrently
    assert all(c.records <= MAX_UPSERT_RECORDS for c in emulator.upserts)


def test_pinecone_concurrent_upserts_fail_whole_and_a_retry_lands_everything(emulator: PineconeEmulator) -> None:
    index = PineconeVectorIndex(api_key=KEY, host=emulator.url, dimensions=DIM, upsert_concurrency=3)
    records = [record(f"post-{i}#0", unit(i)) for i in range(6_000)]
    emulator.failures, emulator.retry_after_seconds = [400], 0  # one of the six requests is refused

    with pytest.raises(ProviderRejected, match="400"):
        index.upsert(records)
    assert len(emulator.vectors("posts")) < 6_000

    index.upsert(records)  # the same call again: idempotent, and now complete
    assert len(emulator.vectors("posts")) == 6_000


@pytest.mark.parametrize("concurrency", [0, 33])
def test_pinecone_upsert_concurrency_is_checked(emulator: PineconeEmulator, concurrency: int) -> None:
    with pytest.raises(InvalidSetting, match="upsert_concurrency"):
        PineconeVectorIndex(api_key=KEY, host=emulator.url, upsert_concurrency=concurrency)


def test_pinecone_pages_lists_and_chunks_fetch_and_delete(emulator: PineconeEmulator) -> None:
    index = pinecone_index(emulator)
    ids = [f"post-1#{i}" for i in range(2_300)]
    index.upsert([record(i) for i in ids])

    assert len(index.list_ids("post-1#")) == 2_300
    assert emulator.count("/vectors/list") == 23
    assert len(index.fetch(ids)) == 2_300
    assert emulator.count("/vectors/fetch") >= 3
    index.delete(ids)
    assert emulator.count("/vectors/delete") == 3
    assert emulator.vectors("posts") == {}


def test_pinecone_namespaces_are_separate(emulator: PineconeEmulator) -> None:
    posts, other = pinecone_index(emulator), pinecone_index(emulator, namespace="other")
    posts.upsert([record("post-1#0")])

    assert other.list_ids("") == []
    assert other.query(unit(1), top_k=3) == []
    assert posts.list_ids("") == ["post-1#0"]


def test_pinecone_429_is_retried_by_the_sdk(emulator: PineconeEmulator) -> None:
    index = pinecone_index(emulator)
    emulator.failures = [429]

    index.upsert([record("post-1#0")])

    assert emulator.count("/vectors/upsert") == 2
    assert index.list_ids("") == ["post-1#0"]


@pytest.mark.parametrize("status", [429, 503])
def test_pinecone_exhausted_retries_are_unavailable(emulator: PineconeEmulator, status: int) -> None:
    index = pinecone_index(emulator)
    emulator.failures, emulator.retry_after_seconds = [status] * 4, 0

    with pytest.raises(ProviderUnavailable, match=str(status)):
        index.query(unit(1), top_k=3)
    assert emulator.count("/query") == 4  # one try and the SDK's three retries


def test_pinecone_4xx_is_rejected_at_once(emulator: PineconeEmulator) -> None:
    index = pinecone_index(emulator)
    emulator.failures = [400]

    with pytest.raises(ProviderRejected, match="400"):
        index.upsert([record("post-1#0")])
    assert emulator.count("/vectors/upsert") == 1


def test_pinecone_bad_key_is_rejected_without_leaking_it(emulator: PineconeEmulator) -> None:
    index = pinecone_index(emulator, api_key="pc-wrong-secret-key")

    with pytest.raises(ProviderRejected, match="401") as caught:
        index.list_ids("post-1#")
    assert "pc-wrong-secret-key" not in str(caught.value)


def test_pinecone_unreachable_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    import pinecone._internal.http_client as http_client

    monkeypatch.setattr(http_client, "_retry_sleep", lambda _seconds: None)  # the SDK's seam for its backoff
    gone = PineconeEmulator(api_key=KEY)
    gone.start()
    index = pinecone_index(gone)
    gone.stop()

    with pytest.raises(ProviderUnavailable):
        index.fetch(["post-1#0"])


def test_pinecone_host_must_look_like_a_host() -> None:
    with pytest.raises(InvalidSetting):
        PineconeVectorIndex(api_key=KEY, host="http://emulator:5080")


# --- LanceDB only: persistence ------------------------------------------------------------------------


def test_lance_reopens_the_same_directory(tmp_path: Path) -> None:
    LanceVectorIndex(path=tmp_path, dimensions=DIM).upsert([record("post-1#0", brands=["BBQ"]), record("post-1#1")])

    reopened = LanceVectorIndex(path=tmp_path, dimensions=DIM)

    assert reopened.list_ids("post-1#") == ["post-1#0", "post-1#1"]
    assert reopened.fetch(["post-1#0"])["post-1#0"].metadata["brands"] == ["BBQ"]
    with pytest.raises(InvalidSetting):
        LanceVectorIndex(path=tmp_path, dimensions=DIM * 2).list_ids("")


def test_lance_sees_another_process_writes(tmp_path: Path) -> None:
    index = LanceVectorIndex(path=tmp_path, dimensions=DIM)
    index.upsert([record("post-1#0")])
    assert index.list_ids("") == ["post-1#0"]
    script = (
        "import sys; from pathlib import Path; from changple_adapters.local.vector_index import LanceVectorIndex;"
        "from changple_domain.model.providers import VectorRecord;"
        f"i = LanceVectorIndex(path=Path(sys.argv[1]), dimensions={DIM}); i.delete(['post-1#0']);"
        f"i.upsert([VectorRecord(id='post-2#0', values=(1.0,) * {DIM})]); print(i.list_ids(''))"
    )
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True, capture_output=True, text=True)

    assert out.stdout.strip() == "['post-2#0']"
    assert index.list_ids("") == ["post-2#0"]


def test_lance_compacts_fragments(tmp_path: Path) -> None:
    index = LanceVectorIndex(path=tmp_path, dimensions=DIM)
    for i in range(40):
        index.upsert([record(f"post-{i}#0")])

    assert index._open().stats()["fragment_stats"]["num_fragments"] <= 17
    assert len(index.list_ids("")) == 40


# --- the emulator speaks Pinecone where the adapter does not go -----------------------------------


def test_emulator_filter_language_and_limits(emulator: PineconeEmulator) -> None:
    sdk = Pinecone(api_key=KEY).Index(host=emulator.url)
    sdk.upsert(
        vectors=[
            {"id": "a", "values": list(unit(1)), "metadata": {"n": 1, "tags": ["x", "y"], "kind": "p"}},
            {"id": "b", "values": list(unit(2)), "metadata": {"n": 5, "tags": ["z"], "kind": "q"}},
            {"id": "c", "values": list(unit(3)), "metadata": {"n": 9}},
        ]
    )

    def ids(expression: dict[str, Any]) -> list[str]:
        return sorted(m.id for m in sdk.query(top_k=10, vector=list(unit(1)), filter=expression).matches)

    assert ids({"n": {"$gt": 1, "$lte": 9}}) == ["b", "c"]
    assert ids({"tags": {"$nin": ["x"]}}) == ["b", "c"]
    assert ids({"kind": {"$ne": "p"}}) == ["b", "c"]
    assert ids({"$or": [{"tags": "y"}, {"n": {"$gte": 9}}]}) == ["a", "c"]
    assert ids({"$and": [{"tags": {"$in": ["x", "z"]}}, {"n": {"$lt": 5}}]}) == ["a"]
    assert sdk.fetch(ids=["a"]).vectors["a"].metadata == {"n": 1.0, "tags": ["x", "y"], "kind": "p"}
    assert sdk.describe_index_stats().total_vector_count == 3
    with pytest.raises(ApiError) as too_many:
        sdk.upsert(vectors=[{"id": f"v{i}", "values": list(unit(i))} for i in range(1_001)])
    assert too_many.value.status_code == 400
    with pytest.raises(PayloadTooLargeError):
        sdk.upsert(
            vectors=[
                {"id": f"v{i}", "values": [0.123456789012345] * DIM, "metadata": {"t": "가" * 4_000}}
                for i in range(200)
            ]
        )
    with pytest.raises(ApiError, match="dimension"):
        sdk.upsert(vectors=[{"id": "d", "values": [1.0, 2.0]}])
    with pytest.raises(ApiError, match="exactly one"):
        sdk._http.post("/vectors/delete", json={"ids": ["a"], "deleteAll": True})
    assert [c.status for c in emulator.upserts] == [200, 400, 413, 400]


_words = st.sampled_from(["창업", "BBQ", "질문"])
_values = st.one_of(_words, st.integers(-2, 2), st.floats(-2, 2), st.booleans(), st.lists(_words, max_size=3))
_keys = st.sampled_from(["board", "brands", "n"])


@given(metadata=st.dictionaries(_keys, _values), simple=st.dictionaries(_keys, _values, max_size=2))
def test_adapters_filter_like_the_emulator(
    metadata: dict[str, MetadataValue], simple: dict[str, MetadataValue]
) -> None:
    """The adapters' own filter code (memory, LanceDB) and the emulator's Pinecone filter agree."""
    expression = to_pinecone_filter(simple)
    if any(value == [] for value in simple.values()):
        assert not matches(metadata, simple)
    else:
        assert matches(metadata, simple) == filter_matches(metadata, expression or {})
