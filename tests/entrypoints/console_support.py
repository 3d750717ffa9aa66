"""A seeded embedded install for the console's tests: the sample cafe recorded, one post given up
on by the pipeline, and one-time login links made the way `changple serve` makes them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from changple_adapters.sql.migrations import upgrade_database
from changple_entrypoints.composition.bootstrap import build_container
from changple_entrypoints.composition.container import Container
from changple_entrypoints.sample_data import load_sample_into_store
from changple_entrypoints.settings import Settings
from tests.entrypoints.live_app import free_port, serve_app

FAILED_POST = 1003  # "[창플 칼럼] 가맹계약서에서 꼭 확인해야 할 7가지", an eligible post of the sample cafe
FAILURE = "gemini: 429 RESOURCE_EXHAUSTED, quota used up"
ELIGIBLE_POSTS = 23  # of the sample cafe, once indexed


def seeded_container(tmp_path: Path, **overrides: Any) -> Container:
    """Embedded mode on a fresh SQLite file: the sample cafe recorded, FAILED_POST failed at its summary."""
    values: dict[str, Any] = {"_env_file": None, "data_dir": tmp_path / "data", "redis_url": None}
    values.update({"poll_interval_seconds": 0.2, "poll_max_interval_seconds": 0.2, **overrides})
    settings = Settings(**values)
    upgrade_database(settings.resolved_database_url)
    container = build_container(settings)
    load_sample_into_store(uow=container.uow(), clock=container.clock())
    give_up_on(container, FAILED_POST, FAILURE)
    return container


def give_up_on(container: Container, article_id: int, error: str) -> None:
    """Record what the pipeline records after the last failed try at a post's summary."""
    uow = container.uow()
    with uow:
        post = uow.posts.get(article_id)
        assert post is not None
        limit = container.ingestion_policy().max_attempts
        uow.posts.upsert_many([post.with_failure("summary", error, give_up_after=limit)])
        uow.commit()


def login_link(container: Container, *, minutes: float = 5) -> str:
    """The path of a fresh one-time login link, as `changple serve` prints it (after the host)."""
    secret = container.login_links().issue(now=container.clock().now(), ttl=timedelta(minutes=minutes))
    return f"/ops/login?token={secret}"


@dataclass
class Console:
    base: str
    container: Container


@contextmanager
def live_console(tmp_path: Path) -> Iterator[Console]:
    """The seeded install served by uvicorn with the embedded worker threads, as `changple serve` runs it."""
    container = seeded_container(tmp_path)
    with serve_app(container, free_port(), run_embedded_worker=True) as base:
        yield Console(base=base, container=container)
