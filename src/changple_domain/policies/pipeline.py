"""The pipeline's settings in one validated value: attempts, chunking, packing, recovery, prices."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from changple_domain.policies.chunking import ChunkingPolicy
from changple_domain.policies.cost import DEFAULT_PRICES, ModelPrice
from changple_domain.policies.packing import GEMINI_SUMMARY_BATCH, OPENAI_EMBEDDING_BATCH, BatchLimits
from changple_domain.policies.retry import RetryPolicy


class PipelineConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    max_attempts: int = Field(default=3, ge=1, le=50)
    chunking: ChunkingPolicy = ChunkingPolicy()
    summary_batch: BatchLimits = GEMINI_SUMMARY_BATCH
    embedding_batch: BatchLimits = OPENAI_EMBEDDING_BATCH
    max_posts_per_submit: int = Field(default=100_000, ge=1)
    # A CREATED job older than this is looked up at the provider and adopted or sent again; younger
    # ones may still be in another worker's hands.
    recover_after_seconds: float = Field(default=600, ge=0)
    submit_retry: RetryPolicy = RetryPolicy(base_delay=2.0, max_delay=120.0, max_attempts=5)
    expected_summary_output_tokens: int = Field(default=350, ge=0)
    prices: dict[str, ModelPrice] = Field(default_factory=lambda: dict(DEFAULT_PRICES))
    page_size: int = Field(default=1000, ge=1, le=10_000)
