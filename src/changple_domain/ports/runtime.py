"""Time, background work, locks and ids."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol, runtime_checkable

from changple_domain.model.tasks import Task


@runtime_checkable
class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


@runtime_checkable
class TaskQueue(Protocol):
    def enqueue(self, task: Task, *, delay_seconds: float = 0.0, **arguments: str | int) -> None:
        """Ask for `task` to run in the background with ids and primitives only (at least once),
        not before `delay_seconds` from now."""
        ...


@runtime_checkable
class Mutex(Protocol):
    def hold(self, name: str, *, ttl_seconds: float) -> AbstractContextManager[bool]:
        """Try to take the named lock without waiting; the context value says whether we got it.
        The lock frees itself after `ttl_seconds` if its holder dies."""
        ...


@runtime_checkable
class IdSource(Protocol):
    """Ids for new records (scans, pipeline runs, batch jobs). Unique, not secret: never use one as
    a credential; unguessable secrets come from a cryptographic source, not from here."""

    def new_id(self, prefix: str) -> str:
        """A new id `{prefix}-{unique part}`, at most 64 characters for a short prefix."""
        ...
