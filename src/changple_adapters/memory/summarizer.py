"""A scriptable in-memory BatchSummarizer for tests: jobs advance one state per poll, and the same
knobs as the Gemini emulator script failures. Answers go through `parse_summary` like a real
provider's, so malformed output fails here the way it fails there. Pydantic and stdlib only."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from uuid import uuid4

from changple_domain.errors import InvalidInput, ProviderRejected
from changple_domain.model.batches import BatchJob, BatchState
from changple_domain.model.providers import ProviderJobStatus, SummaryRequest, SummaryResult, request_key
from changple_domain.policies.summary_prompt import parse_summary, render_prompt
from changple_domain.ports import BatchSummarizer

MALFORMED_TEXT = '{"summary": "가맹비와 인테리어 비용을 정리하면'
_FINAL_STATES = frozenset({BatchState.SUCCEEDED, BatchState.FAILED, BatchState.EXPIRED, BatchState.CANCELLED})
_WHY_ENDED = {
    BatchState.FAILED: "the batch failed at the provider (scripted)",
    BatchState.EXPIRED: "the batch expired before it finished (scripted)",
    BatchState.CANCELLED: "the batch was cancelled",
}


def fake_summary_json(request: SummaryRequest) -> str:
    """A deterministic Korean answer: the first sentences, title words as keywords, two questions."""
    sentences = [s.strip() for s in re.split(r"(?<=[.?!])\s+|\n+", request.content) if s.strip()]
    summary = " ".join(sentences[:2]) or request.title or "내용이 없는 글입니다."
    words = list(dict.fromkeys(re.findall(r"[가-힣A-Za-z]{2,}", request.title))) or ["창업"]
    questions = [f"{words[0]}에 대해 무엇을 알아야 하나요?", f"{words[-1]} 관련해서 어떻게 준비하나요?"]
    return json.dumps({"summary": summary, "keywords": words[:6], "possible_questions": questions}, ensure_ascii=False)


def _estimate_tokens(text: str) -> int:
    return max(1, len(text) // 2)


@dataclass
class _FakeJob:
    id: str
    display_name: str
    requests: tuple[SummaryRequest, ...]
    state: BatchState = BatchState.SUBMITTED
    polls: int = 0
    results: tuple[SummaryResult, ...] = ()


class MemoryBatchSummarizer(BatchSummarizer):
    """Jobs are SUBMITTED, RUNNING after `polls_until_running` status calls and finished after
    `polls_until_done`. Knobs: `submit_failures` (exceptions raised by the next submits, one each),
    `request_errors` and `malformed_keys` (request keys), `final_state` (taken by the next job to
    finish), `expired_partial` (an EXPIRED job keeps the first half of its results), `responder`."""

    provider = "memory"

    def __init__(
        self, *, model: str = "memory-summary-v1", polls_until_running: int = 1, polls_until_done: int = 2
    ) -> None:
        self.model = model
        self.polls_until_running = polls_until_running
        self.polls_until_done = polls_until_done
        self.submit_failures: list[Exception] = []
        self.request_errors: set[str] = set()
        self.malformed_keys: set[str] = set()
        self.final_state: BatchState | None = None
        self.expired_partial = False
        self.responder: Callable[[SummaryRequest], str] = fake_summary_json
        self.submitted: list[str] = []  # display names of accepted jobs, in order
        self._jobs: dict[str, _FakeJob] = {}
        self._lock = threading.RLock()

    def submit(self, job: BatchJob, requests: Sequence[SummaryRequest]) -> str:
        if not requests:
            raise InvalidInput(f"batch job {job.id} has no requests to submit")
        keys = [request_key(r.article_id, r.content_hash) for r in requests]
        if len(set(keys)) != len(keys):
            raise InvalidInput(f"batch job {job.id} carries the same post version twice")
        with self._lock:
            if self.submit_failures:
                raise self.submit_failures.pop(0)
            fake = _FakeJob(id=f"memory-batches/{uuid4().hex}", display_name=job.display_name, requests=tuple(requests))
            self._jobs[fake.id] = fake
            self.submitted.append(job.display_name)
            return fake.id

    def find(self, job: BatchJob) -> str | None:
        with self._lock:
            matches = [fake.id for fake in self._jobs.values() if fake.display_name == job.display_name]
            return matches[-1] if matches else None

    def status(self, provider_job_id: str) -> ProviderJobStatus:
        with self._lock:
            fake = self._job(provider_job_id)
            if fake.state not in _FINAL_STATES:
                fake.polls += 1
                if fake.polls >= self.polls_until_done:
                    state, self.final_state = self.final_state or BatchState.SUCCEEDED, None
                    self._finish(fake, state)
                elif fake.polls >= self.polls_until_running:
                    fake.state = BatchState.RUNNING
            failed = sum(result.error is not None for result in fake.results)
            return ProviderJobStatus(
                state=fake.state,
                completed_requests=len(fake.results) - failed,
                failed_requests=failed,
                error=_WHY_ENDED.get(fake.state),
            )

    def results(self, provider_job_id: str) -> Iterator[SummaryResult]:
        with self._lock:
            fake = self._job(provider_job_id)
            if fake.state.is_open:
                raise InvalidInput(f"batch {provider_job_id} is still {fake.state.value}; results come once it ends")
            return iter(fake.results)

    def cancel(self, provider_job_id: str) -> None:
        with self._lock:
            fake = self._job(provider_job_id)
            if fake.state.is_open:
                self._finish(fake, BatchState.CANCELLED)

    def _job(self, provider_job_id: str) -> _FakeJob:
        fake = self._jobs.get(provider_job_id)
        if fake is None:
            raise ProviderRejected(f"the memory summarizer has no batch {provider_job_id!r}")
        return fake

    def _finish(self, fake: _FakeJob, state: BatchState) -> None:
        fake.state = state
        if state is BatchState.SUCCEEDED:
            answered = fake.requests
        elif state is BatchState.EXPIRED and self.expired_partial:
            answered = fake.requests[: len(fake.requests) // 2]
        else:
            answered = ()
        fake.results = tuple(self._answer(request) for request in answered)

    def _answer(self, request: SummaryRequest) -> SummaryResult:
        key = request_key(request.article_id, request.content_hash)
        base = {"article_id": request.article_id, "content_hash": request.content_hash}
        if key in self.request_errors:
            return SummaryResult(**base, error=f"the provider rejected request {key} (scripted)")
        text = MALFORMED_TEXT if key in self.malformed_keys else self.responder(request)
        tokens = {"input_tokens": _estimate_tokens(render_prompt(request)), "output_tokens": _estimate_tokens(text)}
        try:
            parsed = parse_summary(text)
        except ValueError as exc:
            return SummaryResult(**base, **tokens, error=str(exc))
        return SummaryResult(
            **base,
            **tokens,
            summary=parsed.summary,
            keywords=parsed.keywords,
            possible_questions=parsed.possible_questions,
        )
