"""The Litestar app factory. Handlers are thin: parse, call one use case, shape the answer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme

from changple_entrypoints.composition.container import Container, use_cases
from changple_entrypoints.http.admin_routes import ADMIN_ROUTES
from changple_entrypoints.http.auth_routes import auth_routers
from changple_entrypoints.http.bodies import GuardedRequest
from changple_entrypoints.http.chat_routes import CHAT_ROUTES
from changple_entrypoints.http.content_routes import content_routers
from changple_entrypoints.http.docs_page import docs_render_plugins
from changple_entrypoints.http.errors import EXCEPTION_HANDLERS, document_error_bodies
from changple_entrypoints.http.health_routes import HEALTH_ROUTES
from changple_entrypoints.http.metrics import REQUEST_METRICS, metrics
from changple_entrypoints.http.ops.library import size_console_uploads
from changple_entrypoints.http.ops.pages import static_router, template_config
from changple_entrypoints.http.ops.routes import ops_routers
from changple_entrypoints.http.pipeline_routes import PIPELINE_ROUTES
from changple_entrypoints.http.post_routes import POST_ROUTES
from changple_entrypoints.http.request_id_middleware import add_request_id_header, request_id_middleware
from changple_entrypoints.http.security_headers import add_security_headers
from changple_entrypoints.http.sessions import (
    CSRF_HEADER,
    SESSION_COOKIE,
    SESSION_STORE,
    build_stores,
    csrf_middleware,
    session_config,
    sweep_expired_sessions,
)
from changple_entrypoints.http.warm_up import warm_up_in_background
from changple_entrypoints.settings import Settings
from changple_entrypoints.worker.broker import EmbeddedWorker


def _handing_over(use_case: Callable[..., Any]) -> Callable[[], Callable[..., Any]]:
    """A Litestar dependency that hands the bound use case itself to the handler that names it."""

    def provide() -> Callable[..., Any]:
        return use_case

    return provide


def _lifespan(container: Container, *, run_embedded_worker: bool) -> Callable[[Litestar], Any]:
    """Sweep expired sessions while the app runs; embedded, run the worker threads and the schedule too."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        sessions = app.stores.get(SESSION_STORE)
        await sweep_expired_sessions(sessions, forever=False)
        sweeper = asyncio.create_task(sweep_expired_sessions(sessions, forever=True))
        warm_up_in_background({"embedder": container.embedder, "vector index": container.vector_index})
        stop_background = _start_embedded_work(container) if run_embedded_worker else None
        try:
            yield
        finally:
            sweeper.cancel()
            if stop_background is not None:
                stop_background()

    return lifespan


def _start_embedded_work(container: Container) -> Callable[[], None]:
    """Embedded mode (no Redis): the worker threads, and the schedule on a thread of its own, acting
    only while this server leads its data directory (a second server there stays a standby)."""
    worker = EmbeddedWorker(container.broker(), threads=container.settings().worker_threads)
    worker.start()
    schedule, lease = container.embedded_schedule(), container.scheduler_lease()
    lease.refresh()
    schedule.start()

    def stop() -> None:
        schedule.shutdown(wait=False)
        lease.release()
        worker.stop()

    return stop


def _cors(settings: Settings) -> CORSConfig | None:
    if not settings.cors_origins:
        return None
    return CORSConfig(
        allow_origins=list(settings.cors_origins),
        allow_credentials=True,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["Content-Type", "Authorization", CSRF_HEADER],
    )


def _openapi() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="changple core",
        version="0.1.0",
        path="/schema",
        render_plugins=docs_render_plugins("/schema"),  # served from the package: no CDN
        components=Components(
            security_schemes={
                "serviceToken": SecurityScheme(
                    type="http", scheme="bearer", description="a service token from `changple tokens create`"
                ),
                "sessionCookie": SecurityScheme(
                    type="apiKey",
                    name=SESSION_COOKIE,
                    security_scheme_in="cookie",
                    description=f"the session after Naver login; unsafe methods also need {CSRF_HEADER}",
                ),
            }
        ),
    )


def _dependencies(container: Container) -> dict[str, Provide]:
    """Every bound use case under its name, and the readiness checks."""
    handed_over = {
        name: Provide(_handing_over(use_case), sync_to_thread=False) for name, use_case in use_cases(container).items()
    }
    checks = Provide(
        lambda: {"database": container.database_check(), "broker": container.broker_check()}, sync_to_thread=False
    )
    return {
        **handed_over,
        "readiness_checks": checks,
    }


def _routes(settings: Settings) -> list[Any]:
    size_console_uploads(settings)
    return [
        *HEALTH_ROUTES,
        *POST_ROUTES,
        metrics,
        *PIPELINE_ROUTES,
        *ADMIN_ROUTES,
        *auth_routers(settings),
        *content_routers(settings),
        *CHAT_ROUTES,
        *ops_routers(),
        static_router(),
    ]


def create_app(container: Container, *, run_embedded_worker: bool = False) -> Litestar:
    """The API over `container`. With `run_embedded_worker` (embedded mode), Dramatiq worker
    threads run inside this process for as long as the app does."""
    settings = container.settings()
    settings.check_web()
    app = Litestar(
        route_handlers=_routes(settings),
        state=State({"settings": settings}),  # the rate-limit guards read their budgets here
        request_class=GuardedRequest,
        before_send=[add_security_headers, add_request_id_header],  # every response, errors included
        request_max_body_size=settings.max_body_bytes,  # the upload route sets its own
        stores=build_stores(settings),
        middleware=[
            request_id_middleware,
            REQUEST_METRICS.middleware,
            session_config(settings).middleware,
            csrf_middleware(settings),
        ],
        cors_config=_cors(settings),
        dependencies=_dependencies(container),
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        template_config=template_config(),
        openapi_config=_openapi(),
        lifespan=[_lifespan(container, run_embedded_worker=run_embedded_worker)],
    )
    document_error_bodies(app)
    return app
