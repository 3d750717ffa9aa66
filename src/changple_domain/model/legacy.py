"""What a changple2 database (the Django monolith changple replaces) yields, in changple's terms,
and the report of carrying it over.

Each record names its table and its legacy row id; a row that does not fit one of these shapes
(a NUL byte, invalid JSON, a field too long for changple) becomes a `LegacyRefusal` instead, so it
is refused alone and the rest goes in. `fingerprint()` is what an import remembers of a row, so a
second import of the same database recognizes every row it already carried and writes nothing."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from changple_domain.model._time import aware_utc


class LegacyEntity(StrEnum):
    POSTS = "posts"
    STATUSES = "statuses"
    AUTHORS = "authors"
    BRANDS = "brands"
    USERS = "users"
    CONTENTS = "contents"
    VIEWS = "views"
    CHAT_SESSIONS = "chat_sessions"
    CHAT_MESSAGES = "chat_messages"
    BATCH_JOBS = "batch_jobs"


def _no_nul(value: Any, where: str) -> None:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError(f"{where} holds a NUL byte")
    if isinstance(value, list | tuple):
        for item in value:
            _no_nul(item, where)
    if isinstance(value, dict):
        for key, item in value.items():
            _no_nul(key, where)
            _no_nul(item, where)


class LegacyRecord(BaseModel):
    """One changple2 row. Datetimes without an offset are UTC (Django stores UTC with USE_TZ)."""

    model_config = ConfigDict(frozen=True)

    entity: ClassVar[LegacyEntity]
    table: ClassVar[str]

    legacy_id: int

    @model_validator(mode="before")
    @classmethod
    def _refuse_nul_bytes(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key, value in data.items():
                _no_nul(value, str(key))
        return data

    @field_validator("*", mode="after")
    @classmethod
    def _utc(cls, value: Any) -> Any:
        return aware_utc(value) if isinstance(value, datetime) else value

    def fingerprint(self) -> str:
        """A hash of everything the row says: equal fingerprints, nothing to carry again."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


class LegacyPost(LegacyRecord):
    entity = LegacyEntity.POSTS
    table = "scraper_navercafedata"

    article_id: int = Field(gt=0)  # post_id, the Naver article id
    title: str = Field(max_length=1000)
    board: str = ""  # category
    content: str
    author: str = Field(max_length=200)
    published_at: datetime | None = None
    keywords: tuple[str, ...] = ()
    summary: str = ""
    possible_questions: tuple[str, ...] = ()
    created_at: datetime
    updated_at: datetime


class LegacyPostStatus(LegacyRecord):
    entity = LegacyEntity.STATUSES
    table = "scraper_poststatus"

    article_id: int = Field(gt=0)
    status: str
    updated_at: datetime


class LegacyAuthor(LegacyRecord):
    entity = LegacyEntity.AUTHORS
    table = "scraper_allowedauthor"

    name: str = Field(max_length=100)
    group: str = Field(default="", max_length=100)
    active: bool = True


class LegacyBrand(LegacyRecord):
    entity = LegacyEntity.BRANDS
    table = "scraper_goodtoknowbrands"

    name: str = Field(max_length=100)
    description: str = ""
    good_to_know: bool = True


class LegacyUser(LegacyRecord):
    """A Django user. Password hashes are never read; the access token is clear text here and is
    sealed by the user repository on the way in."""

    entity = LegacyEntity.USERS
    table = "users_user"

    username: str
    is_admin: bool = False  # user_type 'admin', is_superuser or is_staff
    provider: str = ""
    social_id: str = Field(default="", max_length=200)
    name: str = Field(default="", max_length=200)
    nickname: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=320)
    mobile: str = Field(default="", max_length=40)
    profile_image: str = ""
    naver_access_token: str = Field(default="", repr=False)
    information: dict[str, Any] = Field(default_factory=dict)
    date_joined: datetime
    last_login: datetime | None = None


class LegacyContent(LegacyRecord):
    entity = LegacyEntity.CONTENTS
    table = "content_notioncontent"

    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    is_preferred: bool = False
    zip_file: str = ""  # relative to MEDIA_ROOT
    html_path: str = ""  # the extracted export inside MEDIA_ROOT
    thumbnail: str = ""
    created_at: datetime
    updated_at: datetime


class LegacyView(LegacyRecord):
    entity = LegacyEntity.VIEWS
    table = "content_contentviewhistory"

    user_legacy_id: int
    content_legacy_id: int
    viewed_at: datetime


class LegacyChatSession(LegacyRecord):
    entity = LegacyEntity.CHAT_SESSIONS
    table = "chat_chatsession"

    nonce: str
    user_legacy_id: int | None = None  # None: an anonymous chat, and it stays anonymous
    created_at: datetime
    updated_at: datetime


class LegacyChatMessage(LegacyRecord):
    entity = LegacyEntity.CHAT_MESSAGES
    table = "chat_chatmessage"

    session_legacy_id: int
    role: str
    content: str = Field(min_length=1, max_length=50_000)
    attached_content_legacy_ids: tuple[int, ...] = Field(default=(), max_length=50)
    helpful_article_ids: tuple[int, ...] = Field(default=(), max_length=50)  # post_id of each cited row
    missing_post_rows: tuple[int, ...] = ()  # cited scraper_navercafedata ids that are gone
    created_at: datetime


class LegacyBatchJob(LegacyRecord):
    entity = LegacyEntity.BATCH_JOBS
    table = "scraper_batchjob"

    job_type: str
    provider: str
    provider_job_id: str
    status: str
    post_count: int = 0
    created_at: datetime

    @property
    def is_open(self) -> bool:
        return self.status in ("pending", "processing")


R = TypeVar("R", bound=LegacyRecord)

RECORD_TYPES: tuple[type[LegacyRecord], ...] = (
    LegacyPost,
    LegacyPostStatus,
    LegacyAuthor,
    LegacyBrand,
    LegacyUser,
    LegacyContent,
    LegacyView,
    LegacyChatSession,
    LegacyChatMessage,
    LegacyBatchJob,
)


class LegacyRefusal(BaseModel):
    """A row left out, with why: the operator fixes it in the monolith or accepts the loss."""

    model_config = ConfigDict(frozen=True)

    table: str
    legacy_id: int
    reason: str


class LegacyPage(BaseModel, Generic[R]):
    """One keyset page: rows with id > the asked id, ascending; `last_id` is where the next starts."""

    model_config = ConfigDict(frozen=True)

    records: tuple[R, ...] = ()
    refusals: tuple[LegacyRefusal, ...] = ()
    last_id: int | None = None  # None: the table has no row after the asked id


class BlockDigest(BaseModel):
    """A block of legacy ids as the database digests it: how many rows it holds and a digest of
    everything an import reads of them. An equal digest means not one of them changed."""

    model_config = ConfigDict(frozen=True)

    rows: int = Field(ge=0)
    digest: str = Field(min_length=1, max_length=64)


class LegacyMark(BaseModel):
    """What an import remembers of a carried row: where it went, and the fingerprint it had."""

    model_config = ConfigDict(frozen=True)

    entity: LegacyEntity
    legacy_id: int
    target: str = Field(max_length=100)  # the changple key: article id, user id, content id, nonce...
    fingerprint: str


class EntityTally(BaseModel):
    read: int = 0
    imported: int = 0
    changed: int = 0
    unchanged: int = 0
    kept_newer: int = 0  # changple already held newer data for it, which stays
    refused: int = 0
    unread: int = 0  # of `unchanged`, rows whose whole block's digest held, so they were not even read

    @property
    def written(self) -> int:
        return self.imported + self.changed


class OpenBatchJob(BaseModel):
    model_config = ConfigDict(frozen=True)

    legacy_id: int
    provider: str
    provider_job_id: str
    job_type: str
    status: str


class UnmappedAdmin(BaseModel):
    model_config = ConfigDict(frozen=True)

    legacy_id: int
    username: str
    reason: str


class FirstRunCost(BaseModel):
    summaries: int = 0
    embeddings: int = 0
    batch_cost_usd: Decimal = Decimal(0)
    standard_cost_usd: Decimal = Decimal(0)


class LegacyImportReport(BaseModel):
    dry_run: bool = False
    started_at: datetime
    finished_at: datetime | None = None
    entities: dict[LegacyEntity, EntityTally] = Field(default_factory=lambda: {e: EntityTally() for e in LegacyEntity})
    refusals: list[LegacyRefusal] = Field(default_factory=list)
    open_batch_jobs: list[OpenBatchJob] = Field(default_factory=list)
    unmapped_admins: list[UnmappedAdmin] = Field(default_factory=list)
    first_run: FirstRunCost | None = None

    @property
    def written(self) -> int:
        return sum(t.written for e, t in self.entities.items() if e is not LegacyEntity.BATCH_JOBS)

    def refuse(self, entity: LegacyEntity, refusal: LegacyRefusal) -> None:
        self.entities[entity].refused += 1
        self.refusals.append(refusal)


class LegacyDifference(BaseModel):
    model_config = ConfigDict(frozen=True)

    entity: LegacyEntity
    legacy_id: int
    problem: str  # "missing" or what differs


class LegacyVerifyReport(BaseModel):
    counts: dict[LegacyEntity, tuple[int, int]] = Field(default_factory=dict)  # (legacy rows, matching in changple)
    differences: list[LegacyDifference] = Field(default_factory=list)
    refused: int = 0  # rows that do not fit, so were never carried (the import's report lists them)

    @property
    def identical(self) -> bool:
        return not self.differences
