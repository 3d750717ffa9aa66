"""The catalog: allowed authors and good-to-know brands."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from changple_domain.model.authors import AllowedAuthor, GoodToKnowBrand


@runtime_checkable
class AuthorRepository(Protocol):
    def add(self, author: AllowedAuthor) -> None:
        """Raises AlreadyExists when the name is taken."""
        ...

    def save(self, author: AllowedAuthor) -> None: ...
    def get(self, name: str) -> AllowedAuthor | None: ...
    def list(self, *, active_only: bool = False, search: str | None = None) -> list[AllowedAuthor]: ...


@runtime_checkable
class BrandRepository(Protocol):
    def add(self, brand: GoodToKnowBrand) -> None:
        """Raises AlreadyExists when the name is taken."""
        ...

    def save(self, brand: GoodToKnowBrand) -> None: ...
    def get(self, name: str) -> GoodToKnowBrand | None: ...
    def list(self, *, good_to_know_only: bool = False, search: str | None = None) -> list[GoodToKnowBrand]: ...
