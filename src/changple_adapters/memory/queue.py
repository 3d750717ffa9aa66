"""A task queue that records what was asked for, so tests can assert on it and run it."""

from __future__ import annotations

from changple_domain.ports import TaskQueue


class MemoryTaskQueue(TaskQueue):
    def __init__(self) -> None:
        self.enqueued: list[tuple[str, dict[str, str | int]]] = []

    def enqueue(self, task: str, **arguments: str | int) -> None:
        self.enqueued.append((task, dict(arguments)))
