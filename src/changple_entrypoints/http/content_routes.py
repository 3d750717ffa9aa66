"""Notion content: admins upload, edit and delete columns; everyone reads published ones; signed-in
readers have a view history; the chat attaches columns' plain text.

Stored files are served from here with their own content type, `nosniff`, and a Content-Security-
Policy that lets a page show its images and nothing else: no script, no frame, no form."""

from __future__ import annotations

from typing import Annotated, Any, BinaryIO, cast

import anyio.to_thread
from litestar import Request, Response, Router, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.enums import MediaType, RequestEncodingType
from litestar.openapi import ResponseSpec
from litestar.params import Body, FromPath, JSONBody, QueryParameter, SkipValidation
from litestar.serialization import encode_json, get_serializer

from changple_domain.errors import InvalidInput, NotFound
from changple_domain.model.access import Caller, Scope
from changple_domain.model.content import ContentState, NotionContent
from changple_domain.model.ids import MAX_ID
from changple_domain.ports import UnitOfWork
from changple_domain.use_cases import content_library as library
from changple_domain.use_cases.content_uploads import UploadContent, asset_key, page_key, thumbnail_key
from changple_entrypoints.composition.container import Container
from changple_entrypoints.http.access import (
    AUTH_RESPONSES,
    SECURITY,
    SIGNED_IN_ONLY,
    provide_caller,
    requires,
)
from changple_entrypoints.http.content_schemas import (
    AttachedTextRead,
    AttachmentCreate,
    AttachmentRead,
    ContentDetailRead,
    ContentPageRead,
    ContentRead,
    ContentUpdate,
    ContentUploadForm,
    HistoryPageRead,
    ViewCreate,
    ViewedContentRead,
    ViewRead,
)
from changple_entrypoints.http.rate_limits import RATE_LIMITED_PER_CALLER, per_caller_limit
from changple_entrypoints.http.schemas import ErrorRead, IdPath
from changple_entrypoints.settings import Settings

Uow = NamedDependency[SkipValidation[UnitOfWork]]
Services = NamedDependency[SkipValidation[Container]]
CallerDep = NamedDependency[SkipValidation[Caller]]
AnyRequest = Request[Any, Any, Any]

PREFIX = "/api/v1/content"
ADMIN_NOTE = "\n\nAdmin-only."
ADMIN_ONLY: dict[str, Any] = {"guards": [requires(Scope.ADMIN)], "security": SECURITY}
NOT_FOUND = {404: ResponseSpec(ErrorRead, description="No published content has this id.")}
FILE_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif"}
ANY_FILE = {200: ResponseSpec(None, description="the file", media_type="application/octet-stream")}

Limit = Annotated[int, QueryParameter(ge=1, le=100, description="page size")]
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_ID, description="how many to skip")]


def _file_headers(settings: Settings) -> dict[str, str]:
    ancestors = " ".join(["'self'", *settings.cors_origins])
    return {
        "Content-Security-Policy": "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
        f"base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}; sandbox",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "public, max-age=300",
        "Cross-Origin-Resource-Policy": "cross-origin" if settings.cors_origins else "same-origin",
    }


def _api_base(services: Container) -> str:
    return services.settings().public_api_url.rstrip("/")


def _read(content: NotionContent, services: Container) -> ContentRead:
    return ContentRead.of(content, _api_base(services))


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
    services: Services,
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
    content = await anyio.to_thread.run_sync(lambda: services.start_upload(command, archive, thumbnail=thumbnail))
    read = _read(content, services)
    return Response(read, status_code=202, headers={"Location": f"{PREFIX}/{content.id}/"})


@patch(
    "/{content_id:int}/",
    **ADMIN_ONLY,
    sync_to_thread=True,
    summary="Change a column's title, description or preferred flag",
    description=ADMIN_NOTE.strip(),
    responses={**AUTH_RESPONSES, 404: ResponseSpec(ErrorRead, description="No content has this id.")},
)
def update_content(content_id: IdPath, services: Services, data: JSONBody[ContentUpdate | None] = None) -> ContentRead:
    if data is None:
        raise InvalidInput("send a JSON object with `title`, `description` and/or `is_preferred`")
    changed = library.update_content(
        content_id,
        uow=services.uow(),
        now=services.clock().now(),
        title=data.title,
        description=data.description,
        is_preferred=data.is_preferred,
    )
    return _read(changed, services)


@delete(
    "/{content_id:int}/",
    **ADMIN_ONLY,
    sync_to_thread=True,
    summary="Delete a column with its files and views (the worker drops its recommendation vector)",
    description=ADMIN_NOTE.strip(),
    responses={**AUTH_RESPONSES, 404: ResponseSpec(ErrorRead, description="No content has this id.")},
)
def delete_content(content_id: IdPath, services: Services) -> None:
    library.delete_content(content_id, uow=services.uow(), storage=services.file_storage(), queue=services.task_queue())


# --- everyone -----------------------------------------------------------------------------------


def _page(page: library.ContentPage, services: Container) -> ContentPageRead:
    return ContentPageRead(
        items=[_read(c, services) for c in page.items], total=page.total, limit=page.limit, offset=page.offset
    )


@get(
    "/columns/",
    sync_to_thread=True,
    summary="Published columns, newest first",
    description="Admins may pass `state` to see content still processing or refused.",
    responses={
        401: ResponseSpec(ErrorRead, description="`state` was given by someone not signed in."),
        403: ResponseSpec(ErrorRead, description="`state` was given by someone who is not an admin."),
    },
)
def list_columns(
    request: AnyRequest,
    services: Services,
    caller: CallerDep,
    state_filter: Annotated[ContentState | None, QueryParameter(name="state", description="admins only")] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Response[ContentPageRead]:
    state = state_filter or ContentState.PUBLISHED
    if state is not ContentState.PUBLISHED:
        page = library.list_content(uow=services.uow(), state=state, limit=limit, offset=offset, viewer=caller)
        return Response(_page(page, services))
    # The published list is the same for every caller: kept, encoded, until content changes.
    cache, generation = services.columns_cache(), services.content_changes().current()
    body = cache.get((limit, offset), generation) if generation is not None else None
    if body is None:
        page = library.list_content(uow=services.uow(), limit=limit, offset=offset, viewer=caller)
        body = encode_json(_page(page, services), get_serializer(request.route_handler.resolve_type_encoders()))
        if generation is not None:
            cache.put((limit, offset), generation, body)
    # The bytes are a ContentPageRead already encoded; the annotation keeps it in the OpenAPI schema.
    return cast("Response[ContentPageRead]", Response(body, media_type=MediaType.JSON))


@get("/preferred/", sync_to_thread=True, summary="Published columns the editors prefer, newest first")
def list_preferred(services: Services, limit: Limit = 20, offset: Offset = 0) -> ContentPageRead:
    return _page(library.list_content(uow=services.uow(), preferred=True, limit=limit, offset=offset), services)


@get(
    "/{content_id:int}/",
    sync_to_thread=True,
    summary="One column with its sanitized HTML",
    description="Admins also see content that is processing or failed (with `failure`).",
    responses=NOT_FOUND,
)
def get_content(content_id: IdPath, services: Services, caller: CallerDep) -> ContentDetailRead:
    content = library.get_content(content_id, uow=services.uow(), viewer=caller)
    html = services.file_storage().read(content.html_key).decode("utf-8") if content.html_key else None
    return ContentDetailRead(**_read(content, services).model_dump(), html=html, skipped=list(content.skipped))


def _file(content_id: int, key: str, media_type: str, services: Container, caller: Caller) -> Response[bytes]:
    """One of the content's own files (read_file refuses keys the content does not list)."""
    data = library.read_file(content_id, key, uow=services.uow(), storage=services.file_storage(), viewer=caller)
    return Response(data, media_type=media_type, headers=_file_headers(services.settings()))


@get(
    "/{content_id:int}/page",
    sync_to_thread=True,
    summary="The sanitized page as an HTML document, under a restrictive Content-Security-Policy",
    responses={**NOT_FOUND, 200: ResponseSpec(None, description="the page", media_type="text/html")},
)
def content_page(content_id: IdPath, services: Services, caller: CallerDep) -> Response[bytes]:
    return _file(content_id, page_key(content_id), "text/html; charset=utf-8", services, caller)


@get(
    "/{content_id:int}/thumbnail",
    sync_to_thread=True,
    summary="The column's thumbnail (JPEG)",
    responses={**NOT_FOUND, 200: ResponseSpec(None, description="the thumbnail", media_type="image/jpeg")},
)
def content_thumbnail(content_id: IdPath, services: Services, caller: CallerDep) -> Response[bytes]:
    return _file(content_id, thumbnail_key(content_id), "image/jpeg", services, caller)


@get(
    "/{content_id:int}/files/{name:str}",
    sync_to_thread=True,
    summary="One image of the column's page",
    responses={**NOT_FOUND, **ANY_FILE},
)
def content_file(content_id: IdPath, name: FromPath[str], services: Services, caller: CallerDep) -> Response[bytes]:
    media_type = FILE_TYPES.get(name.rsplit(".", 1)[-1].lower()) if "." in name else None
    if media_type is None or "/" in name:
        raise NotFound(f"content {content_id} has no file {name!r}")
    return _file(content_id, asset_key(content_id, name), media_type, services, caller)


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
    services: Services,
    limit: Annotated[int, QueryParameter(ge=1, le=20, description="how many")] = 5,
) -> list[ContentRead]:
    picked = library.recommend(content_id, uow=services.uow(), index=services.content_index(), limit=limit)
    return [_read(c, services) for c in picked]


@post(
    "/attachment/",
    status_code=200,
    sync_to_thread=True,
    summary="The plain text of columns, for attaching to a chat message",
    description="Texts come in the order asked; together they stay within the size cap, and a text cut "
    "short says so (`truncated`).",
    responses={404: ResponseSpec(ErrorRead, description="Some id is not a published column; the detail lists them.")},
)
def attach(services: Services, data: JSONBody[AttachmentCreate | None] = None) -> AttachmentRead:
    if data is None:
        raise InvalidInput('send a JSON object like {"content_ids": [1, 2]}')
    config = services.content_config()
    texts = library.attachment(data.content_ids, uow=services.uow(), config=config)
    return AttachmentRead(
        items=[AttachedTextRead.model_validate(t.model_dump()) for t in texts], max_chars=config.attachment_max_chars
    )


# --- signed-in readers ---------------------------------------------------------------------------


@get(
    "/history/",
    sync_to_thread=True,
    summary="The columns the signed-in reader viewed, the latest first",
    **SIGNED_IN_ONLY,
    responses=AUTH_RESPONSES,
)
def history(caller: CallerDep, services: Services, limit: Limit = 20, offset: Offset = 0) -> HistoryPageRead:
    user = caller.require_user()
    page = library.view_history(user.id, uow=services.uow(), limit=limit, offset=offset)
    return HistoryPageRead(
        items=[ViewedContentRead(content=_read(v.content, services), viewed_at=v.viewed_at) for v in page.items],
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
def record_view(caller: CallerDep, services: Services, data: JSONBody[ViewCreate | None] = None) -> ViewRead:
    user = caller.require_user()
    if data is None:
        raise InvalidInput('send a JSON object like {"content_id": 1}')
    recorded = library.record_view(
        user.id, data.content_id, uow=services.uow(), now=services.clock().now(), config=services.content_config()
    )
    return ViewRead(counted=recorded.counted)


def content_routers(settings: Settings) -> list[Router]:
    """One Router (Litestar registers a path's handlers together only within one); uploads may be
    as large as the upload limit plus a thumbnail and the form's own bytes."""
    limits = settings.content_config().limits
    upload_content.request_max_body_size = limits.max_upload_bytes + 20 * 1024 * 1024
    return [
        Router(
            PREFIX,
            tags=["content"],
            dependencies={"caller": Provide(provide_caller)},
            route_handlers=[
                upload_content,
                update_content,
                delete_content,
                list_columns,
                list_preferred,
                get_content,
                content_page,
                content_thumbnail,
                content_file,
                recommended,
                attach,
                history,
                record_view,
            ],
        )
    ]
