"""The one table from domain errors to HTTP statuses, and the JSON shape of every error:
`{"error": code, "detail": message}`, in the answers and in the OpenAPI schema. Anything unmapped
is a bug and answers 500."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Litestar, MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Reference, Schema
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from changple_domain.errors import (
    AlreadyExists,
    ChangpleError,
    ConcurrentUpdate,
    Forbidden,
    IllegalTransition,
    InvalidInput,
    InvalidSetting,
    LoginRequired,
    NotFound,
    ProviderRejected,
    ProviderUnavailable,
    Unauthorized,
)
from changple_entrypoints.http.bodies import BodyRefused, multipart_detail

log = logging.getLogger(__name__)

AnyRequest = Request[Any, Any, Any]

# Looked up along the error's MRO, so a subclass may have its own row.
STATUS_FOR_ERROR: dict[type[ChangpleError], int] = {
    InvalidSetting: 503,  # the server is misconfigured: not the caller's fault
    InvalidInput: 400,
    NotFound: 404,
    AlreadyExists: 409,
    IllegalTransition: 409,
    ConcurrentUpdate: 409,
    Unauthorized: 401,
    Forbidden: 403,
    ProviderRejected: 502,
    ProviderUnavailable: 503,
    LoginRequired: 503,
}

_HTTP_CODES = {
    400: "invalid_input",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


def status_for(error: ChangpleError) -> int:
    for cls in type(error).__mro__:
        status = STATUS_FOR_ERROR.get(cls)
        if status is not None:
            return status
    return HTTP_500_INTERNAL_SERVER_ERROR


def error_response(
    status: int, code: str, detail: str, headers: dict[str, str] | None = None
) -> Response[dict[str, str]]:
    return Response({"error": code, "detail": detail}, status_code=status, media_type=MediaType.JSON, headers=headers)


def handle_domain_error(request: AnyRequest, exc: ChangpleError) -> Response[dict[str, str]]:
    status = status_for(exc)
    if status >= 500:
        log.warning("%s %s -> %s %s: %s", request.method, request.url.path, status, exc.code, exc.detail)
    return error_response(status, exc.code, exc.detail)


def validation_detail(exc: ValidationException) -> str:
    """One line naming each field that was refused and why."""
    problems = []
    for item in exc.extra or []:
        if isinstance(item, dict):
            where = item.get("key") or item.get("source") or "request"
            problems.append(f"{where}: {item.get('message', 'invalid')}")
    return "; ".join(problems) or exc.detail


def handle_validation_error(request: AnyRequest, exc: ValidationException) -> Response[dict[str, str]]:
    return error_response(400, "invalid_input", validation_detail(exc))


def http_error_detail(request: AnyRequest, exc: HTTPException) -> str:
    """Litestar's own words, except where they do not say what to fix."""
    if isinstance(exc, RequestEntityTooLarge):
        limit = request.route_handler.resolve_request_max_body_size()
        return f"the body is larger than the {limit} bytes this route accepts: send a smaller one"
    return multipart_detail(exc, request.app.multipart_form_part_limit) or exc.detail


def handle_http_error(request: AnyRequest, exc: HTTPException) -> Response[dict[str, str]]:
    if exc.status_code >= 500:
        log.error("%s %s -> %s: %s", request.method, request.url.path, exc.status_code, exc.detail, exc_info=exc)
    code = exc.code if isinstance(exc, BodyRefused) else _HTTP_CODES.get(exc.status_code, "http_error")
    detail = http_error_detail(request, exc)
    return error_response(exc.status_code, code, detail, headers=dict(exc.headers or {}))  # e.g. Retry-After


def handle_unexpected(request: AnyRequest, exc: Exception) -> Response[dict[str, str]]:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(HTTP_500_INTERNAL_SERVER_ERROR, "internal_error", "an unexpected error happened")


EXCEPTION_HANDLERS = {
    ChangpleError: handle_domain_error,
    ValidationException: handle_validation_error,
    HTTPException: handle_http_error,
    Exception: handle_unexpected,
}


HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ERROR_SCHEMA = "ErrorRead"


def _litestar_error_shape(response: OpenAPIResponse) -> bool:
    media = (response.content or {}).get(MediaType.JSON)
    schema = media.schema if media is not None else None
    return isinstance(schema, Schema) and sorted(schema.required or ()) == ["detail", "status_code"]


def document_error_bodies(app: Litestar) -> None:
    """Litestar documents the 400 it raises for a bad parameter or body in its own shape
    (`{status_code, detail, extra}`), but `handle_validation_error` answers `ErrorRead`: rewrite those
    responses in the app's OpenAPI schema, so that the schema says what is actually sent."""
    openapi = app.openapi_schema
    if ERROR_SCHEMA not in (openapi.components.schemas or {}):
        raise RuntimeError(f"no route documents {ERROR_SCHEMA}, so the error shape has nothing to point at")
    body = {MediaType.JSON.value: OpenAPIMediaType(schema=Reference(ref=f"#/components/schemas/{ERROR_SCHEMA}"))}
    for path_item in (openapi.paths or {}).values():
        for method in HTTP_METHODS:
            operation = getattr(path_item, method, None)
            for response in (operation.responses or {}).values() if operation is not None else ():
                if isinstance(response, OpenAPIResponse) and _litestar_error_shape(response):
                    response.content = dict(body)
                    response.description = "A parameter or the body is invalid: `detail` names it and what to fix."
