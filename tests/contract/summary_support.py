"""What the BatchSummarizer suites share: one builder per implementation (the Gemini one runs the real
SDK against the emulator), uniform scripting of failures, real Korean posts from the bundled sample
cafe, and a polling helper that checks states never go backwards."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from changple_adapters.gemini import GeminiBatchSummarizer
from changple_adapters.local.ids import RandomIds
from changple_adapters.local.summarizer import OfflineBatchSummarizer
from changple_adapters.memory.summarizer import MemoryBatchSummarizer
from changple_adapters.naver.sample import load_sample
from changple_domain.errors import ProviderRejected, ProviderUnavailable
from changple_domain.model.batches import BatchJob, BatchKind, BatchState, new_batch_id
from changple_domain.model.providers import ProviderJobStatus, SummaryRequest, request_key
from changple_domain.ports import BatchSummarizer
from tests.emulators.gemini import GeminiEmulator

if TYPE_CHECKING:
    from kiwipiepy import Kiwi

DUMMY_KEY = "gemini-test-dummy-key-0123456789"
# "offline" is the default light noun finder, "offline-kiwi" the one CHANGPLE_OFFLINE_SUMMARIZER=kiwi picks.
IMPLEMENTATIONS = ["memory", "gemini", "offline", "offline-kiwi"]
SCRIPTABLE = ["memory", "gemini"]
# A franchise-contract column, a cost question, a location analysis and a key-money question.
SAMPLE_IDS = (1003, 1004, 1005, 1014)
_RANK = {BatchState.SUBMITTED: 0, BatchState.RUNNING: 1}


def sample_requests(ids: Sequence[int] = SAMPLE_IDS) -> list[SummaryRequest]:
    posts = {a.article_id: a.post for a in load_sample().articles if a.post is not None}
    return [
        SummaryRequest(
            article_id=i,
            content_hash=posts[i].content_hash,
            title=posts[i].title,
            board=posts[i].board,
            content=posts[i].content,
        )
        for i in ids
    ]


def key_of(request: SummaryRequest) -> str:
    return request_key(request.article_id, request.content_hash)


def make_job(job_id: str | None = None) -> BatchJob:
    now = datetime.now(UTC)
    return BatchJob(
        id=job_id or new_batch_id(BatchKind.SUMMARIZE, RandomIds().new_id),
        kind=BatchKind.SUMMARIZE,
        provider="test",
        model="test",
        created_at=now,
        updated_at=now,
    )


@dataclass
class Harness:
    """One implementation under test, with what it can do and how to script it."""

    name: str
    summarizer: BatchSummarizer
    stays_open: bool  # False when a batch is finished the moment it is submitted (offline)
    emulator: GeminiEmulator | None = None
    memory: MemoryBatchSummarizer | None = None

    def script(
        self,
        *,
        request_errors: set[str] | None = None,
        malformed_keys: set[str] | None = None,
        final_state: BatchState | None = None,
        expired_partial: bool = False,
    ) -> None:
        if self.memory is not None:
            self.memory.request_errors = request_errors or set()
            self.memory.malformed_keys = malformed_keys or set()
            self.memory.final_state = final_state
            self.memory.expired_partial = expired_partial
        elif self.emulator is not None:
            with self.emulator.lock:
                self.emulator.request_errors = request_errors or set()
                self.emulator.malformed_keys = malformed_keys or set()
                self.emulator.final_state = None if final_state is None else f"BATCH_STATE_{final_state.name}"
                self.emulator.expired_partial = expired_partial
        else:
            raise AssertionError(f"{self.name} cannot be scripted")

    def fail_next_submit(self, http_status: int) -> None:
        if self.memory is not None:
            retryable = http_status == 429 or http_status >= 500
            error = ProviderUnavailable if retryable else ProviderRejected
            self.memory.submit_failures.append(error(f"scripted HTTP {http_status}"))
        elif self.emulator is not None:
            with self.emulator.lock:
                self.emulator.create_failures.append(http_status)
        else:
            raise AssertionError(f"{self.name} cannot be scripted")

    def poll_until_done(self, provider_job_id: str, max_polls: int = 10) -> list[ProviderJobStatus]:
        """Every status seen until a provider-terminal one; fails if a state goes backwards."""
        seen: list[ProviderJobStatus] = []
        for _ in range(max_polls):
            status = self.summarizer.status(provider_job_id)
            if seen:
                assert _RANK.get(status.state, 2) >= _RANK.get(seen[-1].state, 2), (seen[-1].state, status.state)
                assert seen[-1].state.is_open or status.state is seen[-1].state, "a terminal state changed"
            seen.append(status)
            if status.state.awaits_apply:
                return seen
        raise AssertionError(f"{self.name}: still {seen[-1].state} after {max_polls} polls")


@functools.cache
def shared_emulator() -> tuple[GeminiEmulator, str]:
    """One emulator for the session, reset per test: stopping a stdlib HTTP server costs up to half
    a second (its poll interval), which adds up over a suite."""
    emulator = GeminiEmulator()
    return emulator, emulator.start()


@contextmanager
def gemini_harness(**options: Any) -> Iterator[Harness]:
    emulator, url = shared_emulator()
    emulator.reset()
    summarizer = GeminiBatchSummarizer(api_key=DUMMY_KEY, base_url=url, timeout_seconds=5, **options)
    try:
        yield Harness("gemini", summarizer, stays_open=True, emulator=emulator)
    finally:
        summarizer.close()


@functools.cache
def shared_kiwi() -> Kiwi:
    """One analyzer for the whole test session: loading one takes seconds (production loads its own
    lazily, with the default dictionaries)."""
    from kiwipiepy import Kiwi

    return Kiwi(load_typo_dict=False, load_multi_dict=False)


@contextmanager
def build_harness(name: str) -> Iterator[Harness]:
    if name == "memory":
        fake = MemoryBatchSummarizer(polls_until_running=1, polls_until_done=2)
        yield Harness(name, fake, stays_open=True, memory=fake)
    elif name == "gemini":
        with gemini_harness() as harness:
            yield harness
    elif name == "offline":
        yield Harness(name, OfflineBatchSummarizer(), stays_open=False)
    elif name == "offline-kiwi":
        yield Harness(name, OfflineBatchSummarizer(kiwi=shared_kiwi()), stays_open=False)
    else:
        raise ValueError(name)
