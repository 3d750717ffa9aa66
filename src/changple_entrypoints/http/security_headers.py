"""The security headers of every response, set in one place: a `before_send` hook, which Litestar
runs on the outermost `send`, so error pages, 404/405 answers for unknown routes, redirects, static
files and the CSRF middleware's refusals carry them exactly as successful pages do. (Route-level
`response_headers` miss everything an exception handler or the router answers.)"""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

NOSNIFF = ("X-Content-Type-Options", "nosniff")

# The console: scripts and styles from this server only, no inline script or style, no frames.
OPS_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
# The API docs (ReDoc, served from the package): it styles with inline <style> elements, runs its
# search in a blob: worker, and fetches the schema from this server. Nothing leaves the host.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; form-action 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)

OPS_PREFIX = "/ops"
OPS_STATIC = "/ops/static/"
DOCS_PREFIX = "/schema"


def under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def headers_for(path: str) -> list[tuple[str, str]]:
    """What a response to `path` must carry (each replaces any value the handler set)."""
    if under(path, OPS_PREFIX):
        pinned = [("Content-Security-Policy", OPS_POLICY), NOSNIFF, ("Referrer-Policy", "no-referrer")]
        # Pages and fragments are per admin and may show a login link's effect: never stored.
        # The console's static files are the same for everyone and revalidate by ETag.
        return pinned if path.startswith(OPS_STATIC) else [*pinned, ("Cache-Control", "no-store")]
    if under(path, DOCS_PREFIX):
        return [("Content-Security-Policy", DOCS_POLICY), NOSNIFF, ("Referrer-Policy", "no-referrer")]
    return [NOSNIFF]


async def add_security_headers(message: Message, scope: Scope) -> None:
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    for name, value in headers_for(scope["path"]):
        headers[name] = value
