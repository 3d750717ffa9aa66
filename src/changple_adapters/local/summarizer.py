"""The embedded-default BatchSummarizer for a machine with no keys: extractive Korean summaries made
on the spot (TF-IDF over the batch of the nouns the light finder or Kiwi reads). A batch is
finished the moment it is submitted; records live as JSON files when `state_dir` is given (only
there, so another process, the worker, can find and read them, and memory does not grow with
every batch), else on the instance."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from uuid import uuid4

from changple_adapters.local.extractive import Extract, NounsMany, summarize_batch
from changple_adapters.local.light_nouns import light_nouns_many
from changple_adapters.private_paths import private_directory
from changple_domain.errors import InvalidInput, InvalidSetting, ProviderRejected
from changple_domain.model.batches import BatchJob, BatchState
from changple_domain.model.providers import ProviderJobStatus, SummaryRequest, SummaryResult
from changple_domain.policies.summary_prompt import MAX_CONTENT_CHARS, render_prompt
from changple_domain.ports import BatchSummarizer

if TYPE_CHECKING:
    from kiwipiepy import Kiwi

_ID_PREFIX = "offline-batches/"
NounFinder = Literal["light", "kiwi"]
MODELS: dict[NounFinder, str] = {"light": "offline-extractive-light-v1", "kiwi": "offline-extractive-v1"}


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
    """Summaries without a provider. `nouns` picks the noun finder: "light" (pure Python, the
    default) or "kiwi" (kiwipiepy, loaded at the first summary); passing `kiwi` means "kiwi" with
    that analyzer instead of the process's shared one."""

    provider = "offline"

    def __init__(self, *, state_dir: Path | None = None, nouns: NounFinder = "light", kiwi: Kiwi | None = None) -> None:
        if kiwi is not None:
            nouns = "kiwi"
        if nouns not in MODELS:
            raise InvalidSetting(f"unknown offline noun finder {nouns!r}: choose one of {', '.join(MODELS)}")
        self.model = MODELS[nouns]
        self._state_dir = state_dir
        self._find_nouns = _noun_finder(nouns, kiwi)
        self._lock = threading.RLock()
        self._records: dict[str, _Record] = {}

    def submit(self, job: BatchJob, requests: Sequence[SummaryRequest]) -> str:
        if not requests:
            raise InvalidInput(f"batch job {job.id} has no requests to submit")
        with self._lock:
            posts = [(r.title, r.content[:MAX_CONTENT_CHARS]) for r in requests]
            extracts = summarize_batch(posts, self._find_nouns)
            results = tuple(_result(r, e) for r, e in zip(requests, extracts, strict=True))
            record = _Record(id=f"{_ID_PREFIX}{uuid4().hex}", display_name=job.display_name, results=results)
            if self._state_dir is None:
                self._records[record.id] = record
            else:  # on disk only, so a long-lived worker does not keep every batch it ever made in memory
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
                    return _Record.from_json(json.loads(path.read_text(encoding="utf-8")))
            raise ProviderRejected(f"the offline summarizer has no batch {provider_job_id!r}")


def _noun_finder(nouns: NounFinder, kiwi: Kiwi | None) -> NounsMany:
    if nouns == "light":
        return light_nouns_many
    from changple_adapters.local.kiwi_nouns import KiwiNouns  # kiwipiepy itself loads at the first summary

    return KiwiNouns(kiwi)
