"""A deterministic in-memory `BatchEmbedder` with the scriptable failures of a real batch API (slow jobs,
refused submits, failing lines, failed, expired and cancelled batches), for use-case and property tests.
Standard library only: it must import in a project that installed nothing but pydantic."""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from changple_adapters._embeddings import check_embedding_batch
from changple_domain.errors import InvalidInput, InvalidSetting, ProviderRejected
from changple_domain.model.batches import BatchJob, BatchState
from changple_domain.model.providers import EmbeddingRequest, EmbeddingResult, ProviderJobStatus, request_key
from changple_domain.policies.tokens import estimate_tokens
from changple_domain.ports import BatchEmbedder

_SCRIPTABLE_ENDS = frozenset({BatchState.SUCCEEDED, BatchState.FAILED, BatchState.EXPIRED, BatchState.CANCELLED})


def hashed_bigrams(text: str, dimensions: int) -> tuple[float, ...]:
    """Signed hashed character bigrams of each word, L2-normalised: identical texts give identical
    vectors, texts sharing words come out closer than unrelated ones."""
    vector = [0.0] * dimensions
    for word in text.lower().split():
        padded = f" {word} "
        for i in range(len(padded) - 1):
            value = int.from_bytes(hashlib.blake2b(padded[i : i + 2].encode(), digest_size=8).digest(), "little")
            vector[value % dimensions] += 1.0 if value >> 63 else -1.0
    norm = math.sqrt(math.fsum(x * x for x in vector))
    if not norm:  # every bigram cancelled out: a fixed unit vector keeps cosine defined
        vector[0], norm = 1.0, 1.0
    return tuple(x / norm for x in vector)


@dataclass
class _Job:
    job_id: str
    requests: tuple[EmbeddingRequest, ...]
    final_state: BatchState
    partial: bool
    state: BatchState = BatchState.SUBMITTED
    polls: int = 0
    results: list[EmbeddingResult] = field(default_factory=list)


class MemoryBatchEmbedder(BatchEmbedder):
    """Knobs: `polls_until_done` (status calls before the job ends), `submit_failures` (exceptions raised
    by the next submits, in order), `failing_keys` (request keys whose lines fail), `final_status` (how
    the next job ends instead of SUCCEEDED), `expired_partial` (an expired or cancelled job keeps the
    first half of its results). Counter: `submit_calls`."""

    provider = "memory"

    def __init__(self, *, dimensions: int = 64, model: str = "memory-hashed-char-bigrams") -> None:
        if dimensions < 1:
            raise InvalidSetting(f"embedding dimensions must be positive, got {dimensions}")
        self.model = model
        self.dimensions = dimensions
        self.polls_until_done = 2
        self.submit_failures: list[Exception] = []
        self.failing_keys: set[str] = set()
        self.final_status: BatchState | str | None = None  # "failed", "expired" or "cancelled"
        self.expired_partial = False
        self.submit_calls = 0
        self._jobs: dict[str, _Job] = {}
        self._lock = threading.Lock()

    def submit(self, job: BatchJob, requests: Sequence[EmbeddingRequest]) -> str:
        check_embedding_batch(requests)
        with self._lock:
            self.submit_calls += 1
            if self.submit_failures:
                raise self.submit_failures.pop(0)
            final, self.final_status = BatchState(self.final_status or BatchState.SUCCEEDED), None
            if final not in _SCRIPTABLE_ENDS:
                raise InvalidSetting(f"final_status must be a provider-terminal state, not {final.value}")
            provider_job_id = f"memory-batch-{len(self._jobs) + 1}"
            self._jobs[provider_job_id] = _Job(job.id, tuple(requests), final, self.expired_partial)
            return provider_job_id

    def find(self, job: BatchJob) -> str | None:
        with self._lock:
            return next((pid for pid, stored in self._jobs.items() if stored.job_id == job.id), None)

    def status(self, provider_job_id: str) -> ProviderJobStatus:
        with self._lock:
            stored = self._job(provider_job_id)
            if stored.state.is_open:
                stored.polls += 1
                if stored.polls >= self.polls_until_done:
                    self._finish(stored, stored.final_state)
                else:
                    stored.state = BatchState.RUNNING
            failed = sum(1 for r in stored.results if r.error)
            error = {
                BatchState.FAILED: "scripted failure: the batch failed validation",
                BatchState.EXPIRED: "scripted expiry: the batch did not finish in its window",
            }.get(stored.state)
            return ProviderJobStatus(
                state=stored.state,
                completed_requests=len(stored.results) - failed,
                failed_requests=failed,
                error=error,
            )

    def results(self, provider_job_id: str) -> Iterator[EmbeddingResult]:
        """Lazy like the real adapters: errors surface while iterating."""
        with self._lock:
            stored = self._job(provider_job_id)
            if stored.state.is_open:
                raise InvalidInput(f"batch {provider_job_id} is still {stored.state.value}; results come once it ends")
            finished = list(stored.results)
        yield from finished

    def cancel(self, provider_job_id: str) -> None:
        with self._lock:
            stored = self._job(provider_job_id)
            if stored.state.is_open:  # cancelling a finished job changes nothing
                self._finish(stored, BatchState.CANCELLED)

    def embed_query(self, text: str) -> tuple[float, ...]:
        if not text.strip():
            raise InvalidInput("an empty query has no embedding")
        return hashed_bigrams(text, self.dimensions)

    def _job(self, provider_job_id: str) -> _Job:
        stored = self._jobs.get(provider_job_id)
        if stored is None:
            raise ProviderRejected(f"no memory batch {provider_job_id!r}")
        return stored

    def _finish(self, stored: _Job, state: BatchState) -> None:
        """End the job the way the OpenAI emulator does: a partial job ran its first half and reports
        the rest as errors; a job that ran nothing has no results."""
        stored.state = state
        requests = stored.requests
        if state is BatchState.SUCCEEDED:
            ran = len(requests)
        elif state in (BatchState.EXPIRED, BatchState.CANCELLED) and stored.partial:
            ran = len(requests) // 2
        else:
            ran = 0
        if not ran:
            return
        for index, request in enumerate(requests):
            key = request_key(request.article_id, request.content_hash)
            if index >= ran:
                stored.results.append(self._failed(request, f"batch_{state.value}: the batch ended before this ran"))
            elif key in self.failing_keys:
                stored.results.append(self._failed(request, "server_error: scripted failure of this line"))
            else:
                vectors = tuple(hashed_bigrams(chunk, self.dimensions) for chunk in request.chunks)
                tokens = sum(estimate_tokens(chunk) for chunk in request.chunks)
                stored.results.append(
                    EmbeddingResult(
                        article_id=request.article_id,
                        content_hash=request.content_hash,
                        vectors=vectors,
                        tokens=tokens,
                    )
                )

    @staticmethod
    def _failed(request: EmbeddingRequest, error: str) -> EmbeddingResult:
        return EmbeddingResult(article_id=request.article_id, content_hash=request.content_hash, error=error)
