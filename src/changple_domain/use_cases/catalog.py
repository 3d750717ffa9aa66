"""Allowed authors and good-to-know brands: the lists operators keep."""

from __future__ import annotations

from collections.abc import Iterable

from changple_domain.errors import NotFound
from changple_domain.model.authors import AllowedAuthor, GoodToKnowBrand, clean_name
from changple_domain.ports import UnitOfWork


def add_author(author: AllowedAuthor, *, uow: UnitOfWork) -> AllowedAuthor:
    """Add an allowed author; a taken name raises AlreadyExists and changes nothing."""
    with uow:
        uow.authors.add(author)
        uow.commit()
    return author


def set_author_active(name: str, active: bool, *, uow: UnitOfWork) -> AllowedAuthor:
    """Enable or disable an author; their posts leave or re-enter eligibility on the next run."""
    with uow:
        current = uow.authors.get(clean_name(name))
        if current is None:
            raise NotFound(f"no allowed author named '{name}'")
        updated = current.model_copy(update={"active": active})
        uow.authors.save(updated)
        uow.commit()
    return updated


def add_brand(brand: GoodToKnowBrand, *, uow: UnitOfWork) -> GoodToKnowBrand:
    """Add a good-to-know brand; a taken name raises AlreadyExists and changes nothing."""
    with uow:
        uow.brands.add(brand)
        uow.commit()
    return brand


def sync_catalog(
    authors: Iterable[AllowedAuthor], brands: Iterable[GoodToKnowBrand], *, uow: UnitOfWork
) -> tuple[int, int]:
    """Insert or update authors and brands by name (for seeding); returns how many of each."""
    author_list, brand_list = list(authors), list(brands)
    with uow:
        for author in author_list:
            uow.authors.save(author)
        for brand in brand_list:
            uow.brands.save(brand)
        uow.commit()
    return len(author_list), len(brand_list)
