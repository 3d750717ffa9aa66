"""The API docs at `/schema`: ReDoc, served from the package itself, so the page renders offline and
on locked-down networks. Litestar's default plugins load ReDoc, Swagger UI, RapiDoc and Stoplight
from public CDNs (and Google Fonts): only ReDoc is kept, the others' paths are not served. The page
has no inline script (ReDoc reads the `<redoc spec-url>` element), so its Content-Security-Policy
(`security_headers.DOCS_POLICY`) allows scripts from this server only."""

from __future__ import annotations

import hashlib
import html
from functools import cache
from pathlib import Path
from typing import Any

from litestar import Request, Router
from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import JsonRenderPlugin, OpenAPIRenderPlugin, RedocRenderPlugin, YamlRenderPlugin
from litestar.static_files import create_static_files_router

ASSETS = Path(__file__).parent / "openapi_assets"
ASSETS_PATH = "/assets"  # under the OpenAPI path
# No favicon request at all (Litestar's default points at a CDN).
NO_FAVICON = "<link rel='icon' href='data:,'>"
BUNDLE = "redoc.standalone.js"
# The page asks for the bundle by its content hash, so a browser may keep it for a year and still
# fetches a new one the day the vendored file changes.
LONG_CACHE = CacheControlHeader(public=True, max_age=365 * 24 * 3600, immutable=True)


@cache
def bundle_version() -> str:
    return hashlib.sha256((ASSETS / BUNDLE).read_bytes()).hexdigest()[:16]


class OfflineRedocPlugin(RedocRenderPlugin):
    """ReDoc from the vendored bundle, without Google Fonts and without an inline script."""

    def __init__(self, openapi_path: str) -> None:
        self.assets_url = f"{openapi_path}{ASSETS_PATH}"
        js_url = f"{self.assets_url}/{BUNDLE}?v={bundle_version()}"
        super().__init__(js_url=js_url, google_fonts=False, path=["/", "/redoc"], favicon=NO_FAVICON)

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = html.escape(str(openapi_schema["info"]["title"]))
        spec_url = html.escape(self.get_openapi_json_route(request))
        page = f"""<!DOCTYPE html>
<html lang="en">
  <head>
    <title>{title}</title>
    {self.favicon}
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    {self.style}
  </head>
  <body>
    <redoc spec-url="{spec_url}"></redoc>
    <script src="{html.escape(self.js_url)}"></script>
  </body>
</html>"""
        return page.encode()

    def receive_router(self, router: Router) -> None:
        """Serve the vendored assets next to the page, with their own content types and a long cache."""
        assets = create_static_files_router(
            path=ASSETS_PATH,
            directories=[ASSETS],
            name="openapi-assets",
            include_in_schema=False,
            cache_control=LONG_CACHE,
        )
        router.register(assets)


def docs_render_plugins(openapi_path: str) -> list[OpenAPIRenderPlugin]:
    """The docs page (at the OpenAPI path itself and `/redoc`) and the schema as JSON and YAML."""
    return [OfflineRedocPlugin(openapi_path), JsonRenderPlugin(), YamlRenderPlugin()]
