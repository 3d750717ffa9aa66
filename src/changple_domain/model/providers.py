"""Values exchanged with outside providers through the ports: scraped articles, batch requests
and results, vectors. Plain domain types, so no SDK type ever crosses a port."""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from changple_domain.model.batches import BatchState
from changple_domain.model.posts import CafePost

MetadataValue = str | int | float | bool | list[str]


class ScrapeOutcome(StrEnum):
    SAVED = "saved"
    DELETED = "deleted"
    MEMBERS_ONLY = "members_only"
    LOGIN_REQUIRED = "login_required"
    ERROR = "error"


class ScrapedArticle(BaseModel):
    """What a cafe source found at one article id; `post` is set only when the outcome is SAVED."""

    model_config = ConfigDict(frozen=True)

    article_id: int = Field(gt=0)
    outcome: ScrapeOutcome
    post: CafePost | None = None
    reason: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ScrapedArticle:
        if (self.outcome is ScrapeOutcome.SAVED) != (self.post is not None):
            raise ValueError("a post comes with a SAVED outcome, and only with it")
        if self.post is not None and self.post.article_id != self.article_id:
            raise ValueError(f"article {self.article_id} carries a post with id {self.post.article_id}")
        if self.outcome in (ScrapeOutcome.ERROR, ScrapeOutcome.LOGIN_REQUIRED) and not self.reason:
            raise ValueError(f"a {self.outcome.value} outcome needs a reason")
        return self


class SummaryRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    article_id: int
    content_hash: str
    title: str
    board: str
    content: str


class SummaryResult(BaseModel):
    """One post's outcome in a finished summary batch: a summary, or an error saying why not."""

    model_config = ConfigDict(frozen=True)

    article_id: int
    content_hash: str
    summary: str | None = None
    keywords: tuple[str, ...] = ()
    possible_questions: tuple[str, ...] = ()
    error: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0


class EmbeddingRequest(BaseModel):
    """All chunks of one post: one provider request line, `chunks[i]` being chunk i."""

    model_config = ConfigDict(frozen=True)

    article_id: int
    content_hash: str
    chunks: tuple[str, ...] = Field(min_length=1)
    estimated_tokens: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _no_empty_chunk(self) -> EmbeddingRequest:
        if any(not chunk.strip() for chunk in self.chunks):
            raise ValueError(f"article {self.article_id} has an empty chunk; providers refuse empty inputs")
        return self


class EmbeddingResult(BaseModel):
    """One post's vectors (`vectors[i]` for chunk i), or an error saying why not."""

    model_config = ConfigDict(frozen=True)

    article_id: int
    content_hash: str
    vectors: tuple[tuple[float, ...], ...] | None = None
    error: str | None = None
    tokens: int = 0


def request_key(article_id: int, content_hash: str) -> str:
    """The id a provider echoes back with each result (Gemini metadata key, OpenAI custom_id)."""
    return f"{article_id}:{content_hash}"


def parse_request_key(key: str) -> tuple[int, str]:
    """Inverse of `request_key`; a key we did not make raises ValueError."""
    article, sep, content_hash = key.partition(":")
    if not sep or not article.isdigit() or not content_hash:
        raise ValueError(f"not a changple request key: {key!r}")
    return int(article), content_hash


class ProviderJobStatus(BaseModel):
    """A provider's view of a batch job, mapped to our lifecycle states."""

    model_config = ConfigDict(frozen=True)

    state: BatchState
    completed_requests: int = 0
    failed_requests: int = 0
    error: str | None = None


def usable_vector(values: Sequence[float]) -> bool:
    """Non-empty, finite and not all zeros: what cosine similarity needs. Summing first keeps the
    common case in C; a non-finite sum is checked value by value, since finite values can overflow."""
    if not values or not any(values):
        return False
    return math.isfinite(sum(values)) or all(math.isfinite(v) for v in values)


class VectorRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1, max_length=512)
    values: tuple[float, ...]
    metadata: dict[str, MetadataValue] = Field(default_factory=dict)


class VectorMatch(BaseModel):
    """A query hit; `score` is cosine similarity (higher is closer)."""

    model_config = ConfigDict(frozen=True)

    id: str
    score: float
    metadata: dict[str, MetadataValue] = Field(default_factory=dict)
