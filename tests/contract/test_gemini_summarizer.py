"""What GeminiBatchSummarizer promises beyond the port contract: the request on the wire, the file
path for large batches, no SDK retries on create, error translation without leaking the key, and
crash recovery. Real google-genai against the local emulator."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from changple_adapters.gemini import GeminiBatchSummarizer
from changple_domain.errors import InvalidSetting, ProviderRejected, ProviderUnavailable
from changple_domain.model.batches import BatchState
from changple_domain.policies.summary_prompt import RESPONSE_SCHEMA, SYSTEM_INSTRUCTION
from tests.contract.summary_support import (
    DUMMY_KEY,
    Harness,
    gemini_harness,
    key_of,
    make_job,
    sample_requests,
    shared_emulator,
)

CREATE = ("POST", "/v1/models/gemini-2.5-flash:batchGenerateContent")


@pytest.fixture
def gemini() -> Iterator[Harness]:
    with gemini_harness() as harness:
        yield harness


def _summaries(harness: Harness, provider_job_id: str) -> dict[int, tuple[object, ...]]:
    harness.poll_until_done(provider_job_id)
    return {
        r.article_id: (r.summary, r.keywords, r.possible_questions, r.error)
        for r in harness.summarizer.results(provider_job_id)
    }


def test_the_request_on_the_wire_carries_prompt_schema_and_key(gemini: Harness) -> None:
    assert gemini.emulator is not None
    requests = sample_requests()
    job = make_job()
    gemini.summarizer.submit(job, requests)
    batch = gemini.emulator.create_bodies[-1]["batch"]
    assert batch["displayName"] == job.display_name
    sent = batch["inputConfig"]["requests"]["requests"]
    assert [item["metadata"] for item in sent] == [{"key": key_of(r)} for r in requests]
    first = sent[0]["request"]
    assert first["systemInstruction"]["parts"] == [{"text": SYSTEM_INSTRUCTION}]
    assert first["generationConfig"] == {"responseMimeType": "application/json", "responseJsonSchema": RESPONSE_SCHEMA}
    assert requests[0].title in first["contents"][0]["parts"][0]["text"]


def test_a_large_batch_goes_through_an_uploaded_file_with_the_same_results(gemini: Harness) -> None:
    assert gemini.emulator is not None
    requests = sample_requests()
    inline = _summaries(gemini, gemini.summarizer.submit(make_job(), requests))
    with gemini_harness(inline_limit_bytes=1) as filed:
        assert filed.emulator is not None
        provider_job_id = filed.summarizer.submit(make_job(), requests)
        assert ("POST", "/upload/v1/files") in filed.emulator.requests
        assert filed.emulator.create_bodies[-1]["batch"]["inputConfig"]["fileName"].startswith("files/")
        assert _summaries(filed, provider_job_id) == inline


def test_keyless_output_lines_are_matched_by_position_after_a_restart() -> None:
    requests = sample_requests()
    with gemini_harness(inline_limit_bytes=1) as first:
        assert first.emulator is not None
        first.emulator.file_output_keys = False
        first.script(request_errors={key_of(requests[2])})
        provider_job_id = first.summarizer.submit(make_job(), requests)
        first.poll_until_done(provider_job_id)
        _, url = shared_emulator()
        # A new instance has no memory of the submit: it reads the key order back from the input file.
        restarted = GeminiBatchSummarizer(api_key=DUMMY_KEY, base_url=url)
        results = {r.article_id: r for r in restarted.results(provider_job_id)}
        restarted.close()
    assert sorted(results) == sorted(r.article_id for r in requests)
    assert all(results[r.article_id].content_hash == r.content_hash for r in requests)
    assert results[requests[2].article_id].error
    assert all(results[r.article_id].summary for i, r in enumerate(requests) if i != 2)


@pytest.mark.parametrize("http_status", [429, 500, 503])
def test_create_is_sent_once_even_when_retryable(gemini: Harness, http_status: int) -> None:
    assert gemini.emulator is not None
    gemini.fail_next_submit(http_status)
    with pytest.raises(ProviderUnavailable):
        gemini.summarizer.submit(make_job(), sample_requests())
    assert gemini.emulator.requests.count(CREATE) == 1
    gemini.summarizer.submit(make_job(), sample_requests())
    assert gemini.emulator.requests.count(CREATE) == 2
    assert len(gemini.emulator.created_jobs) == 1


def test_find_pages_through_the_batch_list(gemini: Harness) -> None:
    assert gemini.emulator is not None
    gemini.emulator.max_page_size = 1
    jobs = [make_job() for _ in range(3)]
    ids = [gemini.summarizer.submit(job, sample_requests()[:1]) for job in jobs]
    assert [gemini.summarizer.find(job) for job in jobs] == ids
    assert gemini.summarizer.find(make_job()) is None


def test_an_unknown_provider_state_reads_as_running(gemini: Harness, caplog: pytest.LogCaptureFixture) -> None:
    assert gemini.emulator is not None
    gemini.emulator.polls_until_running = gemini.emulator.polls_until_done = 100
    provider_job_id = gemini.summarizer.submit(make_job(), sample_requests())
    gemini.emulator.force_state(provider_job_id, "BATCH_STATE_PAUSED_FOR_MAINTENANCE")
    with caplog.at_level(logging.WARNING), pytest.warns(UserWarning, match="not a valid JobState"):
        assert gemini.summarizer.status(provider_job_id).state is BatchState.RUNNING
    assert "unknown state" in caplog.text


def test_the_emulator_wants_an_api_key_under_both_versions() -> None:
    emulator, url = shared_emulator()
    emulator.reset()
    assert httpx.get(f"{url}/v1/batches").status_code == 403
    assert httpx.get(f"{url}/v1beta/batches", headers={"x-goog-api-key": "k"}).status_code == 200
    assert httpx.get(f"{url}/v1/batches", params={"key": "k"}).status_code == 200


def test_a_wrong_key_is_rejected_without_showing_the_key(gemini: Harness) -> None:
    assert gemini.emulator is not None
    gemini.emulator.api_key = "the-right-key"
    with pytest.raises(ProviderRejected) as caught:
        gemini.summarizer.submit(make_job(), sample_requests())
    assert "401" in caught.value.detail
    assert DUMMY_KEY not in str(caught.value)


def test_a_slow_provider_is_unavailable_not_hanging() -> None:
    emulator, url = shared_emulator()
    emulator.reset()
    emulator.latency_seconds = 0.6
    slow = GeminiBatchSummarizer(api_key=DUMMY_KEY, base_url=url, timeout_seconds=0.15)
    try:
        with pytest.raises(ProviderUnavailable, match="timed out"):
            slow.find(make_job())
    finally:
        slow.close()
        emulator.latency_seconds = 0.0
        time.sleep(0.6)  # let the emulator finish its late answer while this test still captures output


def test_an_unreachable_provider_is_unavailable() -> None:
    with socket.socket() as sock:  # a port nobody listens on: bound, read, released
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    gone = GeminiBatchSummarizer(api_key=DUMMY_KEY, base_url=f"http://127.0.0.1:{port}", timeout_seconds=2)
    try:
        with pytest.raises(ProviderUnavailable):
            gone.status("batches/abc")
    finally:
        gone.close()


def test_settings_are_checked() -> None:
    with pytest.raises(InvalidSetting):
        GeminiBatchSummarizer(api_key="")
    with pytest.raises(InvalidSetting):
        GeminiBatchSummarizer(api_key=DUMMY_KEY, timeout_seconds=0)


def test_a_job_name_that_is_not_a_batch_is_rejected_before_any_call(gemini: Harness) -> None:
    assert gemini.emulator is not None
    with pytest.raises(ProviderRejected):
        gemini.summarizer.status("files/abc")
    assert gemini.emulator.requests == []
