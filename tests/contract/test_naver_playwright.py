"""PlaywrightCafeSource in real Chromium against the local fixture cafe: every page layout, the
article API with a (fake) logged-in session, login and error answers, a page that never loads,
and backoff on 429/5xx. One browser for the module; a fresh context per source."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from changple_adapters.naver.playwright_source import PlaywrightCafeSource
from changple_domain.errors import InvalidSetting, ProviderUnavailable
from changple_domain.model.providers import ScrapedArticle, ScrapeOutcome
from changple_domain.ports import CafeSource
from tests.fixtures.naver_cafe.corpus import CLUB_ID, HANG_ID, LOGIN_ID, NOTICES, article, board_name, expected_outcome
from tests.fixtures.naver_cafe.site import API_PATH, FAKE_COOKIES, NaverCafeSite

pytest_plugins = ["tests.fixtures.naver_cafe.pytest_plugin"]

MakeSource = Callable[..., PlaywrightCafeSource]
# One id per layout, plus every kind of notice except the page that never loads.
PAGE_IDS = [1001, 1003, 1004, 1008, 1019, 1054, *sorted(i for i, n in NOTICES.items() if n.kind != "hang")]


def _matches_corpus(result: ScrapedArticle, site: NaverCafeSite) -> None:
    found = article(result.article_id)
    assert found is not None
    post = result.post
    assert post is not None, result.reason
    assert (post.title, post.author, post.board, post.board_id) == (
        found.title,
        found.author,
        board_name(found),
        found.board_id,
    )
    assert (post.content, post.image_urls, post.published_at) == (found.content, found.image_urls, found.published_at)
    assert post.url == f"{site.base_url}/changple/{found.article_id}"


@pytest.fixture(scope="module")
def shared_page_source(naver_cafe_site: NaverCafeSite, chromium_browser: Any) -> Any:
    """One page-only source for the per-id checks, so they share a context like a real scan."""
    source = PlaywrightCafeSource(
        cafe_url=f"{naver_cafe_site.base_url}/changple",
        browser=chromium_browser,
        delay_range=0,
        page_timeout_seconds=10,
        settle_seconds=0.5,
    )
    yield source
    source.close()


@pytest.mark.parametrize("article_id", PAGE_IDS)
def test_each_layout_and_notice_page_is_read(
    shared_page_source: PlaywrightCafeSource, naver_cafe_site: NaverCafeSite, article_id: int
) -> None:
    result = shared_page_source.fetch(article_id)
    assert result.outcome is expected_outcome(article_id), result.reason
    if result.outcome is ScrapeOutcome.SAVED:
        _matches_corpus(result, naver_cafe_site)


def test_it_is_a_cafe_source_and_reads_the_frame_not_the_wrapper(
    make_cafe_source: MakeSource, naver_cafe_site: NaverCafeSite
) -> None:
    source = make_cafe_source()
    assert isinstance(source, CafeSource)
    frames_before = naver_cafe_site.count("/ArticleRead.nhn")
    _matches_corpus(source.fetch(1002), naver_cafe_site)
    assert naver_cafe_site.count("/ArticleRead.nhn") == frames_before + 1


def test_the_api_with_a_session_gives_the_same_post_without_rendering(
    make_cafe_source: MakeSource, naver_cafe_site: NaverCafeSite, naver_storage_state: Path
) -> None:
    via_api = make_cafe_source(storage_state=naver_storage_state)
    via_page = make_cafe_source()
    assert via_api.use_api
    assert not via_page.use_api
    pages_before = naver_cafe_site.count("/changple/1006")
    from_api = via_api.fetch(1006)
    assert naver_cafe_site.count("/changple/1006") == pages_before  # no page was rendered
    assert naver_cafe_site.api_referers[-1] == f"{naver_cafe_site.base_url}/"
    from_page = via_page.fetch(1006)
    assert from_api.post is not None
    assert from_page.post is not None
    assert from_api.post.model_copy(update={"scraped_at": None}) == from_page.post.model_copy(
        update={"scraped_at": None}
    )


@pytest.mark.parametrize("article_id", [1005, 1041, 1044, 1046, LOGIN_ID, 1051, 1053, 1054, 1049])
def test_api_answers_decide_the_outcome_with_a_session(
    make_cafe_source: MakeSource, naver_cafe_site: NaverCafeSite, naver_storage_state: Path, article_id: int
) -> None:
    source = make_cafe_source(storage_state=naver_storage_state, settle_seconds=0.3)
    pages_before = naver_cafe_site.count(f"/changple/{article_id}")
    result = source.fetch(article_id)
    assert result.outcome is expected_outcome(article_id, via="api"), result.reason
    rendered = naver_cafe_site.count(f"/changple/{article_id}") - pages_before
    # Only an unusable API answer (garbage, unknown error) sends the source to the page.
    assert rendered == (1 if article_id in (1054, 1049) else 0)
    if result.outcome is ScrapeOutcome.LOGIN_REQUIRED:
        assert "storage_state" in (result.reason or "")


def test_without_a_session_an_api_login_answer_falls_back_to_the_page(
    make_cafe_source: MakeSource, naver_cafe_site: NaverCafeSite
) -> None:
    source = make_cafe_source(use_api=True)
    result = source.fetch(1007)
    assert result.outcome is ScrapeOutcome.SAVED
    _matches_corpus(result, naver_cafe_site)


def test_a_login_redirect_means_login_required(make_cafe_source: MakeSource, naver_cafe_site: NaverCafeSite) -> None:
    result = make_cafe_source().fetch(LOGIN_ID)
    assert result.outcome is ScrapeOutcome.LOGIN_REQUIRED
    assert "redirected to the login page" in (result.reason or "")
    assert naver_cafe_site.count("/nidlogin.login") >= 1


def test_a_page_that_never_loads_is_an_error_in_bounded_time(make_cafe_source: MakeSource) -> None:
    source = make_cafe_source(page_timeout_seconds=2)
    started = time.monotonic()
    result = source.fetch(HANG_ID)
    elapsed = time.monotonic() - started
    assert result.outcome is ScrapeOutcome.ERROR
    assert (result.reason or "").startswith("timed out after 2 s")
    assert 1.9 <= elapsed < 6
    assert source.fetch(1009).outcome is ScrapeOutcome.SAVED  # the source recovers


@pytest.mark.parametrize("channel", ["page", "api"])
def test_throttling_is_retried_with_backoff(
    make_cafe_source: MakeSource, naver_cafe_site: NaverCafeSite, naver_storage_state: Path, channel: str
) -> None:
    sleeps: list[float] = []
    session = {"storage_state": naver_storage_state} if channel == "api" else {}
    source = make_cafe_source(sleep=sleeps.append, **session)
    path = "/changple/1010" if channel == "page" else API_PATH.format(club=CLUB_ID, id=1010)
    before = naver_cafe_site.count(path)
    naver_cafe_site.throttle(1010, [429, 503], channel=channel)  # type: ignore[arg-type]
    result = source.fetch(1010)
    assert result.outcome is ScrapeOutcome.SAVED, result.reason
    assert naver_cafe_site.count(path) - before == 3
    assert len(sleeps) == 2
    assert 0.025 <= sleeps[0] <= 0.05  # 0.05 * 2**n, half of it jitter
    assert 0.05 <= sleeps[1] <= 0.1


def test_throttling_that_never_ends_is_an_error(make_cafe_source: MakeSource, naver_cafe_site: NaverCafeSite) -> None:
    naver_cafe_site.throttle(1011, [429, 429])
    result = make_cafe_source(max_retries=1, sleep=lambda _: None).fetch(1011)
    assert result.outcome is ScrapeOutcome.ERROR
    assert "HTTP 429" in (result.reason or "")
    assert "after 1 retries" in (result.reason or "")


def test_a_random_pause_separates_articles(make_cafe_source: MakeSource) -> None:
    sleeps: list[float] = []
    source = make_cafe_source(delay_range=(0.6, 1.2), sleep=sleeps.append)
    for article_id in (1015, 1016, 1017):
        assert source.fetch(article_id).outcome is ScrapeOutcome.SAVED
    assert len(sleeps) == 2
    assert all(0.6 <= s <= 1.2 for s in sleeps)


def test_cookies_never_reach_the_logs(
    make_cafe_source: MakeSource, naver_storage_state: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert make_cafe_source(storage_state=naver_storage_state).fetch(1020).outcome is ScrapeOutcome.SAVED
    assert "1020" in caplog.text
    assert not any(value in caplog.text for value in FAKE_COOKIES.values())


def test_own_browser_starts_lazily_and_closes(naver_cafe_site: NaverCafeSite, chromium_path: str) -> None:
    """In another thread: this one already runs the module's Playwright, and Playwright's sync API
    allows one per thread."""

    def scan() -> tuple[bool, ScrapeOutcome, bool]:
        with PlaywrightCafeSource(
            cafe_url=f"{naver_cafe_site.base_url}/changple", executable_path=chromium_path, delay_range=0
        ) as source:
            before = source.started
            outcome = source.fetch(1021).outcome
            assert source.started
        return before, outcome, source.started

    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(scan).result(timeout=60) == (False, ScrapeOutcome.SAVED, False)


def test_a_browser_that_cannot_start_is_provider_unavailable(tmp_path: Path) -> None:
    def fetch() -> None:
        PlaywrightCafeSource(executable_path=tmp_path / "no-chromium", delay_range=0).fetch(1)

    with ThreadPoolExecutor(1) as pool, pytest.raises(ProviderUnavailable, match="cannot start Chromium"):
        pool.submit(fetch).result(timeout=60)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"delay_range": (2, 1)}, "delay_range"),
        ({"page_timeout_seconds": 0}, "page_timeout_seconds"),
        ({"storage_state": "/no/such/state.json"}, "storage_state"),
        ({"use_api": True}, "club_id"),
        ({"backoff_base_seconds": 5, "backoff_max_seconds": 1}, "backoff"),
    ],
)
def test_bad_settings_fail_at_construction(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidSetting, match=message):
        PlaywrightCafeSource(**settings)


def test_a_browser_that_dies_is_provider_unavailable(chromium_browser: Any, chromium_path: str) -> None:
    dead = chromium_browser.browser_type.launch(executable_path=chromium_path, args=["--no-sandbox"])
    dead.close()
    source = PlaywrightCafeSource(browser=dead, delay_range=0)
    with pytest.raises(ProviderUnavailable, match="Chromium failed while reading article 1"):
        source.fetch(1)
    assert not source.started


def test_the_tab_is_replaced_after_a_set_number_of_articles(
    make_cafe_source: MakeSource, chromium_browser: Any
) -> None:
    known = set(chromium_browser.contexts)
    source = make_cafe_source(articles_per_tab=2)
    assert source.fetch(1022).outcome is ScrapeOutcome.SAVED
    (context,) = [c for c in chromium_browser.contexts if c not in known]
    opened: list[Any] = []
    context.on("page", lambda page: opened.append(page))
    for article_id in (1023, 1024, 1025):
        assert source.fetch(article_id).outcome is ScrapeOutcome.SAVED
    assert len(opened) == 1  # a new tab for the third article, none for the second or fourth
    assert len(context.pages) == 1  # and the old one was closed
