"""Token counts for Korean text without downloading a tokenizer.

Two numbers: `estimate_tokens` is the typical count, used for cost estimates before a provider
reports usage; `max_tokens` is a hard upper bound (a BPE token is at least one UTF-8 byte), used
wherever a provider limit must never be crossed."""

from __future__ import annotations

import math
import re

# Measured shape of BPE tokenizers (cl100k/o200k families) on Korean: a Hangul syllable costs
# about one token, often more for rare syllables; ASCII words about four characters a token.
_HANGUL_TOKENS = 1.5
_OTHER_NON_ASCII_TOKENS = 2.0
_ASCII_CHARS_PER_TOKEN = 3.5


# Everything that is neither ASCII nor Hangul (syllables, conjoining and compatibility jamo).
_OTHER_NON_ASCII = re.compile(r"[^\x00-\x7f\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")


def char_tokens(char: str) -> float:
    """The share of a token one character costs, by the same rule as `estimate_tokens`."""
    code = ord(char)
    if code < 128:
        return 1 / _ASCII_CHARS_PER_TOKEN
    if 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
        return _HANGUL_TOKENS
    return _OTHER_NON_ASCII_TOKENS


def estimate_tokens(text: str) -> int:
    """A conservative typical token count (rounded up); never below 1 for non-empty text."""
    if not text:
        return 0
    # Counted in C, not per character in Python: encoding drops what is not ASCII, and in Korean
    # text the regex finds only the few characters that are neither ASCII nor Hangul.
    ascii_chars = len(text.encode("ascii", "ignore"))
    other = len(_OTHER_NON_ASCII.findall(text)) if ascii_chars != len(text) else 0
    hangul = len(text) - ascii_chars - other
    total = hangul * _HANGUL_TOKENS + other * _OTHER_NON_ASCII_TOKENS + ascii_chars / _ASCII_CHARS_PER_TOKEN
    return max(1, math.ceil(total))


def max_tokens(text: str) -> int:
    """An upper bound no tokenizer exceeds: one token per UTF-8 byte."""
    return len(text.encode("utf-8", "surrogatepass"))  # a lone surrogate (from JSON escapes) counts 3 bytes
