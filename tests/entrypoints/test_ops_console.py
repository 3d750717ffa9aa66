"""The operations console in a real browser: headless Chromium (Playwright) against the app served by
uvicorn on a loopback port, with the embedded worker threads, so "run the pipeline" really runs it
(on the offline providers). Screenshots of the main page land in `$CHANGPLE_TEST_ARTIFACTS`, else
`test-artifacts/` at the repository root (ignored by git)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from changple_domain.model.users import UserRole
from changple_domain.use_cases.accounts import set_role
from changple_domain.use_cases.local_admin import LOCAL_ADMIN_ID, LOCAL_PROVIDER
from tests.entrypoints.console_browser import WAIT_MS
from tests.entrypoints.console_support import ELIGIBLE_POSTS, FAILED_POST, FAILURE, Console, login_link

pytest_plugins = ["tests.fixtures.naver_cafe.pytest_plugin", "tests.entrypoints.console_browser"]

ROOT = Path(__file__).resolve().parents[2]


def artifacts_dir() -> Path:
    directory = Path(os.environ.get("CHANGPLE_TEST_ARTIFACTS") or ROOT / "test-artifacts")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _count(page: Any, stage: str) -> int:
    return int(page.locator(f"#stage-{stage} .n").inner_text())


def test_an_admin_retries_a_failed_post_and_runs_the_pipeline(console: Console, page: Any) -> None:
    from playwright.sync_api import expect

    # The one-time link signs the local admin in and lands on the console.
    page.goto(console.base + login_link(console.container))
    assert page.url == f"{console.base}/ops"
    expect(page.locator("header .who")).to_have_text("local admin")

    # The seeded database's counts; the failed post with its reason.
    assert _count(page, "needs_summary") == ELIGIBLE_POSTS - 1
    assert _count(page, "failed") == 1
    assert _count(page, "indexed") == 0
    failed_row = page.locator(f"#failed-{FAILED_POST}")
    expect(failed_row).to_contain_text(FAILURE)
    expect(page.locator("#estimate-total")).to_have_text("$0.0000")  # offline providers cost nothing

    # Its trail is one click away.
    failed_row.get_by_role("link", name=str(FAILED_POST)).click()
    expect(page.locator("#trail h1")).to_contain_text("가맹계약서")
    expect(page.locator("#need")).to_contain_text("failed")
    expect(page.locator("#trail")).to_contain_text("summary failed after 3 attempts")
    page.go_back()

    # Retry: the row says so at once; the counts follow on the next look.
    page.locator(f"#failed-{FAILED_POST}").get_by_role("button", name="Retry").click()
    expect(page.locator(f"#failed-{FAILED_POST}")).to_contain_text("Retry queued")
    page.reload()
    assert _count(page, "failed") == 0
    assert _count(page, "needs_summary") == ELIGIBLE_POSTS
    expect(page.locator("#failed")).to_contain_text("No failed posts")

    # Run the pipeline: the activity panel follows the run without a reload until it is done.
    page.locator("#run-pipeline").click()
    expect(page.locator("#activity")).to_contain_text("queued")
    expect(page.locator("#activity")).to_have_attribute("data-busy", "yes")
    expect(page.locator("#latest-run .state")).to_have_text("succeeded", timeout=WAIT_MS)
    expect(page.locator("#activity")).to_have_attribute("data-busy", "no")
    expect(page.locator("#latest-run")).to_contain_text(f"{ELIGIBLE_POSTS} indexed")
    page.reload()
    assert _count(page, "indexed") == ELIGIBLE_POSTS
    assert _count(page, "needs_summary") == 0
    expect(page.locator("#runs tbody tr").first).to_contain_text("succeeded")
    expect(page.locator("#chart-data")).to_contain_text(str(ELIGIBLE_POSTS))  # today's bar in the chart's table
    assert page.locator("#chart rect.bar").count() == 30

    page.screenshot(path=str(artifacts_dir() / "ops-console.png"), full_page=True)
    # At phone width nothing runs off the side of the page.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than a phone"
    page.screenshot(path=str(artifacts_dir() / "ops-console-phone.png"), full_page=True)


def test_an_admin_adds_searches_and_disables_an_author(console: Console, page: Any) -> None:
    from playwright.sync_api import expect

    page.goto(console.base + login_link(console.container))
    page.get_by_role("link", name="Authors & brands").click()
    authors = page.locator("#authors")
    before = authors.locator("tr.author").count()
    assert before > 0  # the sample cafe's allowed authors

    page.locator("#author-name").fill("  새로운   운영자 ")
    page.locator("#add-author").click()
    expect(authors).to_contain_text("added author '새로운 운영자'")
    assert authors.locator("tr.author").count() == before + 1

    page.locator("#author-search").fill("운영자")
    expect(authors).to_contain_text("1 author matching")
    row = authors.locator("tr.author", has_text="새로운 운영자")
    row.get_by_role("button", name="Disable").click()
    expect(authors).to_contain_text("author '새로운 운영자' is disabled")
    expect(authors.locator("tr.author.off", has_text="새로운 운영자")).to_have_count(1)

    # The same name again is refused with a message where the person looks, not a broken page.
    page.locator("#author-name").fill("새로운 운영자")
    page.locator("#add-author").click()
    expect(page.locator("#flash")).to_contain_text("already exists")

    page.locator("#brand-name").fill("메가커피")
    page.locator("#add-brand").click()
    expect(page.locator("#brands")).to_contain_text("added brand '메가커피'")


def test_visitors_and_social_users_are_turned_away(console: Console, page: Any) -> None:
    answer = page.goto(f"{console.base}/ops")
    assert answer is not None
    assert answer.status == 401
    assert "Sign in first" in page.locator("h1").inner_text()
    assert page.locator("#run-pipeline").count() == 0

    # A used link opens nothing.
    link = console.base + login_link(console.container)
    page.goto(link)
    assert page.url == f"{console.base}/ops"
    page.context.clear_cookies()
    again = page.goto(link)
    assert again is not None
    assert again.status == 401
    assert "used already" in page.content()

    # Signed in, but not an admin: the local admin demoted to a social user (roles are read per request).
    page.goto(console.base + login_link(console.container))
    uow = console.container.uow()
    with uow:
        local = uow.users.get_by_social_id(LOCAL_PROVIDER, LOCAL_ADMIN_ID)
    assert local is not None
    set_role(local.id, UserRole.SOCIAL, uow=console.container.uow())
    refused = page.goto(f"{console.base}/ops")
    assert refused is not None
    assert refused.status == 403
    assert "not an admin" in page.content()
