"""The BatchEmbedder contract: the same assertions on the in-memory fake, on the OpenAI adapter (real SDK
against the local emulator) and on the offline embedder, so the fakes stay honest."""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from changple_adapters.local.embedder import OfflineBatchEmbedder
from changple_domain.errors import InvalidInput, ProviderRejected
from changple_domain.model.batches import BatchState
from changple_domain.model.providers import EmbeddingRequest, request_key
from changple_domain.ports import BatchEmbedder
from tests.contract.embedding_support import (
    POSTS,
    QUERIES,
    Subject,
    build_subject,
    cosine,
    make_job,
    norm,
    poll_until_done,
    requests_for,
    running_emulator,
)
from tests.emulators.openai import OpenAIEmulator


@pytest.fixture(scope="module")
def openai_emulator() -> Iterator[OpenAIEmulator]:
    with running_emulator() as emulator:
        yield emulator


def _subject(request: pytest.FixtureRequest) -> Subject:
    emulator = request.getfixturevalue("openai_emulator") if request.param == "openai" else None
    return build_subject(request.param, emulator)


@pytest.fixture(params=["memory", "openai", "offline"])
def subject(request: pytest.FixtureRequest) -> Subject:
    return _subject(request)


@pytest.fixture(params=["memory", "openai"])
def scriptable(request: pytest.FixtureRequest) -> Subject:
    return _subject(request)


def test_implementations_satisfy_the_port(subject: Subject) -> None:
    assert isinstance(subject.embedder, BatchEmbedder)
    assert subject.embedder.provider == subject.name
    assert subject.embedder.model
    assert subject.embedder.dimensions > 0


def test_find_recovers_the_submitted_batch_and_nothing_else(subject: Subject) -> None:
    embedder = subject.embedder
    job = make_job()
    provider_job_id = embedder.submit(job, requests_for())
    embedder.submit(make_job(), requests_for())  # another job's batch must not be confused with it

    assert isinstance(provider_job_id, str)
    assert provider_job_id
    assert embedder.find(job) == provider_job_id
    assert embedder.find(make_job()) is None


def test_status_reaches_succeeded_without_going_backwards(subject: Subject) -> None:
    provider_job_id = subject.embedder.submit(make_job(), requests_for())

    states = poll_until_done(subject.embedder, provider_job_id)

    assert states[-1] is BatchState.SUCCEEDED
    final = subject.embedder.status(provider_job_id)
    assert (final.state, final.completed_requests, final.failed_requests) == (BatchState.SUCCEEDED, len(POSTS), 0)


def test_results_hold_one_unit_vector_per_chunk(subject: Subject) -> None:
    embedder = subject.embedder
    requests = requests_for()
    provider_job_id = embedder.submit(make_job(), requests)
    poll_until_done(embedder, provider_job_id)

    results = {(r.article_id, r.content_hash): r for r in embedder.results(provider_job_id)}

    assert set(results) == {(r.article_id, r.content_hash) for r in requests}
    for request in requests:
        result = results[request.article_id, request.content_hash]
        assert result.error is None
        assert result.vectors is not None
        assert len(result.vectors) == len(request.chunks)
        assert all(len(v) == embedder.dimensions for v in result.vectors)
        assert all(math.isclose(norm(v), 1.0, abs_tol=1e-6) for v in result.vectors)
        assert result.tokens > 0


def test_identical_texts_give_identical_vectors_and_match_the_query_embedding(subject: Subject) -> None:
    embedder = subject.embedder
    text = "권리금 협상 팁: 기존 점포 매출 자료를 확인하세요."
    requests = [
        EmbeddingRequest(article_id=1, content_hash="a", chunks=(text, "다른 문단입니다.", text)),
        EmbeddingRequest(article_id=2, content_hash="b", chunks=(text,)),
    ]
    provider_job_id = embedder.submit(make_job(), requests)
    poll_until_done(embedder, provider_job_id)
    vectors = {r.article_id: r.vectors for r in embedder.results(provider_job_id)}

    first, second = vectors[1], vectors[2]
    assert first is not None
    assert second is not None
    assert first[0] == first[2] == second[0]
    assert first[0] != first[1]
    query = embedder.embed_query(text)  # OpenAI sends queries as float32 base64, batches as JSON floats
    assert all(math.isclose(q, d, abs_tol=1e-6) for q, d in zip(query, first[0], strict=True))


@pytest.mark.parametrize(("query", "expected"), QUERIES)
def test_a_korean_query_ranks_the_matching_post_first(subject: Subject, query: str, expected: int) -> None:
    embedder = subject.embedder
    provider_job_id = embedder.submit(make_job(), requests_for())
    poll_until_done(embedder, provider_job_id)
    vectors = {r.article_id: r.vectors or () for r in embedder.results(provider_job_id)}

    query_vector = embedder.embed_query(query)

    assert len(query_vector) == embedder.dimensions
    best = {article: max(cosine(query_vector, v) for v in chunk_vectors) for article, chunk_vectors in vectors.items()}
    assert max(best, key=best.__getitem__) == expected, best


def test_request_keys_round_trip_with_korean_content(subject: Subject) -> None:
    embedder = subject.embedder
    odd = EmbeddingRequest(
        article_id=987654321,
        content_hash='해시:값/😀 "quoted"',
        chunks=('가맹비 "1,200만 원"\n줄바꿈\t탭 \\ 역슬래시 😀', "ＡＢＣ 전각 문자와 이모지 🍗"),
    )
    provider_job_id = embedder.submit(make_job(), [odd])
    poll_until_done(embedder, provider_job_id)

    (result,) = list(embedder.results(provider_job_id))

    assert (result.article_id, result.content_hash) == (odd.article_id, odd.content_hash)
    assert result.error is None
    assert result.vectors is not None
    assert len(result.vectors) == 2


def test_an_empty_query_is_invalid(subject: Subject) -> None:
    with pytest.raises(InvalidInput):
        subject.embedder.embed_query("   ")


def test_an_unknown_provider_job_is_rejected(subject: Subject) -> None:
    with pytest.raises(ProviderRejected):
        subject.embedder.status("batch_0123456789abcdef")
    with pytest.raises(ProviderRejected):
        list(subject.embedder.results("batch_0123456789abcdef"))


def test_cancelling_a_finished_batch_changes_nothing(subject: Subject) -> None:
    provider_job_id = subject.embedder.submit(make_job(), requests_for())
    poll_until_done(subject.embedder, provider_job_id)

    subject.embedder.cancel(provider_job_id)

    assert subject.embedder.status(provider_job_id).state is BatchState.SUCCEEDED
    assert len(list(subject.embedder.results(provider_job_id))) == len(POSTS)


def _too_many_chunks() -> list[EmbeddingRequest]:
    return [EmbeddingRequest(article_id=1, content_hash="a", chunks=("가",) * 2_049)]


def _too_many_inputs() -> list[EmbeddingRequest]:
    return [EmbeddingRequest(article_id=i, content_hash="a", chunks=("가",) * 2_048) for i in range(1, 26)]


def _duplicate_keys() -> list[EmbeddingRequest]:
    return [EmbeddingRequest(article_id=1, content_hash="a", chunks=("가",))] * 2


@pytest.mark.parametrize("packing", [_too_many_chunks, _too_many_inputs, _duplicate_keys, list])
def test_over_limit_packing_is_refused_before_anything_is_sent(subject: Subject, packing: object) -> None:
    assert callable(packing)
    with pytest.raises(InvalidInput):
        subject.embedder.submit(make_job(), packing())
    if subject.emulator is not None:
        assert subject.emulator.requests == []


# --- scriptable failures (memory fake and OpenAI emulator) -------------------------------------


@pytest.mark.hostile
def test_failing_lines_come_back_as_error_results(scriptable: Subject) -> None:
    requests = requests_for()
    failing = request_key(requests[1].article_id, requests[1].content_hash)
    scriptable.script(failing=[failing])
    provider_job_id = scriptable.embedder.submit(make_job(), requests)

    assert poll_until_done(scriptable.embedder, provider_job_id)[-1] is BatchState.SUCCEEDED
    status = scriptable.embedder.status(provider_job_id)
    results = {r.article_id: r for r in scriptable.embedder.results(provider_job_id)}

    assert (status.completed_requests, status.failed_requests) == (len(requests) - 1, 1)
    assert results[requests[1].article_id].error
    assert results[requests[1].article_id].vectors is None
    ok = [r for a, r in results.items() if a != requests[1].article_id]
    assert len(ok) == len(requests) - 1
    assert all(r.error is None and r.vectors for r in ok)


@pytest.mark.parametrize("final", ["failed", "expired", "cancelled"])
def test_a_batch_that_ends_badly_without_output_has_no_results(scriptable: Subject, final: str) -> None:
    scriptable.script(final_status=final)
    provider_job_id = scriptable.embedder.submit(make_job(), requests_for())

    assert poll_until_done(scriptable.embedder, provider_job_id)[-1] is BatchState(final)
    status = scriptable.embedder.status(provider_job_id)

    if final in ("failed", "expired"):
        assert status.error
    assert list(scriptable.embedder.results(provider_job_id)) == []


@pytest.mark.hostile
@pytest.mark.parametrize("final", ["expired", "cancelled"])
def test_a_partial_batch_gives_its_first_half_and_errors_for_the_rest(scriptable: Subject, final: str) -> None:
    requests = requests_for()
    scriptable.script(final_status=final, partial=True)
    provider_job_id = scriptable.embedder.submit(make_job(), requests)
    assert poll_until_done(scriptable.embedder, provider_job_id)[-1] is BatchState(final)

    results = {r.article_id: r for r in scriptable.embedder.results(provider_job_id)}

    assert set(results) == set(POSTS)
    half = len(requests) // 2
    assert all(results[r.article_id].vectors and not results[r.article_id].error for r in requests[:half])
    assert all(results[r.article_id].error and not results[r.article_id].vectors for r in requests[half:])


def test_cancelling_a_running_batch_ends_it_cancelled(scriptable: Subject) -> None:
    provider_job_id = scriptable.embedder.submit(make_job(), requests_for())
    assert scriptable.embedder.status(provider_job_id).state.is_open

    scriptable.embedder.cancel(provider_job_id)

    assert poll_until_done(scriptable.embedder, provider_job_id)[-1] is BatchState.CANCELLED


def test_results_of_an_open_batch_are_refused(scriptable: Subject) -> None:
    provider_job_id = scriptable.embedder.submit(make_job(), requests_for())

    with pytest.raises(InvalidInput):
        list(scriptable.embedder.results(provider_job_id))


# --- offline specifics ---------------------------------------------------------------------------


def test_offline_jobs_are_shared_through_the_directory(tmp_path: Path) -> None:
    writer = OfflineBatchEmbedder(directory=tmp_path)
    job = make_job()
    provider_job_id = writer.submit(job, requests_for())
    reader = OfflineBatchEmbedder(directory=tmp_path)  # another process, say the worker

    assert reader.find(job) == provider_job_id
    assert reader.find(make_job()) is None
    assert reader.status(provider_job_id).state is BatchState.SUCCEEDED
    assert [r.vectors for r in reader.results(provider_job_id)] == [r.vectors for r in writer.results(provider_job_id)]
    with pytest.raises(ProviderRejected):
        reader.status("offline-../../etc/passwd")


def test_the_memory_fake_imports_without_numpy_sklearn_or_openai() -> None:
    """Projects that install only pydantic use the fake: block the heavy libraries and import it."""
    probe = (
        "import sys\n"
        "for name in ('numpy', 'scipy', 'sklearn', 'openai', 'httpx'):\n"
        "    sys.modules[name] = None\n"
        "from changple_adapters.memory.embedder import MemoryBatchEmbedder\n"
        "print(len(MemoryBatchEmbedder().embed_query('창업 상권')))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "64"
