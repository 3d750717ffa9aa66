"""A small threaded HTTP server for emulators: routes by method and regular expression, JSON in
and out, raw bodies when needed, and a latency knob. Standard library only, so an emulator can
run inside a test process or as its own process (`python -m tests.emulators.NAME --port P`).
orjson, when installed, parses and writes the large bodies (vectors) so the emulator keeps up with
the benchmark; the standard library does the same work without it."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

try:
    import orjson
except ImportError:  # pragma: no cover - the dev install has it
    orjson = None  # type: ignore[assignment]


def loads(raw: bytes | str) -> Any:
    """JSON in; orjson's errors subclass json.JSONDecodeError, so callers catch one type."""
    return orjson.loads(raw) if orjson is not None else json.loads(raw)


def dumps(payload: Any) -> bytes:
    if orjson is not None:
        try:
            return orjson.dumps(payload)
        except TypeError:  # an int beyond 64 bits or a non-str key: the standard library copes
            pass
    return json.dumps(payload).encode()


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    match: re.Match[str]

    def json(self) -> Any:
        return loads(self.body or b"null")


@dataclass
class Response:
    status: int = 200
    body: bytes | dict[str, Any] | list[Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


Handler = Callable[[Request], Response]


class Emulator:
    """Subclasses register routes in `__init__` with `self.route(method, pattern, handler)`."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.latency_seconds = 0.0
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request, for assertions
        self.lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method, re.compile(pattern + r"\Z"), handler))

    def dispatch(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> Response:
        parts = urlsplit(raw_path)
        if parts.path == "/__emulator/requests":  # for benchmarks that run the emulator in its own process
            with self.lock:
                return Response(200, {"count": len(self.requests)})
        with self.lock:
            self.requests.append((method, parts.path))
        if self.latency_seconds:
            time.sleep(self.latency_seconds)
        for route_method, pattern, handler in self._routes:
            if route_method == method and (m := pattern.match(parts.path)):
                request = Request(method, parts.path, parse_qs(parts.query), headers, body, m)
                try:
                    return handler(request)
                except Exception as exc:  # noqa: BLE001 - an emulator bug must show up as a 500 with text
                    return Response(500, {"error": {"message": f"emulator error: {exc!r}"}})
        return Response(404, {"error": {"message": f"no route for {method} {parts.path}"}})

    # --- serving ------------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve in a daemon thread; returns the base URL (http://127.0.0.1:PORT)."""
        emulator = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # small answers otherwise wait ~40 ms for a delayed ACK

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                response = emulator.dispatch(self.command, self.path, headers, body)
                payload = response.body
                raw = payload if isinstance(payload, bytes) else b"" if payload is None else dumps(payload)
                self.send_response(response.status)
                if raw or response.content_type != "application/json":
                    self.send_header("Content-Type", response.content_type)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _serve

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

        self._server = ThreadingHTTPServer((host, port), _Handler)
        self._server.daemon_threads = True
        server = self._server
        self._thread = threading.Thread(target=lambda: server.serve_forever(poll_interval=0.05), daemon=True)
        self._thread.start()
        return f"http://{host}:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_main(emulator: Emulator, argv: list[str] | None = None) -> None:
    """`python -m tests.emulators.NAME --port P`: serve until interrupted."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KNOB=VALUE",
        help="set an emulator attribute, the value read as JSON (e.g. polls_until_done=1)",
    )
    args = parser.parse_args(argv)
    for assignment in args.set:
        name, _, raw = assignment.partition("=")
        if not hasattr(emulator, name):
            parser.error(f"the emulator has no knob '{name}'")
        setattr(emulator, name, json.loads(raw))
    url = emulator.start(args.host, args.port)
    print(url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        emulator.stop()
