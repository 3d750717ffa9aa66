"""A task queue that records what was asked for, so tests can assert on it and run it."""

from __future__ import annotations

from changple_domain.model.tasks import Task
from changple_domain.ports import TaskQueue


class MemoryTaskQueue(TaskQueue):
    def __init__(self) -> None:
        self.enqueued: list[tuple[Task, dict[str, str | int]]] = []
        self.delays: list[float] = []  # one per enqueued task, in the same order

    def enqueue(self, task: Task, *, delay_seconds: float = 0.0, **arguments: str | int) -> None:
        self.enqueued.append((Task(task), dict(arguments)))
        self.delays.append(delay_seconds)
