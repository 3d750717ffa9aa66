"""Where a redirect may send a browser. A target is judged the way the browser will read it: parsed
by the WHATWG URL rules (ada-url), so tabs and newlines are dropped, backslashes count as slashes and
dot segments are resolved before we look at the origin and the path. A target is kept only when it
stays on one origin, under one path, and the redirect then carries the parser's normalized form,
never the raw input; anything else is refused and the caller falls back to its default page."""

from __future__ import annotations

from ada_url import URL

# Stands for this API's own origin when a place is given as a path on this server: a target that
# resolves to any other origin is refused, and the redirect carries a path, which the browser
# resolves on the host it is already on.
THIS_SERVER = "http://this-server.invalid"


class Landing:
    """One place a redirect may go: an origin and the path under it."""

    def __init__(self, url: str, *, under: str | None = None) -> None:
        """`url` is absolute (`https://front.example/app/`) or a path on this server (`/app/`);
        targets are resolved against it and must stay under its path, or under `under` if given."""
        self._relative = url.startswith("/") and not url.startswith("//")
        self._base = URL(url, THIS_SERVER) if self._relative else URL(url)
        if self._base.protocol not in ("http:", "https:"):
            raise ValueError(f"a landing place must be an http(s) URL or a path, not {url!r}")
        self._path = under or self._base.pathname

    def _under(self, path: str) -> bool:
        if self._path.endswith("/"):
            return path.startswith(self._path)
        return path == self._path or path.startswith(self._path + "/")

    def resolve(self, target: str | None) -> str | None:
        """The normalized target when it stays on this place, else None."""
        if not target:
            return None
        try:
            url = URL(target, self._base.href)
        except ValueError:
            return None
        if url.origin != self._base.origin or url.username or url.password:
            return None
        # A path starting with `//` means another host to anyone who later reads it as a reference.
        if url.pathname.startswith("//") or not self._under(url.pathname):
            return None
        return url.pathname + url.search + url.hash if self._relative else url.href
