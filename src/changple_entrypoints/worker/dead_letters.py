"""Dead letters: the messages Dramatiq gave up on (their retries used up), waiting for a person.

One interface (`DeadLetters`) with two implementations: Redis (the sorted set `<ns>:<queue>.XQ`, score
= when the message died in ms, its body in the hash `<ns>:<queue>.XQ.msgs` keyed by Redis' own message
id) and the embedded broker (`StubBroker.dead_letters_by_queue`, in the serving process's memory).
Requeue moves a message back to its queue with its retries reset, so it gets all its tries again; on
Redis one Lua script moves it, so a crash can neither lose nor duplicate it.

What a dead letter shows is kept safe to put on a screen: the actor, ids, queue, when it died, its
retries and the error's last line; arguments only by the names known to hold ids and flags
(`SAFE_ARGUMENTS`), every other value hidden."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, cast

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import current_millis, q_name
from redis.exceptions import RedisError

from changple_domain.errors import InvalidInput, NotFound, ProviderUnavailable

# When the message died (ms since the epoch), stamped by `RecordDeadLetters` as it is dead-lettered.
DIED_AT_OPTION = "changple_died_at"
# What Dramatiq records on a message as it fails, dropped when it is requeued (so the retries start over).
_FAILURE_OPTIONS = ("retries", "traceback", "requeue_timestamp", "eta", DIED_AT_OPTION)

# The actors' argument names (see `changple_domain.use_cases.background`): ids, keys and flags, never
# a secret. A value under any other name is shown as "***"; a test keeps this list and the actors in step.
SAFE_ARGUMENTS = frozenset(
    {
        "key",
        "trigger",
        "then_pipeline_key",
        "run_id",
        "quiet_ticks",
        "planned_stamp",  # a digest of the store's planning facts, nothing readable
        "job_id",
        "article_id",
        "summaries",
        "content_id",
    }
)
HIDDEN = "***"
_VALUE_CHARS = 60
_ERROR_CHARS = 300
MAX_PAGE = 200


@dataclass(frozen=True)
class DeadLetter:
    """One dead-lettered message, as safe to show: `arguments` summarised, `error` the last line of
    the traceback Dramatiq recorded ("" when none was)."""

    message_id: str
    queue: str
    actor: str
    arguments: str
    died_at: datetime | None
    retries: int
    error: str

    def as_json(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "queue": self.queue,
            "actor": self.actor,
            "arguments": self.arguments,
            "died_at": self.died_at.isoformat() if self.died_at else None,
            "retries": self.retries,
            "error": self.error,
        }


@dataclass(frozen=True)
class DeadLetterPage:
    """Newest first; `total` counts every dead letter of the queue (or of all queues)."""

    items: list[DeadLetter]
    total: int
    limit: int
    offset: int


class DeadLetters(Protocol):
    def queues(self) -> list[str]:
        """The declared queues (dead letters belong to one of these)."""
        ...

    def list(self, queue: str | None = None, limit: int = 50, offset: int = 0) -> DeadLetterPage: ...

    def requeue(self, message_id: str) -> DeadLetter:
        """Put the message back on its queue with its retries reset; NotFound if no such dead letter."""
        ...

    def requeue_all(self, queue: str) -> int:
        """Requeue every dead letter of `queue`; how many went back."""
        ...


def summarize_arguments(args: Iterable[Any], kwargs: dict[str, Any]) -> str:
    """`key='scan-1', trigger='api'`: values of known names, shortened; others hidden; positionals counted."""
    parts = [f"{name}={_short(value) if name in SAFE_ARGUMENTS else HIDDEN}" for name, value in sorted(kwargs.items())]
    positional = len(tuple(args))
    if positional:
        parts.append(f"{positional} positional ({HIDDEN})")
    return ", ".join(parts)


def _short(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= _VALUE_CHARS else shown[: _VALUE_CHARS - 1] + "…"


def last_error_line(traceback: object) -> str:
    """The last line of a traceback ("ValueError: boom"), shortened."""
    if not isinstance(traceback, str):
        return ""
    lines = [line.strip() for line in traceback.splitlines() if line.strip()]
    if not lines:
        return ""
    line = lines[-1]
    return line if len(line) <= _ERROR_CHARS else line[: _ERROR_CHARS - 1] + "…"


def _died_at(millis: object) -> datetime | None:
    if isinstance(millis, int | float) and millis > 0:
        return datetime.fromtimestamp(millis / 1000, tz=UTC)
    return None


def dead_letter_of(message: dramatiq.Message[Any], died_at_ms: float | None = None) -> DeadLetter:
    options = message.options
    retries = options.get("retries", 0)
    return DeadLetter(
        message_id=message.message_id,
        queue=q_name(message.queue_name),
        actor=message.actor_name,
        arguments=summarize_arguments(message.args, message.kwargs),
        died_at=_died_at(died_at_ms if died_at_ms is not None else options.get(DIED_AT_OPTION)),
        retries=retries if isinstance(retries, int) else 0,
        error=last_error_line(options.get("traceback")),
    )


def fresh_message(message: dramatiq.Message[Any]) -> dramatiq.Message[Any]:
    """The message as it goes back on its queue: same id, arguments and options, its failures forgotten."""
    options = {name: value for name, value in message.options.items() if name not in _FAILURE_OPTIONS}
    return dramatiq.Message(
        queue_name=q_name(message.queue_name),
        actor_name=message.actor_name,
        args=message.args,
        kwargs=message.kwargs,
        options=options,
        message_id=message.message_id,
        message_timestamp=message.message_timestamp,
    )


def _check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE} (got {limit})")
    if offset < 0:
        raise InvalidInput(f"offset must be 0 or more (got {offset})")


def _declared(broker: dramatiq.Broker) -> list[str]:
    return sorted(q for q in broker.get_declared_queues() if not q.endswith(".DQ"))


def _chosen(broker: dramatiq.Broker, queue: str | None) -> list[str]:
    names = _declared(broker)
    if queue is None:
        return names
    if queue not in names:
        raise InvalidInput(f"no queue named '{queue[:60]}'; the queues are: {', '.join(names) or 'none'}")
    return [queue]


def _unknown(message_id: str) -> NotFound:
    return NotFound(f"no dead-lettered message with id '{message_id[:80]}' (see `changple queue dead-letters`)")


# --- Redis ----------------------------------------------------------------------------------------

# KEYS: dead set, dead bodies, queue list, queue bodies. ARGV: Redis id, body read, fresh body.
# Moves the message only if it is still dead with the body that was read; 1 moved, 0 gone, -1 changed.
_REQUEUE = """
local body = redis.call("hget", KEYS[2], ARGV[1])
if (not body) or redis.call("zscore", KEYS[1], ARGV[1]) == false then return 0 end
if body ~= ARGV[2] then return -1 end
redis.call("zrem", KEYS[1], ARGV[1])
redis.call("hdel", KEYS[2], ARGV[1])
redis.call("hset", KEYS[4], ARGV[1], ARGV[3])
redis.call("rpush", KEYS[3], ARGV[1])
return 1
"""

# KEYS: dead bodies. ARGV: Redis id, body. Replaces the body of a message that is still dead.
_REWRITE = """
if redis.call("hexists", KEYS[1], ARGV[1]) == 1 then redis.call("hset", KEYS[1], ARGV[1], ARGV[2]) end
return 0
"""


@contextmanager
def _redis_answers() -> Iterator[None]:
    """A Redis that does not answer is one sentence (HTTP 503, exit code 4), not a traceback."""
    try:
        yield
    except RedisError as exc:
        raise ProviderUnavailable(f"the broker's Redis did not answer: {type(exc).__name__}: {exc}") from exc


class RedisDeadLetters:
    def __init__(self, broker: RedisBroker) -> None:
        self.broker = broker
        self._requeue_script = broker.client.register_script(_REQUEUE)

    def _key(self, queue: str) -> str:
        return f"{self.broker.namespace}:{queue}"

    def queues(self) -> list[str]:
        return _declared(self.broker)

    def _members(self, queue: str) -> list[tuple[str, float]]:
        """The Redis ids in the queue's dead set with when each died (ms)."""
        members = cast(
            list[tuple[bytes, float]], self.broker.client.zrange(f"{self._key(queue)}.XQ", 0, -1, withscores=True)
        )
        return [(member.decode(), score) for member, score in members]

    def _body(self, queue: str, redis_id: str) -> bytes | None:
        return cast(bytes | None, self.broker.client.hget(f"{self._key(queue)}.XQ.msgs", redis_id))

    def list(self, queue: str | None = None, limit: int = 50, offset: int = 0) -> DeadLetterPage:
        _check_page(limit, offset)
        with _redis_answers():
            return self._list(_chosen(self.broker, queue), limit, offset)

    def _list(self, queues: Sequence[str], limit: int, offset: int) -> DeadLetterPage:
        dead = [(score, name, redis_id) for name in queues for redis_id, score in self._members(name)]
        dead.sort(key=lambda entry: (-entry[0], entry[2]))
        items = []
        for score, name, redis_id in dead[offset : offset + limit]:
            body = self._body(name, redis_id)
            if body is not None:  # requeued or expired since the set was read
                items.append(dead_letter_of(dramatiq.Message.decode(body), score))
        return DeadLetterPage(items, total=len(dead), limit=limit, offset=offset)

    def _bodies(self, queue: str) -> Iterable[tuple[str, bytes]]:
        for redis_id, body in self.broker.client.hscan_iter(f"{self._key(queue)}.XQ.msgs"):
            yield cast(bytes, redis_id).decode(), cast(bytes, body)

    def _requeue_one(self, queue: str, redis_id: str) -> DeadLetter | None:
        """Move one; None if it left the dead set meanwhile. A body rewritten meanwhile is read again."""
        key = self._key(queue)
        keys = [f"{key}.XQ", f"{key}.XQ.msgs", key, f"{key}.msgs"]
        while True:
            body = self._body(queue, redis_id)
            if body is None:
                return None
            died_at = self.broker.client.zscore(f"{key}.XQ", redis_id)
            message = dramatiq.Message.decode(body)
            moved = self._requeue_script(keys=keys, args=[redis_id, body, fresh_message(message).encode()])
            if moved == 1:
                return dead_letter_of(message, cast(float | None, died_at))
            if moved == 0:
                return None

    def requeue(self, message_id: str) -> DeadLetter:
        with _redis_answers():
            for queue in self.queues():
                for redis_id, body in self._bodies(queue):
                    if redis_id == message_id or dramatiq.Message.decode(body).message_id == message_id:
                        requeued = self._requeue_one(queue, redis_id)
                        if requeued is not None:
                            return requeued
        raise _unknown(message_id)

    def requeue_all(self, queue: str) -> int:
        [name] = _chosen(self.broker, queue)
        with _redis_answers():
            return sum(self._requeue_one(name, redis_id) is not None for redis_id, _ in self._members(name))


# --- the embedded broker --------------------------------------------------------------------------


class StubDeadLetters:
    def __init__(self, broker: StubBroker) -> None:
        self.broker = broker
        self._lock = threading.Lock()

    def queues(self) -> list[str]:
        return _declared(self.broker)

    def _dead(self, queue: str) -> list[dramatiq.MessageProxy]:
        return self.broker.dead_letters_by_queue[queue]

    def list(self, queue: str | None = None, limit: int = 50, offset: int = 0) -> DeadLetterPage:
        _check_page(limit, offset)
        with self._lock:
            proxies = [proxy for name in _chosen(self.broker, queue) for proxy in self._dead(name)]
        dead = [dead_letter_of(proxy._message) for proxy in proxies]
        oldest = datetime.min.replace(tzinfo=UTC)
        dead.sort(key=lambda letter: (letter.died_at or oldest, letter.message_id), reverse=True)
        return DeadLetterPage(dead[offset : offset + limit], total=len(dead), limit=limit, offset=offset)

    def _requeue_proxy(self, queue: str, proxy: dramatiq.MessageProxy) -> DeadLetter:
        self._dead(queue).remove(proxy)
        self.broker.enqueue(fresh_message(proxy._message))
        return dead_letter_of(proxy._message)

    def requeue(self, message_id: str) -> DeadLetter:
        with self._lock:
            for queue in self.queues():
                for proxy in list(self._dead(queue)):
                    if proxy.message_id == message_id:
                        return self._requeue_proxy(queue, proxy)
        raise _unknown(message_id)

    def requeue_all(self, queue: str) -> int:
        [name] = _chosen(self.broker, queue)
        with self._lock:
            dead = list(self._dead(name))
            for proxy in dead:
                self._requeue_proxy(name, proxy)
        return len(dead)


def dead_letters_for(broker: dramatiq.Broker) -> DeadLetters:
    if isinstance(broker, RedisBroker):
        return RedisDeadLetters(broker)
    if isinstance(broker, StubBroker):
        return StubDeadLetters(broker)
    raise TypeError(f"no dead letters for a {type(broker).__name__}")


class RecordDeadLetters(dramatiq.Middleware):
    """As a message is dead-lettered, stamp when it died; on Redis also store what it carries by now
    (the last failure's traceback and its retries: the dead set otherwise holds the body as it was
    last enqueued)."""

    def after_nack(self, broker: dramatiq.Broker, message: dramatiq.MessageProxy) -> None:
        message.options[DIED_AT_OPTION] = current_millis()
        if isinstance(broker, RedisBroker):
            redis_id = message.options.get("redis_message_id")
            if redis_id:
                key = f"{broker.namespace}:{q_name(message.queue_name)}.XQ.msgs"
                broker.client.eval(_REWRITE, 1, key, redis_id, message._message.encode())


# --- the use cases (bound in composition/pipeline.py) ---------------------------------------------


def list_dead_letters(
    letters: DeadLetters, queue: str | None = None, limit: int = 50, offset: int = 0
) -> DeadLetterPage:
    """`list_dead_letters(queue=None, limit=50, offset=0)`: dead letters, newest first."""
    return letters.list(queue, limit, offset)


def requeue_dead_letter(letters: DeadLetters, message_id: str) -> DeadLetter:
    """`requeue_dead_letter(message_id)`: back on its queue with its retries reset, else NotFound."""
    return letters.requeue(message_id)


def requeue_dead_queue(letters: DeadLetters, queue: str) -> int:
    """`requeue_dead_queue(queue)`: every dead letter of `queue` back on it; how many."""
    return letters.requeue_all(queue)
