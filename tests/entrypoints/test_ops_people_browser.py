"""The console's users and content pages in a real browser (headless Chromium against the app served
by uvicorn with its embedded worker): an admin promotes a user by clicking, switches a column's
preferred flag, unpublishes it, retries a failed upload with a corrected export; and both pages read
at desktop width and on a 390 px phone with nothing running off the side."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from changple_domain.model.content import ContentState
from changple_domain.model.users import UserRole
from tests.entrypoints.console_browser import DESKTOP, WAIT_MS
from tests.entrypoints.console_support import Console, login_link
from tests.entrypoints.test_ops_console_layout import PHONE, check_layout, show
from tests.entrypoints.test_ops_people import BROKEN, add_content, add_reader, role_of, state_of
from tests.fixtures.uploads import notion_export

pytest_plugins = ["tests.fixtures.naver_cafe.pytest_plugin", "tests.entrypoints.console_browser"]


def wait_until_processed(console: Console, content_id: int, page: Any) -> ContentState:
    """The embedded worker processes the retried export in the background: wait for it to finish."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while (state := state_of(console.container, content_id).state) is ContentState.PROCESSING:
        assert time.monotonic() < deadline, "the retried export was not processed in time"
        page.wait_for_timeout(100)
    return state


def test_an_admin_promotes_a_user_and_curates_content_by_clicking(console: Console, page: Any) -> None:
    from playwright.sync_api import expect

    reader = add_reader(console.container)
    column = add_content(console.container, "가맹 계약 체크리스트", notion_export())
    failed = add_content(console.container, "깨진 이미지", BROKEN)
    page.goto(console.base + login_link(console.container))

    # Users: promote the reader; the row says so at once, and the page after a reload too.
    page.get_by_role("link", name="Users").click()
    expect(page.locator("#users tr", has_text="local admin")).to_contain_text("(you)")
    page.locator(f"#user-{reader}").get_by_role("button", name="Promote").click()
    expect(page.locator("#users .flash")).to_have_text("창업준비생 is now an admin")
    expect(page.locator(f"#user-{reader}")).to_have_class(re.compile(r"\badmin\b"))
    assert role_of(console.container, reader) is UserRole.ADMIN
    page.reload()
    expect(page.locator(f"#user-{reader}").get_by_role("button", name="Demote")).to_be_visible()

    # Content: preferred on, then unpublish; each answer is the list as it now stands.
    page.get_by_role("link", name="Content").click()
    row = page.locator(f"#content-{column}")
    expect(row.locator("[data-label=preferred]")).to_have_text("no")
    row.get_by_role("button", name="Preferred on").click()
    expect(page.locator("#library .flash")).to_contain_text("is preferred")
    expect(row.locator("[data-label=preferred]")).to_have_text("yes")
    assert state_of(console.container, column).is_preferred
    row.get_by_role("button", name="Preferred off").click()
    expect(row.locator("[data-label=preferred]")).to_have_text("no")
    row.get_by_role("button", name="Unpublish").click()
    expect(row.locator(".state")).to_have_text("unpublished")
    expect(row.get_by_role("button", name="Publish")).to_be_visible()
    assert state_of(console.container, column).state is ContentState.UNPUBLISHED

    # Retry the failed upload with a corrected export: it is processed again and published.
    failed_row = page.locator(f"#content-{failed}")
    expect(failed_row).to_contain_text("damaged")
    export = {"name": "export.zip", "mimeType": "application/zip", "buffer": notion_export()}
    failed_row.locator(f"#retry-file-{failed}").set_input_files(export)
    failed_row.get_by_role("button", name="Retry").click()
    expect(page.locator("#library .flash")).to_contain_text("from the new export")
    assert wait_until_processed(console, failed, page) is ContentState.PUBLISHED
    page.reload()
    expect(page.locator(f"#content-{failed} .state")).to_have_text("published")
    expect(page.locator(f"#content-{failed}").get_by_role("button", name="Retry")).to_have_count(0)


def test_the_users_and_content_pages_read_at_desktop_and_phone_width(
    console: Console, page: Any, tmp_path: Path
) -> None:
    add_reader(console.container, "아주긴닉네임을가진창업준비생입니다")
    add_content(console.container, "가맹 계약 체크리스트: 계약 전에 꼭 확인해야 할 일곱 가지", notion_export())
    add_content(console.container, "깨진 이미지", BROKEN)
    page.goto(console.base + login_link(console.container))
    screens = tmp_path / "screens"
    screens.mkdir()
    for size_name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        for name in ("users", "content"):
            show(page, f"{console.base}/ops/{name}")
            cells = check_layout(page, screens / f"{name}-{size_name}.png")
            assert cells >= {"users": 8, "content": 8}[name], (name, size_name, cells)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"/ops/{name} is {overflow}px wider than the window at {size_name} width"
