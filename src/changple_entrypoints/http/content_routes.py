"""Notion content: admins upload, edit and delete columns; everyone reads published ones; signed-in
readers have a view history; the chat attaches columns' plain text. A column's stored files are
served by `content_files`, under the same prefix."""

from __future__ import annotations

from typing import Annotated, Any, BinaryIO, cast

import anyio.to_thread
from litestar import Request, Response, Router, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.enums import MediaType, RequestEncodingType
from litestar.openapi import ResponseSpec
from litestar.params import Body, JSONBody, QueryParameter, SkipValidation
from litestar.serialization import encode_json, get_serializer

from changple_domain.errors import InvalidInput
from changple_domain.model.access import Scope
from changple_domain.model.content import ContentState, NotionContent
from changple_domain.model.pages import Page
from changple_domain.use_cases.content_library import (
    RECOMMEND_DEPTH,
    Attachment,
    ContentDetail,
    ContentPage,
    HistoryPage,
    ViewRecorded,
)
from changple_domain.use_cases.content_uploads import UploadContent
from changple_entrypoints.http.access import (
    AUTH_RESPONSES,
    OPTIONAL_CREDENTIALS,
    SECURITY,
    SIGNED_IN_ONLY,
    provide_caller,
    requires,
)
from changple_entrypoints.http.bodies import required_body
from changple_entrypoints.http.content_files import FILE_ROUTES, NOT_FOUND, file_headers
from changple_entrypoints.http.content_schemas import (
    AttachedTextRead,
    AttachmentCreate,
    AttachmentRead,
    ContentDetailRead,
    ContentLinks,
    ContentPageRead,
    ContentRead,
    ContentUpdate,
    ContentUploadForm,
    HistoryPageRead,
    ViewCreate,
    ViewedContentRead,
    ViewRead,
)
from changple_entrypoints.http.dependencies import CallerDep, UseCase
from changple_entrypoints.http.rate_limits import RATE_LIMITED_PER_CALLER, per_caller_limit
from changple_entrypoints.http.schemas import ErrorRead, IdPath, Offset
from changple_entrypoints.settings import Settings

Links = NamedDependency[SkipValidation[ContentLinks]]
AnyRequest = Request[Any, Any, Any]

PREFIX = "/api/v1/content"
ADMIN_NOTE = "\n\nAdmin-only."
ADMIN_ONLY: dict[str, Any] = {"guards": [requires(Scope.ADMIN)], "security": SECURITY}

Limit = Annotated[int, QueryParameter(ge=1, le=100, description="page size")]


# --- admins -------------------------------------------------------------------------------------


async def read_form_as_text(request: AnyRequest) -> None:
    """Litestar decodes each text part of a multipart form as UTF-8 (or the part's own charset) and
    lets a part that is not become a 500: read the form first, so that such a request is a 400 that
    says what to send. The parsed form is kept on the request, so it is not read twice."""
    try:
        await request.form()
    except (UnicodeDecodeError, LookupError) as exc:  # bytes that are not the charset, or no such charset
        raise InvalidInput(
            "a form field is not UTF-8 text: send `title`, `description` and `is_preferred` as UTF-8, "
            "and the zip and the thumbnail as file parts (with a filename)"
        ) from exc


@post(
    "/",
    **ADMIN_ONLY,
    before_request=read_form_as_text,
    status_code=202,
    summary="Upload a Notion export (zip); it is processed in the background",
    description="Multipart form: `title`, `file` (the zip from Notion's Export → HTML), optional "
    "`description`, `is_preferred` and `thumbnail` (an image). Archives whose directory already shows a "
    "problem (zip slip, links, bombs, too many files, not a zip) are refused here with a 400 whose "
    "`error` names the reason (`upload_path_traversal`, ...); the rest are answered 202 in state "
    "`processing` and end `published` or `failed` with the reason. Poll `GET /api/v1/content/{id}/`." + ADMIN_NOTE,
    responses={**AUTH_RESPONSES, 400: ResponseSpec(ErrorRead, description="The upload was refused.")},
)
async def upload_content(
    start_upload: UseCase[NotionContent],
    links: Links,
    caller: CallerDep,
    data: Annotated[ContentUploadForm, Body(media_type=RequestEncodingType.MULTI_PART)],
) -> Response[ContentRead]:
    command = UploadContent(
        title=data.title,
        description=data.description,
        is_preferred=data.is_preferred,
        uploaded_by=caller.user.id if caller.user is not None else None,
    )
    archive = cast(BinaryIO, data.file.file)  # a SpooledTemporaryFile: in memory when small, else on disk
    thumbnail = cast(BinaryIO, data.thumbnail.file) if data.thumbnail is not None else None
    content = await anyio.to_thread.run_sync(lambda: start_upload(command, archive, thumbnail=thumbnail))
    return Response(links.read(content), status_code=202, headers={"Location": f"{PREFIX}/{content.id}/"})


@patch(
    "/{content_id:int}/",
    **ADMIN_ONLY,
    sync_to_thread=True,
    summary="Change a column's title, description or preferred flag",
    description=ADMIN_NOTE.strip(),
    responses={**AUTH_RESPONSES, 404: ResponseSpec(ErrorRead, description="No content has this id.")},
)
def update_content(
    content_id: IdPath,
    edit_content: UseCase[NotionContent],
    links: Links,
    data: JSONBody[ContentUpdate | None] = None,
) -> ContentRead:
    body = required_body(data, "send a JSON object with `title`, `description` and/or `is_preferred`")
    changed = edit_content(content_id, title=body.title, description=body.description, is_preferred=body.is_preferred)
    return links.read(changed)


@delete(
    "/{content_id:int}/",
    **ADMIN_ONLY,
    sync_to_thread=True,
    summary="Delete a column with its files and views (the worker drops its recommendation vector)",
    description=ADMIN_NOTE.strip(),
    responses={**AUTH_RESPONSES, 404: ResponseSpec(ErrorRead, description="No content has this id.")},
)
def delete_content(content_id: IdPath, remove_content: UseCase[None]) -> None:
    remove_content(content_id)


# --- everyone -----------------------------------------------------------------------------------


@get(
    "/columns/",
    sync_to_thread=True,
    summary="Published columns, newest first",
    description="Admins may pass `state` to see content still processing or refused.",
    responses={
        401: ResponseSpec(ErrorRead, description="`state` was given by someone not signed in."),
        403: ResponseSpec(ErrorRead, description="`state` was given by someone who is not an admin."),
    },
    security=OPTIONAL_CREDENTIALS,
)
def list_columns(
    request: AnyRequest,
    cached_columns: UseCase[bytes],
    links: Links,
    caller: CallerDep,
    state_filter: Annotated[ContentState | None, QueryParameter(name="state", description="admins only")] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Response[ContentPageRead]:
    serializer = get_serializer(request.route_handler.resolve_type_encoders())

    def encode(page: ContentPage) -> bytes:
        return encode_json(links.page(page), serializer)

    # The published list is the same for every caller: kept, encoded, until content changes.
    body = cached_columns(
        state=state_filter or ContentState.PUBLISHED, limit=limit, offset=offset, viewer=caller, encode=encode
    )
    # The bytes are a ContentPageRead already encoded; the annotation keeps it in the OpenAPI schema.
    return cast("Response[ContentPageRead]", Response(body, media_type=MediaType.JSON))


@get("/preferred/", sync_to_thread=True, summary="Published columns the editors prefer, newest first")
def list_preferred(
    list_content: UseCase[ContentPage], links: Links, limit: Limit = 20, offset: Offset = 0
) -> ContentPageRead:
    return links.page(list_content(preferred=True, limit=limit, offset=offset))


@get(
    "/{content_id:int}/",
    sync_to_thread=True,
    summary="One column with its sanitized HTML",
    description="Admins also see content that is processing or failed (with `failure`).",
    responses=NOT_FOUND,
)
def get_content(
    content_id: IdPath, content_detail: UseCase[ContentDetail], links: Links, caller: CallerDep
) -> ContentDetailRead:
    detail = content_detail(content_id, viewer=caller)
    return ContentDetailRead(
        **links.read(detail.content).model_dump(), html=detail.html, skipped=list(detail.content.skipped)
    )


@get(
    "/recommended/{content_id:int}/",
    sync_to_thread=True,
    summary="Columns like this one (by embedding), topped up with the newest",
    description="Queries the vector index, so each caller has a budget a minute (CHANGPLE_SEARCH_RATE_LIMIT_*); "
    "over it, 429 with Retry-After.",
    guards=[per_caller_limit("recommended", "recommendation requests")],
    responses={**NOT_FOUND, **RATE_LIMITED_PER_CALLER},
)
def recommended(
    content_id: IdPath,
    recommend_content: UseCase[Page[NotionContent]],
    links: Links,
    limit: Annotated[int, QueryParameter(ge=1, le=RECOMMEND_DEPTH, description="how many on this page")] = 5,
    offset: Annotated[int, QueryParameter(ge=0, le=RECOMMEND_DEPTH - 1, description="how many to skip")] = 0,
) -> Page[ContentRead]:
    page = recommend_content(content_id, limit=limit, offset=offset)
    return Page(items=[links.read(c) for c in page.items], total=page.total, limit=page.limit, offset=page.offset)


@post(
    "/attachment/",
    status_code=200,
    sync_to_thread=True,
    summary="The plain text of columns, for attaching to a chat message",
    description="Texts come in the order asked; together they stay within the size cap, and a text cut "
    "short says so (`truncated`).",
    responses={404: ResponseSpec(ErrorRead, description="Some id is not a published column; the detail lists them.")},
)
def attach(attach_texts: UseCase[Attachment], data: JSONBody[AttachmentCreate | None] = None) -> AttachmentRead:
    attached = attach_texts(required_body(data, 'send a JSON object like {"content_ids": [1, 2]}').content_ids)
    return AttachmentRead(
        items=[AttachedTextRead.model_validate(t.model_dump()) for t in attached.items], max_chars=attached.max_chars
    )


# --- signed-in readers ---------------------------------------------------------------------------


@get(
    "/history/",
    sync_to_thread=True,
    summary="The columns the signed-in reader viewed, the latest first",
    **SIGNED_IN_ONLY,
    responses=AUTH_RESPONSES,
)
def history(
    caller: CallerDep, view_history: UseCase[HistoryPage], links: Links, limit: Limit = 20, offset: Offset = 0
) -> HistoryPageRead:
    user = caller.require_user()
    page = view_history(user.id, limit=limit, offset=offset)
    return HistoryPageRead(
        items=[ViewedContentRead(content=links.read(v.content), viewed_at=v.viewed_at) for v in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


@post(
    "/view/",
    status_code=200,
    sync_to_thread=True,
    summary="Record that the signed-in reader opened a column",
    description="Repeated views within the view window (CHANGPLE_CONTENT_VIEW_WINDOW_MINUTES) count once.",
    **SIGNED_IN_ONLY,
    responses={**AUTH_RESPONSES, **NOT_FOUND},
)
def record_view(
    caller: CallerDep, record_content_view: UseCase[ViewRecorded], data: JSONBody[ViewCreate | None] = None
) -> ViewRead:
    user = caller.require_user()
    body = required_body(data, 'send a JSON object like {"content_id": 1}')
    recorded = record_content_view(user.id, body.content_id)
    return ViewRead(counted=recorded.counted)


def content_routers(settings: Settings) -> list[Router]:
    """One Router (Litestar registers a path's handlers together only within one); uploads may be
    as large as the upload limit plus a thumbnail and the form's own bytes. The settings give the
    links in every read and the headers of stored files."""
    limits = settings.content_config().limits
    upload_content.request_max_body_size = limits.max_upload_bytes + 20 * 1024 * 1024
    links, headers = ContentLinks.of(settings), file_headers(settings)
    return [
        Router(
            PREFIX,
            tags=["content"],
            dependencies={
                "caller": Provide(provide_caller),
                "links": Provide(lambda: links, sync_to_thread=False),
                "file_headers": Provide(lambda: headers, sync_to_thread=False),
            },
            route_handlers=[
                upload_content,
                update_content,
                delete_content,
                list_columns,
                list_preferred,
                get_content,
                *FILE_ROUTES,
                recommended,
                attach,
                history,
                record_view,
            ],
        )
    ]
