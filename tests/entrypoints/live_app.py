"""The real app served by uvicorn on a loopback port in a background thread, for tests that must go
over real HTTP: cookies, redirects between the app and a fake provider, headers as a browser sees them."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from changple_entrypoints.composition.container import Container
from changple_entrypoints.http.app import create_app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_app(container: Container, port: int, *, run_embedded_worker: bool = False) -> Iterator[str]:
    """Serve `create_app(container)` on 127.0.0.1:`port` until the block ends; yields the base URL.
    With `run_embedded_worker`, Dramatiq worker threads run in the app as `changple serve` runs them."""
    app = create_app(container, run_embedded_worker=run_embedded_worker)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the app did not start on port {port}")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
