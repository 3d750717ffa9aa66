"""Token counts for Korean text without downloading a tokenizer.

Two numbers: `estimate_tokens` is the typical count, used for cost estimates before a provider
reports usage; `max_tokens` is a hard upper bound (a BPE token is at least one UTF-8 byte), used
wherever a provider limit must never be crossed."""

from __future__ import annotations

import math

# Measured shape of BPE tokenizers (cl100k/o200k families) on Korean: a Hangul syllable costs
# about one token, often more for rare syllables; ASCII words about four characters a token.
_HANGUL_TOKENS = 1.5
_OTHER_NON_ASCII_TOKENS = 2.0
_ASCII_CHARS_PER_TOKEN = 3.5


def estimate_tokens(text: str) -> int:
    """A conservative typical token count (rounded up); never below 1 for non-empty text."""
    if not text:
        return 0
    hangul = other = ascii_chars = 0
    for char in text:
        code = ord(char)
        if code < 128:
            ascii_chars += 1
        elif 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
            hangul += 1
        else:
            other += 1
    total = hangul * _HANGUL_TOKENS + other * _OTHER_NON_ASCII_TOKENS + ascii_chars / _ASCII_CHARS_PER_TOKEN
    return max(1, math.ceil(total))


def max_tokens(text: str) -> int:
    """An upper bound no tokenizer exceeds: one token per UTF-8 byte."""
    return len(text.encode("utf-8"))
