"""The embedded store under the API and the embedded worker writing at once: SQLite allows one
writer, so every unit of work must wait its turn instead of failing with "database is locked",
and a statement that does fail must not put the row's text in a log."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from changple_adapters.sql.engine import create_engine_for, create_session_factory
from changple_adapters.sql.migrations import upgrade_database
from changple_adapters.sql.unit_of_work import SqlUnitOfWork
from tests.contract.factories import make_post

ROUNDS = 40


def _read_then_write(uow: SqlUnitOfWork, article_id: int, round_no: int) -> None:
    """What both sides do: read what is stored, then write in the same unit of work."""
    with uow:
        uow.posts.count()  # a read first: the transaction holds a snapshot before it writes
        current = uow.posts.get(article_id)
        title = f"{current.title if current else 'new'}-{round_no}"[-60:]
        uow.posts.upsert_many([make_post(article_id, title=title)])
        uow.commit()


def test_api_and_worker_writing_at_once_never_hit_a_locked_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'changple.db'}"
    upgrade_database(url)
    api_engine, worker_engine = create_engine_for(url), create_engine_for(url)
    failures: list[BaseException] = []
    start = threading.Barrier(4)

    def side(engine_id: int, article_id: int) -> None:
        engine = api_engine if engine_id == 0 else worker_engine
        uow = SqlUnitOfWork(create_session_factory(engine))
        start.wait()
        for round_no in range(ROUNDS):
            try:
                _read_then_write(uow, article_id, round_no)
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                failures.append(exc)

    threads = [threading.Thread(target=side, args=(n % 2, 1000 + n)) for n in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        with api_engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM posts")).scalar_one() == 4
    finally:
        api_engine.dispose()
        worker_engine.dispose()


def test_a_failing_statement_logs_no_row_text(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    url = f"sqlite:///{tmp_path / 'changple.db'}"
    upgrade_database(url)
    engine = create_engine_for(url)
    secret = "비밀 본문 stored-content-marker"
    try:
        insert = text("INSERT INTO no_such_table (body) VALUES (:body)")
        with caplog.at_level(logging.DEBUG), pytest.raises(Exception) as failed, engine.begin() as connection:  # noqa: PT011
            connection.execute(insert, {"body": secret})
        logging.getLogger("changple").error("statement failed: %s", failed.value)
        assert "stored-content-marker" not in str(failed.value)
        assert "stored-content-marker" not in caplog.text
    finally:
        engine.dispose()
