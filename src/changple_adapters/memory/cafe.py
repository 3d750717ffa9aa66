"""A cafe in memory behind the CafeSource port: articles by id, scripted outcomes, and a log of
every fetch, so tests can check what a scan asked for and in what order."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from changple_adapters.cafe_threads import PacedCafeSource
from changple_domain.model.posts import CafePost
from changple_domain.model.providers import ScrapedArticle, ScrapeOutcome


class MemoryCafeSource(PacedCafeSource):
    """Ids with a post answer SAVED; ids in `outcomes` answer that scripted article (deleted,
    members-only, login required, error); any other id answers DELETED, as a gap does on Naver.
    Pauses between fetches are logged in `pauses`, not slept; `closed` counts calls to `close`."""

    def __init__(self, posts: Iterable[CafePost] = ()) -> None:
        self.posts: dict[int, CafePost] = {post.article_id: post for post in posts}
        self.outcomes: dict[int, ScrapedArticle] = {}
        self.fetched: list[int] = []
        self.pauses: list[float] = []
        self.closed = 0
        self._lock = threading.Lock()

    def put(self, post: CafePost) -> None:
        self.posts[post.article_id] = post
        self.outcomes.pop(post.article_id, None)

    def script(self, article_id: int, outcome: ScrapeOutcome, reason: str | None = None) -> None:
        self.outcomes[article_id] = ScrapedArticle(article_id=article_id, outcome=outcome, reason=reason)

    def fetch(self, article_id: int) -> ScrapedArticle:
        with self._lock:
            self.fetched.append(article_id)
        if article_id in self.outcomes:
            return self.outcomes[article_id]
        post = self.posts.get(article_id)
        if post is None:
            return ScrapedArticle(article_id=article_id, outcome=ScrapeOutcome.DELETED, reason="no such article")
        return ScrapedArticle(article_id=article_id, outcome=ScrapeOutcome.SAVED, post=post)

    def _wait(self, seconds: float) -> None:
        with self._lock:
            self.pauses.append(seconds)

    def close(self) -> None:
        self.closed += 1
