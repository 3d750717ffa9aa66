"""A production-shaped pipeline to break on purpose: `changple worker` processes on Redis and Postgres,
the provider emulators in this process, and a cafe of posts recorded beforehand. Each trial gets a
fresh database (a copy of one migrated, seeded template), its own Redis namespace and clean emulators,
so trials can be compared with an undisturbed run field by field."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import redis
from psycopg import sql

from changple_adapters.sql.engine import create_engine_for, create_session_factory
from changple_adapters.sql.migrations import upgrade_database
from changple_adapters.sql.unit_of_work import SqlUnitOfWork
from changple_domain.model import AllowedAuthor, CafePost
from changple_domain.model.providers import ScrapedArticle, ScrapeOutcome
from changple_domain.model.runs import PipelineRun, RunState
from changple_domain.use_cases.record_articles import RecordArticles, record_articles
from changple_entrypoints.composition.bootstrap import build_container
from changple_entrypoints.composition.container import Container
from changple_entrypoints.settings import Settings
from tests.emulators.gemini import GeminiEmulator
from tests.emulators.openai import OpenAIEmulator
from tests.emulators.pinecone import PineconeEmulator
from tests.services import require_service

ROOT = Path(__file__).resolve().parents[2]
ADMIN_URL = os.environ.get("CHANGPLE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = "redis://127.0.0.1:6379/0"
AUTHORS = ("창플지기", "상권읽는남자", "외식경영박사")
SENTENCES = (
    "가맹계약서의 영업지역 조항은 반드시 지도로 확인해야 합니다.",
    "보증금 3천만원에 월세 250만원이면 월 매출이 최소 2,500만원은 나와야 버팁니다.",
    "배달앱 수수료와 배달대행비를 합치면 객단가의 30% 가까이 빠져나갑니다.",
    "인테리어 견적은 평당 단가보다 포함 항목을 먼저 비교해야 합니다.",
    "권리금은 바닥 권리금과 시설 권리금을 나눠서 따져야 협상이 됩니다.",
)


def cafe_posts(count: int) -> list[CafePost]:
    """Korean posts of one to five chunks, so a killed apply can leave a post half indexed."""
    start = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    posts = []
    for i in range(1, count + 1):
        paragraphs = 1 + (i % 9) * 4 if i % 7 == 0 else 2 + i % 4
        content = "\n\n".join(
            " ".join(SENTENCES[(i + p + s) % len(SENTENCES)] for s in range(3)) + f" ({i}-{p})"
            for p in range(paragraphs)
        )
        posts.append(
            CafePost(
                article_id=i,
                title=f"창업 이야기 {i}",
                board="창플 칼럼",
                content=content,
                author=AUTHORS[i % len(AUTHORS)],
                published_at=start + timedelta(minutes=i),
                url=f"https://cafe.naver.com/changple/{i}",
            )
        )
    return posts


@contextmanager
def running_rig(posts: int) -> Iterator[Rig]:
    """A started rig for a module's trials, stopped (emulators, scratch databases) at the end."""
    rig = Rig(posts=posts)
    rig.start()
    try:
        yield rig
    finally:
        rig.stop()


def assert_indexed_from_content(got: Outcome, posts: int) -> None:
    """The end every fault must reach: the run succeeded, each post is indexed from its current
    content with exactly its chunks (none missing, none stale), and each job of ours is one
    provider job."""
    assert got.run.state is RunState.SUCCEEDED, got.run
    assert len(got.indexed) == posts
    for article_id, (indexed_hash, chunks) in got.indexed.items():
        assert indexed_hash == got.content[article_id], f"post {article_id} is not indexed from its content"
        assert chunks > 0
    wanted_ids = {f"post-{i}#{c}" for i, (_, chunks) in got.indexed.items() for c in range(chunks)}
    assert got.vector_ids == wanted_ids, "a chunk is missing or a stale chunk was left behind"
    assert all(got.vector_hashes[f"post-{i}#0"] == got.content[i] for i in got.indexed)
    assert set(got.summary_jobs_per_name.values()) == {1}, got.summary_jobs_per_name
    assert set(got.embedding_jobs_per_name.values()) == {1}, got.embedding_jobs_per_name


def assert_paid_once(got: Outcome, posts: int) -> None:
    """Each post's content went to Gemini once and to OpenAI once."""
    assert got.summarized_per_post == dict.fromkeys(range(1, posts + 1), 1)
    assert got.embedded_per_post == dict.fromkeys(range(1, posts + 1), 1)


class _Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class Outcome:
    """What a finished run left behind, in the terms an undisturbed run is compared by."""

    indexed: dict[int, tuple[str | None, int]]  # article id -> (indexed hash, chunk count)
    content: dict[int, str]  # article id -> content hash
    vector_ids: frozenset[str]
    vector_hashes: dict[str, str]  # vector id -> content hash in its metadata
    summary_jobs_per_name: dict[str, int]  # our job id -> provider jobs created under it
    embedding_jobs_per_name: dict[str, int]
    summarized_per_post: dict[int, int]  # article id -> times its content was sent to Gemini
    embedded_per_post: dict[int, int]
    run: PipelineRun


@dataclass
class Rig:
    """The emulators and the seeded template database, shared by every trial of a module."""

    posts: int
    gemini: GeminiEmulator = field(default_factory=GeminiEmulator)
    openai: OpenAIEmulator = field(default_factory=OpenAIEmulator)
    pinecone: PineconeEmulator = field(default_factory=PineconeEmulator)
    urls: dict[str, str] = field(default_factory=dict)
    template: str = ""
    _admin: psycopg.Connection | None = None
    _databases: list[str] = field(default_factory=list)

    def start(self) -> None:
        try:
            self._admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
        except psycopg.OperationalError as exc:
            require_service("PostgreSQL", f"cannot connect to {ADMIN_URL}: {exc}")
        try:
            redis.Redis.from_url(REDIS_URL).ping()
        except redis.RedisError as exc:
            require_service("redis", f"Redis at {REDIS_URL} is not reachable: {exc}")
        self.urls = {"gemini": self.gemini.start(), "openai": self.openai.start(), "pinecone": self.pinecone.start()}
        self.template = self._create_database("tmpl")
        url = self.database_url(self.template)
        upgrade_database(url)
        engine = create_engine_for(url)
        uow = SqlUnitOfWork(create_session_factory(engine))
        with uow:
            for name in AUTHORS:
                uow.authors.save(AllowedAuthor(name=name))
            uow.commit()
        articles = [
            ScrapedArticle(article_id=p.article_id, outcome=ScrapeOutcome.SAVED, post=p) for p in cafe_posts(self.posts)
        ]
        record_articles(RecordArticles(articles=articles), uow=uow, clock=_Clock())
        engine.dispose()  # a template may have no open connection when it is copied

    def stop(self) -> None:
        for emulator in (self.gemini, self.openai, self.pinecone):
            emulator.stop()
        if self._admin is not None:
            for name in self._databases:
                self._admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            self._admin.close()

    def database_url(self, name: str) -> str:
        return ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"

    def _create_database(self, role: str, template: str | None = None) -> str:
        assert self._admin is not None
        name = f"changple_fault_{role}_{uuid.uuid4().hex[:8]}"
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
        self._admin.execute(statement)
        self._databases.append(name)
        return name

    def terminate_connections(self, database: str) -> int:
        """Drop every server connection to `database`, as a Postgres restart or failover would."""
        assert self._admin is not None
        rows = self._admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        ).fetchall()
        return len(rows)

    @contextmanager
    def trial(self, name: str, *, redis_url: str = REDIS_URL, **settings: object) -> Iterator[Trial]:
        for emulator in (self.gemini, self.openai, self.pinecone):
            emulator.reset()
        with self.gemini.lock:
            self.gemini.polls_until_running, self.gemini.polls_until_done = 1, 2
        with self.openai.lock:
            self.openai.polls_until_in_progress, self.openai.polls_until_done = 1, 2
        database = self._create_database("trial", template=self.template)
        trial = Trial(self, name, database, redis_url, settings)
        try:
            yield trial
        finally:
            trial.close()


class Trial:
    """One pipeline run by worker processes we may kill, against one fresh database."""

    def __init__(self, rig: Rig, name: str, database: str, redis_url: str, overrides: dict[str, object]) -> None:
        self.rig, self.name, self.database = rig, name, database
        self.namespace = f"changple-fault-{uuid.uuid4().hex[:8]}"
        self.redis_url = redis_url
        self.data_dir = Path(os.environ.get("TMPDIR", "/tmp")) / self.namespace
        self.env = {
            "CHANGPLE_DATABASE_URL": rig.database_url(database),
            "CHANGPLE_REDIS_URL": redis_url,
            "CHANGPLE_REDIS_NAMESPACE": self.namespace,
            "CHANGPLE_DATA_DIR": str(self.data_dir),
            "CHANGPLE_GEMINI_API_KEY": "fault-key",
            "CHANGPLE_GEMINI_BASE_URL": rig.urls["gemini"],
            "CHANGPLE_OPENAI_API_KEY": "sk-fault-key",
            "CHANGPLE_OPENAI_BASE_URL": rig.urls["openai"] + "/v1",
            "CHANGPLE_PINECONE_API_KEY": "fault-key",
            "CHANGPLE_PINECONE_HOST": rig.urls["pinecone"],
            "CHANGPLE_POLL_INTERVAL_SECONDS": "0.3",
            "CHANGPLE_POLL_MAX_INTERVAL_SECONDS": "0.3",
            "CHANGPLE_RECOVER_AFTER_SECONDS": "1",
            "CHANGPLE_DEAD_WORKER_SECONDS": "1",
            "CHANGPLE_LOCK_LEASE_SECONDS": "2",
            **{f"CHANGPLE_{key.upper()}": str(value) for key, value in overrides.items()},
        }
        settings = {key.removeprefix("CHANGPLE_").lower(): value for key, value in self.env.items()}
        self.container: Container = build_container(Settings(_env_file=None, **settings))  # type: ignore[call-arg, arg-type]
        self.workers: list[subprocess.Popen[str]] = []

    def start_worker(self, *, wait: bool = True) -> subprocess.Popen[str]:
        """A `changple worker` in its own process group; with `wait`, once it consumes messages."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = (self.data_dir / f"worker-{len(self.workers)}.log").open("w")
        worker = subprocess.Popen(
            [sys.executable, "-m", "changple_entrypoints", "worker", "--threads", "2"],
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            start_new_session=True,
        )
        log.close()
        self.workers.append(worker)
        if wait:
            assert worker.stdout is not None
            line = worker.stdout.readline()
            if "worker running" not in line:
                raise AssertionError(f"the worker did not start: {line!r}; see {self.data_dir}")
        return worker

    def kill_workers(self) -> int:
        """SIGKILL: no handler runs, nothing is acknowledged, no lock is released. Returns how many died."""
        killed = 0
        for worker in self.workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=10)
                killed += 1
        return killed

    def start_run(self) -> None:
        self.container.task_queue().enqueue("start_pipeline_run", key=f"fault:{self.name}", trigger="manual")

    def run(self) -> PipelineRun | None:
        uow = self.container.uow()
        with uow:
            return uow.runs.get_by_key(f"fault:{self.name}")

    def wait_until_done(self, timeout: float) -> PipelineRun:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = self.run()
            if run is not None and run.state is not RunState.RUNNING:
                return run
            time.sleep(0.1)
        run = self.run()
        raise AssertionError(f"trial {self.name}: the run did not finish in {timeout} s: {run}")

    def outcome(self) -> Outcome:
        run = self.run()
        assert run is not None
        uow = self.container.uow()
        indexed: dict[int, tuple[str | None, int]] = {}
        content: dict[int, str] = {}
        with uow:
            after = 0
            while page := uow.posts.page(after_id=after, limit=500):
                after = page[-1].article_id
                for post in page:
                    indexed[post.article_id] = (post.indexed_hash, post.indexed_chunks)
                    content[post.article_id] = post.content_hash
        vectors = self.rig.pinecone.vectors("posts")
        gemini, openai = self.rig.gemini, self.rig.openai
        submitted = gemini.submitted()
        summary_names = Counter(name for name, _ in submitted)
        summarized = Counter(int(str(key).split(":")[0]) for _, keys in submitted for key in keys)
        with openai.lock:
            batches = list(openai.batches.values())
            embedding_names = Counter(str(b.obj["metadata"].get("changple_job")) for b in batches)
            embedded = Counter(int(str(line["custom_id"]).split(":")[0]) for b in batches for line in b.lines)
        return Outcome(
            indexed=indexed,
            content=content,
            vector_ids=frozenset(vectors),
            vector_hashes={vid: str(v.metadata.get("content_hash")) for vid, v in vectors.items()},
            summary_jobs_per_name=dict(summary_names),
            embedding_jobs_per_name=dict(embedding_names),
            summarized_per_post=dict(summarized),
            embedded_per_post=dict(embedded),
            run=run,
        )

    def close(self) -> None:
        self.kill_workers()
        client = redis.Redis.from_url(self.redis_url)
        try:
            keys = list(client.scan_iter(match=f"{self.namespace}*"))
            if keys:
                client.delete(*keys)
        except redis.RedisError:
            pass  # a Redis the test stopped on purpose
        self.container.engine().dispose()
