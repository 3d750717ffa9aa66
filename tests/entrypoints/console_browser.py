"""Pytest fixtures for the console in a real browser. A test module opts in with

    pytest_plugins = ["tests.fixtures.naver_cafe.pytest_plugin", "tests.entrypoints.console_browser"]

and gets `console` (the seeded install served with its embedded worker) and `page` (a desktop-sized
Chromium tab that says yes to every confirmation and fails the test on any script error or
Content-Security-Policy refusal, bar the refusals the console is meant to show)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.entrypoints.console_support import Console, live_console
from tests.fixtures.naver_cafe.pytest_plugin import BROWSER_PATIENCE_MS

WAIT_MS = 90_000  # the longest a pipeline run on the offline providers may take here
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def console(tmp_path: Path) -> Iterator[Console]:
    with live_console(tmp_path) as running:
        yield running


@pytest.fixture
def page(chromium_browser: Any) -> Iterator[Any]:
    context = chromium_browser.new_context(viewport=DESKTOP, locale="ko-KR")
    tab = context.new_page()
    tab.set_default_timeout(BROWSER_PATIENCE_MS)
    tab.on("dialog", lambda dialog: dialog.accept())  # every action asks first: say yes
    problems: list[str] = []  # script errors and Content-Security-Policy refusals show up here
    tab.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda error: problems.append(str(error)))
    try:
        yield tab
    finally:
        context.close()
    # The browser reports the answers that turn people away, and htmx the refusal it then shows.
    expected = ("status of 401", "status of 403", "status of 409", "Error Code 409")
    assert [p for p in problems if not any(words in p for words in expected)] == []
