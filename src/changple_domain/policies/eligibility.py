"""Ingestion eligibility: which stored posts may enter the index, each decision with a reason."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field, field_validator

from changple_domain.model.authors import AllowedAuthor, clean_name
from changple_domain.model.posts import CafePost, PostStatusKind
from changple_domain.policies.change_detection import normalize_text


class IngestionPolicy(BaseModel):
    """The knobs of eligibility. Build it with `build_settings` to get errors that name the setting."""

    model_config = ConfigDict(frozen=True)

    min_content_length: int = Field(default=30, ge=0, le=100_000)
    excluded_boards: frozenset[str] = frozenset()
    deny_patterns: tuple[str, ...] = ()
    require_allowed_author: bool = True
    max_attempts: int = Field(default=3, ge=1, le=50)

    @field_validator("deny_patterns")
    @classmethod
    def _patterns_compile(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"deny pattern {pattern!r} is not a valid regular expression: {exc}") from exc
        return patterns

    @cached_property
    def _compiled_deny(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p, re.IGNORECASE) for p in self.deny_patterns)

    def first_denied(self, text: str) -> str | None:
        """The first deny pattern that matches `text`, if any."""
        for pattern in self._compiled_deny:
            if pattern.search(text):
                return pattern.pattern
        return None


class Reason(StrEnum):
    ELIGIBLE = "eligible"
    DELETED = "deleted"
    MEMBERS_ONLY = "members_only"
    AUTHOR_NOT_ALLOWED = "author_not_allowed"
    AUTHOR_INACTIVE = "author_inactive"
    EXCLUDED_BOARD = "excluded_board"
    DENIED_PATTERN = "denied_pattern"
    TOO_SHORT = "too_short"
    DUPLICATE_CONTENT = "duplicate_content"


class Decision(BaseModel):
    """The verdict on one post: `reason` is a stable code, `message` a sentence for people."""

    model_config = ConfigDict(frozen=True)

    eligible: bool
    reason: Reason
    message: str


def author_refusal(
    author_name: str, *, authors: Mapping[str, AllowedAuthor], policy: IngestionPolicy
) -> Decision | None:
    """Why `author_name` may not be ingested, or None when the author rule lets the post through.
    The scanner asks this before storing a new post; eligibility asks it again on every plan."""
    if not policy.require_allowed_author:
        return None
    author = authors.get(clean_name(author_name)) if author_name.strip() else None
    if author is None:
        return Decision(
            eligible=False, reason=Reason.AUTHOR_NOT_ALLOWED, message=f"author '{author_name}' is not an allowed author"
        )
    if not author.active:
        return Decision(eligible=False, reason=Reason.AUTHOR_INACTIVE, message=f"author '{author_name}' is disabled")
    return None


def evaluate_eligibility(
    post: CafePost,
    *,
    status: PostStatusKind,
    authors: Mapping[str, AllowedAuthor],
    policy: IngestionPolicy,
    duplicate_of: int | None = None,
    content_length: int | None = None,
) -> Decision:
    """Decide whether `post` may be in the index. Rules apply in a fixed order and the first that
    refuses gives the reason: deleted, members-only, author, board, deny pattern, length, duplicate.
    `authors` maps cleaned names to authors; `duplicate_of` is an earlier article with the same hash.
    `content_length` is the normalized content's length, when the caller has measured it already.
    """
    if status is PostStatusKind.DELETED:
        return Decision(eligible=False, reason=Reason.DELETED, message="the post was deleted from the cafe")
    if status is PostStatusKind.MEMBERS_ONLY:
        return Decision(eligible=False, reason=Reason.MEMBERS_ONLY, message="the post is visible to members only")
    refused = author_refusal(post.author, authors=authors, policy=policy)
    if refused is not None:
        return refused
    if post.board in policy.excluded_boards:
        return Decision(eligible=False, reason=Reason.EXCLUDED_BOARD, message=f"board '{post.board}' is excluded")
    denied = policy.first_denied(f"{post.title}\n{post.content}")
    if denied is not None:
        return Decision(
            eligible=False, reason=Reason.DENIED_PATTERN, message=f"the text matches deny pattern '{denied}'"
        )
    length = len(normalize_text(post.content)) if content_length is None else content_length
    if length < policy.min_content_length:
        return Decision(
            eligible=False,
            reason=Reason.TOO_SHORT,
            message=f"content has {length} characters, fewer than the minimum {policy.min_content_length}",
        )
    if duplicate_of is not None and duplicate_of != post.article_id:
        return Decision(
            eligible=False,
            reason=Reason.DUPLICATE_CONTENT,
            message=f"same title and content as article {duplicate_of}",
        )
    return Decision(eligible=True, reason=Reason.ELIGIBLE, message="eligible for the index")


def authors_by_name(authors: list[AllowedAuthor]) -> dict[str, AllowedAuthor]:
    """Index authors by their cleaned name, the key `evaluate_eligibility` looks them up by."""
    return {author.name: author for author in authors}
