"""OpenAI adapters: batch embeddings for posts, direct embeddings for queries (needs the `openai` extra)."""

from changple_adapters.openai.embedder import OpenAIBatchEmbedder

__all__ = ["OpenAIBatchEmbedder"]
