"""The console's templates, static files and error pages (its security headers: `security_headers`).

Errors on console routes answer HTML with the status the API gives the same error (one table:
`errors.status_for`): a full page for a browser's request, or for htmx a message swapped into the
page's flash area (`HX-Retarget`), so a refused form says what to fix where the person looks."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar import Request, Response, Router
from litestar.exceptions import HTTPException, ValidationException
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from changple_domain.errors import ChangpleError, Forbidden, Unauthorized
from changple_entrypoints.http.errors import http_error_detail, status_for, validation_detail
from changple_entrypoints.http.ops.views import FILTERS, GLOBALS
from changple_entrypoints.http.sessions import CsrfRefused

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
AnyRequest = Request[Any, Any, Any]

_TITLES = {400: "Check what you sent", 401: "Sign in first", 403: "Refused", 404: "Not found", 409: "Conflict"}


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined, trim_blocks=True
    )
    environment.filters.update(FILTERS)
    environment.globals.update(GLOBALS)
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment))


def static_router() -> Router:
    return create_static_files_router(
        path="/ops/static", directories=[STATIC], name="ops-static", include_in_schema=False
    )


def _describe(request: AnyRequest, exc: Exception) -> tuple[int, str, str]:
    """Status, what went wrong, and which hint the page adds (`sign_in`, `promote` or none)."""
    if isinstance(exc, Unauthorized):
        return 401, exc.detail, "sign_in"
    if isinstance(exc, Forbidden):
        return 403, exc.detail, "promote"
    if isinstance(exc, ChangpleError):
        return status_for(exc), exc.detail, ""
    if isinstance(exc, CsrfRefused):
        return 403, "the page's security token is missing or out of date: reload the page and try again", ""
    if isinstance(exc, ValidationException):
        return 400, validation_detail(exc), ""
    if isinstance(exc, HTTPException):
        return exc.status_code, http_error_detail(request, exc), ""
    log.exception("unhandled error in the console")
    return 500, "an unexpected error happened; the server log has the details", ""


def render_error(request: AnyRequest, exc: Exception) -> Response[Any]:
    status, detail, hint = _describe(request, exc)
    if status >= 500 and isinstance(exc, ChangpleError):
        log.warning("%s %s -> %s %s: %s", request.method, request.url.path, status, exc.code, detail)
    title = _TITLES.get(status, "Something went wrong")
    context = {"status": status, "title": title, "detail": detail, "hint": hint}
    if request.headers.get("hx-request") == "true":
        headers = {"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"}
        return Template(template_name="_flash.html", context=context, status_code=status, headers=headers)
    return Template(template_name="error.html", context=context, status_code=status)


OPS_EXCEPTION_HANDLERS: dict[type[Exception], Any] = {
    ChangpleError: render_error,
    ValidationException: render_error,
    HTTPException: render_error,
    Exception: render_error,
}
