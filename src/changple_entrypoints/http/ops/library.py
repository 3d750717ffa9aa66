"""The console's content page at `/ops/content`: every Notion column whatever its state, with why a
failed upload was refused, whether it is published and preferred, and how many views it has; and
the buttons: Publish or Unpublish, Preferred on or off, and Retry for a failed upload.

A refused upload keeps no file (and the same export would be refused again), so Retry sends a
corrected export for the same column: it goes through the upload's own checks and is processed in
the background, as a new upload is. Each button answers with the list as it now stands, the change
said above it; a refusal lands in the page's flash area with the status the API would give."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, BinaryIO, cast

from litestar import get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Template
from pydantic import BaseModel, ConfigDict, Field

from changple_domain.errors import InvalidInput
from changple_domain.model.content import NotionContent
from changple_domain.model.ids import MAX_ID
from changple_domain.use_cases.people_console import Library
from changple_entrypoints.http.content_routes import read_form_as_text
from changple_entrypoints.http.dependencies import CallerDep, UseCase
from changple_entrypoints.http.ops.render import FORM, fragment, page
from changple_entrypoints.settings import Settings

Changed = tuple[NotionContent, Library]
ContentId = Annotated[int, Field(ge=1, le=MAX_ID)]


class PublishForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    content_id: ContentId
    published: bool


class PreferredForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    content_id: ContentId
    preferred: bool


@dataclass
class RetryForm:
    """A corrected export for a failed upload: `file` is the zip, `thumbnail` an optional image."""

    content_id: int
    file: UploadFile
    thumbnail: UploadFile | None = None


def _listing(shown: Library, message: str | None = None) -> Template:
    return fragment("_library_list.html", library=shown, message=message)


@get("/content", sync_to_thread=True)
def content_page(console_library: UseCase[Library], caller: CallerDep) -> Template:
    return page("library.html", caller, library=console_library(), message=None)


@post("/content/published", sync_to_thread=True, status_code=200)
def content_published(publish_then_list: UseCase[Changed], data: Annotated[PublishForm, FORM]) -> Template:
    content, shown = publish_then_list(data.content_id, published=data.published)
    said = "is published" if content.published else "is unpublished: readers no longer see it"
    return _listing(shown, f"'{content.title}' {said}")


@post("/content/preferred", sync_to_thread=True, status_code=200)
def content_preferred(prefer_then_list: UseCase[Changed], data: Annotated[PreferredForm, FORM]) -> Template:
    content, shown = prefer_then_list(data.content_id, preferred=data.preferred)
    said = "is preferred" if content.is_preferred else "is no longer preferred"
    return _listing(shown, f"'{content.title}' {said}")


@post("/content/retry", sync_to_thread=True, status_code=200, before_request=read_form_as_text)
def content_retry(
    retry_then_list: UseCase[Changed],
    data: Annotated[RetryForm, Body(media_type=RequestEncodingType.MULTI_PART)],
) -> Template:
    if not 1 <= data.content_id <= MAX_ID:
        raise InvalidInput(f"content_id must be a content's id (1 to {MAX_ID}), not {data.content_id}")
    archive = cast(BinaryIO, data.file.file)
    thumbnail = cast(BinaryIO, data.thumbnail.file) if data.thumbnail is not None else None
    content, shown = retry_then_list(data.content_id, archive, thumbnail=thumbnail)
    said = "is being processed again from the new export; reload to see how it ended"
    return _listing(shown, f"'{content.title}' {said}")


def size_console_uploads(settings: Settings) -> None:
    """Retry takes an export as large as an upload may be, plus a thumbnail and the form's own bytes."""
    content_retry.request_max_body_size = settings.content_config().limits.max_upload_bytes + 20 * 1024 * 1024


LIBRARY_HANDLERS = [content_page, content_published, content_preferred, content_retry]
