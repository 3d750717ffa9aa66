"""Cafe posts and the status recorded for every article id we have looked at."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from changple_domain.model._time import KST, UtcDatetime, aware_kst
from changple_domain.policies.change_detection import content_hash as compute_content_hash

__all__ = ["KST", "CafePost", "PostNeed", "PostStatus", "PostStatusKind", "Stage", "StageRecord"]

Stage = Literal["summary", "embedding"]
LEAD_MAX = 200
_SENTENCE_END = re.compile(r"(?<=[.!?。])\s")


def lead_sentence(text: str) -> str:
    """The first sentence of `text` (up to the first . ! ? or 。 followed by a space), cut at
    LEAD_MAX characters with an ellipsis."""
    flat = " ".join(text.split())
    first = _SENTENCE_END.split(flat, maxsplit=1)[0]
    return first if len(first) <= LEAD_MAX else first[: LEAD_MAX - 1] + "…"


class StageRecord(BaseModel):
    """How often a pipeline stage was tried for the post's current content, and the last error."""

    model_config = ConfigDict(frozen=True)

    attempts: int = Field(default=0, ge=0)
    last_error: str | None = None


class PostNeed(StrEnum):
    """What the pipeline still owes a post, derived from its recorded hashes (never stored)."""

    SUMMARY = "summary"
    EMBEDDING = "embedding"
    REMOVAL = "removal"
    FAILED = "failed"
    NOTHING = "nothing"


class CafePost(BaseModel):
    """One Naver Cafe article as we stored it, plus the facts the pipeline recorded about it.

    `content_hash` is always computed from the normalized title and content, so it cannot drift.
    `summary_hash` is the content hash the current summary was made from; `indexed_hash` the one
    whose vectors are in the index. Comparing the three tells what the post still needs.
    """

    model_config = ConfigDict(frozen=True)

    article_id: int = Field(gt=0)
    title: str
    board: str = ""
    board_id: int | None = None
    content: str
    author: str
    published_at: datetime
    url: str = ""
    image_urls: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    summary: str | None = None
    possible_questions: tuple[str, ...] = ()
    brand_mentions: tuple[str, ...] = ()
    content_hash: str = ""
    summary_hash: str | None = None
    indexed_hash: str | None = None
    indexed_chunks: int = Field(default=0, ge=0)
    summary_stage: StageRecord = StageRecord()
    embedding_stage: StageRecord = StageRecord()
    scraped_at: UtcDatetime | None = None

    @model_validator(mode="before")
    @classmethod
    def _derive_hash(cls, data: Any, info: ValidationInfo) -> Any:
        """Compute the hash, unless a repository hands back one it stored from this same rule
        (validation context `{"stored": True}`): hashing every row read would dominate reads."""
        if isinstance(data, dict) and "title" in data and "content" in data:
            trusted = bool(info.context and info.context.get("stored")) and data.get("content_hash")
            if not trusted:
                data = dict(data)
                data["content_hash"] = compute_content_hash(str(data["title"]), str(data["content"]))
        return data

    @field_validator("published_at")
    @classmethod
    def _published_in_kst(cls, value: datetime) -> datetime:
        return aware_kst(value)

    @property
    def summary_lead(self) -> str | None:
        """The summary's first sentence (at most LEAD_MAX characters): what a citation shows."""
        return lead_sentence(self.summary) if self.summary else None

    def needs(self, *, eligible: bool, max_attempts: int) -> PostNeed:
        """What the post still needs, given whether the policies let it into the index."""
        if not eligible:
            return PostNeed.REMOVAL if self.indexed_hash is not None else PostNeed.NOTHING
        if self.summary_hash != self.content_hash:
            return PostNeed.FAILED if self.summary_stage.attempts >= max_attempts else PostNeed.SUMMARY
        if self.indexed_hash != self.content_hash:
            return PostNeed.FAILED if self.embedding_stage.attempts >= max_attempts else PostNeed.EMBEDDING
        return PostNeed.NOTHING

    def failure_reason(self) -> str:
        """Why the stage that gave up did so, for reports."""
        if self.summary_hash != self.content_hash:
            stage, record = "summary", self.summary_stage
        else:
            stage, record = "embedding", self.embedding_stage
        return f"{stage} failed after {record.attempts} attempts: {record.last_error or 'no error recorded'}"

    def revised(self, scraped: CafePost) -> CafePost:
        """Take the freshly scraped fields; keep pipeline facts, and reset them if content changed."""
        fresh = scraped.model_dump(
            include={
                "title",
                "board",
                "board_id",
                "content",
                "author",
                "published_at",
                "url",
                "image_urls",
                "brand_mentions",
                "scraped_at",
            }
        )
        updated = self.model_copy(update=fresh)
        new_hash = compute_content_hash(updated.title, updated.content)
        if new_hash == self.content_hash:
            return updated
        return updated.model_copy(
            update={"content_hash": new_hash, "summary_stage": StageRecord(), "embedding_stage": StageRecord()}
        )

    def with_summary(
        self, *, summary: str, keywords: tuple[str, ...], possible_questions: tuple[str, ...], made_from: str
    ) -> CafePost:
        """Record a summary made from content hash `made_from` (callers discard stale results first)."""
        return self.model_copy(
            update={
                "summary": summary,
                "keywords": keywords,
                "possible_questions": possible_questions,
                "summary_hash": made_from,
                "summary_stage": StageRecord(attempts=self.summary_stage.attempts),
            }
        )

    def with_index(self, *, indexed_hash: str | None, chunks: int) -> CafePost:
        """Record which content hash now has vectors in the index (None once removed)."""
        return self.model_copy(
            update={
                "indexed_hash": indexed_hash,
                "indexed_chunks": chunks if indexed_hash is not None else 0,
                "embedding_stage": StageRecord(attempts=self.embedding_stage.attempts),
            }
        )

    def with_attempt(self, stage: Stage, *, error: str | None = None) -> CafePost:
        """Count one more try at `stage`; `error` is recorded when the try failed."""
        field = "summary_stage" if stage == "summary" else "embedding_stage"
        record: StageRecord = getattr(self, field)
        return self.model_copy(
            update={field: StageRecord(attempts=record.attempts + 1, last_error=error or record.last_error)}
        )

    def with_failure(self, stage: Stage, error: str, *, give_up_after: int) -> CafePost:
        """Record a failure that no retry can mend: the stage's attempts jump to the limit."""
        field = "summary_stage" if stage == "summary" else "embedding_stage"
        record: StageRecord = getattr(self, field)
        return self.model_copy(
            update={field: StageRecord(attempts=max(record.attempts + 1, give_up_after), last_error=error)}
        )

    def with_stage_reset(self, stage: Stage) -> CafePost:
        """Forget the attempts of a stage, for an operator's deliberate retry."""
        field = "summary_stage" if stage == "summary" else "embedding_stage"
        return self.model_copy(update={field: StageRecord()})


class PostStatusKind(StrEnum):
    SAVED = "saved"
    DELETED = "deleted"
    MEMBERS_ONLY = "members_only"
    SKIPPED = "skipped"
    ERROR = "error"


class PostStatus(BaseModel):
    """What happened the last time we looked at an article id, with a reason where it matters."""

    model_config = ConfigDict(frozen=True)

    article_id: int = Field(gt=0)
    kind: PostStatusKind
    reason: str | None = None
    attempts: int = Field(default=0, ge=0)
    updated_at: UtcDatetime

    @model_validator(mode="after")
    def _reason_where_needed(self) -> PostStatus:
        if self.kind in (PostStatusKind.SKIPPED, PostStatusKind.ERROR) and not self.reason:
            raise ValueError(f"a {self.kind.value} status needs a reason")
        return self
