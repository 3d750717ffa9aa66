"""Notion content: columns admins publish from Notion HTML exports, what readers viewed, and the
limits that keep a hostile upload from hurting the server.

An upload becomes content in two steps. The request checks the archive's directory (cheap, so the
obvious refusals are a 4xx at once) and stores the zip; a worker then extracts, converts and
sanitizes it and publishes the result, or marks it failed with the reason and removes every file."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from changple_domain.errors import InvalidInput
from changple_domain.model._time import UtcDatetime
from changple_domain.model.choices import ContentState as ContentState

TITLE_MAX = 200
DESCRIPTION_MAX = 2000


class NotionContent(BaseModel):
    """One column. Storage keys point into the FileStorage port; readers see published ones only."""

    model_config = ConfigDict(frozen=True)

    id: int
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    description: str = Field(default="", max_length=DESCRIPTION_MAX)
    is_preferred: bool = False
    state: ContentState = ContentState.PROCESSING
    failure: str | None = None
    plain_text: str = ""  # what the chat attaches: Korean text intact, paragraphs kept
    html_key: str | None = None  # the sanitized page
    thumbnail_key: str | None = None
    file_keys: tuple[str, ...] = ()  # the page's images, as stored
    upload_key: str | None = None  # the raw zip, kept only while processing
    uploaded_thumbnail_key: str | None = None  # the admin's own thumbnail, until processed
    skipped: tuple[str, ...] = ()  # entries of the export left out, each with the reason
    uploaded_by: int | None = None  # the admin's user id; None for service tokens and the CLI
    created_at: UtcDatetime
    updated_at: UtcDatetime
    published_at: UtcDatetime | None = None

    @property
    def published(self) -> bool:
        return self.state is ContentState.PUBLISHED


class NewContent(BaseModel):
    """Content to create; the repository assigns the id."""

    model_config = ConfigDict(frozen=True)

    title: str = Field(min_length=1, max_length=TITLE_MAX)
    description: str = Field(default="", max_length=DESCRIPTION_MAX)
    is_preferred: bool = False
    upload_key: str
    uploaded_thumbnail_key: str | None = None
    uploaded_by: int | None = None
    created_at: datetime

    def with_id(self, content_id: int) -> NotionContent:
        return NotionContent(
            id=content_id,
            title=self.title,
            description=self.description,
            is_preferred=self.is_preferred,
            upload_key=self.upload_key,
            uploaded_thumbnail_key=self.uploaded_thumbnail_key,
            uploaded_by=self.uploaded_by,
            created_at=self.created_at,
            updated_at=self.created_at,
        )


def clean_title(title: str) -> str:
    """Titles fold runs of white space and must keep some text; the detail says what to fix."""
    cleaned = " ".join(title.split())
    if not cleaned:
        raise InvalidInput("give the content a title (it was empty)")
    if len(cleaned) > TITLE_MAX:
        raise InvalidInput(f"the title is {len(cleaned)} characters; keep it to {TITLE_MAX}")
    return cleaned


def clean_description(description: str) -> str:
    cleaned = description.strip()
    if len(cleaned) > DESCRIPTION_MAX:
        raise InvalidInput(f"the description is {len(cleaned)} characters; keep it to {DESCRIPTION_MAX}")
    return cleaned


class ContentView(BaseModel):
    """A signed-in user opened a column. Repeats within the view window are not recorded again."""

    model_config = ConfigDict(frozen=True)

    user_id: int
    content_id: int
    viewed_at: UtcDatetime


class UploadLimits(BaseModel):
    """Every limit an upload is held to; each is a setting (CHANGPLE_CONTENT_*)."""

    model_config = ConfigDict(frozen=True)

    max_upload_bytes: int = Field(default=100 * 1024 * 1024, gt=0)  # the zip as sent
    max_entries: int = Field(default=2000, gt=0)  # files and folders in the zip
    max_total_bytes: int = Field(default=500 * 1024 * 1024, gt=0)  # everything, uncompressed
    max_compression_ratio: float = Field(default=100.0, gt=1)  # per entry: uncompressed / compressed
    max_image_pixels: int = Field(default=40_000_000, gt=0)  # width x height; above it, a decompression bomb
    max_image_side: int = Field(default=2560, gt=0)  # longer sides are scaled down to this
    thumbnail_side: int = Field(default=640, gt=0)


class ExportAsset(BaseModel):
    """A file the processor made from an export: a page image or the thumbnail."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,99}$")  # a storage-safe name we chose
    content_type: str
    data: bytes = Field(repr=False)


class ProcessedExport(BaseModel):
    """What the export processor made of a Notion export, ready to store and publish."""

    model_config = ConfigDict(frozen=True)

    html: str  # sanitized; image references point at `asset_url_prefix` + asset name
    plain_text: str
    assets: tuple[ExportAsset, ...] = ()
    thumbnail: ExportAsset | None = None
    skipped: tuple[str, ...] = ()  # "path: reason" for each entry left out on purpose
    page_name: str = ""  # the export's HTML file the page came from


class ArchiveSummary(BaseModel):
    """The quick check of an archive's directory, done before anything is stored."""

    model_config = ConfigDict(frozen=True)

    entries: int
    total_bytes: int  # uncompressed, as the directory declares
    html_files: int


# --- where a content's files are stored (FileStorage keys) and its recommendation vector's id -----


def content_folder(content_id: int) -> str:
    return f"content/{content_id}/"


def page_key(content_id: int) -> str:
    return f"content/{content_id}/page.html"


def asset_key(content_id: int, name: str) -> str:
    return f"content/{content_id}/files/{name}"


def thumbnail_key(content_id: int) -> str:
    return f"content/{content_id}/thumbnail.jpg"


def vector_id(content_id: int) -> str:
    return f"content-{content_id}"
