"""OpenAI's Batch API for embeddings behind the BatchEmbedder port: one JSONL line per post, found again
after a crash by our job id in the batch metadata, with SDK errors turned into domain errors."""

from __future__ import annotations

import base64
import binascii
import io
import re
import sys
import tempfile
from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import httpx2
import openai
import orjson
from openai import OpenAI
from openai.types import Batch

from changple_adapters._embeddings import MAX_FILE_BYTES, check_embedding_batch
from changple_domain.errors import ChangpleError, InvalidInput, InvalidSetting, ProviderRejected, ProviderUnavailable
from changple_domain.model.batches import BatchJob, BatchState
from changple_domain.model.providers import (
    EmbeddingRequest,
    EmbeddingResult,
    ProviderJobStatus,
    parse_request_key,
    request_key,
)
from changple_domain.ports import BatchEmbedder

_STATES = {
    "validating": BatchState.SUBMITTED,
    "in_progress": BatchState.RUNNING,
    "finalizing": BatchState.RUNNING,
    "cancelling": BatchState.RUNNING,
    "completed": BatchState.SUCCEEDED,
    "failed": BatchState.FAILED,
    "expired": BatchState.EXPIRED,
    "cancelled": BatchState.CANCELLED,
}
_FINISHED = frozenset({"completed", "failed", "expired", "cancelled"})
_SECRET = re.compile(r"sk-[A-Za-z0-9_\-*]{4,}")


def decode_embedding(embedding: object) -> tuple[float, ...]:
    """An embedding as OpenAI sends it: base64 of little-endian float32 (what we ask for: a quarter
    of the bytes of JSON numbers and decoded in C) or a plain list of numbers. Empty when it is neither."""
    if isinstance(embedding, str):
        try:
            raw = base64.b64decode(embedding, validate=True)
        except (binascii.Error, ValueError):
            return ()
        if len(raw) % 4:
            return ()
        values = array("f", raw)
        if sys.byteorder != "little":
            values.byteswap()
        return tuple(values)
    if isinstance(embedding, list) and all(isinstance(x, int | float) and not isinstance(x, bool) for x in embedding):
        return tuple(float(x) for x in embedding)
    return ()


def _ambiguous(exc: openai.OpenAIError) -> bool:
    """Did the request perhaps succeed although we got no good answer?"""
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code >= 500
    return isinstance(exc, openai.APIConnectionError)


class OpenAIBatchEmbedder(BatchEmbedder):
    """Embeddings through OpenAI batches (half the price of direct calls) and direct calls for queries."""

    provider = "openai"

    def __init__(
        self,
        *,
        api_key: str,
        model: str = "text-embedding-3-large",
        dimensions: int = 1024,
        base_url: str | None = None,
        timeout_seconds: float = 60,
    ) -> None:
        if not api_key.strip():
            raise InvalidSetting("the OpenAI API key is empty")
        if dimensions < 1:
            raise InvalidSetting(f"embedding dimensions must be positive, got {dimensions}")
        self.model = model
        self.dimensions = dimensions
        self._api_key = api_key
        self._client = OpenAI(api_key=api_key, base_url=base_url, timeout=timeout_seconds)
        # Creating a batch is not idempotent: a blind retry after a lost answer pays twice.
        self._no_retry = self._client.with_options(max_retries=0)
        self._uncertain: set[str] = set()  # job ids whose last create may have landed unseen

    def submit(self, job: BatchJob, requests: Sequence[EmbeddingRequest]) -> str:
        """Upload the JSONL and create the batch. After an answer that may hide a created batch (5xx, timeout,
        lost connection), the next submit of the same job looks for it before creating another."""
        check_embedding_batch(requests)
        payload = self._input_file(requests)
        if len(payload) > MAX_FILE_BYTES:
            raise InvalidInput(f"the batch input file has {len(payload)} bytes; the limit is {MAX_FILE_BYTES}")
        if job.id in self._uncertain and (found := self.find(job)) is not None:
            self._uncertain.discard(job.id)
            return found
        try:
            uploaded = self._client.files.create(
                file=(f"{job.id}.jsonl", payload, "application/jsonl"), purpose="batch"
            )
        except openai.OpenAIError as exc:
            raise self._translate(exc, f"uploading job {job.id}") from exc
        try:
            batch = self._no_retry.batches.create(
                input_file_id=uploaded.id,
                endpoint="/v1/embeddings",
                completion_window="24h",
                metadata={"changple_job": job.id, "display_name": job.display_name},
            )
        except openai.OpenAIError as exc:
            if _ambiguous(exc):
                self._uncertain.add(job.id)
            raise self._translate(exc, f"creating the batch for job {job.id}") from exc
        self._uncertain.discard(job.id)
        return batch.id

    def find(self, job: BatchJob) -> str | None:
        try:
            for batch in self._client.batches.list(limit=100):  # the SDK pages on with `after`
                if (batch.metadata or {}).get("changple_job") == job.id:
                    return batch.id
        except openai.OpenAIError as exc:
            raise self._translate(exc, f"looking for job {job.id}") from exc
        return None

    def status(self, provider_job_id: str) -> ProviderJobStatus:
        batch = self._retrieve(provider_job_id)
        # An unknown future status is treated as still running: polling again is the safe move.
        state = _STATES.get(batch.status, BatchState.RUNNING)
        counts = batch.request_counts
        error = None
        if state is BatchState.FAILED:
            problems = (batch.errors.data if batch.errors else None) or []
            error = (
                "; ".join(
                    f"{'line ' + str(p.line) + ': ' if p.line else ''}{p.code or 'error'}: {p.message or ''}".strip()
                    for p in problems
                )
                or "the batch failed without a reason"
            )
        elif state is BatchState.EXPIRED:
            error = "the batch did not finish within its 24h window"
        return ProviderJobStatus(
            state=state,
            completed_requests=counts.completed if counts else 0,
            failed_requests=counts.failed if counts else 0,
            error=self._scrub(error) if error else None,
        )

    def results(self, provider_job_id: str) -> Iterator[EmbeddingResult]:
        """Lazy, so provider errors surface while iterating (where callers catch them). Output and error
        files are streamed to a temporary file and read a line at a time: at 1,024 dimensions a batch
        of 10,000 posts is hundreds of megabytes of JSON, which must never sit in memory whole."""
        batch = self._retrieve(provider_job_id)
        if batch.status not in _FINISHED:
            raise InvalidInput(f"batch {provider_job_id} is still {batch.status}; results come once it finishes")
        seen: set[str] = set()
        for file_id in (batch.output_file_id, batch.error_file_id):
            if file_id:
                yield from self._parse(self._download(file_id), seen)

    def cancel(self, provider_job_id: str) -> None:
        try:
            # Without retries: the SDK retries 409, which is how OpenAI refuses to cancel a finished batch.
            self._no_retry.batches.cancel(provider_job_id)
        except openai.APIStatusError as exc:
            # Cancelling a batch that already finished is a no-op for us, not an error.
            if exc.status_code in (400, 409) and self._retrieve(provider_job_id).status in _FINISHED:
                return
            raise self._translate(exc, f"cancelling batch {provider_job_id}") from exc
        except openai.OpenAIError as exc:
            raise self._translate(exc, f"cancelling batch {provider_job_id}") from exc

    def embed_query(self, text: str) -> tuple[float, ...]:
        if not text.strip():
            raise InvalidInput("an empty query has no embedding")
        try:
            response = self._client.embeddings.create(model=self.model, input=text, dimensions=self.dimensions)
        except openai.OpenAIError as exc:
            raise self._translate(exc, "embedding a query") from exc
        vector = tuple(float(x) for x in response.data[0].embedding)
        if len(vector) != self.dimensions:
            raise ProviderRejected(f"OpenAI answered a {len(vector)}-dimension vector; expected {self.dimensions}")
        return vector

    # --- helpers ------------------------------------------------------------------------------

    def _input_file(self, requests: Sequence[EmbeddingRequest]) -> bytes:
        lines = io.BytesIO()
        for request in requests:
            line = {
                "custom_id": request_key(request.article_id, request.content_hash),
                "method": "POST",
                "url": "/v1/embeddings",
                "body": {
                    "model": self.model,
                    "input": list(request.chunks),
                    "dimensions": self.dimensions,
                    "encoding_format": "base64",
                },
            }
            lines.write(orjson.dumps(line) + b"\n")  # UTF-8 as it is, like ensure_ascii=False
        return lines.getvalue()

    def _retrieve(self, provider_job_id: str) -> Batch:
        try:
            return self._client.batches.retrieve(provider_job_id)
        except openai.OpenAIError as exc:
            raise self._translate(exc, f"reading batch {provider_job_id}") from exc

    def _download(self, file_id: str) -> Iterator[bytes]:
        """The file's lines, from a spooled copy on disk."""
        with tempfile.TemporaryFile() as spool:
            try:
                with self._client.files.with_streaming_response.content(file_id) as response:
                    for block in response.iter_bytes(1 << 20):
                        spool.write(block)
            except openai.OpenAIError as exc:
                raise self._translate(exc, f"downloading file {file_id}") from exc
            except httpx2.HTTPError as exc:  # a body cut off mid-stream is not wrapped by the SDK
                raise ProviderUnavailable(f"downloading file {file_id} was cut off: {type(exc).__name__}") from exc
            spool.seek(0)
            yield from spool

    def _parse(self, lines: Iterable[bytes], seen: set[str]) -> Iterator[EmbeddingResult]:
        for raw in lines:
            if not raw.strip():
                continue
            try:
                record = orjson.loads(raw)
                key = str(record.get("custom_id"))
                article_id, content_hash = parse_request_key(key)
            except (ValueError, AttributeError):
                continue  # unreadable, or not a line we wrote: its post counts as missing and is retried
            if key not in seen:
                seen.add(key)
                yield self._result(article_id, content_hash, record)

    def _result(self, article_id: int, content_hash: str, record: dict[str, Any]) -> EmbeddingResult:
        def failed(reason: str) -> EmbeddingResult:
            return EmbeddingResult(article_id=article_id, content_hash=content_hash, error=self._scrub(reason))

        error = record.get("error")
        response = record.get("response") or {}
        body = response.get("body") or {}
        if error:
            return failed(f"{error.get('code') or 'error'}: {error.get('message') or ''}".strip())
        if response.get("status_code") != 200:
            detail = (body.get("error") or {}).get("message") or "no detail"
            return failed(f"status {response.get('status_code')}: {detail}")
        data = body.get("data") or []
        indexes = [item.get("index") for item in data]
        if not data or not all(isinstance(i, int) for i in indexes) or sorted(indexes) != list(range(len(data))):
            return failed("the response does not hold one vector per chunk")
        data = sorted(data, key=lambda item: item["index"])
        vectors = tuple(decode_embedding(item.get("embedding")) for item in data)
        if not all(vectors):
            return failed("the response holds an embedding that is neither base64 float32 nor a list of numbers")
        wrong = [len(v) for v in vectors if len(v) != self.dimensions]
        if wrong:
            return failed(f"vectors have {wrong[0]} dimensions; expected {self.dimensions}")
        usage = body.get("usage") or {}
        tokens = int(usage.get("prompt_tokens") or usage.get("total_tokens") or 0)
        return EmbeddingResult(article_id=article_id, content_hash=content_hash, vectors=vectors, tokens=tokens)

    def _translate(self, exc: openai.OpenAIError, action: str) -> ChangpleError:
        if isinstance(exc, openai.APIStatusError):
            body = exc.body if isinstance(exc.body, dict) else {}
            detail = self._scrub(
                f"OpenAI answered {exc.status_code} while {action}: {body.get('message') or exc.message}"
            )
            if exc.status_code in (408, 429) or exc.status_code >= 500:
                return ProviderUnavailable(detail)
            return ProviderRejected(detail)
        if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
            return ProviderUnavailable(f"OpenAI did not answer while {action} ({type(exc).__name__})")
        return ProviderRejected(self._scrub(f"OpenAI client error while {action}: {exc}"))

    def _scrub(self, text: str) -> str:
        """Never let the key (or anything shaped like one) reach a log or an HTTP answer."""
        return _SECRET.sub("sk-***", text.replace(self._api_key, "***"))
