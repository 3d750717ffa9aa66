"""How the legacy import uses its ledger at size (over memory ports and a changple2 source of 9,000
brands): a first import, whose entities have no marks yet, looks no marks up, and refreshes the
ledger's planner statistics once 2,000 marks of an entity are written and again at 8,000 (4x); a
second import looks every page's marks up, finds them all unchanged, writes and refreshes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from changple_adapters.content.notion_export import NotionExportProcessor
from changple_adapters.memory import FixedClock, MemoryUnitOfWork
from changple_adapters.memory.file_storage import MemoryFileStorage
from changple_adapters.memory.legacy import MemoryLegacyLedger
from changple_domain.model.legacy import LegacyBrand, LegacyContent, LegacyEntity, LegacyImportReport, LegacyPage
from changple_domain.policies.eligibility import IngestionPolicy
from changple_domain.policies.pipeline import PipelineConfig
from changple_domain.ports import UnitOfWork
from changple_domain.use_cases.content_uploads import ContentConfig
from changple_domain.use_cases.legacy_import import LegacyImport, import_legacy
from changple_domain.use_cases.pipeline_report import RunEstimate, estimate_run

BRANDS = 9_000


class Brands:
    """A changple2 database holding only brands (every other table empty), read in keyset pages."""

    def __init__(self, count: int) -> None:
        self.rows = [
            LegacyBrand(legacy_id=i, name=f"브랜드 {i}", description="좋은 브랜드") for i in range(1, count + 1)
        ]

    def missing(self) -> list[str]:
        return []

    def count(self, kind: type[Any]) -> int:
        return len(self.rows) if kind is LegacyBrand else 0

    def page(self, kind: type[Any], *, after_id: int = 0, limit: int = 500, up_to_id: int | None = None) -> Any:
        chosen = [r for r in self.rows if r.legacy_id > after_id][:limit] if kind is LegacyBrand else []
        return LegacyPage[Any](records=tuple(chosen), last_id=chosen[-1].legacy_id if chosen else None)

    def block_digests(self, kind: type[Any], block_size: int) -> None:
        return None

    def content_archive(self, content: LegacyContent) -> Any:
        raise AssertionError("there are no columns")


def estimate(uow: UnitOfWork, only: Any) -> RunEstimate:
    return estimate_run(
        uow=uow, policy=IngestionPolicy(), config=PipelineConfig(), summary_model="m", embedding_model="e", only=only
    )


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """The ledger's mark lookups (entity, ids asked) and statistics refreshes (entity, marks then)."""
    seen: dict[str, list[Any]] = {"marks": [], "refresh": []}
    lookup = MemoryLegacyLedger.marks

    def marks(self: MemoryLegacyLedger, entity: LegacyEntity, legacy_ids: Any) -> Any:
        ids = list(legacy_ids)
        seen["marks"].append((entity, len(ids)))
        return lookup(self, entity, ids)

    def refresh(self: MemoryLegacyLedger, entity: LegacyEntity) -> None:
        seen["refresh"].append((entity, self.count(entity)))

    monkeypatch.setattr(MemoryLegacyLedger, "marks", marks)
    monkeypatch.setattr(MemoryLegacyLedger, "refresh_statistics", refresh)
    return seen


def run(uow: MemoryUnitOfWork, source: Brands) -> LegacyImportReport:
    return import_legacy(
        LegacyImport(),
        source=source,  # type: ignore[arg-type]
        uow=uow,
        clock=FixedClock(datetime(2026, 12, 7, 3, 0, tzinfo=UTC)),
        storage=MemoryFileStorage(),
        processor=NotionExportProcessor(),
        content_config=ContentConfig(),
        estimate=estimate,
    )


def test_a_first_import_looks_up_no_marks_and_refreshes_statistics_at_2000_and_8000(
    calls: dict[str, list[Any]],
) -> None:
    uow, source = MemoryUnitOfWork(), Brands(BRANDS)
    first = run(uow, source)
    assert first.entities[LegacyEntity.BRANDS].imported == BRANDS
    assert calls["marks"] == []
    assert calls["refresh"] == [(LegacyEntity.BRANDS, 2_000), (LegacyEntity.BRANDS, 8_000)]
    with uow:
        assert uow.legacy.count(LegacyEntity.BRANDS) == BRANDS

    calls["refresh"].clear()
    second = run(uow, source)
    assert second.written == 0
    assert second.entities[LegacyEntity.BRANDS].unchanged == BRANDS
    assert calls["marks"] == [(LegacyEntity.BRANDS, 500)] * (BRANDS // 500)
    assert calls["refresh"] == []


def test_an_import_resumed_after_a_kill_looks_marks_up(calls: dict[str, list[Any]]) -> None:
    """Marks already there when the walk begins (an import killed part way): every page is looked
    up, so the rows carried before the kill are found unchanged, not carried twice."""
    uow, source = MemoryUnitOfWork(), Brands(1_200)
    run(uow, Brands(700))  # the part carried before the kill
    calls["marks"].clear()
    resumed = run(uow, source)
    assert calls["marks"] == [(LegacyEntity.BRANDS, 500), (LegacyEntity.BRANDS, 500), (LegacyEntity.BRANDS, 200)]
    assert resumed.entities[LegacyEntity.BRANDS].unchanged == 700
    assert resumed.entities[LegacyEntity.BRANDS].imported == 500
