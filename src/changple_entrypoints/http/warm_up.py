"""What the server loads after it listens. Health answers at once; the offline embedder and the
embedded vector index each take about a second to import, so they are loaded on a thread right
after start-up, and the first search does not pay for them. Adapters that talk to a provider have
nothing to warm (and warming never calls one)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Protocol, runtime_checkable

log = logging.getLogger(__name__)


@runtime_checkable
class Warmable(Protocol):
    def warm(self) -> None: ...


def warm_up_in_background(parts: Mapping[str, Callable[[], object]]) -> threading.Thread:
    """Build each part (a provider call) and warm it if it can be; a failure is logged and left for
    the first request to report as it would have anyway."""

    def run() -> None:
        for name, build in parts.items():
            try:
                part = build()
                if isinstance(part, Warmable):
                    part.warm()
            except Exception as exc:  # noqa: BLE001 (any failure: the request that needs the part reports it)
                log.warning("warming %s failed: %s: %s", name, type(exc).__name__, exc)

    thread = threading.Thread(target=run, name="changple-warm-up", daemon=True)
    thread.start()
    return thread
