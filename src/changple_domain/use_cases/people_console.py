"""The console's users and Notion content pages: each list on one page, and the buttons (promote,
demote; publish, unpublish, preferred, retry a failed upload), which answer with the list as it now
stands (the list is the answer, not a second request). The rules are the use cases' own: this
module only pairs each change with the list it shows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import BinaryIO

from pydantic import BaseModel, ConfigDict

from changple_domain.model.content import NotionContent
from changple_domain.model.users import User, UserRole
from changple_domain.ports import UnitOfWork
from changple_domain.use_cases.accounts import list_users, set_role
from changple_domain.use_cases.content_library import set_published, update_content

USERS_SHOWN = 500
CONTENT_SHOWN = 200


class UserList(BaseModel):
    model_config = ConfigDict(frozen=True)

    users: list[User]  # oldest first, at most USERS_SHOWN
    more: bool  # there are users past the first USERS_SHOWN (the CLI lists them all)


def user_list(*, uow: UnitOfWork) -> UserList:
    users = list_users(limit=USERS_SHOWN + 1, uow=uow)
    return UserList(users=users[:USERS_SHOWN], more=len(users) > USERS_SHOWN)


def role_then_list(user_id: int, role: UserRole, *, uow: UnitOfWork) -> tuple[User, UserList]:
    changed = set_role(user_id, role, uow=uow)
    return changed, user_list(uow=uow)


class LibraryRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    content: NotionContent
    views: int


class Library(BaseModel):
    model_config = ConfigDict(frozen=True)

    rows: list[LibraryRow]  # every state, newest first, at most CONTENT_SHOWN
    total: int


def library(*, uow: UnitOfWork) -> Library:
    """All content whatever its state (the console is for admins), each with its views."""
    with uow:
        items = uow.contents.page(state=None, limit=CONTENT_SHOWN)
        total = uow.contents.count(state=None)
        views = uow.content_views.counts(c.id for c in items)
    return Library(rows=[LibraryRow(content=c, views=views.get(c.id, 0)) for c in items], total=total)


def publish_then_list(
    content_id: int, *, published: bool, uow: UnitOfWork, now: datetime
) -> tuple[NotionContent, Library]:
    changed = set_published(content_id, published=published, uow=uow, now=now)
    return changed, library(uow=uow)


def prefer_then_list(
    content_id: int, *, preferred: bool, uow: UnitOfWork, now: datetime
) -> tuple[NotionContent, Library]:
    changed = update_content(content_id, is_preferred=preferred, uow=uow, now=now)
    return changed, library(uow=uow)


def retry_then_list(
    content_id: int,
    archive: BinaryIO,
    *,
    thumbnail: BinaryIO | None = None,
    retry: Callable[..., NotionContent],
    uow: UnitOfWork,
) -> tuple[NotionContent, Library]:
    """`retry` is `content_uploads.retry_upload` bound to its ports (storage, processor, queue)."""
    retried = retry(content_id, archive, thumbnail=thumbnail)
    return retried, library(uow=uow)
