"""The container every process uses: the ports and, on top of them, each area's use cases bound
to their ports. Entrypoints receive those bound use cases by name: HTTP handlers as Litestar
dependencies (`use_cases(container)`), actors through `background_work`, CLI commands from
`bootstrap.open_container`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from changple_entrypoints.composition.accounts import AccountUseCases
from changple_entrypoints.composition.background import BackgroundWork
from changple_entrypoints.composition.catalog import CatalogUseCases
from changple_entrypoints.composition.chat import ChatUseCases
from changple_entrypoints.composition.console import ConsoleUseCases
from changple_entrypoints.composition.content import ContentUseCases
from changple_entrypoints.composition.legacy import LegacyUseCases
from changple_entrypoints.composition.pipeline import PipelineUseCases
from changple_entrypoints.composition.ports import Ports


class Container(
    BackgroundWork,
    PipelineUseCases,
    ContentUseCases,
    ConsoleUseCases,
    ChatUseCases,
    AccountUseCases,
    CatalogUseCases,
    LegacyUseCases,
):
    """Build it with `bootstrap.build_container(settings)`."""


def use_cases(container: Container) -> dict[str, Callable[..., Any]]:
    """Every bound use case by name (each provider the areas add on top of the ports)."""
    port_names = set(Ports.providers)
    return {name: provider for name, provider in container.providers.items() if name not in port_names}
