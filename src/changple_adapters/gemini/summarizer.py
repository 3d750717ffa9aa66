"""The BatchSummarizer port over the Gemini Batch API (google-genai): one generateContent request
per post, inline below the payload limit and as an uploaded JSONL file above it."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator, Sequence
from typing import Any

from google import genai
from google.genai import types

from changple_adapters.gemini._errors import ErrorTranslator
from changple_adapters.gemini._wire import (
    Outcome,
    inline_payload_bytes,
    inline_request,
    is_our_key,
    jsonl_line,
    keys_of,
    outcome_from_inline,
    outcome_from_line,
    parse_jsonl,
    rest_request,
    to_result,
)
from changple_domain.errors import InvalidInput, InvalidSetting, ProviderRejected, ProviderUnavailable
from changple_domain.model.batches import BatchJob, BatchState
from changple_domain.model.providers import ProviderJobStatus, SummaryRequest, SummaryResult
from changple_domain.ports import BatchSummarizer

logger = logging.getLogger(__name__)

_STATES = {
    "JOB_STATE_QUEUED": BatchState.SUBMITTED,
    "JOB_STATE_PENDING": BatchState.SUBMITTED,
    "JOB_STATE_RUNNING": BatchState.RUNNING,
    "JOB_STATE_CANCELLING": BatchState.RUNNING,
    "JOB_STATE_SUCCEEDED": BatchState.SUCCEEDED,
    "JOB_STATE_PARTIALLY_SUCCEEDED": BatchState.SUCCEEDED,
    "JOB_STATE_FAILED": BatchState.FAILED,
    "JOB_STATE_CANCELLED": BatchState.CANCELLED,
    "JOB_STATE_EXPIRED": BatchState.EXPIRED,
}
_WHY_ENDED = {
    # The SDK drops the operation's `error` in Gemini Developer mode, so the reason cannot be passed on.
    BatchState.FAILED: "Gemini marked the batch FAILED",
    BatchState.EXPIRED: "the batch expired at Gemini before it finished (jobs expire after 48 h)",
    BatchState.CANCELLED: "the batch was cancelled",
}
# The uploaded input file is named after the job, so its keys can be read again after a restart.
INPUT_FILE_SUFFIX = ":input"
_PAGE_SIZE = 100


class GeminiBatchSummarizer(BatchSummarizer):
    """Summaries through Gemini's batch mode (half the standard price, results within 24 h)."""

    provider = "gemini"

    def __init__(
        self,
        *,
        api_key: str,
        model: str = "gemini-2.5-flash",
        base_url: str | None = None,
        inline_limit_bytes: int = 19_000_000,
        inline_max_requests: int = 200,
        timeout_seconds: float = 60,
    ) -> None:
        if not api_key:
            raise InvalidSetting("the Gemini summarizer needs an API key")
        if timeout_seconds <= 0:
            raise InvalidSetting(f"timeout_seconds must be positive, not {timeout_seconds}")
        self.model = model
        self._inline_limit_bytes = inline_limit_bytes
        self._inline_max_requests = inline_max_requests
        self._errors = ErrorTranslator(secret=api_key, timeout_seconds=timeout_seconds)
        # HttpOptions.timeout is in milliseconds. No retry_options: the SDK then tries each call
        # once, which `create` needs (it is not idempotent); callers own retries.
        options = types.HttpOptions(base_url=base_url, timeout=max(1, round(timeout_seconds * 1000)))
        self._client = genai.Client(vertexai=False, api_key=api_key, http_options=options)
        self._input_keys: dict[str, list[str]] = {}

    def close(self) -> None:
        self._client.close()

    # --- the port ---------------------------------------------------------------------------------

    def submit(self, job: BatchJob, requests: Sequence[SummaryRequest]) -> str:
        if not requests:
            raise InvalidInput(f"batch job {job.id} has no requests to submit")
        keys = keys_of(requests)
        if len(set(keys)) != len(keys):
            raise InvalidInput(f"batch job {job.id} carries the same post version twice")
        rest = [rest_request(r) for r in requests]
        src: types.BatchJobSourceUnion
        # Big batches go as a file: Gemini's limit is 20 MB inline, and the SDK converts inline
        # requests one by one in Python (about 2 ms each), while our JSONL is written in one pass.
        inline = (
            len(requests) <= self._inline_max_requests and inline_payload_bytes(rest, keys) < self._inline_limit_bytes
        )
        if inline:
            src = [inline_request(r, k) for r, k in zip(requests, keys, strict=True)]
        else:
            src = self._upload_input(job, rest, keys)
        config = types.CreateBatchJobConfig(display_name=job.display_name)
        with self._errors("batch create"):
            batch = self._client.batches.create(model=self.model, src=src, config=config)
        if not batch.name:
            raise ProviderUnavailable(f"Gemini accepted batch job {job.id} but returned no name")
        if not inline:  # inline answers echo their key in metadata; file answers might not
            self._input_keys[batch.name] = keys
        return batch.name

    def find(self, job: BatchJob) -> str | None:
        with self._errors("batch list"):
            matches = [
                batch
                for batch in self._client.batches.list(config={"page_size": _PAGE_SIZE})
                if batch.display_name == job.display_name and batch.name
            ]
        if not matches:
            return None
        newest = max(matches, key=lambda b: b.create_time.timestamp() if b.create_time else 0.0)
        return newest.name

    def status(self, provider_job_id: str) -> ProviderJobStatus:
        batch = self._get(provider_job_id)
        state = self._state_of(batch)
        completed = failed = 0
        if batch.dest is not None and batch.dest.inlined_responses is not None:
            failed = sum(answer.error is not None for answer in batch.dest.inlined_responses)
            completed = len(batch.dest.inlined_responses) - failed
        return ProviderJobStatus(
            state=state, completed_requests=completed, failed_requests=failed, error=_WHY_ENDED.get(state)
        )

    def results(self, provider_job_id: str) -> Iterator[SummaryResult]:
        batch = self._get(provider_job_id)
        state = self._state_of(batch)
        if state.is_open:
            raise InvalidInput(f"batch {provider_job_id} is still {state.value}; results come once it ends")
        outcomes: list[Outcome] = []
        if batch.dest is not None and batch.dest.inlined_responses is not None:
            outcomes = [outcome_from_inline(answer) for answer in batch.dest.inlined_responses]
        elif batch.dest is not None and batch.dest.file_name:
            outcomes = self._file_outcomes(batch, batch.dest.file_name)
        results: list[SummaryResult] = []
        for index, outcome in enumerate(outcomes):
            if outcome.key is None or not is_our_key(outcome.key):
                logger.warning("Gemini batch %s: answer %d has no changple key; skipped", provider_job_id, index)
                continue
            results.append(to_result(outcome.key, outcome))
        return iter(results)

    def cancel(self, provider_job_id: str) -> None:
        self._check_name(provider_job_id)
        try:
            with self._errors("batch cancel"):
                self._client.batches.cancel(name=provider_job_id)
        except ProviderRejected:
            # Gemini refuses to cancel a finished job; there is nothing left to cancel then.
            if self.status(provider_job_id).state.is_open:
                raise

    # --- helpers ------------------------------------------------------------------------------

    def _check_name(self, provider_job_id: str) -> None:
        if not provider_job_id.startswith("batches/") or "/" in provider_job_id.removeprefix("batches/"):
            raise ProviderRejected(f"{provider_job_id!r} is not a Gemini batch name (batches/ID)")

    def _get(self, provider_job_id: str) -> types.BatchJob:
        self._check_name(provider_job_id)
        with self._errors("batch get"):
            return self._client.batches.get(name=provider_job_id)

    def _state_of(self, batch: types.BatchJob) -> BatchState:
        raw = getattr(batch.state, "value", batch.state)
        state = _STATES.get(str(raw))
        if state is None:
            logger.warning("Gemini batch %s is in unknown state %r; treated as running", batch.name, raw)
            return BatchState.RUNNING
        return state

    def _upload_input(self, job: BatchJob, rest: list[dict[str, Any]], keys: list[str]) -> str:
        handle, path = tempfile.mkstemp(prefix="changple-gemini-", suffix=".jsonl")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.writelines(jsonl_line(r, k) for r, k in zip(rest, keys, strict=True))
            config = types.UploadFileConfig(
                mime_type="application/jsonl", display_name=job.display_name + INPUT_FILE_SUFFIX
            )
            with self._errors("input file upload"):
                uploaded = self._client.files.upload(file=path, config=config)
        except KeyError as exc:  # the SDK's way of saying the upload session never started
            raise ProviderUnavailable(f"Gemini input file upload failed: {exc}") from exc
        finally:
            os.unlink(path)
        if not uploaded.name:
            raise ProviderUnavailable(f"Gemini stored the input file of batch job {job.id} without a name")
        return uploaded.name

    def _file_outcomes(self, batch: types.BatchJob, file_name: str) -> list[Outcome]:
        with self._errors("results download"):
            raw = self._client.files.download(file=file_name)
        lines = parse_jsonl(raw)
        keys: list[str] | None = None
        if any(not isinstance(line.get("key"), str) for line in lines):
            keys = self._input_keys.get(batch.name or "") or self._keys_from_input_file(batch)
        return [
            outcome_from_line(line, keys[index] if keys and index < len(keys) else None)
            for index, line in enumerate(lines)
        ]

    def _keys_from_input_file(self, batch: types.BatchJob) -> list[str] | None:
        """Output lines without keys come in input order: read the order back from our input file."""
        wanted = f"{batch.display_name}{INPUT_FILE_SUFFIX}"
        with self._errors("input file lookup"):
            stored = next(
                (f for f in self._client.files.list(config={"page_size": _PAGE_SIZE}) if f.display_name == wanted), None
            )
            if stored is None or not stored.name:
                logger.warning(
                    "Gemini batch %s: input file %r is gone; keyless answers are skipped", batch.name, wanted
                )
                return None
            raw = self._client.files.download(file=stored.name)
        return [str(line.get("key")) for line in parse_jsonl(raw)]
