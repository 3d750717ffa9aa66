"""The console's catalog: every kind's list on one page, and the add and switch buttons, which
answer with the list as it now stands (the list is the answer, not a second request)."""

from __future__ import annotations

from collections.abc import Sequence

from changple_domain.model.authors import CatalogEntry
from changple_domain.ports import UnitOfWork
from changple_domain.use_cases.catalog import CatalogPage, CatalogQuery, create_entry, list_entries, update_entry


def catalog_lists(entry_types: Sequence[type[CatalogEntry]], *, uow: UnitOfWork) -> list[CatalogPage[CatalogEntry]]:
    """Every entry of each kind, in the order given."""
    everything = CatalogQuery.of()
    return [list_entries(entry_type, everything, uow=uow) for entry_type in entry_types]


def create_then_list(
    entry_type: type[CatalogEntry], name: str, *, detail: str | None, uow: UnitOfWork
) -> tuple[CatalogEntry, CatalogPage[CatalogEntry]]:
    created = create_entry(entry_type, name, detail=detail, uow=uow)
    return created, list_entries(entry_type, CatalogQuery.of(), uow=uow)


def update_then_list(
    entry_type: type[CatalogEntry],
    name: str,
    *,
    uow: UnitOfWork,
    enabled: bool | None = None,
    detail: str | None = None,
) -> tuple[CatalogEntry, CatalogPage[CatalogEntry]]:
    """Switch an entry on or off, or change its detail (an author's group), then list them all."""
    updated = update_entry(entry_type, name, enabled=enabled, detail=detail, uow=uow)
    return updated, list_entries(entry_type, CatalogQuery.of(), uow=uow)
