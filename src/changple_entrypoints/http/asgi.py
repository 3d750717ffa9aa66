"""The app each granian worker process serves: `changple_entrypoints.http.asgi:app`, a factory that
granian calls once in every worker. It builds the container and the app from the settings in the
environment, where `changple serve` put its own options (CHANGPLE_DATA_DIR, ...) after checking them
and migrating the embedded database; no secret travels on a command line.

The server wrapper believes X-Forwarded-For/-Proto only from FORWARDED_ALLOW_IPS (default 127.0.0.1),
as uvicorn does, so rate limits count per visitor behind a local proxy (docs/operations.md)."""

from __future__ import annotations

import logging.config
import os
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from changple_entrypoints.composition.bootstrap import open_container
from changple_entrypoints.composition.container import Container
from changple_entrypoints.http.app import create_app
from changple_entrypoints.http.serving import LINK_BASE_ENV, granian_log_config
from changple_entrypoints.runtime import settle_after_boot


def app() -> Callable[..., Any]:
    """This worker's ASGI app. Embedded (no Redis, so one worker), it runs the background worker and
    the schedule too, and prints the console's one-time login link when `serve` asked for it."""
    from granian.utils.proxies import wrap_asgi_with_proxy_headers

    container = open_container(migrate=False)
    settings = container.settings()
    application = create_app(container, run_embedded_worker=settings.embedded)
    # Litestar gave its logger a handler of its own while the app was built: hand it to one-line logs.
    logging.config.dictConfig(granian_log_config())
    base = os.environ.get(LINK_BASE_ENV)
    if settings.embedded and base:
        print_login_link(container, base)
    settle_after_boot()
    trusted = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
    return wrap_asgi_with_proxy_headers(application, trusted_hosts=trusted)  # type: ignore[no-any-return]


def print_login_link(container: Container, base: str) -> None:
    """To the terminal only: the access log masks the token. Issued by the process that serves it, so
    it works with the memory storage too."""
    minutes = container.settings().ops_login_link_minutes
    secret = container.issue_login_link(timedelta(minutes=minutes))
    print(  # the person starting the server reads it here
        f"console login link (works once, for {minutes:g} minutes):\n    {base}/ops/login?token={secret}", flush=True
    )
