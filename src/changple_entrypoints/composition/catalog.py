"""The catalog's use cases (allowed authors, good-to-know brands) bound to their ports. Each takes
the entry's class first: `list_catalog_entries(AllowedAuthor, query)`."""

from __future__ import annotations

from dependency_injector import providers

from changple_domain.use_cases import catalog, catalog_console
from changple_entrypoints.composition.ports import Ports


class CatalogUseCases(Ports):
    list_catalog_entries = providers.Callable(catalog.list_entries, uow=Ports.uow)
    get_catalog_entry = providers.Callable(catalog.get_entry, uow=Ports.uow)
    create_catalog_entry = providers.Callable(catalog.create_entry, uow=Ports.uow)
    update_catalog_entry = providers.Callable(catalog.update_entry, uow=Ports.uow)
    catalog_lists = providers.Callable(catalog_console.catalog_lists, uow=Ports.uow)
    create_then_list = providers.Callable(catalog_console.create_then_list, uow=Ports.uow)
    update_then_list = providers.Callable(catalog_console.update_then_list, uow=Ports.uow)
