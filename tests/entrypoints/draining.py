"""Run every queued message of an embedded container to the end, as its worker threads would."""

from __future__ import annotations

from changple_entrypoints.composition.container import Container
from changple_entrypoints.worker.actors import QUEUE
from changple_entrypoints.worker.broker import EmbeddedWorker


def drain(container: Container) -> None:
    """Start a worker thread, wait until the queue is empty and nothing is in flight, stop it."""
    worker = EmbeddedWorker(container.broker(), threads=1)
    worker.start()
    try:
        container.broker().join(QUEUE, timeout=120_000)
    finally:
        worker.stop()
