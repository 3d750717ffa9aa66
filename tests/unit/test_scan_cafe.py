"""The scan use case over an in-memory cafe: where it starts and stops, what it records, how it
resumes after a crash, and how edits, deletions and refused authors flow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from changple_adapters.memory import FixedClock, MemoryCafeSource, MemoryMutex, MemoryUnitOfWork, SequentialIds
from changple_domain.errors import Busy, LoginRequired
from changple_domain.model import AllowedAuthor, CafePost, PostStatusKind
from changple_domain.model.providers import ScrapedArticle, ScrapeOutcome
from changple_domain.model.runs import RunState
from changple_domain.policies.eligibility import IngestionPolicy
from changple_domain.policies.scan import ScanPolicy
from changple_domain.use_cases.scan_cafe import (
    NO_ACTIVE_AUTHORS,
    SCAN_LOCK,
    ScanCafe,
    ScanEvent,
    ScanPorts,
    ScanReport,
    scan_cafe,
    start_scan,
)

AUTHOR = "창플지기"
NOW = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)
POLICY = IngestionPolicy(min_content_length=10)
IDS = SequentialIds()  # one for the module: a scan without a key is told apart by its id
QUICK = ScanPolicy(delay_min_seconds=0, delay_max_seconds=0, stop_after_missing=3, record_every=2, refresh_days=0)


def post(article_id: int, *, author: str = AUTHOR, content: str | None = None, days_ago: int = 30) -> CafePost:
    return CafePost(
        article_id=article_id,
        title=f"가맹 상담 후기 {article_id}",
        board="창업 이야기",
        author=author,
        content=content or f"보증금과 권리금을 따져 본 상담 기록입니다. 글 번호 {article_id}.",
        published_at=NOW - timedelta(days=days_ago),
    )


@pytest.fixture
def uow() -> MemoryUnitOfWork:
    uow = MemoryUnitOfWork()
    with uow:
        uow.authors.save(AllowedAuthor(name=AUTHOR))
        uow.commit()
    return uow


def scan(
    uow: MemoryUnitOfWork,
    source: MemoryCafeSource,
    policy: ScanPolicy = QUICK,
    mutex: MemoryMutex | None = None,
    **cmd: Any,
) -> tuple[ScanReport, list[ScanEvent]]:
    events: list[ScanEvent] = []
    ports = ScanPorts(uow=uow, clock=FixedClock(NOW), policy=POLICY, scan=policy, mutex=mutex or MemoryMutex(), ids=IDS)
    report = scan_cafe(ScanCafe(**cmd), ports=ports, source=source, on_article=events.append)
    return report, events


def status(uow: MemoryUnitOfWork, article_id: int) -> PostStatusKind | None:
    with uow:
        found = uow.statuses.get(article_id)
    return None if found is None else found.kind


def test_new_ids_stop_after_a_run_of_misses_and_record_gaps_but_not_the_end(uow: MemoryUnitOfWork) -> None:
    source = MemoryCafeSource([post(1), post(2), post(5), post(6)])  # 3 and 4 are gaps; 7 onwards the end

    report, _ = scan(uow, source, from_id=1)

    assert source.fetched == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert report.scan.state is RunState.SUCCEEDED
    assert report.scan.stopped_because == "3 missing ids in a row: the end of the cafe"
    assert (report.scan.counts.new, report.scan.counts.gaps) == (4, 2)
    assert status(uow, 3) is PostStatusKind.DELETED
    assert status(uow, 7) is None  # may be published tomorrow: not recorded


def test_a_gap_keeps_what_the_cafe_said_about_it(uow: MemoryUnitOfWork) -> None:
    source = MemoryCafeSource([post(1), post(3)])
    source.script(2, ScrapeOutcome.DELETED, "Naver says: 삭제된 게시글입니다")

    scan(uow, source, from_id=1)

    with uow:
        recorded = uow.statuses.get(2)
    assert recorded is not None
    assert recorded.kind is PostStatusKind.DELETED
    assert recorded.reason == "a gap in ids: Naver says: 삭제된 게시글입니다"


def test_the_first_scan_of_an_empty_store_starts_at_the_policys_first_id(uow: MemoryUnitOfWork) -> None:
    source = MemoryCafeSource([post(700), post(701)])

    report, _ = scan(uow, source, QUICK.model_copy(update={"first_article_id": 700}))

    assert source.fetched[:2] == [700, 701]
    assert report.scan.counts.new == 2


def test_the_next_scan_resumes_after_the_highest_existing_id(uow: MemoryUnitOfWork) -> None:
    source = MemoryCafeSource([post(1), post(2)])
    scan(uow, source, from_id=1)
    source.put(post(3))
    source.fetched.clear()

    report, _ = scan(uow, source)

    assert source.fetched == [3, 4, 5, 6]
    assert report.scan.counts.new == 1


def test_a_killed_scan_keeps_what_it_recorded_and_does_not_fetch_it_again(uow: MemoryUnitOfWork) -> None:
    class Crashing(MemoryCafeSource):
        def fetch(self, article_id: int) -> ScrapedArticle:
            if article_id == 6:
                raise RuntimeError("the browser died")
            return super().fetch(article_id)

    source = Crashing([post(i) for i in range(1, 9)])
    with pytest.raises(RuntimeError):
        scan(uow, source, from_id=1)
    with uow:
        assert sorted(p.article_id for p in uow.posts.page()) == [1, 2, 3, 4, 5]
        failed = uow.scans.recent()[0]
    assert failed.state is RunState.FAILED
    assert failed.error == "RuntimeError: the browser died"

    healthy = MemoryCafeSource([post(i) for i in range(1, 9)])
    scan(uow, healthy)
    assert healthy.fetched[:3] == [6, 7, 8]  # 1-5 are never fetched again
    with uow:
        assert uow.posts.count() == 8


def test_refused_authors_are_skipped_then_rescanned_once_allowed(uow: MemoryUnitOfWork) -> None:
    source = MemoryCafeSource([post(1), post(2, author="새작가"), post(3)])
    report, events = scan(uow, source, from_id=1)

    assert report.scan.counts.skipped == 1
    assert status(uow, 2) is PostStatusKind.SKIPPED
    assert [e.outcome for e in events if e.article.article_id == 2] == ["skipped"]
    with uow:
        assert uow.posts.get(2) is None
        uow.authors.save(AllowedAuthor(name="새작가"))
        uow.commit()

    source.fetched.clear()
    report, _ = scan(uow, source, rescan_skipped=True, max_new=0)

    assert source.fetched == [2]
    assert status(uow, 2) is PostStatusKind.SAVED
    assert report.scan.counts.new == 1


def test_errors_are_retried_up_to_the_maximum(uow: MemoryUnitOfWork) -> None:
    source = MemoryCafeSource([post(1), post(2), post(3)])
    source.script(2, ScrapeOutcome.ERROR, "timed out after 20 s")
    policy = QUICK.model_copy(update={"max_error_attempts": 2})
    scan(uow, source, policy, from_id=1)

    for _ in range(3):
        source.fetched.clear()
        scan(uow, source, policy, max_new=0)
    with uow:
        record = uow.statuses.get(2)
    assert record is not None
    assert record.kind is PostStatusKind.ERROR
    assert record.attempts == 2  # the first scan and one retry; then it is left alone
    assert source.fetched == []


def test_refresh_brings_edits_and_deletions(uow: MemoryUnitOfWork) -> None:
    source = MemoryCafeSource([post(1, days_ago=2), post(2, days_ago=3), post(3, days_ago=40)])
    scan(uow, source, from_id=1)
    source.put(post(1, days_ago=2, content="가맹비 환급 조건이 바뀌어서 본문을 고쳤습니다. 계약서 8조를 보세요."))
    source.script(2, ScrapeOutcome.DELETED, "게시글이 삭제되었습니다")
    source.fetched.clear()

    report, _ = scan(uow, source, QUICK.model_copy(update={"refresh_days": 7}), max_new=0)

    assert sorted(source.fetched) == [1, 2]  # 3 is older than the refresh window
    assert (report.scan.counts.changed, report.scan.counts.deleted) == (1, 1)
    assert status(uow, 2) is PostStatusKind.DELETED
    with uow:
        edited = uow.posts.get(1)
        assert uow.posts.get(2) is not None  # the row stays, so its vectors can be found and removed
    assert edited is not None
    assert "8조" in edited.content


def test_login_required_stops_the_scan_after_recording_what_came_before(uow: MemoryUnitOfWork) -> None:
    source = MemoryCafeSource([post(1), post(2), post(4)])
    source.script(3, ScrapeOutcome.LOGIN_REQUIRED, "redirected to nid.naver.com")

    with pytest.raises(LoginRequired, match="session has expired"):
        scan(uow, source, from_id=1)

    with uow:
        assert sorted(p.article_id for p in uow.posts.page()) == [1, 2]
        failed = uow.scans.recent()[0]
    assert failed.state is RunState.FAILED
    assert 4 not in source.fetched


def test_a_dry_run_fetches_and_reports_but_writes_nothing(uow: MemoryUnitOfWork) -> None:
    source = MemoryCafeSource([post(1), post(2, author="모르는사람")])

    report, events = scan(uow, source, from_id=1, dry_run=True)

    assert [e.outcome for e in events if e.outcome != "missing"] == ["saved", "skipped"]
    assert (report.scan.counts.new, report.scan.counts.skipped) == (1, 1)
    with uow:
        assert uow.posts.count() == 0
        assert uow.statuses.counts() == {}
        assert uow.scans.recent() == []


def test_the_per_run_maximum_and_the_time_budget_stop_a_scan(uow: MemoryUnitOfWork) -> None:
    source = MemoryCafeSource([post(i) for i in range(1, 50)])
    report, _ = scan(uow, source, from_id=1, max_new=5)
    assert source.fetched == [1, 2, 3, 4, 5]
    assert report.scan.stopped_because == "tried the per-run maximum of 5 ids, from #1"

    class SlowClock(FixedClock):
        def now(self) -> datetime:
            self.advance(timedelta(seconds=10))
            return super().now()

    source.fetched.clear()
    quick = QUICK.model_copy(update={"time_budget_seconds": 35})
    ports = ScanPorts(uow=uow, clock=SlowClock(NOW), policy=POLICY, scan=quick, mutex=MemoryMutex(), ids=IDS)
    report = scan_cafe(ScanCafe(), ports=ports, source=source)
    assert 0 < len(source.fetched) < 5
    assert report.scan.stopped_because == "the time budget of 35 s ran out"


def test_concurrent_fetches_record_the_same_as_one_at_a_time() -> None:
    results = []
    for concurrency in (1, 3):
        uow = MemoryUnitOfWork()
        with uow:
            uow.authors.save(AllowedAuthor(name=AUTHOR))
            uow.commit()
        source = MemoryCafeSource([post(i) for i in (1, 2, 4, 7, 8, 12)])
        scan(uow, source, QUICK.model_copy(update={"concurrency": concurrency}), from_id=1)
        with uow:
            results.append(({p.article_id for p in uow.posts.page()}, uow.statuses.counts()))
    assert results[0] == results[1]
    assert results[0][0] == {1, 2, 4, 7, 8}  # 12 lies beyond three misses in a row


def test_a_repeated_key_returns_the_earlier_scan(uow: MemoryUnitOfWork) -> None:
    source = MemoryCafeSource([post(1)])
    first, _ = scan(uow, source, from_id=1, key="nightly:2026-11-22")
    source.fetched.clear()

    again, _ = scan(uow, source, from_id=1, key="nightly:2026-11-22")

    assert again.already_ran
    assert again.scan.id == first.scan.id
    assert source.fetched == []


def test_scan_policy_refuses_a_backwards_delay_range_and_draws_within_it() -> None:
    with pytest.raises(ValueError, match="delay_min_seconds"):
        ScanPolicy(delay_min_seconds=2, delay_max_seconds=1)
    policy = ScanPolicy()
    assert all(0.6 <= policy.delay() <= 1.2 for _ in range(200))
    assert QUICK.delay() == 0.0


def test_a_scan_with_no_active_author_warns_what_to_do() -> None:
    empty_catalog = MemoryUnitOfWork()
    source = MemoryCafeSource([post(1)])

    report, _ = scan(empty_catalog, source, from_id=1)

    assert report.scan.counts.skipped == 1
    assert report.warnings == [NO_ACTIVE_AUTHORS]
    assert "--rescan-skipped" in NO_ACTIVE_AUTHORS


def test_a_scan_with_an_active_author_has_no_warning(uow: MemoryUnitOfWork) -> None:
    report, _ = scan(uow, MemoryCafeSource([post(1)]), from_id=1)
    assert report.warnings == []


def test_one_scan_at_a_time_a_second_is_busy_and_a_repeat_returns_the_first(uow: MemoryUnitOfWork) -> None:
    mutex = MemoryMutex()
    source = MemoryCafeSource([post(1), post(2)])
    with mutex.hold(SCAN_LOCK, ttl_seconds=60) as held:
        assert held
        with pytest.raises(Busy, match="another scan of the cafe is running"):
            scan(uow, source, key="nightly:1", from_id=1, mutex=mutex)
    assert source.fetched == []  # the busy scan fetched nothing

    first, _ = scan(uow, source, key="nightly:1", from_id=1, mutex=mutex)  # its redelivery runs it
    again, _ = scan(uow, source, key="nightly:1", from_id=1, mutex=mutex)

    assert first.scan.counts.new == 2
    assert again.already_ran
    assert again.scan.id == first.scan.id


class _DiesAt(MemoryCafeSource):
    """A source whose process is killed at one id: nothing after it runs, not even the scan's finish."""

    def __init__(self, posts: list[CafePost], *, dies_at: int) -> None:
        super().__init__(posts)
        self.dies_at = dies_at

    def fetch(self, article_id: int) -> ScrapedArticle:
        if article_id == self.dies_at:
            raise KeyboardInterrupt  # a BaseException: like SIGKILL, no `except Exception` sees it
        return super().fetch(article_id)


def test_a_redelivered_scan_whose_worker_died_resumes_after_what_it_recorded(uow: MemoryUnitOfWork) -> None:
    with pytest.raises(KeyboardInterrupt):
        scan(uow, _DiesAt([post(i) for i in range(1, 9)], dies_at=6), key="nightly:dead", from_id=1)
    with uow:
        dead = uow.scans.get_by_key("nightly:dead")
    assert dead is not None
    assert dead.state is RunState.RUNNING  # nobody finished it
    assert dead.walked

    healthy = MemoryCafeSource([post(i) for i in range(1, 9)])
    redelivered, _ = scan(uow, healthy, key="nightly:dead")

    assert not redelivered.already_ran
    assert redelivered.scan.id == dead.id
    assert redelivered.scan.state is RunState.SUCCEEDED
    assert healthy.fetched[:2] == [5, 6]  # 1-4 were recorded (buffer of 2); only 5 is fetched again
    with uow:
        assert uow.posts.count() == 8


def test_the_next_scan_marks_a_dead_scan_interrupted_and_goes_on_from_there(uow: MemoryUnitOfWork) -> None:
    with pytest.raises(KeyboardInterrupt):
        scan(uow, _DiesAt([post(i) for i in range(1, 9)], dies_at=6), key="nightly:dead", from_id=1)
    queued = start_scan(ScanCafe(key="queued"), uow=uow, clock=FixedClock(NOW), ids=IDS)  # waits its turn

    nxt, _ = scan(uow, MemoryCafeSource([post(i) for i in range(1, 9)]), key="nightly:next")

    with uow:
        dead = uow.scans.get_by_key("nightly:dead")
    assert dead is not None
    assert dead.state is RunState.INTERRUPTED
    assert dead.finished_at is not None
    assert "article 4" in (dead.stopped_because or "")
    assert nxt.scan.state is RunState.SUCCEEDED
    assert nxt.scan.counts.new == 4  # 5-8
    with uow:
        still_queued = uow.scans.get(queued.id)
    assert still_queued is not None
    assert still_queued.state is RunState.RUNNING  # not started, so not taken for dead
