"""Loading a sample cafe into the store: the catalog first (so brand mentions resolve), then
the articles. Shared by the demo command and the `load_sample_cafe` background task."""

from __future__ import annotations

from pathlib import Path

from changple_adapters.local.sample import CafeSample, load_sample
from changple_domain.ports import Clock, UnitOfWork
from changple_domain.use_cases.catalog import sync_catalog
from changple_domain.use_cases.record_articles import RecordArticles, RecordedArticles, record_articles


def load_sample_into_store(
    *, uow: UnitOfWork, clock: Clock, path: Path | None = None
) -> tuple[CafeSample, RecordedArticles]:
    sample = load_sample(path)
    sync_catalog(sample.authors, sample.brands, uow=uow)
    recorded = record_articles(RecordArticles(articles=sample.articles), uow=uow, clock=clock)
    return sample, recorded
