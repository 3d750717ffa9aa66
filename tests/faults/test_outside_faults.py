"""Faults outside the worker, each during a real pipeline run on Redis and Postgres: the database
dropping every connection mid-transaction, Redis restarting with its data gone, providers answering
429 and 500 for a while, a batch that expires half done, and two schedulers started at once. Each
must end with every post indexed from its current content, and nothing paid twice."""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from sqlalchemy.exc import DBAPIError

from changple_domain.model.runs import PipelineRun, RunState
from tests.faults.rig import ROOT, Rig, Trial, assert_indexed_from_content, assert_paid_once, running_rig
from tests.services import require_service

POSTS = 200
RUN_TIMEOUT = 180.0


@pytest.fixture(scope="module")
def rig() -> Iterator[Rig]:
    with running_rig(POSTS) as rig:
        yield rig


def test_postgres_dropping_every_connection_mid_run_loses_nothing(rig: Rig) -> None:
    with rig.trial("postgres-drops") as trial:
        trial.start_worker()
        trial.start_run()
        # Drop every connection again and again while the run is under way (however fast the machine
        # is today), at least three times, counting only the drops the run was there to suffer.
        pauses = random.Random("changple-pg")
        dropped_mid_run = drops = 0
        deadline = time.monotonic() + RUN_TIMEOUT
        while drops < 3 or ((run := _read_run(trial)) is not None and run.state is RunState.RUNNING):
            assert time.monotonic() < deadline, "the run did not finish in time"
            time.sleep(pauses.uniform(0.05, 0.5))
            before = _read_run(trial)
            dropped = rig.terminate_connections(trial.database)
            drops += 1
            if dropped and before is not None and before.state is RunState.RUNNING:
                dropped_mid_run += 1
        trial.wait_until_done(RUN_TIMEOUT)
        outcome = trial.outcome()
    assert dropped_mid_run > 0  # the worker's connections really went while the run was under way
    assert_indexed_from_content(outcome, POSTS)
    assert_paid_once(outcome, POSTS)


def _read_run(trial: Trial) -> PipelineRun | None:
    """The run as the store has it. The drops also cut this test's own pooled connections, so a
    read that meets one of them is simply made again on a fresh one."""
    for _ in range(20):
        try:
            return trial.run()
        except DBAPIError:
            time.sleep(0.05)
    return trial.run()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """A Redis of this test's own, so restarting it disturbs nobody else; it keeps nothing on disk,
    like the machine's, so a restart loses every queued message."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            require_service("redis-server", "the redis-server program is not on PATH")
        self.binary = binary
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise AssertionError("the test's Redis did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


def test_redis_restarting_with_its_data_gone_loses_nothing(rig: Rig) -> None:
    server = RedisServer()
    server.start()
    try:
        with rig.trial("redis-restart", redis_url=server.url) as trial:
            trial.start_worker()
            trial.start_run()
            time.sleep(1.5)  # mid-run: summaries submitted or polling
            running = trial.run()
            server.kill()  # every queued and delayed message is gone with it
            time.sleep(1.0)
            server.start()
            # The scheduler's poll tick (every CHANGPLE_POLL_EVERY_MINUTES in production) finds the open
            # run in the database and steps it again; a worker reconnects to Redis by itself.
            time.sleep(3.0)
            trial.container.task_queue().enqueue("poll_pipeline")
            trial.wait_until_done(RUN_TIMEOUT)
            outcome = trial.outcome()
    finally:
        server.kill()
    assert running is not None
    assert running.state is RunState.RUNNING  # the restart hit the run, not its aftermath
    assert_indexed_from_content(outcome, POSTS)
    assert_paid_once(outcome, POSTS)


def test_providers_answering_429_and_500_for_a_while_lose_nothing(rig: Rig) -> None:
    with rig.trial("provider-errors") as trial:
        with rig.gemini.lock:
            rig.gemini.create_failures = [429, 500, 503]
        with rig.openai.lock:
            rig.openai.create_failures = [500, 429]
            rig.openai.drop_create_answers = 1  # created, but the answer is lost: must be adopted, not re-sent
        with rig.pinecone.lock:
            rig.pinecone.failures = [429, 500, 503, 500]
        trial.start_worker()
        trial.start_run()
        trial.wait_until_done(RUN_TIMEOUT)
        outcome = trial.outcome()
    assert rig.gemini.create_failures == []
    assert rig.openai.create_failures == []
    assert rig.pinecone.failures == []
    assert_indexed_from_content(outcome, POSTS)
    assert_paid_once(outcome, POSTS)


def test_an_expired_batch_sends_only_its_unfinished_posts_again(rig: Rig) -> None:
    with rig.trial("expired") as trial:
        with rig.gemini.lock:
            rig.gemini.final_state = "EXPIRED"  # the first summary job expires with half of it done
            rig.gemini.expired_partial = True
        trial.start_worker()
        trial.start_run()
        trial.wait_until_done(RUN_TIMEOUT)
        outcome = trial.outcome()
    assert_indexed_from_content(outcome, POSTS)
    sent_twice = sorted(i for i, n in outcome.summarized_per_post.items() if n == 2)
    assert set(outcome.summarized_per_post.values()) == {1, 2}
    assert len(sent_twice) == POSTS - POSTS // 2  # the expired job answered its first half only
    assert len(outcome.summary_jobs_per_name) == 2
    assert outcome.embedded_per_post == dict.fromkeys(range(1, POSTS + 1), 1)


def test_two_schedulers_started_at_once_elect_one_leader(rig: Rig) -> None:
    with rig.trial("schedulers") as trial:
        command = [sys.executable, "-m", "changple_entrypoints", "scheduler"]
        env = {**os.environ, **trial.env}
        schedulers = [
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            for _ in range(2)
        ]
        try:
            lines = [s.stdout.readline() if s.stdout else "" for s in schedulers]
        finally:
            for scheduler in schedulers:
                scheduler.kill()
                scheduler.wait(timeout=10)
    leaders = [line.rsplit("leader:", 1)[-1].strip() for line in lines]
    assert all("leader:" in line for line in lines), lines
    assert sorted(leaders) == ["False", "True"]
