"""Helpers the repositories share: error translation, chunking and dialect-specific upserts."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import Any, ParamSpec, TypeVar

from pydantic import BaseModel
from sqlalchemy import Column, ColumnElement, RowMapping, Select, Table, Update, any_, bindparam, func, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from changple_domain.errors import InvalidInput, NotFound, ProviderUnavailable

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

# SQLite (3.32+) allows 32766 bound parameters per statement and Postgres 65535; stay well below both.
MAX_PARAMETERS = 30_000
ROWS_PER_STATEMENT = 500


def unavailable(exc: BaseException) -> ProviderUnavailable:
    """The database did not answer (down, locked, serialization failure): worth retrying later."""
    orig = getattr(exc, "orig", None) or exc
    return ProviderUnavailable(f"database unavailable ({type(orig).__name__}): {_first_line(exc)}")


def _first_line(exc: BaseException) -> str:
    """The driver's own message, without SQLAlchemy's statement and parameters (which may hold user data)."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def is_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, sa_exc.OperationalError | sa_exc.TimeoutError):
        return True
    return isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated


def translate_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Callers see domain errors only; connection trouble becomes ProviderUnavailable."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except sa_exc.DataError as exc:  # e.g. a value longer than its column (Postgres only)
            raise InvalidInput(f"the database refused a value: {_first_line(exc)}") from exc
        except sa_exc.SQLAlchemyError as exc:
            if is_unavailable(exc):
                raise unavailable(exc) from exc
            raise

    return wrapper


@contextmanager
def refused_as(session: Session, error: Exception) -> Iterator[None]:
    """Write inside a savepoint: a constraint refusing the write (a unique key taken, a parent row
    gone) raises `error`, and the savepoint leaves the transaction usable."""
    try:
        with session.begin_nested():
            yield
    except sa_exc.IntegrityError as exc:
        raise error from exc


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def first_row(session: Session, query: Select[Any], build: Callable[[RowMapping], R]) -> R | None:
    """The first row `query` selects, built into a domain model; None when it selects none."""
    row = session.execute(query).mappings().first()
    return None if row is None else build(row)


def one_of(session: Session, column: Column[Any], values: Sequence[Any]) -> ColumnElement[bool]:
    """`column IN values`. On Postgres spelled `column = ANY(:values)` with the values as one array
    parameter: the statement is the same text for every page of keys, where an IN list of 500
    parameters makes a new 500-placeholder statement the driver parses again on each call."""
    if session.get_bind().dialect.name != "postgresql":
        return column.in_(values)
    from sqlalchemy.dialects.postgresql import ARRAY  # see dialect_insert: only where Postgres is used

    return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))


def rows_keyed_in(
    session: Session, column: Column[Any], keys: Iterable[Any], *, size: int = ROWS_PER_STATEMENT
) -> Iterator[RowMapping]:
    """Every row of `column`'s table whose `column` is one of `keys` (each asked for once), `size`
    keys per statement so no statement outgrows the bound-parameter limit."""
    for chunk in chunked(sorted(set(keys)), size):
        yield from session.execute(select(column.table).where(one_of(session, column, chunk))).mappings()


def update_existing(session: Session, statement: Update, missing: str) -> None:
    """Run an UPDATE of one row; NotFound(`missing`) when no row matched it."""
    if session.execute(statement).rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound(missing)


def dialect_insert(session: Session, table: Table) -> Any:
    """An INSERT of the session's dialect, which has `ON CONFLICT` (both backends do, spelled alike)."""
    # Imported here: `sqlalchemy.dialects.postgresql` loads every Postgres driver's dialect, which a
    # SQLite command (and every `changple` start) would otherwise pay for.
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    if dialect == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table)
    raise NotImplementedError(f"no ON CONFLICT insert for the {dialect} dialect")  # pragma: no cover


def upsert(session: Session, table: Table, rows: Sequence[Mapping[str, Any]], *, key: str) -> None:
    """`INSERT ... ON CONFLICT (key) DO UPDATE` every other column. The statement is built once
    and executed with a parameter list, so SQLAlchemy caches its compilation and batches the rows
    (psycopg pipelines them; SQLite runs them in one prepared statement)."""
    if not rows:
        return
    insert = dialect_insert(session, table)
    updated = {column.name: insert.excluded[column.name] for column in table.columns if column.name != key}
    statement = insert.on_conflict_do_update(index_elements=[table.c[key]], set_=updated)
    for chunk in chunked(rows, ROWS_PER_STATEMENT):
        session.execute(statement, chunk)


def trusted(model: type[M], values: dict[str, Any]) -> M:
    """A model from a row this adapter wrote from a validated model of the same type: what pydantic's
    `model_construct` makes, without its loop over every field's defaults and aliases (a pipeline run
    reads each post back about seven times). `values` must hold every field; a test holds this to
    `model_construct`'s result, so a pydantic release that builds models differently fails it."""
    instance = model.__new__(model)
    object.__setattr__(instance, "__dict__", values)
    object.__setattr__(instance, "__pydantic_fields_set__", set(values))
    object.__setattr__(instance, "__pydantic_extra__", None)
    object.__setattr__(instance, "__pydantic_private__", None)
    return instance


def count_by(session: Session, column: Any) -> dict[str, int]:
    """`SELECT column, count(*) ... GROUP BY column`, as a dict (values with no rows are absent)."""
    return {value: count for value, count in session.execute(select(column, func.count()).group_by(column))}
