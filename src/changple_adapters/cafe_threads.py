"""A CafeSource for scans with more than one fetch in flight. Browser sessions (Playwright's sync
API) belong to the thread that made them, so each scanning thread gets its own source, built on
first use and closed together at the end."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from changple_domain.model.providers import ScrapedArticle
from changple_domain.ports import CafeSource

_log = logging.getLogger(__name__)


def close_source(source: CafeSource) -> None:
    """End a source's browser, if it has one (the port has no close: snapshots and fakes need none)."""
    close = getattr(source, "close", None)
    if callable(close):
        close()


class PerThreadCafeSource(CafeSource):
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
                close_source(source)
            except Exception:  # noqa: BLE001 - a browser tied to a finished thread ends with the process
                _log.warning("could not close a cafe source made by another thread", exc_info=True)
