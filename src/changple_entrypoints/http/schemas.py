"""What the API reads and writes: Read/Create/Update shapes kept apart from domain models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from litestar.params import PathParameter, QueryParameter
from pydantic import BaseModel, ConfigDict, Field, create_model

from changple_domain.model.authors import CatalogEntry
from changple_domain.model.ids import MAX_ID
from changple_domain.model.posts import CafePost, PostNeed
from changple_domain.model.users import RevocationOutcome, User


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
    summary_lead: str | None = Field(description="the summary's first sentence, for a citation")
    keywords: list[str]
    possible_questions: list[str]
    brand_mentions: list[str]
    image_urls: list[str]
    content_hash: str
    summary_hash: str | None
    indexed_hash: str | None

    @classmethod
    def of(cls, post: CafePost) -> PostRead:
        return cls.model_validate({**post.model_dump(), "summary_lead": post.summary_lead})


# An id in a body or a path: positive, and small enough for a store to hold (see model/ids.py).
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
IdPath = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_ID, description="how many items to skip (a page starts there)")]


class ErrorRead(BaseModel):
    """The body of every error answer."""

    error: str = Field(description="stable machine-readable code, e.g. not_found, already_exists, invalid_input")
    detail: str = Field(description="one sentence saying what went wrong and what to fix")


class EntryRead(BaseModel):
    """What every kind of catalog entry reads as; each kind adds its detail and its flag."""

    name: str


class EntryPageRead(BaseModel):
    items: list[EntryRead]
    total: int
    limit: int
    offset: int


class EntryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)


class EntryUpdate(BaseModel):
    """Give at least one field; the others stay as they are."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class CatalogSchemas:
    """The four shapes of one kind of catalog entry, each named after the kind (`AuthorRead`, ...)."""

    read: type[EntryRead]
    page: type[EntryPageRead]
    create: type[EntryCreate]
    update: type[EntryUpdate]


def catalog_schemas(
    entry_type: type[CatalogEntry], *, prefix: str, detail_max_length: int, name_description: str
) -> CatalogSchemas:
    """Read/Create/Update shapes of one kind, with its own field names for the detail and the flag."""
    detail, enabled = entry_type.detail_field, entry_type.enabled_field
    # A detail with choices is their enum (the schema lists them), free text a bounded string.
    choices: Any = entry_type.detail_type() if entry_type.detail_choices else None
    read_fields: dict[str, Any] = {detail: choices or str, enabled: bool}
    read = create_model(f"{prefix}Read", __base__=EntryRead, __module__=__name__, **read_fields)
    page_fields: dict[str, Any] = {
        "items": list[read],
        "total": (int, Field(description=f"how many {entry_type.noun}s match, on every page")),
    }
    page = create_model(f"{prefix}PageRead", __base__=EntryPageRead, __module__=__name__, **page_fields)
    create_fields: dict[str, Any] = {
        "name": (str, Field(min_length=1, max_length=100, description=name_description)),
        detail: (choices, choices(entry_type.default_detail()))
        if choices
        else (str, Field(default="", max_length=detail_max_length)),
        enabled: (bool, True),
    }
    create = create_model(f"{prefix}Create", __base__=EntryCreate, __module__=__name__, **create_fields)
    update_fields: dict[str, Any] = {
        enabled: (bool | None, None),
        detail: (choices | None, None) if choices else (str | None, Field(default=None, max_length=detail_max_length)),
    }
    update = create_model(
        f"{prefix}Update", __base__=EntryUpdate, __module__=__name__, __doc__=EntryUpdate.__doc__, **update_fields
    )
    return CatalogSchemas(read=read, page=page, create=create, update=update)


class PostNeedRead(BaseModel):
    article_id: int
    need: PostNeed
    reason: str
    message: str


class UserRead(BaseModel):
    """A signed-in user's own account: never their provider tokens, never the raw profile."""

    id: int
    provider: str
    name: str
    nickname: str
    email: str
    mobile: str
    profile_image: str
    role: str = Field(description="'social' or 'admin'")
    is_admin: bool
    created_at: datetime
    last_login_at: datetime | None

    @classmethod
    def of(cls, user: User) -> UserRead:
        return cls.model_validate({**user.model_dump(exclude={"tokens", "information"}), "is_admin": user.is_admin})


class SignedInRead(BaseModel):
    user: UserRead
    created: bool = Field(description="true on the first sign-in, when the account was made")


class CsrfRead(BaseModel):
    csrf_token: str
    header_name: str = Field(description="send the token back in this header on POST, PATCH, PUT and DELETE")


NAVER_SETTINGS = "네이버 내정보 > 연결된 서비스 관리 (Naver: My info > Connected services)"
_REVOCATION_MESSAGES = {
    RevocationOutcome.REVOKED: "Your account is deleted, and Naver confirmed that changple can no longer use "
    "your Naver login.",
    RevocationOutcome.PENDING: "Your account is deleted. Naver has not yet confirmed that changple's access to "
    "your Naver login is revoked: we keep trying in the background. You can also remove changple yourself "
    f"in {NAVER_SETTINGS}.",
    RevocationOutcome.MANUAL: "Your account is deleted, but changple holds nothing more that could revoke its "
    f"access to your Naver login: please remove changple yourself in {NAVER_SETTINGS}.",
}


class WithdrawnRead(BaseModel):
    withdrawn: bool = Field(description="false when the account was already gone")
    naver_revoked: bool = Field(description="true only when Naver confirmed the grant is gone")
    naver_revocation: RevocationOutcome = Field(
        description="`revoked`: confirmed; `pending`: not confirmed yet, a worker keeps retrying; `manual`: "
        "nothing left that could revoke it, the person must remove the app in Naver's settings"
    )
    message: str = Field(description="a sentence for the person: what happened to their Naver login")

    @classmethod
    def of(cls, *, withdrawn: bool, revocation: RevocationOutcome) -> WithdrawnRead:
        return cls(
            withdrawn=withdrawn,
            naver_revoked=revocation is RevocationOutcome.REVOKED,
            naver_revocation=revocation,
            message=_REVOCATION_MESSAGES[revocation],
        )
