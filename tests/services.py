"""Outside services for tests: skip on a developer's laptop when absent, fail in CI
(`CHANGPLE_REQUIRE_SERVICES=1`), so a missing service can never turn a CI run green."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def services_required() -> bool:
    return os.environ.get("CHANGPLE_REQUIRE_SERVICES", "").strip().lower() in {"1", "true", "yes"}


def require_service(name: str, reason: str) -> NoReturn:
    """Skip the test (or fail it when services are required) because `name` is unavailable."""
    message = f"{name} is not available: {reason}"
    if services_required():
        pytest.fail(f"{message} (CHANGPLE_REQUIRE_SERVICES=1 makes this an error)", pytrace=False)
    pytest.skip(message)
