"""How one changple2 row becomes changple's, and the merge rules the import and the verify share:
what is carried, what counts as the same, and when changple's own data is newer and stays."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from changple_domain.errors import InvalidInput
from changple_domain.model.authors import AllowedAuthor, AuthorGroup, GoodToKnowBrand
from changple_domain.model.chat import ChatRole
from changple_domain.model.legacy import LegacyAuthor, LegacyBrand, LegacyPost, LegacyPostStatus, LegacyUser
from changple_domain.model.posts import CafePost, PostStatus, PostStatusKind
from changple_domain.model.users import OAuthTokens, SocialProfile, User, UserRole

_STATUS_KINDS = {"SAVED": PostStatusKind.SAVED, "DELETED": PostStatusKind.DELETED, "ERROR": PostStatusKind.ERROR}
CHAT_ROLES = {"user": ChatRole.USER, "assistant": ChatRole.ASSISTANT}
AUTHOR_GROUPS = {group.value: group for group in AuthorGroup}


def carry_post(legacy: LegacyPost) -> CafePost:
    """The post as changple keeps it. A summary the monolith paid for is recorded as the summary of
    this very content hash, so the planner sees it current and sends no summary request."""
    post = CafePost(
        article_id=legacy.article_id,
        title=legacy.title,
        board=legacy.board,
        content=legacy.content,
        author=legacy.author,
        published_at=legacy.published_at or legacy.created_at,
        keywords=legacy.keywords,
        possible_questions=legacy.possible_questions,
        scraped_at=legacy.updated_at,
    )
    if not legacy.summary.strip():
        return post
    return _summary_of(post.model_copy(update={"summary": legacy.summary}), post)


def _summary_of(carried: CafePost, post: CafePost) -> CafePost:
    """`post` with the carried summary, recorded as the summary of `post`'s own content."""
    assert carried.summary is not None
    return post.with_summary(
        summary=carried.summary,
        keywords=carried.keywords,
        possible_questions=carried.possible_questions,
        made_from=post.content_hash,
    )


def changple_is_newer(current: CafePost, legacy: LegacyPost) -> bool:
    """changple scraped the post after the monolith last wrote it: changple's copy stays."""
    return current.scraped_at is not None and current.scraped_at > legacy.updated_at


def merge_post(current: CafePost, legacy: LegacyPost) -> CafePost:
    """The monolith's newer fields over changple's post, keeping the pipeline's facts (reset by
    `revised` when the content changed). Its summary is taken unless changple holds a current one."""
    carried = carry_post(legacy)
    merged = current.revised(carried)
    if carried.summary is not None and merged.summary_hash != merged.content_hash:
        merged = _summary_of(carried, merged)
    return merged


def adopt_summary(current: CafePost, legacy: LegacyPost) -> CafePost | None:
    """changple's newer post, with the monolith's summary when it was made from the same content
    and changple has none for it yet (money already spent); None when nothing is gained."""
    carried = carry_post(legacy)
    if carried.summary is None or carried.content_hash != current.content_hash:
        return None
    if current.summary_hash == current.content_hash:
        return None
    return _summary_of(carried, current)


def post_projection(post: CafePost, *, with_summary: bool) -> dict[str, Any]:
    """What verify compares of a post: every carried field (the summary where the monolith had one)."""
    fields: dict[str, Any] = {
        "title": post.title,
        "board": post.board,
        "content": post.content,
        "author": post.author,
        "published_at": post.published_at.timestamp(),
    }
    if with_summary:
        fields |= {
            "summary": post.summary,
            "keywords": list(post.keywords),
            "possible_questions": list(post.possible_questions),
            "summary_current": post.summary_hash == post.content_hash,
        }
    return fields


def carry_status(legacy: LegacyPostStatus) -> PostStatus:
    kind = _STATUS_KINDS.get(legacy.status.upper())
    if kind is None:
        raise InvalidInput(f"status '{legacy.status}' is not one of SAVED, DELETED, ERROR")
    reason = "recorded as ERROR by changple2" if kind is PostStatusKind.ERROR else None
    return PostStatus(article_id=legacy.article_id, kind=kind, reason=reason, updated_at=legacy.updated_at)


def carry_author(legacy: LegacyAuthor) -> AllowedAuthor:
    """The monolith's `author_group` choices are changple's groups, by the same words; any other
    text is InvalidInput (the row is refused, not guessed into a group)."""
    if legacy.group not in AUTHOR_GROUPS:
        choices = ", ".join(AUTHOR_GROUPS)
        raise InvalidInput(f"author group '{legacy.group[:40]}' is not one of {choices}")
    return AllowedAuthor(name=legacy.name, group=AUTHOR_GROUPS[legacy.group], active=legacy.active)


def carry_brand(legacy: LegacyBrand) -> GoodToKnowBrand:
    return GoodToKnowBrand(name=legacy.name, description=legacy.description, good_to_know=legacy.good_to_know)


def profile_of(legacy: LegacyUser, social_id: str) -> SocialProfile:
    return SocialProfile(
        provider=legacy.provider or "naver",
        social_id=social_id,
        name=legacy.name,
        nickname=legacy.nickname,
        email=legacy.email,
        mobile=legacy.mobile,
        profile_image=legacy.profile_image,
        raw=legacy.information,
    )


def tokens_of(legacy: LegacyUser) -> OAuthTokens | None:
    """The clear-text access token, as a secret: the user repository seals it on the way in."""
    token = legacy.naver_access_token.strip()
    return OAuthTokens(access_token=SecretStr(token)) if token else None


def role_of(legacy: LegacyUser, current: User | None = None) -> UserRole:
    """Admins stay admins, on either side."""
    if legacy.is_admin or (current is not None and current.is_admin):
        return UserRole.ADMIN
    return UserRole.SOCIAL


def user_is_newer(current: User, legacy: LegacyUser) -> bool:
    """The person signed in to changple after their last sign-in to the monolith."""
    if current.last_login_at is None:
        return False
    return legacy.last_login is None or current.last_login_at > legacy.last_login


def merge_user(current: User, legacy: LegacyUser) -> User:
    if user_is_newer(current, legacy):
        return current.model_copy(update={"role": role_of(legacy, current)})
    profile = profile_of(legacy, current.social_id)
    return current.model_copy(
        update={
            **profile.user_fields(),
            "role": role_of(legacy, current),
            "tokens": tokens_of(legacy) or current.tokens,
            "last_login_at": legacy.last_login or current.last_login_at,
        }
    )


def user_projection(user: User) -> dict[str, Any]:
    return {
        "social_id": user.social_id,
        "name": user.name,
        "nickname": user.nickname,
        "email": user.email,
        "admin": user.is_admin,
    }
