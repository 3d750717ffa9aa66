"""Process settings for changple's long-lived processes (worker, API, CLI pipeline runs).

The pipeline builds and drops hundreds of thousands of small objects per thousand posts (models,
rows, JSON). With CPython's default collector settings, full collections re-scan every object the
libraries created at import (SQLAlchemy, pydantic, three provider SDKs) again and again: measured
at 10,000 posts, 9.7 s of a 44 s run went to the collector. Freezing what exists after boot and
collecting the young generation less often cut that to 2.2 s with the same peak memory
(`bench/pipeline.py`; figures in docs/performance.md)."""

from __future__ import annotations

import gc
import os

# Young-generation threshold: objects allocated between collections. 700 (CPython's default) is
# tuned for small scripts; a batch worker allocates that many in well under a millisecond.
YOUNG_THRESHOLD = 50_000
MIDDLE_THRESHOLD = 20
OLD_THRESHOLD = 20

_settled_in: int | None = None  # the process that settled: a forked child settles its own objects


def settle_after_boot() -> None:
    """Call once the process has imported and wired everything, before it starts work. Objects
    alive now (modules, classes, the container) move to a permanent generation the collector
    never scans; later garbage is still collected. Safe to call more than once."""
    global _settled_in
    if _settled_in == os.getpid():
        return
    gc.collect()  # free boot-time garbage first, so it is not frozen with the rest
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, MIDDLE_THRESHOLD, OLD_THRESHOLD)
    _settled_in = os.getpid()
