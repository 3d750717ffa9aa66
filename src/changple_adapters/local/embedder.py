"""The embedded-default `BatchEmbedder` for a machine with no keys: hashed character n-grams (scikit-learn's
HashingVectorizer), computed on the spot, so a batch is finished as soon as it is submitted.

Vectors depend only on the text, so a job needs nothing but its requests to give its results again. With
a `directory`, jobs are kept there as JSON and any process (web, worker, CLI) can find and read them."""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import uuid
from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from changple_adapters._embeddings import check_embedding_batch
from changple_adapters.private_paths import private_directory
from changple_domain.errors import InvalidInput, InvalidSetting, ProviderRejected
from changple_domain.model.batches import BatchJob, BatchState
from changple_domain.model.providers import EmbeddingRequest, EmbeddingResult, ProviderJobStatus
from changple_domain.policies.tokens import estimate_tokens
from changple_domain.ports import BatchEmbedder

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import HashingVectorizer

_Stored = tuple[str, tuple[EmbeddingRequest, ...]]
POSTS_PER_TRANSFORM = 200  # about 320 chunks: most of the batching gain, a few MB of dense rows
_ID = re.compile(r"offline-[0-9a-f]{32}")  # also keeps a job id from naming a path outside the directory


class OfflineBatchEmbedder(BatchEmbedder):
    """Character 2-3-grams within words: in a small test they ranked Korean paraphrases best (unigrams add
    noise from common syllables). Queries go through the same vectorizer, so they compare with documents."""

    provider = "offline"
    model = "offline-hashed-char-ngrams-v1"

    def __init__(self, *, dimensions: int = 512, directory: str | Path | None = None) -> None:
        if dimensions < 1:
            raise InvalidSetting(f"embedding dimensions must be positive, got {dimensions}")
        self.dimensions = dimensions
        self._directory = Path(directory) if directory is not None else None
        if self._directory is not None:
            private_directory(self._directory)
        self._jobs: dict[str, _Stored] = {}
        self._lock = threading.Lock()

    @cached_property
    def _vectorizer(self) -> HashingVectorizer:
        """Built on first use: scikit-learn takes about a second to import, and a process that only
        asks for the model's name (the console's cost estimate) should not pay it."""
        from sklearn.feature_extraction.text import HashingVectorizer

        return HashingVectorizer(
            analyzer="char_wb", ngram_range=(2, 3), n_features=self.dimensions, alternate_sign=False, norm="l2"
        )

    def warm(self) -> None:
        """Build the vectorizer now, off the request path (see `changple_entrypoints.http.warm_up`)."""
        _ = self._vectorizer

    def submit(self, job: BatchJob, requests: Sequence[EmbeddingRequest]) -> str:
        check_embedding_batch(requests)
        provider_job_id = f"offline-{uuid.uuid4().hex}"
        if self._directory is None:
            with self._lock:
                self._jobs[provider_job_id] = (job.id, tuple(requests))
        else:  # on disk only, so a long-lived worker does not keep every job it ever sent in memory
            document = {"job_id": job.id, "requests": [r.model_dump(mode="json") for r in requests]}
            temporary = self._directory / f".{provider_job_id}.tmp"
            temporary.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
            os.replace(temporary, self._directory / f"{provider_job_id}.json")  # readers never see half a file
            self._job_marker(job.id).write_text(provider_job_id, encoding="utf-8")
        return provider_job_id

    def find(self, job: BatchJob) -> str | None:
        with self._lock:
            found = next((pid for pid, (job_id, _) in self._jobs.items() if job_id == job.id), None)
        if found is None and self._directory is not None:
            marker = self._job_marker(job.id)
            return marker.read_text(encoding="utf-8").strip() if marker.is_file() else None
        return found

    def _job_marker(self, job_id: str) -> Path:
        """Where a job's provider id is noted: named by a hash, since a job id may hold any character."""
        assert self._directory is not None
        return self._directory / f"job-{hashlib.sha256(job_id.encode()).hexdigest()}.txt"

    def status(self, provider_job_id: str) -> ProviderJobStatus:
        _, requests = self._load(provider_job_id)
        return ProviderJobStatus(state=BatchState.SUCCEEDED, completed_requests=len(requests))

    def results(self, provider_job_id: str) -> Iterator[EmbeddingResult]:
        """Lazy like the real adapters: posts are vectorized `POSTS_PER_TRANSFORM` at a time (one
        transform and one normalization per group, not per post), so a big batch never sits in
        memory as dense vectors all at once."""
        _, requests = self._load(provider_job_id)
        for start in range(0, len(requests), POSTS_PER_TRANSFORM):
            group = requests[start : start + POSTS_PER_TRANSFORM]
            matrix = self._vectorizer.transform([chunk for r in group for chunk in r.chunks]).toarray()
            rows = iter(matrix.tolist())
            for request in group:
                yield EmbeddingResult(
                    article_id=request.article_id,
                    content_hash=request.content_hash,
                    vectors=tuple(tuple(next(rows)) for _ in request.chunks),
                    tokens=sum(estimate_tokens(chunk) for chunk in request.chunks),
                )

    def cancel(self, provider_job_id: str) -> None:
        self._load(provider_job_id)  # every offline batch is already finished: nothing to cancel

    def embed_query(self, text: str) -> tuple[float, ...]:
        if not text.strip():
            raise InvalidInput("an empty query has no embedding")
        return tuple(float(x) for x in self._vectorizer.transform([text]).toarray()[0])

    def _load(self, provider_job_id: str) -> _Stored:
        with self._lock:
            stored = self._jobs.get(provider_job_id)
        if stored is not None:
            return stored
        path = self._directory / f"{provider_job_id}.json" if self._directory is not None else None
        if path is None or not _ID.fullmatch(provider_job_id) or not path.is_file():
            raise ProviderRejected(f"no offline batch {provider_job_id!r}")
        document = json.loads(path.read_text(encoding="utf-8"))
        requests = tuple(EmbeddingRequest.model_validate(r) for r in document["requests"])
        return document["job_id"], requests
