"""Liveness and readiness, for GET and for HEAD: load balancers and orchestrators often check with
HEAD, which must answer what GET answers (status and headers, the length included) with no body."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio.to_thread
from litestar import Response, get, head
from litestar.di import NamedDependency
from litestar.params import SkipValidation
from litestar.response.base import ASGIResponse

from changple_entrypoints.http.schemas import HealthRead, ReadinessRead

# The readiness checks are handed over by Litestar as they are (`http/app.py` provides them).
Checks = NamedDependency[SkipValidation[dict[str, Callable[[], tuple[bool, str]]]]]
NOT_READY = 503
ALIVE = HealthRead(status="ok")


class HeadOf(Response[None]):
    """The answer to HEAD: the GET answer rendered as usual (so its status, type and length are the
    same), sent without its body. Litestar sends a HEAD handler's `None` as the body `null`."""

    def __init__(self, like: Response[Any]) -> None:
        super().__init__(None, status_code=like.status_code)
        self.like = like

    def to_asgi_response(self, *args: Any, **kwargs: Any) -> ASGIResponse:
        answer = self.like.to_asgi_response(*args, **kwargs)
        answer.is_head_response = True  # the headers as rendered, an empty body
        return answer


@get("/api/health", tags=["health"], summary="Liveness: the process answers")
async def health() -> HealthRead:
    return ALIVE


@head("/api/health", tags=["health"], summary="For load balancers: what GET /api/health answers, without the body")
async def health_head() -> Response[None]:
    return HeadOf(Response(ALIVE))


def _readiness(readiness_checks: Checks) -> Response[Any]:
    checks: dict[str, str] = {}
    failing: list[str] = []
    for part, check in readiness_checks.items():
        ok, detail = check()
        checks[part] = detail if ok else f"failing: {detail}"
        if not ok:
            failing.append(f"{part} ({detail})")
    if failing:
        body = {"error": "not_ready", "detail": "not ready: " + "; ".join(failing), "checks": checks}
        return Response(body, status_code=NOT_READY)
    return Response(ReadinessRead(status="ready", checks=checks))


async def _readiness_off_the_loop(readiness_checks: Checks) -> Response[Any]:
    """The checks block (they reach the database and the broker), so they run on a worker thread.
    The handlers are async rather than `sync_to_thread`: in Litestar 2.25 a `sync_to_thread` GET
    that shares its path with a HEAD handler answers 500 (its coroutine is taken for the response)."""
    return await anyio.to_thread.run_sync(_readiness, readiness_checks)


@get("/api/health/ready", tags=["health"], summary="Readiness: the database and the broker answer")
async def ready(readiness_checks: Checks) -> Response[Any]:
    return await _readiness_off_the_loop(readiness_checks)


@head(
    "/api/health/ready",
    tags=["health"],
    summary="For load balancers: what GET /api/health/ready answers (200 or 503), without the body",
)
async def ready_head(readiness_checks: Checks) -> Response[None]:
    return HeadOf(await _readiness_off_the_loop(readiness_checks))


HEALTH_ROUTES = [health, health_head, ready, ready_head]
