"""What the API reads and writes: Read/Create/Update shapes kept apart from domain models."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from changple_domain.model.posts import CafePost, PostNeed


class HealthRead(BaseModel):
    status: str


class ReadinessRead(BaseModel):
    status: str
    checks: dict[str, str]


class PostRead(BaseModel):
    article_id: int
    title: str
    board: str
    author: str
    published_at: datetime
    url: str
    content: str
    summary: str | None
    keywords: list[str]
    possible_questions: list[str]
    brand_mentions: list[str]
    image_urls: list[str]
    content_hash: str
    summary_hash: str | None
    indexed_hash: str | None

    @classmethod
    def of(cls, post: CafePost) -> PostRead:
        return cls.model_validate(post.model_dump())


class AuthorRead(BaseModel):
    name: str
    group: str
    active: bool


class AuthorCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    group: str = Field(default="", max_length=100)
    active: bool = True


class AuthorUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    active: bool


class PostNeedRead(BaseModel):
    article_id: int
    need: PostNeed
    reason: str
    message: str
