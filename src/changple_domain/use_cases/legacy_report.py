"""The last changple2 import's report, for the operations console."""

from __future__ import annotations

from changple_domain.model.legacy import LegacyImportReport
from changple_domain.ports import UnitOfWork


def last_import_report(*, uow: UnitOfWork) -> LegacyImportReport | None:
    """What the last (non-dry) import carried, refused and left open; None before any import."""
    with uow:
        return uow.legacy.last_report()
