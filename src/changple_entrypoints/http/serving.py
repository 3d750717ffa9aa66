"""Run the ASGI app in this process under one of two servers, each with its access log passed
through `RedactSecretsFilter` and every record written as one escaped line (`logs.py`). Granian is
the default (see docs/performance.md, "HTTP"); uvicorn stays selectable with
`CHANGPLE_HTTP_SERVER=uvicorn` or `changple serve --server uvicorn`."""

from __future__ import annotations

import asyncio
import copy
import os
import signal
from typing import Any, Literal

from litestar import Litestar

from changple_entrypoints.http.redaction import REDACT_FILTER
from changple_entrypoints.logs import one_line_config

HttpServer = Literal["granian", "uvicorn"]
# Granian's own line, with the query string (masked by the filter) after the path, as uvicorn shows it.
GRANIAN_ACCESS_FORMAT = '%(addr)s - "%(method)s %(target)s %(protocol)s" %(status)d %(dt_ms).3f ms'


def serve_app(application: Litestar, *, server: HttpServer, host: str, port: int) -> None:
    """Serve until SIGINT or SIGTERM; the app's lifespan runs inside."""
    if server == "uvicorn":
        _serve_uvicorn(application, host=host, port=port)
    else:
        asyncio.run(_serve_granian(application, host=host, port=port))


def _serve_uvicorn(application: Litestar, *, host: str, port: int) -> None:
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


async def _serve_granian(application: Litestar, *, host: str, port: int) -> None:
    # Granian's embedded server: one worker on this process's event loop (the app and its
    # container are already built here), HTTP parsing and sockets on a Rust thread.
    from granian.constants import HTTPModes, Interfaces
    from granian.server.embed import Server
    from granian.utils.proxies import wrap_asgi_with_proxy_headers

    # As uvicorn does: X-Forwarded-For/-Proto are believed only from FORWARDED_ALLOW_IPS (default
    # 127.0.0.1), so rate limits count per visitor behind a local proxy (docs/operations.md).
    trusted = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
    server = Server(
        wrap_asgi_with_proxy_headers(application, trusted_hosts=trusted),
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        http=HTTPModes.http1,
        websockets=False,
        backlog=1024,
        log_access=True,
        log_access_format=GRANIAN_ACCESS_FORMAT,
        log_dictconfig=granian_log_config(),
    )
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, server.stop)
    await server.serve()
