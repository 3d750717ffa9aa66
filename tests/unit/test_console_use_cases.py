"""The console's domain: one-time login links, the local admin, retrying a failed post, the daily
chart's figures and the activity panel's "busy"."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from changple_adapters.local.login_links import FileLoginLinkStore
from changple_adapters.memory import FixedClock, MemoryUnitOfWork, SequentialIds
from changple_adapters.memory.login_links import MemoryLoginLinkStore
from changple_adapters.memory.queue import MemoryTaskQueue
from changple_domain.errors import IllegalTransition, InvalidInput, NotFound, Unauthorized
from changple_domain.model import AllowedAuthor, BatchKind, BatchState, UserRole
from changple_domain.model.login_links import MAX_PENDING
from changple_domain.model.runs import RunTrigger
from changple_domain.policies.eligibility import IngestionPolicy
from changple_domain.ports import LoginLinkStore
from changple_domain.use_cases.accounts import set_role
from changple_domain.use_cases.console import activity
from changple_domain.use_cases.daily_activity import daily_activity
from changple_domain.use_cases.local_admin import ensure_local_admin, sign_in_with_link
from changple_domain.use_cases.pipeline_runs import StartRun
from changple_domain.use_cases.queue_work import queue_pipeline_run
from changple_domain.use_cases.retry_post import retry_failed_post
from tests.contract.factories import make_job, make_post

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
POLICY = IngestionPolicy(max_attempts=3)


# --- login links ----------------------------------------------------------------------------------


@pytest.fixture(params=["memory", "files"])
def links(request: pytest.FixtureRequest, tmp_path: Path) -> LoginLinkStore:
    """Both stores keep the same rules: memory (memory storage) and files (every embedded install)."""
    if request.param == "memory":
        return MemoryLoginLinkStore()
    return FileLoginLinkStore(tmp_path / "login-links")


def _kept_text(links: LoginLinkStore) -> str:
    """Everything the store holds, as text: its attributes, or its files' names and contents."""
    if isinstance(links, FileLoginLinkStore):
        return " ".join(f"{p.name} {p.read_text()}" for p in links.directory.iterdir())
    return repr(vars(links))


def test_a_login_link_opens_once_within_its_time(links: LoginLinkStore) -> None:
    secret = links.issue(now=NOW, ttl=timedelta(minutes=15))
    assert len(secret) >= 43
    links.redeem(secret, now=NOW + timedelta(minutes=14))
    with pytest.raises(Unauthorized, match="used already"):
        links.redeem(secret, now=NOW + timedelta(minutes=14))
    late = links.issue(now=NOW, ttl=timedelta(minutes=1))
    with pytest.raises(Unauthorized, match="expired"):
        links.redeem(late, now=NOW + timedelta(minutes=1))
    with pytest.raises(Unauthorized, match="used already"):  # a failed try spends it too
        links.redeem(late, now=NOW)
    with pytest.raises(Unauthorized):
        links.redeem("guessed", now=NOW)
    with pytest.raises(InvalidInput):
        links.issue(now=NOW, ttl=timedelta(0))
    assert links.pending == 0


def test_links_keep_only_a_hash_and_a_bounded_number(links: LoginLinkStore) -> None:
    secrets = [links.issue(now=NOW + timedelta(seconds=n), ttl=timedelta(hours=1)) for n in range(MAX_PENDING + 5)]
    assert links.pending == MAX_PENDING
    kept = _kept_text(links)
    assert not any(secret in kept for secret in secrets)
    with pytest.raises(Unauthorized):
        links.redeem(secrets[0], now=NOW)  # the oldest were forgotten first
    links.redeem(secrets[-1], now=NOW)


def test_two_racing_requests_cannot_both_spend_a_link(links: LoginLinkStore) -> None:
    secret = links.issue(now=NOW, ttl=timedelta(minutes=5))
    wins: list[bool] = []
    start = threading.Barrier(8)

    def spend() -> None:
        start.wait()
        try:
            links.redeem(secret, now=NOW)
            wins.append(True)
        except Unauthorized:
            wins.append(False)

    threads = [threading.Thread(target=spend) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins) == [False] * 7 + [True]


def _spend_in_a_process(directory: Path, secret: str, won: Any) -> None:
    try:
        FileLoginLinkStore(directory).redeem(secret, now=NOW)
        won.value += 1
    except Unauthorized:
        pass


def test_a_link_printed_by_one_process_opens_once_in_another() -> None:
    """`changple console-link` writes the link; any serving process may be the one that takes it."""
    import multiprocessing
    import tempfile

    directory = Path(tempfile.mkdtemp()) / "login-links"
    secret = FileLoginLinkStore(directory).issue(now=NOW, ttl=timedelta(minutes=5))
    won = multiprocessing.Value("i", 0, lock=True)
    processes = [
        multiprocessing.get_context("fork").Process(target=_spend_in_a_process, args=(directory, secret, won))
        for _ in range(4)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
    assert won.value == 1
    assert FileLoginLinkStore(directory).pending == 0


def test_the_local_admin_is_made_once_and_is_an_admin_again_on_each_link() -> None:
    uow, clock, links = MemoryUnitOfWork(), FixedClock(NOW), MemoryLoginLinkStore()
    first = sign_in_with_link(links.issue(now=NOW, ttl=timedelta(minutes=5)), links=links, uow=uow, clock=clock)
    assert first.is_admin
    assert first.provider == "local"
    set_role(first.id, UserRole.SOCIAL, uow=uow)
    again = ensure_local_admin(uow=uow, clock=clock)
    assert again.id == first.id
    assert again.is_admin
    with uow:
        assert len(uow.users.list()) == 1


# --- retry ----------------------------------------------------------------------------------------


def _store(uow: MemoryUnitOfWork, *posts: object) -> None:
    with uow:
        uow.authors.save(AllowedAuthor(name="창플지기"))
        uow.posts.upsert_many(list(posts))  # type: ignore[arg-type]
        uow.commit()


def test_retry_resets_the_stage_that_gave_up_and_keeps_the_summary() -> None:
    uow = MemoryUnitOfWork()
    post = make_post(1)
    post = post.with_summary(summary="요약", keywords=(), possible_questions=(), made_from=post.content_hash)
    post = post.with_failure("summary", "old", give_up_after=1).with_failure("embedding", "413", give_up_after=3)
    _store(uow, post, make_post(2))

    retried = retry_failed_post(1, uow=uow, policy=POLICY)
    assert retried.embedding_stage.attempts == 0
    assert retried.summary_hash == post.content_hash  # the summary stays: only embedding is redone
    with uow:
        assert uow.posts.get(1) == retried
    with pytest.raises(IllegalTransition, match="needs embedding"):
        retry_failed_post(1, uow=uow, policy=POLICY)
    with pytest.raises(IllegalTransition, match="needs summary"):
        retry_failed_post(2, uow=uow, policy=POLICY)
    with pytest.raises(NotFound):
        retry_failed_post(3, uow=uow, policy=POLICY)


# --- the chart and the activity panel -------------------------------------------------------------


def test_daily_activity_counts_each_korean_day_from_the_jobs_applied_on_it() -> None:
    uow, clock = MemoryUnitOfWork(), FixedClock(NOW)  # 12:00 in Korea on 2026-11-22

    def applied(job_id: str, at: datetime, kind: BatchKind, done: int, cost: str) -> None:
        job = make_job(job_id, created_at=at - timedelta(hours=1), kind=kind, estimated_cost_usd=Decimal(cost))
        job = job.advance(BatchState.SUBMITTED, at=at).advance(BatchState.SUCCEEDED, at=at, completed_requests=done)
        with uow:
            uow.batches.add(job.advance(BatchState.APPLIED, at=at))
            uow.commit()

    applied("emb-today", NOW - timedelta(hours=1), BatchKind.EMBED, 5, "0.10")
    applied("sum-today", NOW - timedelta(hours=2), BatchKind.SUMMARIZE, 7, "0.25")
    # 23:30 UTC on the 20th is 08:30 on the 21st in Korea.
    applied("emb-yesterday", datetime(2026, 11, 20, 23, 30, tzinfo=UTC), BatchKind.EMBED, 3, "0.05")
    applied("too-old", NOW - timedelta(days=40), BatchKind.EMBED, 100, "9")

    days = daily_activity(uow=uow, clock=clock, days=30)
    assert len(days) == 30
    assert str(days[-1].day) == "2026-11-22"
    today, yesterday = days[-1], days[-2]
    assert (today.posts_indexed, today.posts_summarized, today.cost_usd) == (5, 7, Decimal("0.35"))
    assert (yesterday.posts_indexed, yesterday.cost_usd) == (3, Decimal("0.05"))
    assert sum(d.posts_indexed for d in days) == 8
    assert daily_activity(uow=uow, clock=clock, days=1)[0].posts_indexed == 5
    with pytest.raises(InvalidInput):
        daily_activity(uow=uow, clock=clock, days=0)


def test_the_activity_panel_is_busy_while_a_run_or_a_job_is_open() -> None:
    uow, clock, queue = MemoryUnitOfWork(), FixedClock(NOW), MemoryTaskQueue()
    assert activity(uow=uow).busy is False
    started = queue_pipeline_run(
        StartRun(key="ops:1", trigger=RunTrigger.MANUAL), uow=uow, clock=clock, queue=queue, ids=SequentialIds()
    )
    assert activity(uow=uow).busy is True
    again = queue_pipeline_run(
        StartRun(key="ops:1", trigger=RunTrigger.MANUAL), uow=uow, clock=clock, queue=queue, ids=SequentialIds()
    )
    assert again.run.id == started.run.id
    assert queue.enqueued == [("pipeline_step", {"run_id": started.run.id})]  # a taken key queues nothing
    with uow:
        uow.runs.save(started.run.finished(at=NOW))
        uow.batches.add(make_job("sum-open"))
        uow.commit()
    assert activity(uow=uow).busy is True  # an open job keeps it going
