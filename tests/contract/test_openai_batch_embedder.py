"""What only the OpenAI adapter can get wrong: the wire format it sends, error translation, no blind retry
of batch creation, paging in `find`, and the emulator's own fidelity on what the adapter never sends."""

from __future__ import annotations

import base64
import io
import json
import struct
from collections.abc import Iterator

import openai
import pytest

from changple_adapters.openai.embedder import OpenAIBatchEmbedder, decode_embedding
from changple_domain.errors import ProviderRejected, ProviderUnavailable
from changple_domain.model.batches import BatchState
from changple_domain.model.providers import EmbeddingRequest
from tests.contract.embedding_support import (
    DUMMY_KEY,
    POSTS,
    emulator_url,
    make_job,
    poll_until_done,
    requests_for,
    running_emulator,
)
from tests.emulators.openai import OpenAIEmulator

CREATE = ("POST", "/v1/batches")


@pytest.fixture(scope="module")
def server() -> Iterator[OpenAIEmulator]:
    with running_emulator() as emulator:
        yield emulator


@pytest.fixture
def emulator(server: OpenAIEmulator) -> OpenAIEmulator:
    server.reset()
    server.polls_until_in_progress, server.polls_until_done = 1, 2
    return server


@pytest.fixture
def embedder(emulator: OpenAIEmulator) -> OpenAIBatchEmbedder:
    return OpenAIBatchEmbedder(api_key=DUMMY_KEY, base_url=emulator_url(emulator), dimensions=128, timeout_seconds=5)


def test_the_input_file_and_batch_follow_the_wire_format(
    emulator: OpenAIEmulator, embedder: OpenAIBatchEmbedder
) -> None:
    job = make_job()
    provider_job_id = embedder.submit(job, requests_for())

    batch = emulator.batches[provider_job_id].obj
    assert (batch["endpoint"], batch["completion_window"]) == ("/v1/embeddings", "24h")
    assert batch["metadata"] == {"changple_job": job.id, "display_name": job.display_name}
    uploaded = emulator.files[batch["input_file_id"]]
    assert uploaded.obj["purpose"] == "batch"
    lines = [json.loads(line) for line in uploaded.content.decode("utf-8").splitlines()]
    assert lines[0] == {
        "custom_id": f"101:{101:064x}",
        "method": "POST",
        "url": "/v1/embeddings",
        "body": {
            "model": "text-embedding-3-large",
            "input": list(POSTS[101]),
            "dimensions": 128,
            "encoding_format": "base64",
        },
    }
    assert [line["custom_id"].split(":")[0] for line in lines] == [str(a) for a in POSTS]


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_transient_refusal_is_unavailable_and_never_retried_blindly(
    emulator: OpenAIEmulator, embedder: OpenAIBatchEmbedder, status: int
) -> None:
    emulator.create_failures = [status, status, status]

    with pytest.raises(ProviderUnavailable) as raised:
        embedder.submit(make_job(), requests_for())

    assert emulator.requests.count(CREATE) == 1
    assert emulator.created_batches == 0
    assert DUMMY_KEY not in str(raised.value)


def test_a_bad_request_is_rejected(emulator: OpenAIEmulator, embedder: OpenAIBatchEmbedder) -> None:
    emulator.create_failures = [400]

    with pytest.raises(ProviderRejected):
        embedder.submit(make_job(), requests_for())

    assert emulator.requests.count(CREATE) == 1


def test_a_retry_after_a_lost_answer_adopts_the_batch_instead_of_paying_twice(
    emulator: OpenAIEmulator, embedder: OpenAIBatchEmbedder
) -> None:
    emulator.drop_create_answers = 1
    job = make_job()

    with pytest.raises(ProviderUnavailable):
        embedder.submit(job, requests_for())
    provider_job_id = embedder.submit(job, requests_for())  # what the domain's retry does

    assert emulator.created_batches == 1
    assert list(emulator.batches) == [provider_job_id]


def test_find_pages_through_every_batch(emulator: OpenAIEmulator, embedder: OpenAIBatchEmbedder) -> None:
    emulator.max_list_limit = 2
    oldest = make_job()
    expected = embedder.submit(oldest, requests_for())
    for _ in range(4):
        embedder.submit(make_job(), requests_for())

    assert embedder.find(oldest) == expected
    assert emulator.requests.count(("GET", "/v1/batches")) >= 3


def test_an_unknown_key_is_rejected_without_showing_it(emulator: OpenAIEmulator) -> None:
    emulator.accepted_keys = {"sk-the-right-one"}
    wrong = OpenAIBatchEmbedder(api_key="sk-wrong-but-secret-123", base_url=emulator_url(emulator))

    with pytest.raises(ProviderRejected) as raised:
        wrong.embed_query("상권 분석")

    assert "401" in str(raised.value)
    assert "sk-wrong-but-secret-123" not in str(raised.value)


@pytest.mark.hostile
def test_vectors_of_the_wrong_size_become_error_results(
    emulator: OpenAIEmulator, embedder: OpenAIBatchEmbedder
) -> None:
    emulator.force_dimensions = 64
    provider_job_id = embedder.submit(make_job(), requests_for())
    poll_until_done(embedder, provider_job_id)

    results = list(embedder.results(provider_job_id))

    assert len(results) == len(POSTS)
    assert all(r.vectors is None and r.error and "64" in r.error for r in results)
    with pytest.raises(ProviderRejected):
        embedder.embed_query("권리금")


def test_queries_are_retried_on_a_passing_error_but_not_on_a_refusal(
    emulator: OpenAIEmulator, embedder: OpenAIBatchEmbedder
) -> None:
    emulator.embedding_failures = [500]
    assert len(embedder.embed_query("가맹 계약")) == embedder.dimensions

    emulator.embedding_failures = [503, 503, 503]
    with pytest.raises(ProviderUnavailable):
        embedder.embed_query("가맹 계약")

    emulator.embedding_failures = [400]
    with pytest.raises(ProviderRejected):
        embedder.embed_query("가맹 계약")


def test_no_answer_at_all_is_unavailable() -> None:
    with running_emulator() as emulator:
        url = emulator_url(emulator)
    closed = OpenAIBatchEmbedder(api_key=DUMMY_KEY, base_url=url, timeout_seconds=1)  # nobody listens there now

    with pytest.raises(ProviderUnavailable):
        closed.status("batch_abc")


def test_the_emulator_walks_a_batch_through_every_status(emulator: OpenAIEmulator) -> None:
    emulator.polls_until_done = 3
    raw = openai.OpenAI(api_key=DUMMY_KEY, base_url=emulator_url(emulator), max_retries=0)
    line = {
        "custom_id": "1:a",
        "method": "POST",
        "url": "/v1/embeddings",
        "body": {"model": "text-embedding-3-small", "input": "창업"},
    }
    uploaded = raw.files.create(file=("in.jsonl", io.BytesIO(json.dumps(line).encode())), purpose="batch")
    created = raw.batches.create(input_file_id=uploaded.id, endpoint="/v1/embeddings", completion_window="24h")

    seen = [created.status] + [raw.batches.retrieve(created.id).status for _ in range(4)]

    assert seen == ["validating", "in_progress", "finalizing", "completed", "completed"]
    done = raw.batches.retrieve(created.id)
    assert done.request_counts is not None
    assert (done.request_counts.total, done.request_counts.completed, done.request_counts.failed) == (1, 1, 0)
    assert done.usage is not None
    assert done.usage.input_tokens > 0
    assert done.output_file_id is not None
    assert done.error_file_id is None
    output = json.loads(raw.files.content(done.output_file_id).text)
    assert output["custom_id"] == "1:a"
    assert output["error"] is None
    assert output["response"]["status_code"] == 200
    assert len(output["response"]["body"]["data"][0]["embedding"]) == 1536  # the model's native size


@pytest.mark.hostile
def test_the_emulator_fails_an_over_limit_batch_with_line_errors(
    emulator: OpenAIEmulator, embedder: OpenAIBatchEmbedder
) -> None:
    """The adapter never sends this (it refuses first), so drive the emulator with the raw SDK."""
    raw = openai.OpenAI(api_key=DUMMY_KEY, base_url=emulator_url(emulator), max_retries=0)
    lines = [
        {
            "custom_id": "1:a",
            "method": "POST",
            "url": "/v1/embeddings",
            "body": {"model": "m", "input": ["가"] * 2_049},
        },
        {"custom_id": "2:b", "method": "POST", "url": "/v1/embeddings", "body": {"model": "m", "input": []}},
    ]
    content = "".join(json.dumps(line) + "\n" for line in lines).encode()
    uploaded = raw.files.create(file=("in.jsonl", io.BytesIO(content)), purpose="batch")
    batch = raw.batches.create(input_file_id=uploaded.id, endpoint="/v1/embeddings", completion_window="24h")

    status = embedder.status(batch.id)
    raw_batch = raw.batches.retrieve(batch.id)

    assert status.state is BatchState.FAILED
    assert status.error is not None
    assert "line 1" in status.error
    assert "line 2" in status.error
    assert raw_batch.errors is not None
    assert [e.line for e in raw_batch.errors.data or []] == [1, 2]
    assert list(embedder.results(batch.id)) == []


@pytest.mark.hostile
def test_an_empty_input_fails_only_its_line(emulator: OpenAIEmulator, embedder: OpenAIBatchEmbedder) -> None:
    """Per-request errors come back with a non-200 status in the error file; the adapter keeps the reason."""
    requests = [
        *requests_for(),
        EmbeddingRequest(article_id=9, content_hash="z", chunks=("정상 문단",)),
    ]
    provider_job_id = embedder.submit(make_job(), requests)
    emulator.batches[provider_job_id].lines[-1]["body"]["input"] = ["정상 문단", ""]  # as if the file had it
    poll_until_done(embedder, provider_job_id)

    results = {r.article_id: r for r in embedder.results(provider_job_id)}

    assert results[9].error is not None
    assert "status 400" in results[9].error
    assert all(results[a].vectors for a in POSTS)


def test_output_lines_are_matched_by_custom_id_and_vectors_by_index(
    emulator: OpenAIEmulator, embedder: OpenAIBatchEmbedder
) -> None:
    """The provider promises no order: shuffle lines and vectors, add lines that are not ours."""
    provider_job_id = embedder.submit(make_job(), requests_for())
    poll_until_done(embedder, provider_job_id)
    output = emulator.files[str(emulator.batches[provider_job_id].obj["output_file_id"])]
    records = [json.loads(line) for line in output.content.decode().splitlines()]
    for record in records:
        record["response"]["body"]["data"].reverse()
    foreign = {"id": "x", "custom_id": "someone-else", "response": None, "error": {"code": "x", "message": "x"}}
    lines = [json.dumps(r, ensure_ascii=False) for r in [*reversed(records), foreign]] + ["{not json"]
    output.content = ("\n".join(lines) + "\n").encode()

    results = {r.article_id: r for r in embedder.results(provider_job_id)}

    assert set(results) == set(POSTS)
    for article_id, chunks in POSTS.items():
        vectors = results[article_id].vectors
        assert vectors is not None
        for chunk, vector in zip(chunks, vectors, strict=True):
            expected = embedder.embed_query(chunk)
            assert all(abs(a - b) < 1e-6 for a, b in zip(vector, expected, strict=True))


def test_embeddings_decode_from_base64_float32_and_from_plain_lists() -> None:
    values = [0.25, -1.5, 3.0e-8, 0.0]
    packed = base64.b64encode(struct.pack("<4f", *values)).decode()
    assert decode_embedding(packed) == tuple(struct.unpack("<4f", struct.pack("<4f", *values)))
    assert decode_embedding([1, 2.5, -3]) == (1.0, 2.5, -3.0)
    # Not base64, a length that is not whole float32s, booleans or strings in a list: no vector.
    assert decode_embedding("not base64!") == ()
    assert decode_embedding(base64.b64encode(b"\x00\x00\x80").decode()) == ()
    assert decode_embedding([1.0, True]) == ()
    assert decode_embedding(["1.0"]) == ()
    assert decode_embedding(None) == ()
