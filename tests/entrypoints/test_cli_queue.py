"""`changple queue dead-letters` and `changple queue requeue` as an operator runs them: real processes
on a Redis namespace of the test's own, holding dead letters laid out the way Dramatiq lays them out
(`<ns>:<queue>.XQ` scored by when each died, bodies in `<ns>:<queue>.XQ.msgs`)."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dramatiq
import pytest
import redis

from changple_entrypoints.worker.actors import QUEUE
from tests.entrypoints.test_cli import run_cli
from tests.services import REDIS_URL, reachable_redis

DIED_AT_MS = 1_780_000_000_000  # 2026-05-28T20:26:40Z
TRACEBACK = 'Traceback (most recent call last):\n  File "x.py", line 1\nRuntimeError: gemini said 500\n'


@dataclass
class DeadQueue:
    client: redis.Redis
    namespace: str
    data: Path

    def bury(self, actor: str, died_at_ms: int = DIED_AT_MS, **kwargs: str) -> tuple[str, str]:
        """A dead letter as Dramatiq leaves it; (message id, Redis id)."""
        redis_id = str(uuid.uuid4())
        options = {"redis_message_id": redis_id, "retries": 6, "traceback": TRACEBACK, "max_retries": 5}
        message = dramatiq.Message(queue_name=QUEUE, actor_name=actor, args=(), kwargs=kwargs, options=options)
        self.client.hset(f"{self.namespace}:{QUEUE}.XQ.msgs", redis_id, message.encode())
        self.client.zadd(f"{self.namespace}:{QUEUE}.XQ", {redis_id: died_at_ms})
        return message.message_id, redis_id

    def run(self, *args: str, columns: int = 80) -> tuple[int, str, str]:
        env = {"CHANGPLE_REDIS_URL": REDIS_URL, "CHANGPLE_REDIS_NAMESPACE": self.namespace, "COLUMNS": str(columns)}
        result = run_cli("queue", *args, "--data-dir", str(self.data), env=env)
        assert "Traceback" not in result.stderr, result.stderr
        return result.returncode, result.stdout, result.stderr

    def dead(self) -> int:
        return int(self.client.zcard(f"{self.namespace}:{QUEUE}.XQ"))

    def ready(self) -> list[str]:
        return [item.decode() for item in self.client.lrange(f"{self.namespace}:{QUEUE}", 0, -1)]


@pytest.fixture
def dead_queue(tmp_path: Path) -> Iterator[DeadQueue]:
    client = reachable_redis()
    namespace = f"changple-test-{uuid.uuid4().hex[:8]}"
    yield DeadQueue(client, namespace, tmp_path / "data")
    keys = list(client.scan_iter(match=f"{namespace}*"))
    if keys:
        client.delete(*keys)


def test_dead_letters_are_listed_as_json_and_as_a_table(dead_queue: DeadQueue) -> None:
    message_id, _ = dead_queue.bury("pipeline_step", run_id="run-7", secret_thing="hunter2")
    older_id, _ = dead_queue.bury("apply_batch", died_at_ms=DIED_AT_MS - 60_000, job_id="job-1")

    code, out, err = dead_queue.run("dead-letters", "--json")
    assert code == 0, err
    listed = json.loads(out)
    assert listed["total"] == 2
    newest, older = listed["items"]
    assert newest == {
        "message_id": message_id,
        "queue": QUEUE,
        "actor": "pipeline_step",
        "arguments": "run_id='run-7', secret_thing=***",
        "died_at": "2026-05-28T20:26:40+00:00",
        "retries": 6,
        "error": "RuntimeError: gemini said 500",
    }
    assert older["message_id"] == older_id
    assert "hunter2" not in out

    # At 80 columns each dead letter is a block under its id, which is whole on its own line.
    code, out, err = dead_queue.run("dead-letters", "--queue", QUEUE)
    assert code == 0, err
    lines = out.splitlines()
    assert message_id in lines
    block = lines[lines.index(message_id) + 1 : lines.index(message_id) + 4]
    assert block == [
        f"  pipeline_step on {QUEUE}, died 2026-05-28 20:26:40 UTC after 6 tries",
        "  error: RuntimeError: gemini said 500",
        "  arguments: run_id='run-7', secret_thing=***",
    ]
    assert all(len(line) <= 80 for line in lines)
    # Wider, one table: the id whole in a cell of its row.
    code, out, err = dead_queue.run("dead-letters", columns=160)
    assert code == 0, err
    [row] = [line for line in out.splitlines() if message_id in line]
    assert "pipeline_step" in row
    assert "2026-05-28 20:26:40" in row
    assert "hunter2" not in out


def test_one_dead_letter_is_requeued_by_id(dead_queue: DeadQueue) -> None:
    message_id, redis_id = dead_queue.bury("pipeline_step", run_id="run-7")
    kept_id, _ = dead_queue.bury("apply_batch", job_id="job-1")

    code, out, err = dead_queue.run("requeue", message_id)
    assert code == 0, err
    assert f"requeued {message_id} (pipeline_step) on queue {QUEUE}" in out
    assert dead_queue.ready() == [redis_id]
    assert dead_queue.dead() == 1
    body = dead_queue.client.hget(f"{dead_queue.namespace}:{QUEUE}.msgs", redis_id)
    assert body is not None
    back = dramatiq.Message.decode(body)
    assert (back.message_id, back.kwargs) == (message_id, {"run_id": "run-7"})
    assert "retries" not in back.options
    assert "traceback" not in back.options

    code, _, err = dead_queue.run("requeue", message_id)
    assert code == 3
    assert f"no dead-lettered message with id '{message_id}'" in err
    code, out, _ = dead_queue.run("dead-letters", "--json")
    assert [item["message_id"] for item in json.loads(out)["items"]] == [kept_id]


def test_every_dead_letter_of_a_queue_is_requeued(dead_queue: DeadQueue) -> None:
    for n in range(3):
        dead_queue.bury("pipeline_step", run_id=f"run-{n}")
    code, out, err = dead_queue.run("requeue", "--queue", QUEUE, "--all", "--json")
    assert code == 0, err
    assert json.loads(out) == {"queue": QUEUE, "requeued": 3}
    assert (dead_queue.dead(), len(dead_queue.ready())) == (0, 3)
    code, out, _ = dead_queue.run("dead-letters")
    assert (code, out.strip()) == (0, "no dead letters")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ((), "give the message id to requeue, or --queue Q --all"),
        (("some-id", "--all"), "give a message id, or --queue Q --all, not both"),
        (("some-id", "--queue", QUEUE), "not both"),
        (("--all",), "give the message id to requeue"),
        (("--queue", QUEUE), "give the message id to requeue"),
        (("--queue", "nope", "--all"), "no queue named 'nope'; the queues are: changple"),
    ],
)
def test_requeue_without_one_clear_target_is_refused(dead_queue: DeadQueue, args: tuple[str, ...], says: str) -> None:
    code, _, err = dead_queue.run("requeue", *args)
    assert code == 2
    assert says in " ".join(err.split())


def test_embedded_mode_says_where_its_dead_letters_are(tmp_path: Path) -> None:
    result = run_cli("queue", "dead-letters", "--data-dir", str(tmp_path / "data"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "no dead letters"
    assert "dead letters live in the memory of `changple serve`" in " ".join(result.stderr.split())


def test_a_bad_page_is_exit_2_with_a_sentence(tmp_path: Path) -> None:
    result = run_cli("queue", "dead-letters", "--limit", "0", "--data-dir", str(tmp_path / "data"))
    assert result.returncode == 2
    assert "limit must be between 1 and 200 (got 0)" in result.stderr


def test_the_command_loads_dramatiq_only_when_a_queue_command_runs() -> None:
    """`changple --help` works with the cli extra alone (no worker extra): the queue commands import
    the broker's code when they run."""
    probe = "import sys, changple_entrypoints.cli; print(sorted({'dramatiq', 'redis'} & set(sys.modules)))"
    ran = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert ran.stdout.strip() == "[]"
