"""The TaskQueue port on a Dramatiq broker: tasks are sent by actor name, ids only."""

from __future__ import annotations

import dramatiq
from dramatiq.errors import ActorNotFound, BrokerError
from redis.exceptions import RedisError

from changple_domain.errors import InvalidInput, ProviderUnavailable
from changple_domain.ports import TaskQueue


class DramatiqTaskQueue(TaskQueue):
    def __init__(self, broker: dramatiq.Broker) -> None:
        self._broker = broker

    def enqueue(self, task: str, **arguments: str | int) -> None:
        try:
            actor = self._broker.get_actor(task)
        except ActorNotFound as exc:
            raise InvalidInput(f"no background task named '{task}'") from exc
        try:
            actor.send_with_options(kwargs=arguments)
        except (BrokerError, RedisError, OSError) as exc:
            raise ProviderUnavailable(f"the task broker refused '{task}': {exc}") from exc
