"""Outside services for tests: skip on a developer's laptop when absent, fail in CI
(`CHANGPLE_REQUIRE_SERVICES=1`), so a missing service can never turn a CI run green."""

from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest
import redis


def services_required() -> bool:
    return os.environ.get("CHANGPLE_REQUIRE_SERVICES", "").strip().lower() in {"1", "true", "yes"}


def require_service(name: str, reason: str) -> NoReturn:
    """Skip the test (or fail it when services are required) because `name` is unavailable."""
    message = f"{name} is not available: {reason}"
    if services_required():
        pytest.fail(f"{message} (CHANGPLE_REQUIRE_SERVICES=1 makes this an error)", pytrace=False)
    pytest.skip(message)


CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium_executable() -> str:
    """The Chromium Playwright should drive: `$CHANGPLE_CHROMIUM`, else the first on PATH. Playwright
    cannot download its own browser here, so a missing one skips the test (fails in CI)."""
    configured = os.environ.get("CHANGPLE_CHROMIUM", "").strip()
    if configured:
        if os.path.isfile(configured) and os.access(configured, os.X_OK):
            return configured
        require_service("Chromium", f"CHANGPLE_CHROMIUM={configured} is not an executable file")
    for name in CHROMIUM_NAMES:
        if found := shutil.which(name):
            return found
    require_service("Chromium", f"none of {', '.join(CHROMIUM_NAMES)} is on PATH (apt-get install chromium)")


REDIS_URL = "redis://127.0.0.1:6379/0"


def reachable_redis(url: str = REDIS_URL) -> redis.Redis:
    """A client of the test Redis; skips (fails in CI) when it does not answer."""
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError as exc:
        require_service("redis", f"Redis at {url} is not reachable: {exc}")
    return client
