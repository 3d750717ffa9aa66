"""The console's layout in a real browser, at desktop width and on a 390x844 phone: nothing runs off
the side, every table's every column can be read (on a phone a wide table's rows become small cards
that name each column), a time never wraps, and the Actions card's buttons are evenly spaced.
Screenshots of each page at both widths land in the test's tmp dir (`screens/`), for a person to look at."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from changple_domain.model.batches import BatchItem, BatchJob, BatchKind
from changple_domain.ports.posts import PostSelection
from tests.entrypoints.console_browser import DESKTOP, WAIT_MS
from tests.entrypoints.console_support import Console, login_link

pytest_plugins = ["tests.fixtures.naver_cafe.pytest_plugin", "tests.entrypoints.console_browser"]

PHONE = {"width": 390, "height": 844}

# Everything a page shows lies inside the viewport, and no box scrolls or clips what it holds. The
# headers of a table shown as cards are hidden from sight only (screen readers still read them).
OVERFLOWS = """() => {
  const width = document.documentElement.clientWidth;
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const problems = [];
  if (document.documentElement.scrollWidth > width) problems.push(`the page scrolls sideways`);
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (el.closest('thead') && getComputedStyle(el.closest('table')).display === 'block') continue;
    if (box.left < -0.5 || box.right > width + 0.5) problems.push(`${name(el)} spans ${box.left}..${box.right}`);
    const style = getComputedStyle(el);
    const clips = style.overflowX !== 'visible' && !['INPUT', 'SELECT'].includes(el.tagName);
    if (clips && el.scrollWidth > el.clientWidth + 1)
      problems.push(`${name(el)} hides ${el.scrollWidth - el.clientWidth}px of what it holds`);
  }
  return problems;
}"""

# Every non-empty cell is on screen whole, and its column's name is in sight: the table's own
# header, or (a row shown as a card) the cell's label, or the cell heads its card.
UNREADABLE_CELLS = """() => {
  const width = document.documentElement.clientWidth;
  const inView = el => { const b = el.getBoundingClientRect();
    return b.width > 0 && b.height > 0 && b.left >= -0.5 && b.right <= width + 0.5; };
  const problems = [];
  let cells = 0;
  for (const table of document.querySelectorAll('main table')) {
    const heads = [...table.querySelectorAll('thead th')];
    const stacked = getComputedStyle(table).display === 'block';
    for (const row of table.querySelectorAll('tbody tr, tfoot tr')) {
      let column = 0;
      for (const cell of row.cells) {
        const head = heads[column];
        column += cell.colSpan;
        const text = cell.innerText.trim();
        if (!text) continue;
        cells += 1;
        const where = `${table.id || table.closest('[id]').id}: "${text.slice(0, 30)}"`;
        if (!inView(cell) || cell.scrollWidth > cell.clientWidth + 1) problems.push(`${where} is cut off`);
        if (!head || cell.colSpan > 1 || !head.innerText.trim()) continue;
        const label = getComputedStyle(cell, '::before').content;
        const named = stacked ? (cell.classList.contains('head') || label === JSON.stringify(head.innerText.trim()))
                              : inView(head);
        if (!named) problems.push(`${where} does not say it is "${head.innerText.trim()}" (label ${label})`);
      }
    }
  }
  return {cells, problems};
}"""

WRAPPED_TIMES = """() => [...document.querySelectorAll('main td.when')].filter(cell => {
  const range = document.createRange();
  range.selectNodeContents(cell);
  return new Set([...range.getClientRects()].map(line => Math.round(line.top))).size > 1;
}).map(cell => cell.innerText)"""

BUTTONS = """() => ['run-scan', 'run-pipeline', 'poll-now'].map(id => {
  const b = document.getElementById(id).getBoundingClientRect();
  return {top: b.top, bottom: b.bottom, left: b.left, right: b.right};
})"""


def run_the_pipeline(console: Console, page: Any) -> None:
    from playwright.sync_api import expect

    page.locator("#run-pipeline").click()
    expect(page.locator("#latest-run .state")).to_have_text("succeeded", timeout=WAIT_MS)


def add_open_job(console: Console) -> None:
    """A summary batch still at the provider, so the activity panel shows its table of open jobs."""
    uow = console.container.uow()
    now = console.container.clock().now()
    with uow:
        indexed = uow.posts.page(limit=1, selection=PostSelection.IN_INDEX)[0]
        items = (BatchItem(article_id=indexed.article_id, content_hash=indexed.content_hash),)
        job = BatchJob(
            id="batches/phone-layout-check",
            kind=BatchKind.SUMMARIZE,
            provider="offline",
            model="extractive",
            items=items,
            request_count=1,
            created_at=now,
            updated_at=now,
        )
        uow.batches.add(job)
        uow.commit()


def indexed_post(console: Console) -> int:
    uow = console.container.uow()
    with uow:
        return uow.posts.page(limit=1, selection=PostSelection.IN_INDEX)[0].article_id


def show(page: Any, path: str) -> None:
    page.goto(path)
    page.locator("main").wait_for()
    for details in page.locator("main details").all():
        details.evaluate("element => element.open = true")  # the numbers under the chart, too


def check_layout(page: Any, shot: Path) -> int:
    """The checks above on the page as it is; the screenshot is taken first. Returns the cells read."""
    page.screenshot(path=str(shot), full_page=True)
    assert page.evaluate(OVERFLOWS) == [], shot.name
    readable = page.evaluate(UNREADABLE_CELLS)
    assert readable["problems"] == [], shot.name
    assert page.evaluate(WRAPPED_TIMES) == [], shot.name
    return int(readable["cells"])


def assert_evenly_spaced(buttons: list[dict[str, float]]) -> None:
    """In one row: one top, one gap between them; in one column: one left, one gap between them."""
    tops = {round(b["top"]) for b in buttons}
    if len(tops) == 1:
        gaps = [round(after["left"] - before["right"]) for before, after in itertools.pairwise(buttons)]
    else:
        assert len({round(b["left"]) for b in buttons}) == 1, buttons  # a column, not a ragged wrap
        gaps = [round(after["top"] - before["bottom"]) for before, after in itertools.pairwise(buttons)]
    assert len(set(gaps)) == 1, (gaps, buttons)
    assert gaps[0] > 0, (gaps, buttons)


def test_every_console_table_reads_at_desktop_and_phone_width(console: Console, page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page.goto(console.base + login_link(console.container))
    run_the_pipeline(console, page)
    add_open_job(console)
    screens = tmp_path / "screens"
    screens.mkdir()
    pages = {"overview": "/ops", "catalog": "/ops/catalog", "trail": f"/ops/posts/{indexed_post(console)}"}
    for size_name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        for name, path in pages.items():
            show(page, console.base + path)
            if name == "overview":
                expect(page.locator("#activity table.jobs")).to_contain_text("batches/phon")
                expect(page.locator("#runs tbody")).to_contain_text("succeeded")
            cells = check_layout(page, screens / f"{name}-{size_name}.png")
            assert cells >= {"overview": 35, "catalog": 10, "trail": 6}[name], (name, size_name, cells)
    assert sorted(p.name for p in screens.iterdir()) == sorted(
        f"{name}-{size}.png" for name in pages for size in ("desktop", "phone")
    )


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_action_buttons_are_evenly_spaced(console: Console, page: Any, size: dict[str, int]) -> None:
    page.set_viewport_size(size)
    page.goto(console.base + login_link(console.container))
    assert_evenly_spaced(page.evaluate(BUTTONS))


def test_the_scan_option_under_the_buttons_still_goes_with_the_scan(console: Console, page: Any) -> None:
    from playwright.sync_api import expect

    page.goto(console.base + login_link(console.container))
    page.set_viewport_size(PHONE)
    page.get_by_label("run the pipeline when the scan ends").check()
    page.locator("#run-scan").click()
    expect(page.locator("#activity")).to_contain_text("the pipeline runs when it ends")
