"""The broker: Redis when a URL is set, otherwise Dramatiq's in-process broker with worker
threads, so the embedded mode needs no server. Actors are bound to the broker explicitly
(see actors.py), which sidesteps Dramatiq's bind-at-import global."""

from __future__ import annotations

import logging
from contextvars import Token
from dataclasses import dataclass
from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from changple_entrypoints.request_ids import current_request_id
from changple_entrypoints.worker.dead_letters import RecordDeadLetters
from changple_entrypoints.worker.log_redaction import redact_worker_logs

log = logging.getLogger(__name__)

REQUEST_ID_OPTION = "changple_request_id"


class CarryRequestId(dramatiq.Middleware):
    """A message sent while a request is handled carries its id (an option on the message); the
    worker thread that runs it logs under that id, so one id joins the request and its work."""

    def __init__(self) -> None:
        self._tokens: dict[str, Token[str | None]] = {}

    def before_enqueue(self, broker: dramatiq.Broker, message: dramatiq.Message[Any], delay: int) -> None:
        request_id = current_request_id.get()
        if request_id is not None:
            message.options.setdefault(REQUEST_ID_OPTION, request_id)

    def before_process_message(self, broker: dramatiq.Broker, message: dramatiq.MessageProxy) -> None:
        self._tokens[message.message_id] = current_request_id.set(message.options.get(REQUEST_ID_OPTION))

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: dramatiq.MessageProxy,
        *,
        result: Any | None = None,
        exception: BaseException | None = None,
    ) -> None:
        self._forget(message)

    def after_skip_message(self, broker: dramatiq.Broker, message: dramatiq.MessageProxy) -> None:
        self._forget(message)

    def _forget(self, message: dramatiq.MessageProxy) -> None:
        token = self._tokens.pop(message.message_id, None)
        if token is not None:
            current_request_id.reset(token)


# Out of every million broker commands, how many also look for dead workers' messages (Dramatiq's
# default is 1,000). A worker idling on two queues sends about twenty commands a second, so at this
# rate a dead worker's messages are back in the queue about a second after its heartbeat lapses.
MAINTENANCE_CHANCE = 50_000


def build_broker(
    redis_url: str | None, namespace: str = "changple", dead_worker_seconds: float = 60
) -> dramatiq.Broker:
    """Create (but do not connect) the broker for this configuration (never Dramatiq's global: actors
    are declared on it explicitly).
    A worker silent for `dead_worker_seconds` counts as dead: the messages it had taken but not
    finished go back to the queue for the others (a SIGKILL loses nothing, it only delays)."""
    broker: dramatiq.Broker
    if redis_url:
        broker = RedisBroker(  # type: ignore[no-untyped-call]
            url=redis_url,
            namespace=namespace,
            heartbeat_timeout=int(dead_worker_seconds * 1000),
            maintenance_chance=MAINTENANCE_CHANCE,
        )
    else:
        broker = StubBroker()
        broker.emit_after("process_boot")
    broker.add_middleware(CarryRequestId())
    broker.add_middleware(RecordDeadLetters())
    redact_worker_logs()
    return broker


@dataclass(frozen=True)
class QueueDepth:
    """Messages waiting in one Dramatiq queue: ready now, delayed (a retry or a scheduled step),
    and dead-lettered (retries used up: they wait for a person)."""

    queue: str
    ready: int
    delayed: int
    dead: int


def queue_depths(broker: dramatiq.Broker) -> list[QueueDepth]:
    """Each declared queue's depth, read from Redis (three cheap commands a queue) or the embedded
    broker's memory."""
    names = sorted(q for q in broker.get_declared_queues() if not q.endswith(".DQ"))
    if isinstance(broker, RedisBroker):
        prefix = broker.namespace
        with broker.client.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.llen(f"{prefix}:{name}")
                pipe.llen(f"{prefix}:{name}.DQ")
                pipe.zcard(f"{prefix}:{name}.XQ")
            counts = pipe.execute()
        return [QueueDepth(name, *counts[3 * i : 3 * i + 3]) for i, name in enumerate(names)]
    assert isinstance(broker, StubBroker)
    return [
        QueueDepth(
            name,
            ready=broker.queues[name].qsize(),
            delayed=broker.queues[f"{name}.DQ"].qsize() if f"{name}.DQ" in broker.queues else 0,
            dead=len(broker.dead_letters_by_queue[name]),
        )
        for name in names
    ]


def broker_is_reachable(broker: dramatiq.Broker) -> tuple[bool, str]:
    """Whether the broker answers; the embedded broker always does."""
    if isinstance(broker, RedisBroker):
        try:
            broker.client.ping()
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready", with its text
            return False, f"redis: {type(exc).__name__}: {exc}"
        return True, "redis"
    return True, "embedded"


class EmbeddedWorker:
    """Dramatiq worker threads inside this process, for the embedded mode."""

    def __init__(self, broker: dramatiq.Broker, threads: int) -> None:
        self._worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=100)
        self._running = False

    def start(self) -> None:
        if not self._running:
            self._worker.start()
            self._running = True
            log.info("embedded worker started")

    def stop(self) -> None:
        if self._running:
            self._worker.stop()
            self._running = False
            log.info("embedded worker stopped")

    def join(self) -> None:
        """Wait until every queued message has been processed (tests and the demo use this)."""
        self._worker.join()
