"""The dry run's unit of work: one real transaction around the whole import, never committed.

Every step of the import opens and commits its own block as usual; here those blocks share the one
outer transaction, so later steps see what earlier ones wrote (a chat message finds its imported
session) and the cost estimate sees the imported posts, and leaving the outer block rolls it all back."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self, cast

from changple_domain.ports import UnitOfWork


class DryRunUnitOfWork:
    """Stands in for a UnitOfWork (`as_unit_of_work`); every repository is the inner one's."""

    def __init__(self, inner: UnitOfWork) -> None:
        self._inner = inner
        self._depth = 0

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._inner, name)

    def __enter__(self) -> Self:
        if self._depth == 0:
            self._inner.__enter__()
        self._depth += 1
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._inner.rollback()
            self._inner.__exit__(exc_type, exc, tb)

    def commit(self) -> None:
        """Nothing is committed in a dry run; what the block wrote stays visible to later blocks."""

    def rollback(self) -> None:
        """A step's rollback would undo the earlier steps too; the outer block undoes everything."""


def as_unit_of_work(dry: DryRunUnitOfWork) -> UnitOfWork:
    """The dry run's unit of work where a UnitOfWork is expected (its attributes are the inner one's)."""
    return cast(UnitOfWork, dry)
