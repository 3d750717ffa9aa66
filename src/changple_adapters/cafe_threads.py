"""What every CafeSource adapter shares: fetching many ids in order, politely, with a few in
flight (threads and waiting belong here, not in the scan), and a source per thread for browsers.
Browser sessions (Playwright's sync API) belong to the thread that made them, so each fetching
thread gets its own source, built on first use and closed together at the end."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from changple_domain.model.providers import ScrapedArticle
from changple_domain.ports import CafeSource

_log = logging.getLogger(__name__)


def fetch_in_order(
    fetch: Callable[[int], ScrapedArticle],
    article_ids: Iterable[int],
    *,
    concurrency: int,
    pause: Callable[[], float],
    wait: Callable[[float], None],
) -> Iterator[ScrapedArticle]:
    """`fetch` over the ids, answering in id order with up to `concurrency` in flight; one at a
    time waits `pause()` between fetches, more at a time wait before each inside their thread."""
    if concurrency == 1:
        for n, article_id in enumerate(article_ids):
            if n:
                wait(pause())
            yield fetch(article_id)
        return

    def polite(article_id: int) -> ScrapedArticle:
        wait(pause())
        return fetch(article_id)

    with ThreadPoolExecutor(concurrency, thread_name_prefix="cafe-scan") as pool:
        window: list[Future[ScrapedArticle]] = []
        try:
            for article_id in article_ids:
                window.append(pool.submit(polite, article_id))
                if len(window) >= concurrency:
                    yield window.pop(0).result()
            while window:
                yield window.pop(0).result()
        finally:
            for future in window:  # the caller stopped early: do not wait for fetches nobody reads
                future.cancel()


class PacedCafeSource(CafeSource):
    """`fetch_many` and `close` for a source that can fetch one id. Waits are real sleeps unless a
    subclass says otherwise (`_wait`), for its own injected sleep or a fake's log."""

    def fetch_many(
        self, article_ids: Iterable[int], *, concurrency: int, pause: Callable[[], float]
    ) -> Iterator[ScrapedArticle]:
        return fetch_in_order(self.fetch, article_ids, concurrency=concurrency, pause=pause, wait=self._wait)

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    def close(self) -> None:
        """Nothing is held open."""


class PerThreadCafeSource(PacedCafeSource):
    def __init__(self, build: Callable[[], CafeSource]) -> None:
        self._build = build
        self._local = threading.local()
        self._made: list[CafeSource] = []
        self._lock = threading.Lock()

    def fetch(self, article_id: int) -> ScrapedArticle:
        source: CafeSource | None = getattr(self._local, "source", None)
        if source is None:
            source = self._build()
            self._local.source = source
            with self._lock:
                self._made.append(source)
        return source.fetch(article_id)

    def close(self) -> None:
        """Close every thread's source (from any thread: each close only ends its own browser)."""
        with self._lock:
            made, self._made = self._made, []
        for source in made:
            try:
                source.close()
            except Exception:  # noqa: BLE001 - a browser tied to a finished thread ends with the process
                _log.warning("could not close a cafe source made by another thread", exc_info=True)
