"""Dramatiq actors. Each takes ids and primitives only, calls one use case, and is idempotent,
because delivery is at least once. Actors are bound to an explicit broker, never the global
one at import time, so tests and processes can build as many brokers as they like."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import dramatiq

from changple_entrypoints.sample_data import load_sample_into_store

if TYPE_CHECKING:
    from changple_entrypoints.containers import Container

log = logging.getLogger(__name__)

QUEUE = "changple"


def register_actors(broker: dramatiq.Broker, container: Container) -> dict[str, dramatiq.Actor[Any, Any]]:
    """Declare every actor on `broker`, resolving its dependencies from `container` per message."""

    def load_sample_cafe() -> None:
        """Load the bundled sample cafe (idempotent: unchanged posts are recorded as unchanged)."""
        _, recorded = load_sample_into_store(uow=container.uow(), clock=container.clock())
        log.info("sample cafe loaded: %s", recorded.model_dump())

    actors: dict[str, dramatiq.Actor[Any, Any]] = {}
    for function in (load_sample_cafe,):
        declare = dramatiq.actor(broker=broker, actor_name=function.__name__, queue_name=QUEUE, max_retries=5)
        actors[function.__name__] = declare(function)
    return actors
