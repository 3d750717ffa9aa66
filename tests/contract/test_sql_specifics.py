"""What only the SQL adapter has to get right: URLs, SQLite connection settings, error translation."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from changple_adapters.sql._support import trusted
from changple_adapters.sql.engine import create_engine_for, create_session_factory, normalize_url
from changple_adapters.sql.unit_of_work import SqlUnitOfWork
from changple_domain.errors import InvalidInput
from changple_domain.model import CafePost, StageRecord
from tests.contract.factories import make_full_post, make_job


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("postgresql://u:p@db:5432/changple", "postgresql+psycopg"),
        ("postgres://u:p@db/changple", "postgresql+psycopg"),
        ("postgresql+psycopg://u@db/changple", "postgresql+psycopg"),
        ("sqlite:///./x.db", "sqlite"),
    ],
)
def test_urls_use_psycopg_3(url: str, driver: str) -> None:
    assert normalize_url(url).drivername == driver


def test_creating_an_engine_does_not_connect() -> None:
    engine = create_engine_for("postgresql://nobody@127.0.0.1:1/nothing")
    engine.dispose()


def test_sqlite_connections_are_configured(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "changple.db"
    engine = create_engine_for(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
            assert connection.execute(text("SELECT lower('ÉMILE 창업')")).scalar_one() == "émile 창업"
        assert path.parent.is_dir()
    finally:
        engine.dispose()


def test_sqlite_in_memory_is_one_database(tmp_path: Path) -> None:
    engine = create_engine_for("sqlite://")
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM t")).scalar_one() == 0
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_value_too_long_for_postgres_is_invalid_input(postgres_engine: Engine) -> None:
    too_long = make_job("sum-long").model_copy(update={"provider": "p" * 300})
    with SqlUnitOfWork(create_session_factory(postgres_engine)) as uow, pytest.raises(InvalidInput):
        uow.batches.add(too_long)


def test_a_job_carrying_an_article_twice_never_reaches_the_database() -> None:
    with pytest.raises(ValueError, match="appears twice"):
        make_job("sum-1", article_ids=(1, 2, 1))


def test_trusted_models_are_built_exactly_as_model_construct_builds_them() -> None:
    """The SQL adapters read rows back with `trusted`; if pydantic ever builds models differently,
    this fails before a half-built post can reach the pipeline."""
    post = make_full_post(7)
    values = dict(vars(post))
    built = trusted(CafePost, dict(values))
    reference = CafePost.model_construct(**values)
    assert built == post == reference
    assert vars(built) == vars(reference)
    for attribute in ("__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__"):
        assert getattr(built, attribute) == getattr(reference, attribute), attribute
    assert set(vars(built)) == set(CafePost.model_fields)
    assert built.model_dump() == post.model_dump()
    assert built.model_copy(update={"title": "새 제목"}).title == "새 제목"
    assert trusted(StageRecord, {"attempts": 2, "last_error": None}) == StageRecord(attempts=2)
    assert CafePost.__pydantic_post_init__ is None  # model_construct would call it; trusted does not
