"""Finding the article inside a rendered cafe page. The classic page wraps the article in an iframe,
the new one renders it in the main document or in nested `/ca-fe/` frames, and the new skin draws
the article after the document has loaded, so reading it means finding the frame and waiting."""

from __future__ import annotations

import time
from collections.abc import Callable

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Frame, Page

# Ready: an error or login page, or a title with a body (a new-skin viewer counts once it has text).
READY_SCRIPT = """() => {
  const q = (s) => document.querySelector(s);
  if (q(".error_content_body, .error_content, form#frmNIDLogin, input[type=password]")) return true;
  if (!q("h3.title_text, div.tit-box span.b")) return false;
  if (q(".article_viewer .se-main-container, .ContentRenderer, #tbody")) return true;
  const viewer = q(".article_viewer");
  return !!viewer && viewer.textContent.trim().length > 0;
}"""
_READER_HINTS = ("articleread", "/ca-fe/")


def _reader_address(address: str) -> bool:
    address = address.lower()
    return any(hint in address for hint in _READER_HINTS)


def article_frame(page: Page) -> Frame:
    """By name `cafe_main`, then `iframe#cafe_main`, then a frame whose address looks like an
    article reader (`articleread`, `/ca-fe/`, any case), else the page itself (the new layout).
    Iframe `src` attributes are checked before frame URLs: a frame still loading has no URL yet."""
    frame = page.frame(name="cafe_main")
    if frame is not None:
        return frame
    handle = page.query_selector("iframe#cafe_main")
    if handle is not None and (frame := handle.content_frame()) is not None:
        return frame
    for iframe in page.query_selector_all("iframe[src]"):
        if _reader_address(iframe.get_attribute("src") or "") and (frame := iframe.content_frame()) is not None:
            return frame
    for frame in page.frames:
        if frame is not page.main_frame and _reader_address(frame.url):
            return frame
    return page.main_frame


def wait_until_ready(
    page: Page, frame: Frame, *, load_timeout_ms: float, settle_seconds: float, interrupted: Callable[[], bool]
) -> None:
    """Wait for the frame's document (the caller checks its own deadline afterwards), then up to
    `settle_seconds` for an article or an error to show. `interrupted` (an alert seen) ends it early."""
    try:
        frame.wait_for_load_state("domcontentloaded", timeout=max(load_timeout_ms, 1))
    except PlaywrightError:
        return
    settle_until = time.monotonic() + settle_seconds
    while not interrupted():
        try:
            if frame.evaluate(READY_SCRIPT):
                return
        except PlaywrightError:
            pass  # the frame is between documents; look again
        if time.monotonic() >= settle_until:
            return
        page.wait_for_timeout(50)  # lets Playwright deliver events (dialogs) meanwhile
