"""Dead letters on both brokers: a message whose retries are used up is listed (actor, queue, when it
died, its error's last line, arguments with anything unknown hidden), and a requeue puts it back on
its queue with its retries reset, so it runs again and leaves the dead set. Real Redis under a
namespace of the test's own (deleted afterwards), and the embedded broker."""

from __future__ import annotations

import inspect
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dramatiq
import pytest

from changple_domain.errors import InvalidInput, NotFound, ProviderUnavailable
from changple_entrypoints.composition.background import background_work
from changple_entrypoints.composition.bootstrap import build_container
from changple_entrypoints.settings import Settings
from changple_entrypoints.worker.broker import build_broker
from changple_entrypoints.worker.dead_letters import (
    SAFE_ARGUMENTS,
    DeadLetters,
    RedisDeadLetters,
    dead_letters_for,
    fresh_message,
)
from changple_entrypoints.worker.log_redaction import WORKER_LOGGER
from tests.services import REDIS_URL, reachable_redis

QUEUE = "dead-letter-test"
OTHER_QUEUE = "dead-letter-other"


@dataclass
class Flaky:
    """An actor that fails while `failing` is set and counts its calls by key."""

    broker: dramatiq.Broker
    letters: DeadLetters
    failing: bool = True
    ran: list[str] = field(default_factory=list)

    def send(self, key: str, queue: str = QUEUE, **extra: Any) -> dramatiq.Message[Any]:
        actor = self.broker.get_actor("flaky" if queue == QUEUE else "flaky_other")
        return actor.send_with_options(kwargs={"key": key, **extra})


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.05)


def _declare(flaky: Flaky) -> None:
    def run(key: str, **_: Any) -> None:
        flaky.ran.append(key)
        if flaky.failing:
            raise RuntimeError(f"boom on {key}")

    dramatiq.actor(broker=flaky.broker, actor_name="flaky", queue_name=QUEUE, max_retries=0)(run)
    dramatiq.actor(broker=flaky.broker, actor_name="flaky_other", queue_name=OTHER_QUEUE, max_retries=0)(run)


@pytest.fixture(params=["redis", "embedded"])
def flaky(request: pytest.FixtureRequest) -> Iterator[Flaky]:
    namespace = f"changple-test-{uuid.uuid4().hex[:8]}"
    client = reachable_redis() if request.param == "redis" else None
    broker = build_broker(REDIS_URL if client else None, namespace=namespace)
    subject = Flaky(broker, dead_letters_for(broker))
    _declare(subject)
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=50)
    worker.start()
    try:
        yield subject
    finally:
        worker.stop()
        if client is not None:
            keys = list(client.scan_iter(match=f"{namespace}*"))
            if keys:
                client.delete(*keys)


def _dead_ids(letters: DeadLetters, queue: str | None = None) -> list[str]:
    return [letter.message_id for letter in letters.list(queue).items]


def test_a_failed_message_is_listed_and_requeued_to_run_again(flaky: Flaky) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    sent = flaky.send("scan-1", token="s3cret-value")
    wait_for(lambda: _dead_ids(flaky.letters) == [sent.message_id], "the message to be dead-lettered")

    page = flaky.letters.list()
    [letter] = page.items
    assert page.total == 1
    assert (letter.actor, letter.queue, letter.retries) == ("flaky", QUEUE, 1)
    assert letter.died_at is not None
    assert before <= letter.died_at <= datetime.now(UTC) + timedelta(seconds=1)
    assert letter.error == "RuntimeError: boom on scan-1"
    assert letter.arguments == "key='scan-1', token=***"
    assert "s3cret" not in str(letter.as_json())
    assert flaky.letters.list(QUEUE).total == 1
    assert flaky.letters.list(OTHER_QUEUE).total == 0

    flaky.failing = False
    requeued = flaky.letters.requeue(sent.message_id)
    assert requeued.message_id == sent.message_id
    wait_for(lambda: flaky.ran == ["scan-1", "scan-1"], "the requeued message to run again")
    assert flaky.letters.list().total == 0


def test_a_requeued_message_gets_its_retries_again(flaky: Flaky) -> None:
    sent = flaky.send("again")
    wait_for(lambda: _dead_ids(flaky.letters) == [sent.message_id], "the first death")
    flaky.letters.requeue(sent.message_id)
    wait_for(lambda: _dead_ids(flaky.letters) == [sent.message_id], "the second death")
    [letter] = flaky.letters.list().items
    assert letter.retries == 1  # reset on requeue, not 2
    assert flaky.ran == ["again", "again"]


def test_requeue_all_moves_one_queue_only(flaky: Flaky) -> None:
    sent = [flaky.send(f"k{i}") for i in range(3)]
    other = flaky.send("elsewhere", queue=OTHER_QUEUE)
    wait_for(lambda: flaky.letters.list().total == 4, "four dead letters")
    assert set(_dead_ids(flaky.letters, QUEUE)) == {m.message_id for m in sent}

    flaky.failing = False
    assert flaky.letters.requeue_all(QUEUE) == 3
    wait_for(lambda: sorted(flaky.ran).count("k0") == 2 and len(flaky.ran) == 7, "the three to run again")
    assert _dead_ids(flaky.letters) == [other.message_id]
    assert flaky.letters.requeue_all(QUEUE) == 0


def test_pages_are_newest_first(flaky: Flaky) -> None:
    first = flaky.send("first")
    wait_for(lambda: flaky.letters.list().total == 1, "the first death")
    second = flaky.send("second")
    wait_for(lambda: flaky.letters.list().total == 2, "the second death")
    assert _dead_ids(flaky.letters) == [second.message_id, first.message_id]
    assert [x.message_id for x in flaky.letters.list(limit=1, offset=1).items] == [first.message_id]


def test_unknown_ids_and_queues_are_refused(flaky: Flaky) -> None:
    with pytest.raises(NotFound, match="no dead-lettered message with id 'nope'"):
        flaky.letters.requeue("nope")
    with pytest.raises(InvalidInput, match="no queue named 'nope'; the queues are: dead-letter-other"):
        flaky.letters.list("nope")
    with pytest.raises(InvalidInput, match="no queue named 'nope'"):
        flaky.letters.requeue_all("nope")
    with pytest.raises(InvalidInput, match="limit must be between 1 and 200"):
        flaky.letters.list(limit=0)


def test_the_worker_log_of_a_failure_hides_unknown_arguments(flaky: Flaky, caplog: pytest.LogCaptureFixture) -> None:
    """Dramatiq logs a failed message with its arguments; a value under a name not known to be safe is hidden."""
    caplog.set_level(logging.ERROR, logger=WORKER_LOGGER)
    sent = flaky.send("scan-9", token="s3cret-value")
    wait_for(lambda: _dead_ids(flaky.letters) == [sent.message_id], "the message to be dead-lettered")
    [failure] = [r for r in caplog.records if r.getMessage().startswith("Failed to process message")]
    assert failure.getMessage() == "Failed to process message flaky(key='scan-9', token=***) with unhandled exception."
    assert "s3cret" not in caplog.text


def test_every_actor_argument_is_a_name_known_to_be_safe(tmp_path: Path) -> None:
    """What an actor takes as a message argument (its parameters before the injected keyword-only
    ports) is shown in logs and on the Queues page: only ids, keys and flags. A new argument needs a
    look, then a place in SAFE_ARGUMENTS."""
    container = build_container(Settings(_env_file=None, data_dir=tmp_path / "data", redis_url=None))  # type: ignore[call-arg]
    taken = set()
    for bound in background_work(container).values():
        parameters = inspect.signature(bound.provides).parameters.values()  # type: ignore[attr-defined]
        taken |= {p.name for p in parameters if p.kind is not inspect.Parameter.KEYWORD_ONLY}
    assert taken == SAFE_ARGUMENTS


def test_the_redis_move_refuses_a_body_changed_since_it_was_read(tmp_path: Path) -> None:
    """The Lua script moves a dead letter only if it is still dead with the body the caller read: a
    stale read moves nothing (the caller reads again), a second move of the same message moves nothing."""
    client = reachable_redis()
    namespace = f"changple-test-{uuid.uuid4().hex[:8]}"
    broker = build_broker(REDIS_URL, namespace=namespace)
    broker.declare_queue(QUEUE)
    letters = dead_letters_for(broker)
    assert isinstance(letters, RedisDeadLetters)
    key = f"{namespace}:{QUEUE}"
    message = dramatiq.Message(queue_name=QUEUE, actor_name="flaky", args=(), kwargs={}, options={"retries": 3})
    body, fresh = message.encode(), fresh_message(message).encode()
    keys = [f"{key}.XQ", f"{key}.XQ.msgs", key, f"{key}.msgs"]
    try:
        client.hset(f"{key}.XQ.msgs", "r1", body)
        client.zadd(f"{key}.XQ", {"r1": 1})
        assert letters._requeue_script(keys=keys, args=["r1", b"stale", fresh]) == -1
        assert (client.zcard(f"{key}.XQ"), client.llen(key)) == (1, 0)
        assert letters._requeue_script(keys=keys, args=["r1", body, fresh]) == 1
        assert letters._requeue_script(keys=keys, args=["r1", body, fresh]) == 0
        assert (client.zcard(f"{key}.XQ"), client.hlen(f"{key}.XQ.msgs")) == (0, 0)
        assert client.lrange(key, 0, -1) == [b"r1"]
        assert dramatiq.Message.decode(client.hget(f"{key}.msgs", "r1")).options == {}
    finally:
        client.delete(*keys)


def test_a_redis_that_does_not_answer_is_one_sentence() -> None:
    broker = build_broker("redis://127.0.0.1:1/0", namespace="changple-test-nobody")
    broker.declare_queue(QUEUE)
    letters = dead_letters_for(broker)
    for action in (lambda: letters.list(), lambda: letters.requeue("x"), lambda: letters.requeue_all(QUEUE)):
        with pytest.raises(ProviderUnavailable, match="the broker's Redis did not answer: ConnectionError"):
            action()
