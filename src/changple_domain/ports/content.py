"""Notion content: its records, its view history, its files and the export processor."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import BinaryIO, Protocol, runtime_checkable

from changple_domain.model.content import (
    ArchiveSummary,
    ContentState,
    ContentView,
    NewContent,
    NotionContent,
    ProcessedExport,
    UploadLimits,
)


@runtime_checkable
class ContentRepository(Protocol):
    def add(self, new: NewContent) -> NotionContent:
        """Create the content and return it with its id."""
        ...

    def save(self, content: NotionContent) -> None:
        """Replace stored content (NotFound when it is gone)."""
        ...

    def get(self, content_id: int) -> NotionContent | None: ...
    def get_many(self, content_ids: Iterable[int]) -> dict[int, NotionContent]: ...
    def page(
        self,
        *,
        state: ContentState | None = ContentState.PUBLISHED,
        preferred: bool | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[NotionContent]:
        """Newest first (created_at, then id, descending); None for `state` or `preferred` means any."""
        ...

    def count(self, *, state: ContentState | None = ContentState.PUBLISHED, preferred: bool | None = None) -> int: ...
    def stuck(self, *, updated_before: datetime, limit: int = 100) -> list[NotionContent]:
        """Content still PROCESSING that nothing touched since `updated_before` (a lost job)."""
        ...

    def delete(self, content_id: int) -> bool:
        """Remove the content; True when there was one. Its views go with it."""
        ...


@runtime_checkable
class ContentViewRepository(Protocol):
    def add(self, view: ContentView) -> None: ...
    def add_many(self, views: Sequence[ContentView]) -> None:
        """`add` for many views in one round trip per chunk; NotFound, and nothing stored, when a
        reader or a column is gone."""
        ...

    def last_viewed_at(self, user_id: int, content_id: int) -> datetime | None: ...
    def history(self, user_id: int, *, limit: int = 20, offset: int = 0) -> list[ContentView]:
        """The user's latest view of each content, most recent first."""
        ...

    def count_history(self, user_id: int) -> int:
        """How many different contents the user has viewed."""
        ...

    def counts(self, content_ids: Iterable[int]) -> dict[int, int]:
        """How many views each content has (every reader, every recorded view); unviewed ones are absent."""
        ...


@runtime_checkable
class FileStorage(Protocol):
    """Bytes under keys like `content/12/files/001.jpg`: lowercase-safe paths with '/' folders.
    Keys with '..', a leading '/', or characters outside [A-Za-z0-9._/-] are refused (InvalidInput)."""

    def save(self, key: str, data: bytes | BinaryIO) -> int:
        """Write (or replace) the file whole, streaming a file object; returns its size. A reader
        never sees half a file."""
        ...

    def open(self, key: str) -> AbstractContextManager[BinaryIO]:
        """A readable, seekable file; NotFound when there is none."""
        ...

    def read(self, key: str) -> bytes:
        """The whole file; NotFound when there is none."""
        ...

    def size(self, key: str) -> int | None:
        """The file's size, or None when there is none."""
        ...

    def delete(self, key: str) -> None:
        """Remove the file; a missing one is fine."""
        ...

    def delete_prefix(self, prefix: str) -> int:
        """Remove every file whose key starts with `prefix` (a folder, ending in '/'); returns how many."""
        ...

    def list(self, prefix: str) -> list[str]:
        """Every key starting with `prefix`, sorted."""
        ...


@runtime_checkable
class ExportProcessor(Protocol):
    """Turns a Notion HTML export (a zip) into a sanitized page, its images and plain text.
    Refusals raise UnsafeUpload with the reason; nothing is written anywhere by the processor."""

    def check(self, archive: BinaryIO, limits: UploadLimits) -> ArchiveSummary:
        """Read the zip's directory only (no decompression) and refuse what it already shows:
        not a zip, zip slip, links and devices, too many entries, too many declared bytes, high
        ratios, encryption, no HTML page."""
        ...

    def process(
        self,
        archive: BinaryIO,
        *,
        limits: UploadLimits,
        asset_url_prefix: str,
        thumbnail: BinaryIO | None = None,
    ) -> ProcessedExport:
        """Extract with the same checks enforced on the bytes actually read, convert and shrink
        the images (HEIC/HEIF to JPEG, EXIF dropped, Pillow's bomb guard at `max_image_pixels`),
        point the page's image references at `asset_url_prefix` + asset name, sanitize the HTML,
        extract plain text, and make a thumbnail (the given one, else the first image, else a card)."""
        ...


@runtime_checkable
class ContentChanges(Protocol):
    """A value that changes whenever content is committed, seen by every process that writes
    content, so a cache of content answers knows when it went stale. Every unit of work that
    commits a content write calls `bump()` right after its commit."""

    def current(self) -> Hashable | None:
        """The generation now; `None` when it cannot be told (then nothing cached may be trusted)."""
        ...

    def bump(self) -> None:
        """Announce a change; a failure to announce is logged, never raised (caches expire on age)."""
        ...


@runtime_checkable
class AnswerCache(Protocol):
    """Encoded answers kept by key, each good only for the content generation it was made in."""

    def get(self, key: Hashable, generation: Hashable) -> bytes | None:
        """The answer kept for `key` if it was made in `generation` (and is not too old), else None."""
        ...

    def put(self, key: Hashable, generation: Hashable, body: bytes) -> None:
        """Keep `body`; `generation` must be the one read before the answer was computed."""
        ...
