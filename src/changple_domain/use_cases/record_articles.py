"""Record what a cafe source found: store posts, keep every article id's status honest."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict

from changple_domain.errors import LoginRequired
from changple_domain.model.posts import CafePost, PostStatus, PostStatusKind
from changple_domain.model.providers import ScrapedArticle, ScrapeOutcome
from changple_domain.policies.brands import brand_mentions
from changple_domain.policies.eligibility import IngestionPolicy, author_refusal, authors_by_name
from changple_domain.ports import Clock, UnitOfWork


class RecordArticles(BaseModel):
    """With `author_policy`, a post not stored before whose author the policy refuses is not
    stored: its id is recorded as SKIPPED with the reason, and a rescan of skipped ids fetches
    it again once the author is allowed. Posts already stored are always updated (an edit or a
    deletion must reach them), and eligibility keeps a refused author's posts out of the index.
    With `dry_run`, the counts are worked out by the same rules and nothing is written, so a dry
    scan reports exactly what the real one would."""

    model_config = ConfigDict(frozen=True)

    articles: tuple[ScrapedArticle, ...]
    author_policy: IngestionPolicy | None = None
    dry_run: bool = False


class RecordedArticles(BaseModel):
    """Counts of what changed; `unchanged` posts cost nothing downstream."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0
    members_only: int = 0
    skipped: int = 0
    errors: int = 0
    duplicates_in_input: int = 0


_STATUS_FOR = {
    ScrapeOutcome.SAVED: PostStatusKind.SAVED,
    ScrapeOutcome.DELETED: PostStatusKind.DELETED,
    ScrapeOutcome.MEMBERS_ONLY: PostStatusKind.MEMBERS_ONLY,
    ScrapeOutcome.ERROR: PostStatusKind.ERROR,
}


def _last_per_id(articles: Iterable[ScrapedArticle]) -> tuple[dict[int, ScrapedArticle], int]:
    latest: dict[int, ScrapedArticle] = {}
    repeats = 0
    for article in articles:
        if article.article_id in latest:
            repeats += 1
        latest[article.article_id] = article
    return latest, repeats


def record_articles(cmd: RecordArticles, *, uow: UnitOfWork, clock: Clock) -> RecordedArticles:
    """Store saved posts (keeping pipeline facts when content is unchanged) with the good-to-know
    brands they name, and record a status for every id. A post seen again exactly as stored (only
    its scrape time differs) whose status is unchanged writes nothing: a rescan of an unchanged
    cafe costs reads only, and `updated_at` and `scraped_at` say when each last changed. The same
    id twice in one input counts once, the later sighting winning. A login-required outcome stops
    everything before anything is written: the session is gone. A deleted post keeps its row, so
    its vectors can still be found and removed."""
    latest, repeats = _last_per_id(cmd.articles)
    for article in latest.values():
        if article.outcome is ScrapeOutcome.LOGIN_REQUIRED:
            raise LoginRequired(
                f"article {article.article_id} needs a logged-in Naver session: {article.reason or 'renew it'}"
            )
    report = RecordedArticles(duplicates_in_input=repeats)
    now = clock.now()
    with uow:
        brand_names = [b.name for b in uow.brands.list(enabled_only=True)]
        authors = authors_by_name(uow.authors.list()) if cmd.author_policy is not None else {}
        stored = uow.posts.get_many(latest)
        previous = uow.statuses.get_many(latest)
        to_write: list[CafePost] = []
        statuses: list[PostStatus] = []
        as_stored: set[int] = set()  # stored exactly as scraped again: nothing to write
        for article_id, article in sorted(latest.items()):
            kind = _STATUS_FOR[article.outcome]
            attempts = 0
            reason: str | None = None
            if kind is PostStatusKind.SAVED:
                if article.post is None:
                    raise ValueError(f"article {article_id} is SAVED but carries no post")
                scraped = article.post.model_copy(
                    update={"brand_mentions": brand_mentions(article.post.title, article.post.content, brand_names)}
                )
                old = stored.get(article_id)
                refused = (
                    author_refusal(scraped.author, authors=authors, policy=cmd.author_policy)
                    if old is None and cmd.author_policy is not None
                    else None
                )
                if refused is not None:
                    kind, reason = PostStatusKind.SKIPPED, refused.message
                    report.skipped += 1
                elif old is None:
                    to_write.append(scraped)
                    report.new += 1
                else:
                    revised = old.revised(scraped)
                    if revised.content_hash == old.content_hash:
                        report.unchanged += 1
                        if _same_apart_from_scrape_time(revised, old):
                            as_stored.add(article_id)
                        else:
                            to_write.append(revised)
                    else:
                        to_write.append(revised)
                        report.changed += 1
            elif kind is PostStatusKind.DELETED:
                report.deleted += 1
            elif kind is PostStatusKind.MEMBERS_ONLY:
                report.members_only += 1
            else:
                report.errors += 1
                before = previous.get(article_id)
                attempts = (before.attempts if before and before.kind is PostStatusKind.ERROR else 0) + 1
            status = PostStatus(
                article_id=article_id,
                kind=kind,
                reason=reason if kind is PostStatusKind.SKIPPED else article.reason,
                attempts=attempts,
                updated_at=now,
            )
            if article_id not in as_stored or not _same_status(status, previous.get(article_id)):
                statuses.append(status)
        if cmd.dry_run:
            return report  # leaving the block without a commit writes nothing
        if to_write:
            uow.posts.upsert_many(to_write)
        if statuses:
            uow.statuses.upsert_many(statuses)
        uow.commit()
    return report


def _same_apart_from_scrape_time(revised: CafePost, old: CafePost) -> bool:
    """A post seen again as it is stored: writing it would change only `scraped_at`."""
    return revised.model_copy(update={"scraped_at": old.scraped_at}) == old


def _same_status(status: PostStatus, before: PostStatus | None) -> bool:
    return before is not None and (before.kind, before.reason, before.attempts) == (
        status.kind,
        status.reason,
        status.attempts,
    )
