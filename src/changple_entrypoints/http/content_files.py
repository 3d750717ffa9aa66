"""A column's stored files (its page, thumbnail and images), each served with its own content type,
`nosniff`, and a Content-Security-Policy that lets a page show its images and nothing else: no
script, no frame, no form."""

from __future__ import annotations

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, SkipValidation

from changple_domain.errors import NotFound
from changple_domain.model.content import asset_key, page_key, thumbnail_key
from changple_entrypoints.http.dependencies import CallerDep, UseCase
from changple_entrypoints.http.schemas import ErrorRead, IdPath
from changple_entrypoints.settings import Settings

NOT_FOUND = {404: ResponseSpec(ErrorRead, description="No published content has this id.")}
FILE_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif"}
ANY_FILE = {200: ResponseSpec(None, description="the file", media_type="application/octet-stream")}

FileHeaders = NamedDependency[SkipValidation[dict[str, str]]]


def file_headers(settings: Settings) -> dict[str, str]:
    """The headers of every stored file: the frontend's origins may frame and embed them, no one else.
    The sandbox keeps scripts, forms, popups and navigation off; it keeps the page's own origin
    (`allow-same-origin`) because an opaque origin would make every image of the page a cross-origin
    request, which `Cross-Origin-Resource-Policy: same-origin` (rightly) refuses. With no script able
    to run, the origin gives the page nothing it could use."""
    ancestors = " ".join(["'self'", *settings.cors_origins])
    return {
        "Content-Security-Policy": "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
        f"base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}; sandbox allow-same-origin",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "public, max-age=300",
        "Cross-Origin-Resource-Policy": "cross-origin" if settings.cors_origins else "same-origin",
    }


# Each route reads one of the content's own files (`read_content_file` refuses keys it does not list).


@get(
    "/{content_id:int}/page",
    sync_to_thread=True,
    summary="The sanitized page as an HTML document, under a restrictive Content-Security-Policy",
    responses={**NOT_FOUND, 200: ResponseSpec(None, description="the page", media_type="text/html")},
)
def content_page(
    content_id: IdPath, read_content_file: UseCase[bytes], file_headers: FileHeaders, caller: CallerDep
) -> Response[bytes]:
    page = read_content_file(content_id, page_key(content_id), viewer=caller)
    # Litestar appends "; charset=utf-8" to a text/* media type itself.
    return Response(page, media_type="text/html", headers=file_headers)


@get(
    "/{content_id:int}/thumbnail",
    sync_to_thread=True,
    summary="The column's thumbnail (JPEG)",
    responses={**NOT_FOUND, 200: ResponseSpec(None, description="the thumbnail", media_type="image/jpeg")},
)
def content_thumbnail(
    content_id: IdPath, read_content_file: UseCase[bytes], file_headers: FileHeaders, caller: CallerDep
) -> Response[bytes]:
    thumbnail = read_content_file(content_id, thumbnail_key(content_id), viewer=caller)
    return Response(thumbnail, media_type="image/jpeg", headers=file_headers)


@get(
    "/{content_id:int}/files/{name:str}",
    sync_to_thread=True,
    summary="One image of the column's page",
    responses={**NOT_FOUND, **ANY_FILE},
)
def content_file(
    content_id: IdPath,
    name: FromPath[str],
    read_content_file: UseCase[bytes],
    file_headers: FileHeaders,
    caller: CallerDep,
) -> Response[bytes]:
    media_type = FILE_TYPES.get(name.rsplit(".", 1)[-1].lower()) if "." in name else None
    if media_type is None or "/" in name:
        raise NotFound(f"content {content_id} has no file {name!r}")
    image = read_content_file(content_id, asset_key(content_id, name), viewer=caller)
    return Response(image, media_type=media_type, headers=file_headers)


FILE_ROUTES = [content_page, content_thumbnail, content_file]
