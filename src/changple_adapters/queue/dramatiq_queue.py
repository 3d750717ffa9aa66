"""The TaskQueue port on a Dramatiq broker: tasks are sent by actor name, ids only."""

from __future__ import annotations

import dramatiq
from dramatiq.errors import ActorNotFound, BrokerError
from redis.exceptions import RedisError

from changple_domain.errors import InvalidInput, ProviderUnavailable
from changple_domain.model.tasks import Task
from changple_domain.ports import TaskQueue


class DramatiqTaskQueue(TaskQueue):
    def __init__(self, broker: dramatiq.Broker) -> None:
        self._broker = broker

    def enqueue(self, task: Task, *, delay_seconds: float = 0.0, **arguments: str | int) -> None:
        try:
            actor = self._broker.get_actor(Task(task).value)
        except (ValueError, ActorNotFound) as exc:  # a name from an untyped caller, or no such actor
            raise InvalidInput(f"no background task named '{task}'") from exc
        try:
            actor.send_with_options(kwargs=arguments, delay=int(delay_seconds * 1000) or None)
        except (BrokerError, RedisError, OSError) as exc:
            raise ProviderUnavailable(f"the task broker refused '{task}': {exc}") from exc
