"""Documents for embedding and their chunks. A post becomes one document (title, board,
summary, keywords, content), cut into chunks of at most `max_tokens` estimated tokens with
`overlap_tokens` of context carried over, cutting at paragraph and sentence ends when it can."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, model_validator

from changple_domain.model.posts import CafePost
from changple_domain.policies.change_detection import normalize_text
from changple_domain.policies.tokens import char_tokens, estimate_tokens, max_tokens

# A sentence ends at a line break, or at white space after a period, ?, ! (Korean endings included).
_SENTENCE_END = re.compile(r"([.!?。？！])\s+")

# The hardest provider limit on one input (OpenAI: 8,192 tokens); the byte bound keeps us under it.
PROVIDER_INPUT_TOKEN_LIMIT = 8192


class ChunkingPolicy(BaseModel):
    model_config = ConfigDict(frozen=True)

    max_tokens: int = Field(default=800, ge=50, le=PROVIDER_INPUT_TOKEN_LIMIT)
    overlap_tokens: int = Field(default=100, ge=0)

    @model_validator(mode="after")
    def _overlap_smaller(self) -> ChunkingPolicy:
        if self.overlap_tokens >= self.max_tokens:
            raise ValueError("overlap_tokens must be smaller than max_tokens")
        return self


def build_document(post: CafePost) -> str:
    """What gets embedded for a post: the header gives every chunk's context to the first one."""
    parts = [f"제목: {post.title}"]
    if post.board:
        parts.append(f"게시판: {post.board}")
    if post.summary:
        parts.append(f"요약: {post.summary}")
    if post.keywords:
        parts.append("키워드: " + ", ".join(post.keywords))
    parts.append("")
    parts.append(normalize_text(post.content))
    return "\n".join(parts).strip()


def _sentences(text: str) -> list[str]:
    """Lines first (a plain split), then sentence ends within each line; the regex split keeps the
    end mark as its own part, which goes back onto the sentence before it."""
    sentences: list[str] = []
    for line in text.split("\n"):
        parts = _SENTENCE_END.split(line)
        for i in range(0, len(parts) - 1, 2):
            if sentence := (parts[i] + parts[i + 1]).strip():
                sentences.append(sentence)
        if last := parts[-1].strip():
            sentences.append(last)
    return sentences


def _split_long(sentence: str, limit: int) -> list[str]:
    """A sentence longer than a chunk is cut by characters (rare: tables, pasted lists)."""
    pieces: list[str] = []
    start, tokens = 0, 0.0
    for position, char in enumerate(sentence):
        cost = char_tokens(char)
        if position > start and tokens + cost > limit:
            pieces.append(sentence[start:position])
            start, tokens = position, 0.0
        tokens += cost
    pieces.append(sentence[start:])
    return pieces


def chunk_text(text: str, policy: ChunkingPolicy) -> list[str]:
    """Chunks in order; each within `policy.max_tokens` estimated tokens and under the provider's
    per-input limit by the byte bound. Empty text gives no chunks."""
    units: list[tuple[str, int]] = []
    for sentence in _sentences(text):
        tokens = estimate_tokens(sentence)
        if tokens > policy.max_tokens:
            units.extend((piece, estimate_tokens(piece)) for piece in _split_long(sentence, policy.max_tokens))
        else:
            units.append((sentence, tokens))
    chunks: list[str] = []
    current: list[tuple[str, int]] = []
    current_tokens = 0
    for unit, unit_tokens in units:
        if current and current_tokens + unit_tokens > policy.max_tokens:
            chunks.append(" ".join(u for u, _ in current))
            carried: list[tuple[str, int]] = []
            carried_tokens = 0
            for previous, cost in reversed(current):
                if (
                    carried_tokens + cost > policy.overlap_tokens
                    or carried_tokens + cost + unit_tokens > policy.max_tokens
                ):
                    break
                carried.insert(0, (previous, cost))
                carried_tokens += cost
            current, current_tokens = carried, carried_tokens
        current.append((unit, unit_tokens))
        current_tokens += unit_tokens
    if current:
        chunks.append(" ".join(u for u, _ in current))
    for chunk in chunks:
        if max_tokens(chunk) > PROVIDER_INPUT_TOKEN_LIMIT:  # pragma: no cover - max_tokens caps far below
            raise ValueError("a chunk would exceed the provider's per-input token limit")
    return chunks


def chunk_post(post: CafePost, policy: ChunkingPolicy) -> list[str]:
    return chunk_text(build_document(post), policy)
