"""The public columns cache: bounded, good for one content generation, and told of every content
commit by both units of work; the generation signals of one process, one machine and Redis."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis

from changple_adapters.generation_cache import GenerationCache
from changple_adapters.local.content_changes import FileContentChanges
from changple_adapters.memory import MemoryUnitOfWork
from changple_adapters.memory.content_changes import MemoryContentChanges
from changple_adapters.queue.redis_content_changes import RedisContentChanges
from changple_adapters.sql.engine import create_engine_for, create_session_factory
from changple_adapters.sql.migrations import upgrade_database
from changple_adapters.sql.unit_of_work import SqlUnitOfWork
from changple_domain.model.content import NewContent
from changple_domain.ports import UnitOfWork
from tests.services import reachable_redis

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def test_an_entry_is_good_for_its_generation_only() -> None:
    cache = GenerationCache()
    cache.put("page", 1, b"one")
    assert cache.get("page", 1) == b"one"
    assert cache.get("page", 2) is None
    assert cache.get("page", 1) is None  # dropped once seen stale


def test_entries_expire_on_age_and_the_least_recently_used_goes_first() -> None:
    now = [0.0]
    cache = GenerationCache(max_entries=2, max_age_seconds=5, clock=lambda: now[0])
    cache.put("a", 1, b"a")
    cache.put("b", 1, b"b")
    assert cache.get("a", 1) == b"a"  # now "b" is the least recently used
    cache.put("c", 1, b"c")
    assert len(cache) == 2
    assert cache.get("b", 1) is None
    assert cache.get("a", 1) == b"a"
    now[0] = 5.1
    assert cache.get("a", 1) is None


def test_local_and_file_generations_change_on_every_bump(tmp_path: Path) -> None:
    for changes in (MemoryContentChanges(), FileContentChanges(tmp_path / "sub" / "content.generation")):
        seen = {changes.current()}
        for _ in range(3):
            changes.bump()
            seen.add(changes.current())
        assert len(seen) == 4


def test_redis_generation_changes_and_reports_an_absent_redis() -> None:
    client = reachable_redis()
    key = f"changple-test-{uuid.uuid4().hex}:content-generation"
    try:
        changes = RedisContentChanges(client, key)
        before = changes.current()
        changes.bump()
        assert changes.current() != before  # our own bump shows at once
        after_ours = changes.current()
        assert RedisContentChanges(client, key).current() == after_ours  # the same value in Redis
        now = [100.0]
        reader = RedisContentChanges(client, key, refresh_seconds=0.25, clock=lambda: now[0])
        seen = reader.current()
        RedisContentChanges(client, key).bump()  # another process's change
        assert reader.current() == seen  # not read again yet
        now[0] += 0.3
        assert reader.current() != seen  # read again once the refresh time has passed
    finally:
        client.delete(key)
    gone = RedisContentChanges(redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2), key)
    assert gone.current() is None  # readers then go to the database
    gone.bump()  # logged, not raised: the content commit already happened


def _units(tmp_path: Path, told: list[str]) -> list[UnitOfWork]:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    upgrade_database(url)
    sql = SqlUnitOfWork(create_session_factory(create_engine_for(url)), on_content_commit=lambda: told.append("sql"))
    return [MemoryUnitOfWork(on_content_commit=lambda: told.append("memory")), sql]


@pytest.mark.parametrize("kind", [0, 1], ids=["memory", "sql"])
def test_units_of_work_tell_after_content_commits_only(tmp_path: Path, kind: int) -> None:
    told: list[str] = []
    uow = _units(tmp_path, told)[kind]
    with uow:
        added = uow.contents.add(NewContent(title="t", upload_key="u", created_at=NOW))
        assert told == []  # not before the commit
        uow.commit()
    assert len(told) == 1
    with uow:
        uow.contents.add(NewContent(title="t", upload_key="u", created_at=NOW))
    with uow:  # rolled back, then an unrelated commit
        uow.authors.list()
        uow.commit()
    assert len(told) == 1
    with uow:
        uow.contents.save(added.model_copy(update={"title": "t2"}))
        uow.commit()
    with uow:
        uow.contents.delete(added.id)
        uow.commit()
    assert len(told) == 3
