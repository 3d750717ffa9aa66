"""What the app's own OpenAPI schema says about an operation, for tests that hold answers to it."""

from __future__ import annotations

from typing import Any


def documented(client: Any, method: str, path: str) -> dict[str, Any]:
    """The documented responses of `method path` (a path as the schema lists it: no trailing slash),
    by status code as text."""
    schema = client.get("/schema/openapi.json").json()
    return dict(schema["paths"][path][method.lower()]["responses"])
