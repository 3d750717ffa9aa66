"""The bundled sample cafe in the store: the catalog first (so authors and brand mentions
resolve), then the articles, either scanned like a real cafe (the demo) or recorded as found
(seed data for the `load_sample_cafe` task and tests)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from changple_domain.errors import InvalidInput
from changple_domain.ports import Clock, UnitOfWork
from changple_domain.use_cases.background import TaskOutcome
from changple_domain.use_cases.catalog import sync_catalog
from changple_domain.use_cases.record_articles import RecordArticles, RecordedArticles, record_articles
from changple_domain.use_cases.scan_cafe import ScanCafe, ScanEvent, ScanPorts, ScanReport, scan_cafe

if TYPE_CHECKING:
    from changple_adapters.naver.sample import CafeSample


def load_sample_into_store(
    *, uow: UnitOfWork, clock: Clock, path: Path | None = None
) -> tuple[CafeSample, RecordedArticles]:
    """Record every saved page as found, whoever wrote it: seed data, not a scan."""
    from changple_adapters.naver.sample import load_sample  # the HTML parser: only when the sample is read

    sample = load_sample(path)
    sync_catalog(sample.authors, sample.brands, uow=uow)
    recorded = record_articles(RecordArticles(articles=sample.articles), uow=uow, clock=clock)
    return sample, recorded


def load_sample_task(*, uow: UnitOfWork, clock: Clock) -> TaskOutcome:
    """The `load_sample_cafe` task: the bundled sample, recorded as found (idempotent: unchanged
    posts are recorded as unchanged)."""
    _, recorded = load_sample_into_store(uow=uow, clock=clock)
    return TaskOutcome(summary=f"sample cafe loaded: {recorded.model_dump()}")


def scan_sample_cafe(
    *,
    ports: ScanPorts,
    path: Path | None = None,
    on_article: Callable[[ScanEvent], None] | None = None,
) -> tuple[CafeSample, ScanReport]:
    """Scan the whole sample cafe, from its lowest saved id to its highest, as the nightly job scans
    Naver: authors who are not allowed are skipped, gaps become deleted ids, an unchanged page is
    recorded as unchanged. Saved files need no politeness, so the scan does not pause."""
    from changple_adapters.naver.sample import load_sample  # the HTML parser: only when the sample is read

    sample = load_sample(path)
    article_ids = sample.article_ids()
    if not article_ids:
        raise InvalidInput(f"the sample cafe {sample.directory} holds no saved pages (<article_id>.html)")
    sync_catalog(sample.authors, sample.brands, uow=ports.uow)
    report = scan_cafe(
        ScanCafe(from_id=article_ids[0], max_new=article_ids[-1] - article_ids[0] + 1, refresh=False),
        ports=replace(ports, scan=ports.scan.unpaused()),
        source=sample.source(),
        on_article=on_article,
    )
    return sample, report
