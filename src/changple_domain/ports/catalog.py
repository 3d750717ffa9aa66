"""The catalog: allowed authors and good-to-know brands, kept by one repository shape."""

from __future__ import annotations

from typing import Protocol, TypeVar, runtime_checkable

from changple_domain.model.authors import AllowedAuthor, CatalogEntry, GoodToKnowBrand

E = TypeVar("E", bound=CatalogEntry)


@runtime_checkable
class CatalogRepository(Protocol[E]):
    """The entries of one kind, by name."""

    def add(self, entry: E) -> None:
        """Raises AlreadyExists when the name is taken."""
        ...

    def save(self, entry: E) -> None: ...
    def get(self, name: str) -> E | None: ...
    def list(self, *, enabled_only: bool = False, search: str | None = None, detail: str | None = None) -> list[E]:
        """By name; `enabled_only` keeps the entries whose flag is on, `search` matches ignoring case,
        `detail` keeps the entries whose detail is exactly this (an author's group)."""
        ...


AuthorRepository = CatalogRepository[AllowedAuthor]
BrandRepository = CatalogRepository[GoodToKnowBrand]
