"""The live cafe source: headless Chromium through Playwright's sync API. With a saved logged-in
session (`storage_state`) it asks the JSON article API first, since one JSON answer is cheaper
than a rendered page; otherwise, or when the API answer is unusable, it renders the article page
and reads the article frame. Both answers go through the same parser.

Politeness is built in: a random pause between articles, exponential backoff with jitter on
429/5xx, and a bounded time per article. Playwright objects belong to the thread that made them:
use one source per thread. Cookies and headers are never logged."""

from __future__ import annotations

import contextlib
import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Dialog, Page, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from changple_adapters.cafe_threads import PacedCafeSource
from changple_adapters.naver._classify import RENEW_SESSION, classify_message, squash
from changple_adapters.naver._frames import article_frame, wait_until_ready
from changple_adapters.naver.parser import is_login_url, parse_article_api, parse_article_html
from changple_domain.errors import InvalidSetting, ProviderUnavailable
from changple_domain.model.providers import ScrapedArticle, ScrapeOutcome
from changple_domain.policies.retry import RetryPolicy, backoff_delay

logger = logging.getLogger(__name__)

DEFAULT_LAUNCH_ARGS = (
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
API_PATH = "/cafe-web/cafe-articleapi/v2.1/cafes/{club_id}/articles/{article_id}?useCafeId=true"


class _TimedOut(Exception):
    """The article's time budget ran out."""


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _retryable(status: int) -> bool:
    return status == 429 or status >= 500


class PlaywrightCafeSource(PacedCafeSource):
    """Reads articles at `{cafe_url}/{id}` (and the API at `api_base_url` when a session is given).

    `browser`: an already launched Browser to share (tests, pools); the source then opens only its
    own context and leaves the browser running on close. Otherwise Chromium starts on the first
    fetch and is reused until `close()`. `use_api` defaults to "when storage_state and club_id are
    set"; with `use_api=True` and no session, an API login answer falls back to the page."""

    def __init__(
        self,
        *,
        cafe_url: str = "https://cafe.naver.com/changple",
        club_id: int | None = None,
        executable_path: str | Path | None = None,
        storage_state: str | Path | None = None,
        cafe_base_url: str | None = None,
        api_base_url: str = "https://apis.naver.com",
        use_api: bool | None = None,
        page_timeout_seconds: float = 20.0,
        settle_seconds: float = 3.0,
        delay_range: tuple[float, float] | float = (0.6, 1.2),
        max_retries: int = 3,
        articles_per_tab: int = 50,
        backoff_base_seconds: float = 1.0,
        backoff_max_seconds: float = 30.0,
        launch_args: Sequence[str] = DEFAULT_LAUNCH_ARGS,
        user_agent: str | None = None,
        browser: Browser | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        delays = (float(delay_range), float(delay_range)) if isinstance(delay_range, int | float) else delay_range
        if not 0 <= delays[0] <= delays[1]:
            raise InvalidSetting(f"delay_range must be 0 <= low <= high seconds, got {delay_range!r}")
        if page_timeout_seconds <= 0 or settle_seconds < 0 or max_retries < 0 or articles_per_tab < 1:
            raise InvalidSetting(
                "page_timeout_seconds and articles_per_tab must be > 0, settle_seconds and max_retries >= 0"
            )
        if storage_state is not None and not Path(storage_state).is_file():
            raise InvalidSetting(f"storage_state file {storage_state} does not exist")
        if use_api and club_id is None:
            raise InvalidSetting("the article API needs club_id")
        try:
            self._retry = RetryPolicy(base_delay=backoff_base_seconds, max_delay=backoff_max_seconds)
        except ValueError as exc:
            raise InvalidSetting(f"backoff settings: {exc}") from exc
        self.cafe_url = cafe_url.rstrip("/")
        parts = urlsplit(self.cafe_url)
        self.cafe_base_url = (cafe_base_url or f"{parts.scheme}://{parts.netloc}").rstrip("/")
        self.api_base_url = api_base_url.rstrip("/")
        self.club_id = club_id
        self.storage_state = Path(storage_state) if storage_state is not None else None
        self.use_api = (self.storage_state is not None and club_id is not None) if use_api is None else use_api
        self.page_timeout_seconds = page_timeout_seconds
        self.settle_seconds = settle_seconds
        self.delay_range = delays
        self.max_retries = max_retries
        self.articles_per_tab = articles_per_tab
        self._executable_path = str(executable_path) if executable_path is not None else None
        self._launch_args = list(launch_args)
        self._user_agent = user_agent
        self._shared_browser = browser
        self._sleep = sleep
        self._rand = rand
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._context: BrowserContext | None = None
        self._page: Page | None = None
        self._dialogs: list[str] = []
        self._fetched = False
        self._tab_uses = 0

    # --- lifecycle -------------------------------------------------------------------------------

    def _start(self) -> BrowserContext:
        if self._context is not None:
            return self._context
        browser = self._shared_browser or self._browser
        if browser is None:
            try:
                self._playwright = sync_playwright().start()
                browser = self._browser = self._playwright.chromium.launch(
                    executable_path=self._executable_path, args=self._launch_args, headless=True
                )
            except PlaywrightError as exc:
                self.close()
                raise ProviderUnavailable(
                    f"cannot start Chromium ({self._executable_path or 'Playwright default'}): {_first_line(exc)}"
                ) from exc
        self._context = browser.new_context(
            storage_state=self.storage_state,
            locale="ko-KR",
            timezone_id="Asia/Seoul",
            user_agent=self._user_agent,
        )
        return self._context

    def _page_for_fetch(self) -> Page:
        """The tab for the next article. A tab is replaced every `articles_per_tab` articles: Chromium's
        renderer grows by megabytes per navigation in one tab, and slows down with it."""
        if self._page is not None and self._tab_uses >= self.articles_per_tab:
            self._drop_page()
        if self._page is None or self._page.is_closed():
            self._page = self._start().new_page()
            self._page.on("dialog", self._on_dialog)
            self._tab_uses = 0
        return self._page

    def _on_dialog(self, dialog: Dialog) -> None:
        """Classic deleted-article pages say so in an alert(); keep the words, close the box."""
        self._dialogs.append(dialog.message)
        with contextlib.suppress(PlaywrightError):
            dialog.dismiss()

    def _drop_page(self) -> None:
        """After a timeout the page may still be loading: a fresh page is cheaper than recovery."""
        if self._page is not None:
            with contextlib.suppress(PlaywrightError):
                self._page.close()
            self._page = None

    @property
    def started(self) -> bool:
        """Whether a browser context is open (Chromium starts on the first fetch)."""
        return self._context is not None

    def close(self) -> None:
        """Close the page and context, and the browser and Playwright when this source started them."""
        self._drop_page()
        for closing in (self._context, self._browser):
            if closing is not None:
                with contextlib.suppress(PlaywrightError):
                    closing.close()
        self._context = self._browser = None
        if self._playwright is not None:
            self._playwright.stop()
            self._playwright = None

    def __enter__(self) -> PlaywrightCafeSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- fetching --------------------------------------------------------------------------------

    def post_url(self, article_id: int) -> str:
        return f"{self.cafe_url}/{article_id}"

    def fetch(self, article_id: int) -> ScrapedArticle:
        self._pause()
        try:
            self._page_for_fetch()  # starting Chromium is not the article's time
            deadline = time.monotonic() + self.page_timeout_seconds
            if self.use_api:
                api = self._fetch_api(article_id, deadline)
                usable = api.outcome is not ScrapeOutcome.ERROR
                if usable and not (api.outcome is ScrapeOutcome.LOGIN_REQUIRED and self.storage_state is None):
                    return self._done(api, "api")
                rendered = self._fetch_page(article_id, deadline)
                if rendered.outcome is ScrapeOutcome.ERROR and api.outcome is ScrapeOutcome.ERROR:
                    rendered = rendered.model_copy(update={"reason": f"{rendered.reason}; before that, {api.reason}"})
                return self._done(rendered, "page after api")
            return self._done(self._fetch_page(article_id, deadline), "page")
        except _TimedOut:
            self._drop_page()
            reason = f"timed out after {self.page_timeout_seconds:g} s loading {self.post_url(article_id)}"
            return self._done(ScrapedArticle(article_id=article_id, outcome=ScrapeOutcome.ERROR, reason=reason), "")
        except PlaywrightError as exc:  # the page, context or browser died under us
            self.close()
            raise ProviderUnavailable(
                f"Chromium failed while reading article {article_id}: {_first_line(exc)}"
            ) from exc

    def fetch_many(
        self, article_ids: Iterable[int], *, concurrency: int, pause: Callable[[], float]
    ) -> Iterator[ScrapedArticle]:
        """One at a time whatever `concurrency` asks: a browser belongs to the thread that made it
        (PerThreadCafeSource runs several of these side by side)."""
        return super().fetch_many(article_ids, concurrency=1, pause=pause)

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self._sleep(seconds)

    def _done(self, result: ScrapedArticle, via: str) -> ScrapedArticle:
        logger.debug("article %s: %s via %s", result.article_id, result.outcome.value, via or "timeout")
        return result

    def _pause(self) -> None:
        low, high = self.delay_range
        if self._fetched and high > 0:
            self._sleep(low + (high - low) * self._rand())
        self._fetched = True

    def _backoff(self, attempt: int, retry_after: str | None) -> None:
        delay = backoff_delay(attempt, self._retry, self._rand)
        if retry_after and retry_after.strip().isdigit():
            delay = max(delay, min(float(retry_after), self._retry.max_delay))
        self._sleep(delay)

    def _remaining_ms(self, deadline: float) -> float:
        """Milliseconds left, at least 1 (Playwright reads 0 as "no timeout"); _TimedOut when none."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _TimedOut
        return max(remaining * 1000, 1.0)

    def _fetch_api(self, article_id: int, deadline: float) -> ScrapedArticle:
        url = self.api_base_url + API_PATH.format(club_id=self.club_id, article_id=article_id)
        context = self._start()
        for attempt in range(self.max_retries + 1):
            try:
                response = context.request.get(
                    url,
                    headers={"Referer": f"{self.cafe_base_url}/", "Accept": "application/json"},
                    timeout=self._remaining_ms(deadline),
                    fail_on_status_code=False,
                )
            except PlaywrightError as exc:
                self._remaining_ms(deadline)  # a timeout raises _TimedOut here
                if attempt < self.max_retries:
                    self._backoff(attempt, None)
                    continue
                return self._error(article_id, f"article API unreachable: {_first_line(exc)}")
            status = response.status
            if _retryable(status) and attempt < self.max_retries:
                retry_after = response.headers.get("retry-after")
                response.dispose()
                self._backoff(attempt, retry_after)
                continue
            try:
                payload: Any = response.json()
            except (PlaywrightError, ValueError):
                payload = None
            finally:
                response.dispose()
            if payload is None and status != 401:
                return self._error(article_id, f"article API answered HTTP {status} without JSON")
            return parse_article_api(payload, article_id=article_id, url=self.post_url(article_id), status_code=status)
        raise AssertionError("unreachable: the last attempt returns")  # pragma: no cover

    def _error(self, article_id: int, reason: str) -> ScrapedArticle:
        return ScrapedArticle(article_id=article_id, outcome=ScrapeOutcome.ERROR, reason=reason)

    def _fetch_page(self, article_id: int, deadline: float) -> ScrapedArticle:
        url = self.post_url(article_id)
        page = self._page_for_fetch()
        self._tab_uses += 1
        self._dialogs.clear()
        for attempt in range(self.max_retries + 1):
            try:
                response = page.goto(url, wait_until="domcontentloaded", timeout=self._remaining_ms(deadline))
            except PlaywrightError as exc:
                self._remaining_ms(deadline)
                if isinstance(exc, PlaywrightTimeoutError):
                    raise _TimedOut from exc
                if page.is_closed():
                    raise
                if attempt < self.max_retries:
                    self._backoff(attempt, None)
                    continue
                return self._error(article_id, f"cannot load {url}: {_first_line(exc)}")
            status = response.status if response is not None else 200
            if _retryable(status) and not is_login_url(page.url):
                if attempt < self.max_retries:
                    self._backoff(attempt, response.headers.get("retry-after") if response else None)
                    continue
                return self._error(article_id, f"HTTP {status} for {url} after {self.max_retries} retries")
            break
        if is_login_url(page.url):
            return ScrapedArticle(
                article_id=article_id,
                outcome=ScrapeOutcome.LOGIN_REQUIRED,
                reason=f"{RENEW_SESSION} (redirected to the login page)",
            )
        frame = article_frame(page)
        wait_until_ready(
            page,
            frame,
            load_timeout_ms=self._remaining_ms(deadline),
            settle_seconds=min(self.settle_seconds, deadline - time.monotonic()),
            interrupted=lambda: bool(self._dialogs),
        )
        self._remaining_ms(deadline)  # the frame never loaded: _TimedOut
        if is_login_url(frame.url):
            return ScrapedArticle(
                article_id=article_id,
                outcome=ScrapeOutcome.LOGIN_REQUIRED,
                reason=f"{RENEW_SESSION} (the article frame went to the login page)",
            )
        try:
            html = frame.content()
        except PlaywrightError as exc:
            return self._error(article_id, f"cannot read the article frame of {url}: {_first_line(exc)}")
        result = parse_article_html(html, article_id=article_id, url=url)
        if result.outcome is ScrapeOutcome.ERROR:
            for said in self._dialogs:
                if (outcome := classify_message(said)) is not None:
                    return ScrapedArticle(article_id=article_id, outcome=outcome, reason=f"Naver says: {squash(said)}")
        return result
