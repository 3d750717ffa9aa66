"""Run the ASGI app under one of two servers, each with its access log passed through
`RedactSecretsFilter` and every record written as one escaped line (`logs.py`). Granian is the
default (see docs/performance.md, "HTTP"); uvicorn stays selectable with `CHANGPLE_HTTP_SERVER=uvicorn`
or `changple serve --server uvicorn`.

Granian runs as its supported server (`granian.Granian`): this process binds the socket and
supervises; each of the `--workers` processes imports `changple_entrypoints.http.asgi:app` and builds
the app from the settings in the environment (`changple serve` puts its options there). Uvicorn
serves the app built in this process, one process only."""

from __future__ import annotations

import copy
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from changple_entrypoints.choices import ENV_PREFIX, HttpServer, Storage
from changple_entrypoints.http.redaction import REDACT_FILTER
from changple_entrypoints.logs import one_line_config

if TYPE_CHECKING:
    from litestar import Litestar

    from changple_entrypoints.settings import Settings

# Granian's own line, with the query string (masked by the filter) after the path, as uvicorn shows it.
GRANIAN_ACCESS_FORMAT = '%(addr)s - "%(method)s %(target)s %(protocol)s" %(status)d %(dt_ms).3f ms'
ASGI_TARGET = "changple_entrypoints.http.asgi:app"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Where `serve` tells its worker the address of the one-time console link it prints (embedded mode).
LINK_BASE_ENV = f"{ENV_PREFIX}SERVE_LINK_BASE"


def workers_refusal(settings: Settings, *, server: str, workers: int) -> str | None:
    """Why `workers` processes cannot serve with these settings (one sentence), or None. Every
    process holds its own memory: only what lives in Redis, the database or the data directory is
    shared, so more than one needs granian, a database and Redis (docs/operations.md)."""
    if workers <= 1:
        return None
    if server == HttpServer.UVICORN:
        return (
            f"--workers {workers} needs granian; drop --server uvicorn (and CHANGPLE_HTTP_SERVER) or serve one worker"
        )
    if settings.storage == Storage.MEMORY:
        return (
            f"--workers {workers} cannot share CHANGPLE_STORAGE=memory (each process would have its own store); "
            "use the SQL storage or serve one worker"
        )
    if not settings.redis_url:
        return (
            f"--workers {workers} needs CHANGPLE_REDIS_URL: sessions, rate limits, the queue and the worker "
            "would otherwise be per process; set it (and run `changple worker`) or serve one worker"
        )
    return None


@contextmanager
def request_metrics_shared(workers: int) -> Iterator[Path | None]:
    """With several workers, every process counts its requests into one folder that a scrape sums
    (prometheus-client's multiprocess mode): the operator's PROMETHEUS_MULTIPROC_DIR, else a fresh
    empty one, removed afterwards. Enter it before prometheus-client is imported here."""
    if workers <= 1 or os.environ.get(MULTIPROC_ENV):
        yield Path(os.environ[MULTIPROC_ENV]) if os.environ.get(MULTIPROC_ENV) else None
        return
    folder = Path(tempfile.mkdtemp(prefix="changple-metrics-"))
    os.environ[MULTIPROC_ENV] = str(folder)
    try:
        yield folder
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(folder, ignore_errors=True)


def serve_uvicorn(application: Litestar, *, host: str, port: int) -> None:
    """Serve until SIGINT or SIGTERM in this process; the app's lifespan runs inside."""
    import uvicorn

    uvicorn.run(application, host=host, port=port, log_level="info", log_config=uvicorn_log_config())


def uvicorn_log_config() -> dict[str, Any]:
    """Uvicorn's logging set-up, with the filter on its access handler, every record one line."""
    import uvicorn.config

    config: dict[str, Any] = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_secrets"] = REDACT_FILTER
    config["handlers"]["access"].setdefault("filters", []).append("redact_secrets")
    for formatter in config["formatters"].values():
        formatter["use_colors"] = False  # colour codes would be escaped like any other control
    return one_line_config(config)


def granian_log_config() -> dict[str, Any]:
    """Granian's logging set-up, with the filter on its access logger."""
    from granian.log import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_secrets"] = REDACT_FILTER
    config["loggers"]["granian.access"]["filters"] = ["redact_secrets"]
    return one_line_config(config)


def serve_granian(*, host: str, port: int, workers: int) -> None:
    """Listen on host:port and run `workers` processes until SIGINT or SIGTERM, which stops each
    worker (its lifespan's shutdown runs) before this process exits."""
    import multiprocessing

    from granian import Granian
    from granian.constants import HTTPModes, Interfaces

    # Imported here, before the workers fork, so that they start with the app's modules loaded.
    import changple_entrypoints.http.asgi  # noqa: F401

    if "lancedb" in sys.modules:  # used here already (`demo --serve`): a forked child of it may crash
        multiprocessing.set_start_method("spawn", force=True)
    server = Granian(
        ASGI_TARGET,
        factory=True,
        address=host,
        port=port,
        workers=workers,
        interface=Interfaces.ASGI,
        http=HTTPModes.http1,
        websockets=False,
        backlog=1024,
        log_access=True,
        log_access_format=GRANIAN_ACCESS_FORMAT,
        log_dictconfig=granian_log_config(),
    )
    server.serve()
