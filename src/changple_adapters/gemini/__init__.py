"""Gemini adapters (google-genai): batch summaries."""

from changple_adapters.gemini.summarizer import GeminiBatchSummarizer

__all__ = ["GeminiBatchSummarizer"]
