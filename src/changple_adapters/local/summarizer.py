"""The embedded-default BatchSummarizer for a machine with no keys: extractive Korean summaries made
on the spot (kiwipiepy morphology, TF-IDF over the batch). A batch is finished the moment it is
submitted; records live on the instance, and also as JSON files when `state_dir` is given, so
another process (the worker) can find and read them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from changple_adapters.local.extractive import Extract, Token, summarize_batch
from changple_adapters.private_paths import private_directory
from changple_domain.errors import InvalidInput, ProviderRejected
from changple_domain.model.batches import BatchJob, BatchState
from changple_domain.model.providers import ProviderJobStatus, SummaryRequest, SummaryResult
from changple_domain.policies.summary_prompt import MAX_CONTENT_CHARS, render_prompt
from changple_domain.ports import BatchSummarizer

if TYPE_CHECKING:
    from kiwipiepy import Kiwi

_ID_PREFIX = "offline-batches/"


def estimate_tokens(text: str) -> int:
    """A rough count (Korean runs near two characters a token) so cost reports have numbers."""
    return max(1, len(text) // 2)


def _result(request: SummaryRequest, extract: Extract) -> SummaryResult:
    base: dict[str, Any] = {
        "article_id": request.article_id,
        "content_hash": request.content_hash,
        "input_tokens": estimate_tokens(render_prompt(request)),
    }
    if not extract.summary:
        return SummaryResult(**base, error="the post has no text to summarize")
    answer = {"summary": extract.summary, "keywords": extract.keywords, "possible_questions": extract.questions}
    return SummaryResult(
        **base,
        summary=extract.summary,
        keywords=extract.keywords,
        possible_questions=extract.questions,
        output_tokens=estimate_tokens(json.dumps(answer, ensure_ascii=False)),
    )


@dataclass(frozen=True)
class _Record:
    id: str
    display_name: str
    results: tuple[SummaryResult, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "display_name": self.display_name,
            "results": [r.model_dump(mode="json") for r in self.results],
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> _Record:
        results = tuple(SummaryResult.model_validate(r) for r in raw["results"])
        return cls(id=raw["id"], display_name=raw["display_name"], results=results)


class OfflineBatchSummarizer(BatchSummarizer):
    """Summaries without a provider. `kiwi` overrides the process's shared analyzer (`shared_analyzer`)."""

    provider = "offline"
    model = "offline-extractive-v1"

    def __init__(self, *, state_dir: Path | None = None, kiwi: Kiwi | None = None) -> None:
        self._state_dir = state_dir
        self._kiwi = kiwi
        self._lock = threading.RLock()
        self._records: dict[str, _Record] = {}

    def submit(self, job: BatchJob, requests: Sequence[SummaryRequest]) -> str:
        if not requests:
            raise InvalidInput(f"batch job {job.id} has no requests to submit")
        with self._lock:
            posts = [(r.title, r.content[:MAX_CONTENT_CHARS]) for r in requests]
            extracts = summarize_batch(posts, self._tokenize_many)
            results = tuple(_result(r, e) for r, e in zip(requests, extracts, strict=True))
            record = _Record(id=f"{_ID_PREFIX}{uuid4().hex}", display_name=job.display_name, results=results)
            self._records[record.id] = record
            if self._state_dir is not None:
                private_directory(self._state_dir)
                self._path(self._state_dir, record.id).write_text(
                    json.dumps(record.to_json(), ensure_ascii=False), encoding="utf-8"
                )
            return record.id

    def find(self, job: BatchJob) -> str | None:
        with self._lock:
            for record in reversed(self._records.values()):
                if record.display_name == job.display_name:
                    return record.id
            if self._state_dir is None or not self._state_dir.is_dir():
                return None
            files = sorted(self._state_dir.glob("*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
            for path in files:
                raw = json.loads(path.read_text(encoding="utf-8"))
                if raw.get("display_name") == job.display_name:
                    return str(raw["id"])
            return None

    def status(self, provider_job_id: str) -> ProviderJobStatus:
        record = self._record(provider_job_id)
        failed = sum(r.error is not None for r in record.results)
        return ProviderJobStatus(
            state=BatchState.SUCCEEDED, completed_requests=len(record.results) - failed, failed_requests=failed
        )

    def results(self, provider_job_id: str) -> Iterator[SummaryResult]:
        return iter(self._record(provider_job_id).results)

    def cancel(self, provider_job_id: str) -> None:
        self._record(provider_job_id)  # finished at submit: nothing to cancel, but the id must exist

    # --- helpers ------------------------------------------------------------------------------

    @staticmethod
    def _path(state_dir: Path, provider_job_id: str) -> Path:
        return state_dir / f"{provider_job_id.removeprefix(_ID_PREFIX)}.json"

    def _record(self, provider_job_id: str) -> _Record:
        with self._lock:
            record = self._records.get(provider_job_id)
            if record is not None:
                return record
            tail = provider_job_id.removeprefix(_ID_PREFIX)
            if self._state_dir is not None and provider_job_id.startswith(_ID_PREFIX) and tail.isalnum():
                path = self._path(self._state_dir, provider_job_id)
                if path.is_file():
                    record = _Record.from_json(json.loads(path.read_text(encoding="utf-8")))
                    self._records[record.id] = record
                    return record
            raise ProviderRejected(f"the offline summarizer has no batch {provider_job_id!r}")

    def _tokenize_many(self, texts: Sequence[str]) -> Iterator[list[Token]]:
        analyzer = self._kiwi or shared_analyzer()
        for tokens in analyzer.tokenize(texts):
            yield [(t.form, t.tag, t.start, t.len) for t in tokens]


_shared_lock = threading.Lock()
_shared: list[Kiwi] = []


def shared_analyzer() -> Kiwi:
    """One analyzer per process, loaded on the first summary (never at import or wiring). Without
    the typo and multi-word dictionaries: they cost 170 MB and half the speed, and the nouns of
    the test posts and the bench corpus came out the same without them."""
    with _shared_lock:
        if not _shared:
            from kiwipiepy import Kiwi

            _shared.append(Kiwi(load_typo_dict=False, load_multi_dict=False))
        return _shared[0]
