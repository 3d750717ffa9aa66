"""Brand mentions: found whatever the spacing, case, composition or invisible characters."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from changple_domain.policies.brands import brand_mentions
from changple_domain.policies.change_detection import normalize_text

BRANDS = ["카페온도", "교촌치킨", "BBQ", "온담 국밥"]
noise = st.sampled_from([" ", "\n", "\t", "\xa0", "\u200b", "\ufeff", "\u3000", "", "", ""])
hangul = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)


def _mentions_by_the_rule(title: str, content: str, names: list[str]) -> tuple[str, ...]:
    """The rule as first written: normalize the text, fold case, drop all white space, look for each name."""
    squeezed = "".join(normalize_text(f"{title}\n{content}").casefold().split())
    return tuple(sorted({n for n in names if n and "".join(n.casefold().split()) in squeezed}))


@st.composite
def posts(draw: st.DrawFn) -> tuple[str, str]:
    parts = draw(st.lists(st.one_of(st.sampled_from(BRANDS), st.text(hangul, max_size=5), noise), max_size=12))
    spaced = [draw(noise).join(part) if part in BRANDS and draw(st.booleans()) else part for part in parts]
    text = "".join(spaced)
    if draw(st.booleans()):
        text = unicodedata.normalize("NFD", text)
    return draw(st.text(hangul, max_size=6)), text


@settings(max_examples=300, deadline=None)
@given(post=posts())
def test_mentions_follow_the_rule(post: tuple[str, str]) -> None:
    title, content = post
    assert brand_mentions(title, content, BRANDS) == _mentions_by_the_rule(title, content, BRANDS)


def test_spacing_case_and_decomposed_text_still_name_the_brand() -> None:
    content = unicodedata.normalize("NFD", "어제 카페 온\u200b도에 다녀왔고 bbq도 먹었습니다")
    assert brand_mentions("후기", content, BRANDS) == ("BBQ", "카페온도")
    assert brand_mentions("후기", content, []) == ()
