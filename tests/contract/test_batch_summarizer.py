"""Contract of BatchSummarizer on the in-memory fake, on GeminiBatchSummarizer (real google-genai
against the local Gemini emulator) and on the offline extractive summarizer. Failure scripting runs
on the two that can be scripted. Adapter specifics live in test_gemini_summarizer.py and
test_offline_summarizer.py."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator

import pytest

from changple_domain.errors import InvalidInput, ProviderRejected, ProviderUnavailable
from changple_domain.model.batches import BatchState
from changple_domain.ports import BatchSummarizer
from tests.contract.summary_support import (
    IMPLEMENTATIONS,
    SCRIPTABLE,
    Harness,
    build_harness,
    key_of,
    make_job,
    sample_requests,
)

HANGUL = re.compile(r"[가-힣]")


@pytest.fixture(params=IMPLEMENTATIONS)
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    with build_harness(request.param) as built:
        yield built


@pytest.fixture(params=SCRIPTABLE)
def scripted(request: pytest.FixtureRequest) -> Iterator[Harness]:
    with build_harness(request.param) as built:
        yield built


# --- every implementation -----------------------------------------------------------------------


def test_is_a_batch_summarizer_with_a_name(harness: Harness) -> None:
    assert isinstance(harness.summarizer, BatchSummarizer)
    assert harness.summarizer.provider
    assert harness.summarizer.model


def test_find_returns_the_id_submit_returned(harness: Harness) -> None:
    job = make_job()
    provider_job_id = harness.summarizer.submit(job, sample_requests())
    assert provider_job_id
    assert harness.summarizer.find(job) == provider_job_id
    assert harness.summarizer.find(make_job()) is None


def test_status_reaches_succeeded_without_going_backwards(harness: Harness) -> None:
    provider_job_id = harness.summarizer.submit(make_job(), sample_requests())
    seen = harness.poll_until_done(provider_job_id)
    assert seen[-1].state is BatchState.SUCCEEDED
    assert seen[-1].error is None
    if harness.stays_open:
        assert seen[0].state.is_open, "a provider batch is polled at least once before it ends"


def test_results_are_one_korean_summary_per_request(harness: Harness) -> None:
    requests = sample_requests()
    provider_job_id = harness.summarizer.submit(make_job(), requests)
    harness.poll_until_done(provider_job_id)
    results = {(r.article_id, r.content_hash): r for r in harness.summarizer.results(provider_job_id)}
    assert set(results) == {(r.article_id, r.content_hash) for r in requests}
    for result in results.values():
        assert result.error is None
        assert result.summary
        assert HANGUL.search(result.summary)
        assert result.keywords
        assert all(k.strip() for k in result.keywords)
        assert result.possible_questions
        assert result.input_tokens > 0
        assert result.output_tokens > 0
    status = harness.summarizer.status(provider_job_id)
    if status.completed_requests:  # counted where the provider reports counts
        assert (status.completed_requests, status.failed_requests) == (len(requests), 0)


def test_cancel_ends_an_open_batch_as_cancelled(harness: Harness) -> None:
    provider_job_id = harness.summarizer.submit(make_job(), sample_requests())
    harness.summarizer.cancel(provider_job_id)
    state = harness.summarizer.status(provider_job_id).state
    if harness.stays_open:
        assert state is BatchState.CANCELLED
        assert list(harness.summarizer.results(provider_job_id)) == []
    else:  # finished at submit: there was nothing open to cancel, and the outcome stands
        assert state is BatchState.SUCCEEDED


def test_cancel_after_the_end_changes_nothing(harness: Harness) -> None:
    requests = sample_requests()
    provider_job_id = harness.summarizer.submit(make_job(), requests)
    harness.poll_until_done(provider_job_id)
    harness.summarizer.cancel(provider_job_id)
    assert harness.summarizer.status(provider_job_id).state is BatchState.SUCCEEDED
    assert len(list(harness.summarizer.results(provider_job_id))) == len(requests)


def test_results_of_an_open_batch_are_refused(harness: Harness) -> None:
    requests = sample_requests()
    provider_job_id = harness.summarizer.submit(make_job(), requests)
    if harness.stays_open:
        with pytest.raises(InvalidInput):
            list(harness.summarizer.results(provider_job_id))
    else:  # finished at submit: the results are there at once
        assert len(list(harness.summarizer.results(provider_job_id))) == len(requests)


def test_unknown_batch_ids_are_rejected(harness: Harness) -> None:
    for call in (harness.summarizer.status, harness.summarizer.results, harness.summarizer.cancel):
        with pytest.raises(ProviderRejected):
            call("batches/doesnotexist")


def test_an_empty_batch_is_invalid(harness: Harness) -> None:
    with pytest.raises(InvalidInput):
        harness.summarizer.submit(make_job(), [])


# --- scriptable implementations (memory, gemini) ------------------------------------------------


@pytest.mark.hostile
def test_a_failed_request_is_a_result_not_an_exception(scripted: Harness) -> None:
    requests = sample_requests()
    scripted.script(request_errors={key_of(requests[1])})
    provider_job_id = scripted.summarizer.submit(make_job(), requests)
    assert scripted.poll_until_done(provider_job_id)[-1].state is BatchState.SUCCEEDED
    results = {r.article_id: r for r in scripted.summarizer.results(provider_job_id)}
    assert len(results) == len(requests)
    assert results[requests[1].article_id].error
    assert results[requests[1].article_id].summary is None
    assert all(r.error is None and r.summary for a, r in results.items() if a != requests[1].article_id)
    status = scripted.summarizer.status(provider_job_id)
    assert (status.completed_requests, status.failed_requests) == (len(requests) - 1, 1)


@pytest.mark.hostile
def test_malformed_model_json_becomes_an_error_result(scripted: Harness) -> None:
    requests = sample_requests()
    scripted.script(malformed_keys={key_of(requests[0])})
    provider_job_id = scripted.summarizer.submit(make_job(), requests)
    scripted.poll_until_done(provider_job_id)
    results = {r.article_id: r for r in scripted.summarizer.results(provider_job_id)}
    bad = results[requests[0].article_id]
    assert bad.error
    assert "malformed" in bad.error
    assert bad.summary is None
    assert all(results[r.article_id].summary for r in requests[1:])


@pytest.mark.parametrize("final", [BatchState.FAILED, BatchState.EXPIRED, BatchState.CANCELLED])
def test_a_batch_can_end_without_results(scripted: Harness, final: BatchState) -> None:
    scripted.script(final_state=final)
    provider_job_id = scripted.summarizer.submit(make_job(), sample_requests())
    status = scripted.poll_until_done(provider_job_id)[-1]
    assert status.state is final
    assert status.error
    assert list(scripted.summarizer.results(provider_job_id)) == []


def test_an_expired_batch_keeps_the_outputs_it_has(scripted: Harness) -> None:
    requests = sample_requests()
    scripted.script(final_state=BatchState.EXPIRED, expired_partial=True)
    provider_job_id = scripted.summarizer.submit(make_job(), requests)
    assert scripted.poll_until_done(provider_job_id)[-1].state is BatchState.EXPIRED
    results = list(scripted.summarizer.results(provider_job_id))
    half = requests[: len(requests) // 2]
    assert sorted(r.article_id for r in results) == sorted(r.article_id for r in half)
    assert all(r.summary and r.error is None for r in results)


@pytest.mark.parametrize(
    ("http_status", "error"), [(429, ProviderUnavailable), (503, ProviderUnavailable), (400, ProviderRejected)]
)
def test_a_refused_submit_raises_and_creates_nothing(
    scripted: Harness, http_status: int, error: type[Exception]
) -> None:
    job = make_job()
    scripted.fail_next_submit(http_status)
    with pytest.raises(error):
        scripted.summarizer.submit(job, sample_requests())
    assert scripted.summarizer.find(job) is None
    provider_job_id = scripted.summarizer.submit(job, sample_requests())
    assert scripted.summarizer.find(job) == provider_job_id


def test_the_memory_fake_imports_with_pydantic_and_the_standard_library_only() -> None:
    probe = (
        "import sys, changple_adapters.memory.summarizer as m; m.MemoryBatchSummarizer(); "
        "print(sorted({n.split('.')[0] for n in sys.modules} & {'google', 'kiwipiepy', 'numpy', 'httpx', 'httpx2'}))"
    )
    done = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    assert done.stdout.strip() == "[]"
