"""The ports a pipeline tick works with, handed over as one value: planning, submitting, polling
and applying all read from it, so a new port is added once, not at every call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from changple_domain.policies.eligibility import IngestionPolicy
from changple_domain.policies.pipeline import PipelineConfig
from changple_domain.ports import BatchEmbedder, BatchSummarizer, Clock, IdSource, Mutex, UnitOfWork, VectorIndex


@dataclass(frozen=True)
class PipelinePorts:
    uow: UnitOfWork
    clock: Clock
    summarizer: BatchSummarizer
    embedder: BatchEmbedder
    index: VectorIndex
    config: PipelineConfig
    policy: IngestionPolicy
    sleep: Callable[[float], None]
    mutex: Mutex
    ids: IdSource
