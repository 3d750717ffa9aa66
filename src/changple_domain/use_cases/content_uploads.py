"""Uploading a Notion export and turning it into published content.

The request only checks the archive's directory and stores it, so an obvious refusal is a 4xx at
once and a large export never ties up a web worker. The worker's `process_content` does the rest;
it may run more than once for one upload (at-least-once delivery, a killed worker) and ends the
same way each time: it clears whatever an earlier attempt left before writing, and a refusal
leaves no file of the upload behind."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime, timedelta
from typing import BinaryIO

from pydantic import BaseModel, ConfigDict, Field

from changple_domain.errors import (
    ChangpleError,
    IllegalTransition,
    InvalidInput,
    NotFound,
    ProviderRejected,
    ProviderUnavailable,
)
from changple_domain.model.content import (
    ContentState,
    NewContent,
    NotionContent,
    ProcessedExport,
    UploadLimits,
    asset_key,
    clean_description,
    clean_title,
    content_folder,
    page_key,
    thumbnail_key,
    vector_id,
)
from changple_domain.model.providers import VectorRecord
from changple_domain.model.tasks import Task
from changple_domain.ports import BatchEmbedder, Clock, ExportProcessor, FileStorage, TaskQueue, UnitOfWork, VectorIndex

log = logging.getLogger(__name__)

EMBEDDED_CHARS = 6000  # of title, description and text: well inside any embedding model's token limit


class ContentConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    limits: UploadLimits = UploadLimits()
    # Where the API serves a content's files; the page's image references point here.
    asset_url_template: str = "/api/v1/content/{content_id}/files/"
    view_window: timedelta = Field(default=timedelta(minutes=30), ge=timedelta(0))
    attachment_max_chars: int = Field(default=30_000, gt=0)
    stuck_after: timedelta = Field(
        default=timedelta(minutes=30), gt=timedelta(0)
    )  # a PROCESSING upload untouched this long is queued again

    def asset_url_prefix(self, content_id: int) -> str:
        return self.asset_url_template.format(content_id=content_id)


class UploadContent(BaseModel):
    model_config = ConfigDict(frozen=True)

    title: str
    description: str = ""
    is_preferred: bool = False
    uploaded_by: int | None = None


# --- the request ----------------------------------------------------------------------------------


def _stream_size(stream: BinaryIO) -> int:
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    return size


def start_upload(
    cmd: UploadContent,
    archive: BinaryIO,
    *,
    thumbnail: BinaryIO | None = None,
    uow: UnitOfWork,
    storage: FileStorage,
    processor: ExportProcessor,
    queue: TaskQueue,
    clock: Clock,
    config: ContentConfig,
) -> NotionContent:
    """Check the upload, store it and queue its processing; the content starts PROCESSING.
    Refusals raise before anything is stored."""
    content = store_upload(
        cmd, archive, thumbnail=thumbnail, uow=uow, storage=storage, processor=processor, clock=clock, config=config
    )
    _queue(queue, content.id)
    return content


def publish_upload(
    cmd: UploadContent,
    archive: BinaryIO,
    *,
    thumbnail: BinaryIO | None = None,
    uow: UnitOfWork,
    storage: FileStorage,
    processor: ExportProcessor,
    clock: Clock,
    config: ContentConfig,
    embedder: BatchEmbedder | None = None,
    index: VectorIndex | None = None,
) -> NotionContent:
    """Check, store and process the upload here and now (an operator waiting at the terminal): no
    worker and no queue message. Ends PUBLISHED or FAILED with the reason, as the worker would."""
    content = store_upload(
        cmd, archive, thumbnail=thumbnail, uow=uow, storage=storage, processor=processor, clock=clock, config=config
    )
    return process_content(
        content.id,
        uow=uow,
        storage=storage,
        processor=processor,
        clock=clock,
        config=config,
        embedder=embedder,
        index=index,
    )


def store_upload(
    cmd: UploadContent,
    archive: BinaryIO,
    *,
    thumbnail: BinaryIO | None = None,
    uow: UnitOfWork,
    storage: FileStorage,
    processor: ExportProcessor,
    clock: Clock,
    config: ContentConfig,
    also: Callable[[UnitOfWork, NotionContent], None] | None = None,
) -> NotionContent:
    """Check the upload and store it, PROCESSING; refusals raise before anything is stored.
    `also` writes what must be committed with the new row or not at all (the legacy import's mark
    of where a column went, so a kill cannot leave a column the rerun does not know of)."""
    title, description = clean_title(cmd.title), clean_description(cmd.description)
    saved = _saved_upload(archive, thumbnail, storage=storage, processor=processor, config=config)
    with saved as (upload_key, thumb), uow:
        content = uow.contents.add(
            NewContent(
                title=title,
                description=description,
                is_preferred=cmd.is_preferred,
                upload_key=upload_key,
                uploaded_thumbnail_key=thumb,
                uploaded_by=cmd.uploaded_by,
                created_at=clock.now(),
            )
        )
        if also is not None:
            also(uow, content)
        uow.commit()
    return content


def retry_upload(
    content_id: int,
    archive: BinaryIO,
    *,
    thumbnail: BinaryIO | None = None,
    uow: UnitOfWork,
    storage: FileStorage,
    processor: ExportProcessor,
    queue: TaskQueue,
    clock: Clock,
    config: ContentConfig,
) -> NotionContent:
    """Give a FAILED upload a corrected export: checked and stored as a new upload is, then the same
    content (id, title, description, preferred) goes back to PROCESSING and its processing is queued.
    A refusal stores nothing and leaves the content failed. Only a failed upload can be retried, and
    only with an export: a refusal keeps no file, and the same export would be refused again."""
    with uow:
        content = uow.contents.get(content_id)
    if content is None:
        raise NotFound(f"no content with id {content_id}")
    if content.state is not ContentState.FAILED:
        raise IllegalTransition(f"content {content_id} is {content.state.value}: only a failed upload can be retried")
    saved = _saved_upload(archive, thumbnail, storage=storage, processor=processor, config=config)
    with saved as (upload_key, thumb), uow:
        current = uow.contents.get(content_id)
        if current is None:
            raise NotFound(f"content {content_id} was deleted while the export was stored")
        if current.state is not ContentState.FAILED:  # retried meanwhile
            raise IllegalTransition(f"content {content_id} changed while the export was stored; reload and look")
        retried = current.model_copy(
            update={
                "state": ContentState.PROCESSING,
                "failure": None,
                "upload_key": upload_key,
                "uploaded_thumbnail_key": thumb,
                "updated_at": clock.now(),
            }
        )
        uow.contents.save(retried)
        uow.commit()
    _queue(queue, content_id)
    return retried


@contextmanager
def _saved_upload(
    archive: BinaryIO,
    thumbnail: BinaryIO | None,
    *,
    storage: FileStorage,
    processor: ExportProcessor,
    config: ContentConfig,
) -> Iterator[tuple[str, str | None]]:
    """Check the archive's directory and store it (and the thumbnail) under fresh keys; refusals
    raise before anything is stored. Yields the keys; when the block raises, both files go again."""
    limits = config.limits
    size = _stream_size(archive)
    if size > limits.max_upload_bytes:
        raise InvalidInput(f"the zip is {size:,} bytes; the limit is {limits.max_upload_bytes:,}")
    processor.check(archive, limits)
    archive.seek(0)
    if thumbnail is not None and _stream_size(thumbnail) == 0:
        thumbnail = None  # an empty file field means "no thumbnail"

    token = secrets.token_hex(16)
    upload_key = f"uploads/{token}.zip"
    thumb_key = f"uploads/{token}-thumbnail" if thumbnail is not None else None
    try:
        storage.save(upload_key, archive)
        if thumbnail is not None and thumb_key is not None:
            storage.save(thumb_key, thumbnail)
        yield upload_key, thumb_key
    except BaseException:
        _forget_upload(storage, upload_key, thumb_key)
        raise


def _queue(queue: TaskQueue, content_id: int) -> None:
    """A queue that is down is not the uploader's problem: the stuck-upload sweep sends it later."""
    try:
        queue.enqueue(Task.PROCESS_CONTENT, content_id=content_id)
    except ChangpleError as exc:
        log.warning("content %s stored; queueing its processing failed (%s), the sweep will retry", content_id, exc)


def _forget_upload(storage: FileStorage, *keys: str | None) -> None:
    for key in keys:
        if key is not None:
            storage.delete(key)


# --- the worker ----------------------------------------------------------------------------------


def process_content(
    content_id: int,
    *,
    uow: UnitOfWork,
    storage: FileStorage,
    processor: ExportProcessor,
    clock: Clock,
    config: ContentConfig,
    embedder: BatchEmbedder | None = None,
    index: VectorIndex | None = None,
) -> NotionContent:
    """Extract, convert, sanitize and publish one upload, or mark it FAILED with the reason.
    Content that is no longer PROCESSING is returned untouched (a repeated delivery)."""
    with uow:
        content = uow.contents.get(content_id)
    if content is None:
        raise NotFound(f"no content with id {content_id}")
    if content.state is not ContentState.PROCESSING or content.upload_key is None:
        return content

    storage.delete_prefix(content_folder(content_id))  # whatever an interrupted attempt wrote
    try:
        processed = _processed(content, storage=storage, processor=processor, config=config)
        stored = _store(content_id, processed, storage)
    except InvalidInput as refused:
        storage.delete_prefix(content_folder(content_id))
        return _finish(content_id, uow=uow, storage=storage, clock=clock, failure=refused.detail)
    published = _finish(content_id, uow=uow, storage=storage, clock=clock, result=(processed, stored))
    if published.published and embedder is not None and index is not None:
        index_content(published, embedder=embedder, index=index)
    return published


def _processed(
    content: NotionContent, *, storage: FileStorage, processor: ExportProcessor, config: ContentConfig
) -> ProcessedExport:
    assert content.upload_key is not None
    thumb = content.uploaded_thumbnail_key
    with (
        storage.open(content.upload_key) as archive,
        storage.open(thumb) if thumb is not None else nullcontext(None) as thumbnail,
    ):
        return processor.process(
            archive, limits=config.limits, asset_url_prefix=config.asset_url_prefix(content.id), thumbnail=thumbnail
        )


def _store(content_id: int, processed: ProcessedExport, storage: FileStorage) -> dict[str, object]:
    keys = []
    for asset in processed.assets:
        key = asset_key(content_id, asset.name)
        storage.save(key, asset.data)
        keys.append(key)
    storage.save(page_key(content_id), processed.html.encode("utf-8"))
    thumb = None
    if processed.thumbnail is not None:
        thumb = thumbnail_key(content_id)
        storage.save(thumb, processed.thumbnail.data)
    return {"html_key": page_key(content_id), "thumbnail_key": thumb, "file_keys": tuple(keys)}


def _finish(
    content_id: int,
    *,
    uow: UnitOfWork,
    storage: FileStorage,
    clock: Clock,
    failure: str | None = None,
    result: tuple[ProcessedExport, dict[str, object]] | None = None,
) -> NotionContent:
    """Record the outcome, then drop the raw upload (after the record, so a crash in between
    leaves an upload to process again rather than content without its source)."""
    now = clock.now()
    with uow:
        current = uow.contents.get(content_id)
        if current is None:  # deleted while we worked: nothing of it may stay
            storage.delete_prefix(content_folder(content_id))
            raise NotFound(f"content {content_id} was deleted while it was processed")
        if result is None:
            update: dict[str, object] = {"state": ContentState.FAILED, "failure": failure}
        else:
            processed, stored = result
            update = {
                **stored,
                "state": ContentState.PUBLISHED,
                "failure": None,
                "plain_text": processed.plain_text,
                "skipped": processed.skipped,
                "published_at": now,
            }
        done = current.model_copy(
            update={**update, "upload_key": None, "uploaded_thumbnail_key": None, "updated_at": now}
        )
        uow.contents.save(done)
        uow.commit()
    _forget_upload(storage, current.upload_key, current.uploaded_thumbnail_key)
    return done


def index_content(content: NotionContent, *, embedder: BatchEmbedder, index: VectorIndex) -> bool:
    """Put the content's vector in the content namespace for recommendations. A provider that is
    down only costs the recommendations (they fall back to recent items); it never fails publishing."""
    text = "\n\n".join(part for part in (content.title, content.description, content.plain_text) if part)
    try:
        values = embedder.embed_query(text[:EMBEDDED_CHARS])
        index.upsert(
            [
                VectorRecord(
                    id=vector_id(content.id),
                    values=values,
                    metadata={"content_id": content.id, "title": content.title},
                )
            ]
        )
    except (ProviderUnavailable, ProviderRejected, InvalidInput) as exc:
        log.warning("content %s published without a recommendation vector: %s", content.id, exc.detail)
        return False
    return True


def requeue_stuck(*, uow: UnitOfWork, queue: TaskQueue, clock: Clock, config: ContentConfig) -> list[int]:
    """Queue again the uploads whose processing was lost (the queue was down, the job vanished).
    Touches each so the next sweep waits another `stuck_after` before trying again."""
    now = clock.now()
    cutoff: datetime = now - config.stuck_after
    with uow:
        stuck = uow.contents.stuck(updated_before=cutoff)
        for content in stuck:
            uow.contents.save(content.model_copy(update={"updated_at": now}))
        uow.commit()
    for content in stuck:
        _queue(queue, content.id)
    return [c.id for c in stuck]
