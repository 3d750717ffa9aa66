"""Which `ContentChanges` a deployment uses: the generation lives where every process that writes
content can see it: in Redis when the deployment has Redis, in a file of the data directory in
embedded mode (the CLI on the same machine writes it too), in process memory for the memory storage."""

from __future__ import annotations

from pathlib import Path

import redis

from changple_adapters.local.content_changes import FileContentChanges
from changple_adapters.memory.content_changes import MemoryContentChanges
from changple_adapters.queue.redis_content_changes import RedisContentChanges
from changple_domain.ports import ContentChanges


def make_content_changes(storage: str, redis_url: str | None, namespace: str, data_dir: Path) -> ContentChanges:
    if storage == "memory":
        return MemoryContentChanges()
    if redis_url:
        return RedisContentChanges(redis.Redis.from_url(redis_url), f"{namespace}:content-generation")
    return FileContentChanges(data_dir / "content.generation")
