"""Scan the cafe: new article ids first, then recent posts again (edits and deletions), then ids
that failed before and, on request, ids skipped for their author. Every few articles what was
found is recorded, so a killed scan loses at most a handful of fetches and the next one resumes
after the highest id known to exist, without fetching saved posts again."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field

from changple_domain.errors import AlreadyExists, Busy, ChangpleError, LoginRequired
from changple_domain.model.posts import PostStatusKind
from changple_domain.model.providers import ScrapedArticle, ScrapeOutcome
from changple_domain.model.runs import RunState, RunTrigger
from changple_domain.model.scans import SCAN_ID_PREFIX, ScanRun
from changple_domain.policies.eligibility import IngestionPolicy, author_refusal, authors_by_name
from changple_domain.policies.run_keys import default_scan_key
from changple_domain.policies.scan import MissRun, ScanPolicy
from changple_domain.ports import CafeSource, Clock, IdSource, Mutex, UnitOfWork
from changple_domain.use_cases.record_articles import RecordArticles, record_articles

# Ids that exist: where the next walk over new ids starts. DELETED and ERROR are left out, so
# trailing deletions and unknowns are looked at again rather than stepped over.
EXISTING = (PostStatusKind.SAVED, PostStatusKind.MEMBERS_ONLY, PostStatusKind.SKIPPED)


SCAN_LOCK = "cafe-scan"


@dataclass(frozen=True)
class ScanPorts:
    """What every scan works with. The source is not here: a browser belongs to the one scan
    that opened it, so each scan is handed its own."""

    uow: UnitOfWork
    clock: Clock
    policy: IngestionPolicy
    scan: ScanPolicy
    mutex: Mutex
    ids: IdSource


class ScanCafe(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str | None = None  # unique per scan; a repeated key returns the earlier scan
    trigger: RunTrigger = RunTrigger.MANUAL
    from_id: int | None = Field(default=None, gt=0)
    max_new: int | None = Field(default=None, ge=0)
    refresh: bool = True
    retry_errors: bool = True
    rescan_skipped: bool = False
    dry_run: bool = False


class ScanEvent(BaseModel):
    """One article looked at, for progress displays and `--json` lines. `outcome` is what was
    recorded (or would be, in a dry run): a scrape outcome, or `skipped` for a refused author."""

    model_config = ConfigDict(frozen=True)

    phase: str
    article: ScrapedArticle
    outcome: str
    reason: str | None = None


class ScanReport(BaseModel):
    scan: ScanRun
    already_ran: bool = False
    warnings: list[str] = []  # things an operator should fix, said once per scan


NO_ACTIVE_AUTHORS = (
    "no allowed author is active, so every new post is skipped: add authors (changple authors add, or "
    "POST /api/v1/admin/authors/), then scan again with --rescan-skipped"
)


def scan_cafe(
    cmd: ScanCafe,
    *,
    ports: ScanPorts,
    source: CafeSource,
    on_article: Callable[[ScanEvent], None] | None = None,
) -> ScanReport:
    """Run one scan. LOGIN_REQUIRED stops it with `LoginRequired` after recording what came before
    (the Naver session must be renewed). A dry run fetches and reports but writes nothing. One scan
    walks the cafe at a time: a second raises `Busy` (a repeated delivery of a scan that is already
    done returns it instead), so two scans never fetch or record the same ids."""
    run = start_scan(cmd, uow=ports.uow, clock=ports.clock, ids=ports.ids)
    if run.state is not RunState.RUNNING:
        return ScanReport(scan=run, already_ran=True)
    with ports.mutex.hold(SCAN_LOCK, ttl_seconds=ports.scan.time_budget_seconds + 600) as held:
        if not held:
            raise Busy("another scan of the cafe is running; this one waits its turn")
        if not cmd.dry_run:  # a delivery of the same scan may have finished it while we waited
            with ports.uow:
                run = ports.uow.scans.get(run.id) or run
            if run.state is not RunState.RUNNING:
                return ScanReport(scan=run, already_ran=True)
            interrupt_dead_scans(uow=ports.uow, clock=ports.clock, resuming=run.id)
        return _walk(_Walk(cmd, run, ports, source, on_article))


def interrupt_dead_scans(*, uow: UnitOfWork, clock: Clock, resuming: str) -> list[ScanRun]:
    """Called holding the scan lock, so no other scan walks: any other scan still `running` with ids
    looked at lost its worker. Each is marked interrupted; the scan `resuming` (which may be the same
    scan redelivered) starts after the highest id recorded, so only the unrecorded buffer is fetched
    again. Scans queued and not started are left to wait their turn."""
    with uow:
        dead = [s for s in uow.scans.recent(limit=50) if s.walked and s.id != resuming]
        for scan in dead:
            uow.scans.save(scan.interrupted(at=clock.now()))
        uow.commit()
    return dead


def _walk(walk: _Walk) -> ScanReport:
    try:
        walk.run()
    except LoginRequired as exc:
        walk.finish(error=str(exc))
        raise
    except Exception as exc:
        walk.finish(error=f"{type(exc).__name__}: {exc}")
        raise
    warnings = [NO_ACTIVE_AUTHORS] if walk.nobody_allowed else []
    return ScanReport(scan=walk.finish(), warnings=warnings)


def start_scan(cmd: ScanCafe, *, uow: UnitOfWork, clock: Clock, ids: IdSource) -> ScanRun:
    """The scan record for `cmd.key`, created if new: an API call records it before queueing the
    scan, so it can answer with the id at once; the worker then picks the same record up."""
    now = clock.now()
    scan_id = ids.new_id(SCAN_ID_PREFIX)
    key = cmd.key or default_scan_key(cmd.trigger.value, now, scan_id)  # without a key, always new
    run = ScanRun(id=scan_id, key=key, trigger=cmd.trigger, started_at=now)
    if cmd.dry_run:
        return run  # never stored
    with uow:
        existing = uow.scans.get_by_key(key)
        if existing is not None:
            return existing
        try:
            uow.scans.add(run)
            uow.commit()
        except AlreadyExists:
            pass
    with uow:
        return uow.scans.get_by_key(key) or run


class _Walk:
    """The state of one scan: counts, the record buffer, ids already fetched, the clock budget."""

    def __init__(
        self,
        cmd: ScanCafe,
        run: ScanRun,
        ports: ScanPorts,
        source: CafeSource,
        on_article: Callable[[ScanEvent], None] | None,
    ) -> None:
        self.cmd, self.run_record, self.uow, self.clock = cmd, run, ports.uow, ports.clock
        self.source, self.policy, self.scan = source, ports.policy, ports.scan
        self.on_article = on_article
        self.counts = run.counts  # a redelivered scan whose worker died goes on counting
        self.buffer: list[ScrapedArticle] = []
        self.seen: set[int] = set()
        self.phase = "starting"
        self.last_id: int | None = None
        self.stopped_because: str | None = None
        self.deadline = self.clock.now() + timedelta(seconds=self.scan.time_budget_seconds)
        with self.uow:
            self.authors = authors_by_name(self.uow.authors.list())
        self.nobody_allowed = self.policy.require_allowed_author and not any(a.active for a in self.authors.values())

    # --- phases ----------------------------------------------------------------------------------

    def run(self) -> None:
        self._new_ids()
        if self.cmd.refresh and self.scan.refresh_days and not self._out_of_time():
            since = self.clock.now() - timedelta(days=self.scan.refresh_days)
            with self.uow:
                recent = self.uow.posts.ids_published_since(since, limit=self.scan.max_refresh_per_run)
            self._fetch_all("refresh", sorted(recent))
        if self.cmd.retry_errors and not self._out_of_time():
            self._fetch_all("retry", self._status_ids(PostStatusKind.ERROR, below=self.scan.max_error_attempts))
        if self.cmd.rescan_skipped and not self._out_of_time():
            self._fetch_all("rescan", self._status_ids(PostStatusKind.SKIPPED))
        self._flush()

    def _new_ids(self) -> None:
        self.phase = "new"
        with self.uow:
            highest = self.uow.statuses.highest_id(EXISTING)
            highest_post = self.uow.posts.max_article_id()
        known = max(highest or 0, highest_post or 0)
        start = self.cmd.from_id or (known + 1 if known else self.scan.first_article_id)
        limit = self.scan.max_new_per_run if self.cmd.max_new is None else self.cmd.max_new
        misses = MissRun(self.scan)
        held: dict[int, ScrapedArticle] = {}  # missing ids with what the cafe said, until we know they are gaps
        for article in self._fetch(range(start, start + limit)):
            if article.outcome is ScrapeOutcome.DELETED:
                misses.missed(article.article_id)
                held[article.article_id] = article
                self.counts = self.counts.plus(fetched=1)
                self._announce("new", article, "missing", article.reason)
            else:
                gaps = misses.found() if article.outcome is not ScrapeOutcome.ERROR else []
                if article.outcome is ScrapeOutcome.ERROR:
                    misses.errored()
                for gap in gaps:
                    said = held.pop(gap)
                    reason = f"a gap in ids: {said.reason}" if said.reason else "a gap in ids"
                    self._keep(said.model_copy(update={"reason": reason}))
                    self.counts = self.counts.plus(gaps=1)
                self._take("new", article)
            if misses.stop_reason:
                self.stopped_because = misses.stop_reason
                break
            if self._out_of_time():
                break
        else:
            if limit and not self.stopped_because:
                self.stopped_because = f"tried the per-run maximum of {limit} ids, from #{start}"

    def _fetch_all(self, phase: str, ids: Iterable[int]) -> None:
        self.phase = phase
        for article in self._fetch(i for i in ids if i not in self.seen):
            self._take(phase, article)
            if self._out_of_time():
                break

    def _status_ids(self, kind: PostStatusKind, *, below: int | None = None) -> list[int]:
        found: list[int] = []
        after = 0
        with self.uow:
            while page := self.uow.statuses.with_kind(kind, after_id=after, limit=500):
                after = page[-1].article_id
                found += [s.article_id for s in page if below is None or s.attempts < below]
        return found

    # --- fetching, in id order, `concurrency` at a time and politely, as the source does it -------

    def _fetch(self, ids: Iterable[int]) -> Iterator[ScrapedArticle]:
        for article in self.source.fetch_many(ids, concurrency=self.scan.concurrency, pause=self.scan.delay):
            self.seen.add(article.article_id)
            yield article

    # --- recording -------------------------------------------------------------------------------

    def _take(self, phase: str, article: ScrapedArticle) -> None:
        self.counts = self.counts.plus(fetched=1)
        self.last_id = article.article_id
        if article.outcome is ScrapeOutcome.LOGIN_REQUIRED:
            self._flush()
            raise LoginRequired(
                f"Naver answered article {article.article_id} with a login page: the saved session has expired; "
                f"log in again and save a new storage_state ({article.reason})"
            )
        outcome, reason = article.outcome.value, article.reason
        if article.post is not None:
            refused = author_refusal(article.post.author, authors=self.authors, policy=self.policy)
            if refused is not None:
                outcome, reason = "skipped", refused.message
        self._announce(phase, article, outcome, reason)
        self._keep(article)

    def _keep(self, article: ScrapedArticle) -> None:
        self.buffer.append(article)
        if len(self.buffer) >= self.scan.record_every:
            self._flush()

    def _flush(self) -> None:
        articles, self.buffer = self.buffer, []
        if articles:  # a dry run counts by the very rules the real run records by, writing nothing
            recorded = record_articles(
                RecordArticles(articles=tuple(articles), author_policy=self.policy, dry_run=self.cmd.dry_run),
                uow=self.uow,
                clock=self.clock,
            )
            # what record_articles counts has the same names in ScanCounts (all but input duplicates)
            self.counts = self.counts.plus(**recorded.model_dump(exclude={"duplicates_in_input"}))
        self._save_progress()

    def _save_progress(self) -> None:
        self.run_record = self.run_record.progressed(phase=self.phase, counts=self.counts, last_article_id=self.last_id)
        if self.cmd.dry_run:
            return
        with self.uow:
            self.uow.scans.save(self.run_record)
            self.uow.commit()

    def _announce(self, phase: str, article: ScrapedArticle, outcome: str, reason: str | None) -> None:
        if self.on_article is not None:
            self.on_article(ScanEvent(phase=phase, article=article, outcome=outcome, reason=reason))

    def _out_of_time(self) -> bool:
        if self.clock.now() < self.deadline:
            return False
        self.stopped_because = f"the time budget of {self.scan.time_budget_seconds:g} s ran out"
        return True

    def finish(self, error: str | None = None) -> ScanRun:
        self.phase = "done" if error is None else "failed"
        if error is None:
            self._flush()
        else:
            # Keep what was fetched before the failure, if the database still answers.
            with contextlib.suppress(ChangpleError):
                self._flush()
        self.run_record = self.run_record.finished(
            at=self.clock.now(), stopped_because=self.stopped_because, error=error
        )
        if not self.cmd.dry_run:
            with self.uow:
                self.uow.scans.save(self.run_record)
                self.uow.commit()
        return self.run_record
