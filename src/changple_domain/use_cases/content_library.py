"""Reading and curating published content: pages of columns, one column, its files,
recommendations, what a reader viewed, the chat attachment, and the admin's edits and deletions.

Readers see published content only; content still processing, or refused, is visible to admins
(who need to see why) and answers 404 to everyone else, as if it did not exist."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from changple_domain.errors import (
    ChangpleError,
    IllegalTransition,
    InvalidInput,
    NotFound,
    ProviderRejected,
    ProviderUnavailable,
)
from changple_domain.model.access import Caller, Scope
from changple_domain.model.content import (
    ContentState,
    ContentView,
    NotionContent,
    clean_description,
    clean_title,
    content_folder,
    vector_id,
)
from changple_domain.model.pages import Page
from changple_domain.model.tasks import Task
from changple_domain.ports import AnswerCache, ContentChanges, FileStorage, TaskQueue, UnitOfWork, VectorIndex
from changple_domain.use_cases.content_uploads import ContentConfig

log = logging.getLogger(__name__)

MAX_ATTACHED = 20


class ContentPage(BaseModel):
    model_config = ConfigDict(frozen=True)

    items: list[NotionContent]
    total: int
    limit: int
    offset: int


def sees_unpublished(viewer: Caller) -> bool:
    """Admins see content still processing or refused (they need to see why); everyone else only
    published content, and anything else is to them as if it did not exist."""
    return Scope.ADMIN in viewer.scopes


def list_content(
    *,
    uow: UnitOfWork,
    preferred: bool | None = None,
    state: ContentState | None = ContentState.PUBLISHED,
    limit: int = 20,
    offset: int = 0,
    viewer: Caller | None = None,
) -> ContentPage:
    """A page of content, newest first. With a `viewer` (an API caller), any state other than
    published needs an admin; without one (the operator's CLI on the server), every state is open."""
    if viewer is not None and state is not ContentState.PUBLISHED:
        viewer.require(Scope.ADMIN)
    with uow:
        items = uow.contents.page(state=state, preferred=preferred, limit=limit, offset=offset)
        total = uow.contents.count(state=state, preferred=preferred)
    return ContentPage(items=items, total=total, limit=limit, offset=offset)


def get_content(content_id: int, *, uow: UnitOfWork, viewer: Caller) -> NotionContent:
    return _visible(content_id, uow=uow, include_unpublished=sees_unpublished(viewer))


class ContentDetail(BaseModel):
    model_config = ConfigDict(frozen=True)

    content: NotionContent
    html: str | None  # the sanitized page; None until the upload is published


def content_detail(content_id: int, *, uow: UnitOfWork, storage: FileStorage, viewer: Caller) -> ContentDetail:
    """One column with its sanitized page, for a viewer who may see it (`get_content`)."""
    content = get_content(content_id, uow=uow, viewer=viewer)
    html = storage.read(content.html_key).decode("utf-8") if content.html_key else None
    return ContentDetail(content=content, html=html)


def _visible(content_id: int, *, uow: UnitOfWork, include_unpublished: bool = False) -> NotionContent:
    with uow:
        content = uow.contents.get(content_id)
    if content is None or not (content.published or include_unpublished):
        raise NotFound(f"no published content with id {content_id}")
    return content


def read_file(content_id: int, key: str, *, uow: UnitOfWork, storage: FileStorage, viewer: Caller) -> bytes:
    """One of the content's own stored files (its page, thumbnail or an image), nothing else."""
    content = get_content(content_id, uow=uow, viewer=viewer)
    if key not in (content.html_key, content.thumbnail_key, *content.file_keys):
        raise NotFound(f"content {content_id} has no such file")
    return storage.read(key)


def update_content(
    content_id: int,
    *,
    uow: UnitOfWork,
    now: datetime,
    title: str | None = None,
    description: str | None = None,
    is_preferred: bool | None = None,
) -> NotionContent:
    changes: dict[str, object] = {}
    if title is not None:
        changes["title"] = clean_title(title)
    if description is not None:
        changes["description"] = clean_description(description)
    if is_preferred is not None:
        changes["is_preferred"] = is_preferred
    if not changes:
        raise InvalidInput("nothing to change: give `title`, `description` and/or `is_preferred`")
    with uow:
        content = uow.contents.get(content_id)
        if content is None:
            raise NotFound(f"no content with id {content_id}")
        changed = content.model_copy(update={**changes, "updated_at": now})
        uow.contents.save(changed)
        uow.commit()
    return changed


def set_published(content_id: int, *, published: bool, uow: UnitOfWork, now: datetime) -> NotionContent:
    """Take published content down (readers no longer see it; its files, views and vector stay) or
    put it back up. Content still processing or refused has nothing to publish: IllegalTransition,
    with what to do instead. Asking for the state it is already in changes nothing."""
    with uow:
        content = uow.contents.get(content_id)
        if content is None:
            raise NotFound(f"no content with id {content_id}")
        wanted = ContentState.PUBLISHED if published else ContentState.UNPUBLISHED
        if content.state is wanted:
            return content
        if content.state not in (ContentState.PUBLISHED, ContentState.UNPUBLISHED):
            raise IllegalTransition(
                f"content {content_id} is {content.state.value}: only processed content can be published or "
                "unpublished (a failed upload is retried with a corrected export)"
            )
        changed = content.model_copy(update={"state": wanted, "updated_at": now})
        uow.contents.save(changed)
        uow.commit()
    return changed


def delete_content(content_id: int, *, uow: UnitOfWork, storage: FileStorage, queue: TaskQueue) -> None:
    """Remove the record (views go with it), then its files; the worker forgets its vector. The
    record goes first: once it is gone nothing links to the files, so a failure after that leaves
    no broken page, and a vector left behind is never recommended (only published content is)."""
    with uow:
        content = uow.contents.get(content_id)
        if content is None:
            raise NotFound(f"no content with id {content_id}")
        uow.contents.delete(content_id)
        uow.commit()
    storage.delete_prefix(content_folder(content_id))
    for key in (content.upload_key, content.uploaded_thumbnail_key):
        if key is not None:
            storage.delete(key)
    try:
        queue.enqueue(Task.FORGET_CONTENT_VECTOR, content_id=content_id)
    except ChangpleError as exc:
        log.warning("content %s deleted; its vector stays until the next delete of it: %s", content_id, exc.detail)


def forget_content_vector(content_id: int, *, index: VectorIndex) -> None:
    """Drop a deleted content's recommendation vector (unknown ids are ignored by the index)."""
    index.delete([vector_id(content_id)])


def recommend(content_id: int, *, uow: UnitOfWork, index: VectorIndex | None, limit: int = 5) -> list[NotionContent]:
    """Published content most like this one by embedding, then the newest others to fill up:
    a content without a vector (or an index that is down) still gets recommendations."""
    _visible(content_id, uow=uow)
    chosen: list[int] = []
    if index is not None:
        try:
            found = index.fetch([vector_id(content_id)]).get(vector_id(content_id))
            matches = index.query(found.values, top_k=limit + 1) if found is not None else []
        except (ProviderUnavailable, ProviderRejected) as exc:
            log.warning("recommendations for content %s fall back to recent items: %s", content_id, exc.detail)
            matches = []
        for match in matches:
            other = match.metadata.get("content_id")
            if isinstance(other, int) and other != content_id and other not in chosen:
                chosen.append(other)
    with uow:
        similar = uow.contents.get_many(chosen)
        recent = uow.contents.page(state=ContentState.PUBLISHED, limit=limit + len(chosen) + 1)
    picked = [similar[i] for i in chosen if i in similar and similar[i].published][:limit]
    for content in recent:
        if len(picked) >= limit:
            break
        if content.id != content_id and all(content.id != p.id for p in picked):
            picked.append(content)
    return picked


RECOMMEND_DEPTH = 20  # recommendations page through at most this many columns


def recommend_page(
    content_id: int, *, uow: UnitOfWork, index: VectorIndex | None, limit: int = 5, offset: int = 0
) -> Page[NotionContent]:
    """A page of `recommend`'s list, ranked to its whole depth so every page agrees on `total`."""
    if limit < 1 or offset < 0 or limit + offset > RECOMMEND_DEPTH:
        raise InvalidInput(
            f"recommendations page through at most {RECOMMEND_DEPTH}: offset + limit must be at most that"
        )
    return Page.window(recommend(content_id, uow=uow, index=index, limit=RECOMMEND_DEPTH), limit=limit, offset=offset)


# --- readers -------------------------------------------------------------------------------------


class ViewRecorded(BaseModel):
    model_config = ConfigDict(frozen=True)

    counted: bool  # False when the same reader viewed it within the window


def record_view(
    user_id: int, content_id: int, *, uow: UnitOfWork, now: datetime, config: ContentConfig
) -> ViewRecorded:
    with uow:
        content = uow.contents.get(content_id)
        if content is None or not content.published:
            raise NotFound(f"no published content with id {content_id}")
        last = uow.content_views.last_viewed_at(user_id, content_id)
        if last is not None and now - last < config.view_window:
            return ViewRecorded(counted=False)
        uow.content_views.add(ContentView(user_id=user_id, content_id=content_id, viewed_at=now))
        uow.commit()
    return ViewRecorded(counted=True)


class ViewedContent(BaseModel):
    model_config = ConfigDict(frozen=True)

    content: NotionContent
    viewed_at: datetime


HistoryPage = Page[ViewedContent]


def view_history(user_id: int, *, uow: UnitOfWork, limit: int = 20, offset: int = 0) -> HistoryPage:
    """The reader's viewed columns, the latest view of each first. Content that has since been
    unpublished is left out of the page (its views stay, in case it comes back)."""
    with uow:
        views = uow.content_views.history(user_id, limit=limit, offset=offset)
        total = uow.content_views.count_history(user_id)
        contents = uow.contents.get_many(v.content_id for v in views)
    items = [
        ViewedContent(content=contents[v.content_id], viewed_at=v.viewed_at)
        for v in views
        if v.content_id in contents and contents[v.content_id].published
    ]
    return HistoryPage(items=items, total=total, limit=limit, offset=offset)


class AttachedText(BaseModel):
    model_config = ConfigDict(frozen=True)

    content_id: int
    title: str
    text: str
    truncated: bool


def attachment(content_ids: list[int], *, uow: UnitOfWork, config: ContentConfig) -> list[AttachedText]:
    """The plain text of each content, in the order asked, within `attachment_max_chars` in all:
    once the budget is spent, later texts are cut (and say so). Unknown ids are a 404 naming them."""
    wanted = list(dict.fromkeys(content_ids))
    if not wanted:
        raise InvalidInput("give at least one content id")
    if len(wanted) > MAX_ATTACHED:
        raise InvalidInput(f"attach at most {MAX_ATTACHED} contents at once (got {len(wanted)})")
    with uow:
        found = uow.contents.get_many(wanted)
    missing = [i for i in wanted if i not in found or not found[i].published]
    if missing:
        raise NotFound(f"no published content with id {', '.join(map(str, missing))}")
    budget = config.attachment_max_chars
    attached = []
    for content_id in wanted:
        content = found[content_id]
        text = content.plain_text[: max(budget, 0)]
        budget -= len(text)
        attached.append(
            AttachedText(
                content_id=content_id,
                title=content.title,
                text=text,
                truncated=len(text) < len(content.plain_text),
            )
        )
    return attached


class Attachment(BaseModel):
    model_config = ConfigDict(frozen=True)

    items: list[AttachedText]
    max_chars: int  # the cap on all texts together


def attach_texts(content_ids: list[int], *, uow: UnitOfWork, config: ContentConfig) -> Attachment:
    """`attachment`, with the cap the texts were cut to (the chat shows it)."""
    return Attachment(items=attachment(content_ids, uow=uow, config=config), max_chars=config.attachment_max_chars)


def cached_columns_page(
    *,
    state: ContentState,
    limit: int,
    offset: int,
    viewer: Caller,
    encode: Callable[[ContentPage], bytes],
    uow: UnitOfWork,
    changes: ContentChanges,
    cache: AnswerCache,
) -> bytes:
    """A page of columns as `encode` writes it. The published list is the same for every caller:
    it is kept, encoded, until content changes; any other state (admins only) is read afresh."""
    if state is not ContentState.PUBLISHED:
        return encode(list_content(uow=uow, state=state, limit=limit, offset=offset, viewer=viewer))
    generation = changes.current()
    body = cache.get((limit, offset), generation) if generation is not None else None
    if body is None:
        body = encode(list_content(uow=uow, limit=limit, offset=offset, viewer=viewer))
        if generation is not None:  # the generation read before the page, so a racing change is not kept
            cache.put((limit, offset), generation, body)
    return body
