"""Chunking and token estimates: every chunk within the limits, nothing of the document lost, and the
fast sentence splitter and token counter agreeing exactly with the rules they implement."""

from __future__ import annotations

import math
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from changple_domain.policies.chunking import ChunkingPolicy, _sentences, chunk_text
from changple_domain.policies.tokens import estimate_tokens, max_tokens

hangul = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
jamo = st.characters(min_codepoint=0x1100, max_codepoint=0x11FF)
marks = st.sampled_from([".", "!", "?", "。", "？", "！", ",", "~"])
spaces = st.sampled_from([" ", "\n", "\t", "\r", "\u3000", "\u2028", "\xa0", "\x85"])
pieces = st.one_of(hangul, jamo, marks, spaces, st.characters(), st.sampled_from(["abc", "XY", "019", ". ", "? \n"]))
any_text = st.lists(pieces, max_size=120).map("".join)

thorough = settings(max_examples=400, deadline=None)


def _sentences_by_the_rule(text: str) -> list[str]:
    """The rule as one regular expression: split at line breaks and at white space after an end mark."""
    return [s.strip() for s in re.split(r"(?<=[.!?。？！])\s+|\n+", text) if s and s.strip()]


def _tokens_by_the_rule(text: str) -> int:
    """1.5 per Hangul character, 2 per other non-ASCII character, 1/3.5 per ASCII character, rounded up."""
    if not text:
        return 0
    total = 0.0
    for char in text:
        code = ord(char)
        if code < 128:
            total += 1 / 3.5
        elif 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
            total += 1.5
        else:
            total += 2.0
    return max(1, math.ceil(total - 1e-9))


@thorough
@given(text=any_text)
def test_sentences_follow_the_rule_exactly(text: str) -> None:
    assert _sentences(text) == _sentences_by_the_rule(text)


@thorough
@given(text=any_text)
def test_token_estimate_follows_the_rule(text: str) -> None:
    assert estimate_tokens(text) == _tokens_by_the_rule(text)


@thorough
@given(
    text=any_text,
    limit=st.integers(min_value=50, max_value=300),
    overlap=st.integers(min_value=0, max_value=49),
)
def test_chunks_stay_within_the_limit_and_keep_every_sentence(text: str, limit: int, overlap: int) -> None:
    policy = ChunkingPolicy(max_tokens=limit, overlap_tokens=overlap)
    chunks = chunk_text(text, policy)
    assert bool(chunks) == bool(_sentences(text))
    for chunk in chunks:
        assert max_tokens(chunk) <= 8192
    joined = " ".join(chunks)
    for sentence in _sentences(text):
        if estimate_tokens(sentence) <= limit:  # longer ones are cut by characters
            assert sentence in joined


def test_a_korean_column_is_cut_at_sentence_ends_with_overlap() -> None:
    sentence = "가맹계약서의 영업지역 조항은 반드시 지도로 확인해야 합니다."
    text = "\n\n".join(" ".join([sentence] * 3) for _ in range(10))
    policy = ChunkingPolicy(max_tokens=200, overlap_tokens=60)
    chunks = chunk_text(text, policy)
    assert len(chunks) > 1
    for chunk in chunks:
        assert chunk.endswith("합니다.")
        assert estimate_tokens(chunk) <= 200 + len(chunk.split(sentence))  # joins add a space each
    assert chunks[1].startswith(sentence)  # the overlap carries the last sentence over
