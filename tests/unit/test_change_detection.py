"""Change detection: the content hash ignores invisible differences and sees every visible one."""

from __future__ import annotations

import string
import unicodedata

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from changple_domain.policies.change_detection import HASH_VERSION, content_hash, has_changed, normalize_text

# Precomposed Hangul syllables (가..힣): their NFD forms are sequences of conjoining jamo.
hangul = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
visible = st.one_of(hangul, st.sampled_from(string.ascii_letters + string.digits + ".,!?()-:/~%"))
word = st.text(visible, min_size=1, max_size=8)
line = st.lists(word, min_size=1, max_size=6).map(" ".join)
paragraph = st.lists(line, min_size=1, max_size=4).map("\n".join)
korean_text = st.lists(paragraph, min_size=1, max_size=4).map("\n\n".join)
paragraphs = st.lists(paragraph, min_size=1, max_size=4)

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"

fast = settings(max_examples=150, deadline=None)


@fast
@given(title=korean_text, content=korean_text)
def test_hash_is_deterministic_and_versioned_hex(title: str, content: str) -> None:
    first = content_hash(title, content)
    assert first == content_hash(title, content)
    assert len(first) == 64
    assert set(first) <= set("0123456789abcdef")
    assert not has_changed(first, title, content)
    assert has_changed(None, title, content)


def test_hash_depends_on_the_version_prefix() -> None:
    import hashlib

    expected = hashlib.sha256(f"{HASH_VERSION}\x1f제목\x1f본문".encode()).hexdigest()
    assert content_hash("제목", "본문") == expected


@fast
@given(title=korean_text, content=korean_text, syllable=hangul)
def test_hash_ignores_nfd_decomposition(title: str, content: str, syllable: str) -> None:
    content += syllable
    nfd_title, nfd_content = unicodedata.normalize("NFD", title), unicodedata.normalize("NFD", content)
    assert nfd_content != content  # a Hangul syllable always decomposes
    assert content_hash(nfd_title, nfd_content) == content_hash(title, content)


def test_nfd_korean_example_really_differs_before_normalization() -> None:
    composed = "창업 준비"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert normalize_text(decomposed) == composed
    assert content_hash("제목", decomposed) == content_hash("제목", composed)


@fast
@given(title=korean_text, content=korean_text, trailing=st.lists(st.text(" \t", min_size=1, max_size=4), min_size=1))
def test_hash_ignores_trailing_and_leading_spaces_on_lines(title: str, content: str, trailing: list[str]) -> None:
    lines = content.split("\n")
    padded = "\n".join(
        trailing[i % len(trailing)] + ln + trailing[(i + 1) % len(trailing)] for i, ln in enumerate(lines)
    )
    assert content_hash(title + trailing[0], padded) == content_hash(title, content)


@fast
@given(title=korean_text, content=korean_text)
def test_hash_ignores_crlf_and_cr_line_endings(title: str, content: str) -> None:
    expected = content_hash(title, content)
    assert content_hash(title, content.replace("\n", "\r\n")) == expected
    assert content_hash(title, content.replace("\n", "\r")) == expected


@fast
@given(title=korean_text, paras=paragraphs, gaps=st.lists(st.integers(2, 6), min_size=1), edge=st.integers(0, 4))
def test_hash_ignores_extra_blank_lines(title: str, paras: list[str], gaps: list[int], edge: int) -> None:
    canonical = "\n\n".join(paras)
    spread = paras[0]
    for i, para in enumerate(paras[1:]):
        spread += "\n" * gaps[i % len(gaps)] + para
    spread = "\n" * edge + spread + "\n" * edge
    assert content_hash(title, spread) == content_hash(title, canonical)


@fast
@given(content=korean_text, data=st.data())
def test_hash_ignores_zero_width_characters(content: str, data: st.DataObject) -> None:
    chars = list(content)
    inserts = data.draw(st.lists(st.tuples(st.integers(0, len(chars)), st.sampled_from(ZERO_WIDTH)), min_size=1))
    for position, zw in sorted(inserts, reverse=True):
        chars.insert(position, zw)
    dirty = "".join(chars)
    assert dirty != content
    assert content_hash("제목", dirty) == content_hash("제목", content)


@fast
@given(content=korean_text, data=st.data())
def test_hash_ignores_nbsp_and_runs_of_spaces(content: str, data: st.DataObject) -> None:
    pieces = content.split(" ")
    seps = data.draw(st.lists(st.sampled_from(["\xa0", "  ", " \xa0 ", "\t", "\u3000"]), min_size=len(pieces)))
    dirty = "".join(piece + (seps[i] if i < len(pieces) - 1 else "") for i, piece in enumerate(pieces))
    assert content_hash("제목", dirty) == content_hash("제목", content)


@fast
@given(title=korean_text, content=korean_text, syllable=hangul)
def test_hash_changes_when_a_visible_character_is_added(title: str, content: str, syllable: str) -> None:
    before = content_hash(title, content)
    assert content_hash(title, content + syllable) != before
    assert content_hash(title + syllable, content) != before
    assert has_changed(before, title, content + syllable)


@fast
@given(title=korean_text, content=korean_text, data=st.data())
def test_hash_changes_when_a_visible_character_is_replaced(title: str, content: str, data: st.DataObject) -> None:
    positions = [i for i, ch in enumerate(content) if not ch.isspace()]
    i = data.draw(st.sampled_from(positions))
    replacement = data.draw(visible.filter(lambda ch: ch != content[i]))
    edited = content[:i] + replacement + content[i + 1 :]
    assert content_hash(title, edited) != content_hash(title, content)


@fast
@given(text=st.text(st.characters(exclude_characters=ZERO_WIDTH), max_size=60))
def test_normalize_text_is_idempotent_on_any_text_without_zero_width(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once


@fast
@given(
    text=st.text(
        st.one_of(visible, st.sampled_from([*ZERO_WIDTH, " ", "\t", "\n", "\r", "\xa0", "\u3000"])), max_size=80
    )
)
def test_normalize_text_is_idempotent_on_scraped_like_text(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert "\r" not in once
    assert "\n\n\n" not in once
    assert once == once.strip()
    assert not any(ch in once for ch in ZERO_WIDTH + "\xa0")


def test_zero_width_inside_a_decomposed_syllable_is_ignored() -> None:
    cases = [
        ("\u1100\u200b\u1161", "가"),  # NFD 가 with a zero-width space between the jamo
        ("\u1112\u1161\u200b\u11ab", "한"),  # zero-width space before the final consonant
        ("e\u200d\u0301", "é"),  # zero-width joiner between a letter and its combining accent
    ]
    for dirty, clean in cases:
        once = normalize_text(dirty)
        assert normalize_text(once) == once, ascii(dirty)
        assert content_hash("제목", dirty) == content_hash("제목", clean), ascii(dirty)


def test_zero_width_between_decomposed_syllables_is_ignored() -> None:
    dirty = unicodedata.normalize("NFD", "한") + "\u200b" + unicodedata.normalize("NFD", "국")
    assert normalize_text(dirty) == "한국"


@fast
@given(a=korean_text, b=korean_text)
def test_title_and_content_are_not_interchangeable(a: str, b: str) -> None:
    assume(normalize_text(a) != normalize_text(b))
    assert content_hash(a, b) != content_hash(b, a)


@fast
@given(a=korean_text, b=korean_text, c=korean_text)
def test_moving_text_across_the_title_content_boundary_changes_the_hash(a: str, b: str, c: str) -> None:
    assert content_hash(a + b, c) != content_hash(a, b + c)


@fast
@given(title=korean_text)
def test_separator_character_in_a_title_cannot_forge_another_split(title: str) -> None:
    # \x1f is the payload separator; it is white space to normalize_text, so it cannot smuggle a split.
    assert content_hash(f"{title}\x1fx", "y") != content_hash(title, "x\x1fy")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  가  나 \t다  ", "가 나 다"),
        ("a\r\n\r\n\r\n\r\nb", "a\n\nb"),
        ("a\u200bb\ufeff", "ab"),
        ("a\xa0\xa0b", "a b"),
        ("\n\n 첫 줄 \n둘째 줄\n\n\n", "첫 줄\n둘째 줄"),
    ],
)
def test_normalize_text_examples(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def _normalize_as_hash_version_v1_defined_it(text: str) -> str:
    """The v1 rule spelled out with regular expressions: the fast `normalize_text` must agree with it
    on every input, or every stored hash would change (and every post be paid for again)."""
    import re

    text = re.sub("[\u200b\u200c\u200d\u2060\ufeff]", "", text).replace("\xa0", " ")
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[^\S\n]+", " ", text)
    text = "\n".join(part.strip() for part in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


WHITE_SPACE = [" ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\xa0", "\u1680", "\u2000", "\u2028"]
WHITE_SPACE += ["\u2029", "\u202f", "\u3000"]


@settings(max_examples=600, deadline=None)
@given(
    text=st.text(
        st.one_of(
            visible,
            st.sampled_from([*ZERO_WIDTH, *WHITE_SPACE, "\u1100", "\u1161", "\u11a8", "\u0301"]),
            st.characters(),
        ),
        max_size=80,
    )
)
def test_normalize_text_keeps_the_v1_rule_exactly(text: str) -> None:
    assert normalize_text(text) == _normalize_as_hash_version_v1_defined_it(text)
