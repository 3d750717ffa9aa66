"""Hostile input never yields a half-empty post: whatever HTML or JSON comes back (random markup
made of Naver's own class names, truncated corpus pages, mangled API answers), the parsers return
a consistent ScrapedArticle and never raise."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from changple_adapters.naver.parser import parse_article_api, parse_article_html
from changple_domain.model.providers import ScrapedArticle, ScrapeOutcome
from tests.fixtures.naver_cafe import pages
from tests.fixtures.naver_cafe.corpus import ARTICLES, all_ids

pytestmark = pytest.mark.hostile  # the hostile-input corpus: `pytest -m hostile`

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DOCUMENTS = [doc for i in all_ids() if (doc := pages.frame_document(i)) is not None] + [
    pages.old_skin(a) for a in ARTICLES
]

CLASSES = [
    "title_text",
    "ArticleTitle",
    "link_board",
    "WriterInfo",
    "nickname",
    "article_info",
    "date",
    "article_viewer",
    "se-main-container",
    "ContentRenderer",
    "se-component",
    "se-text",
    "se-image",
    "se-caption",
    "se-oglink",
    "se-quotation",
    "se-quote",
    "se-cite",
    "se-text-paragraph",
    "tit-box",
    "b",
    "m-tcol-c",
    "p-nick",
    "error_content_body",
    "error_content",
]
TAGS = ["div", "p", "span", "h3", "a", "td", "table", "tr", "img", "br", "script", "blockquote", "button", "strong"]
WORDS = ["창업", "삭제", "멤버만", "로그인", "2024.05.01. 13:20", "&amp;", "&nbsp;", "\u200b", " ", "<", "가맹비", ""]


@st.composite
def markup(draw: st.DrawFn, depth: int = 0) -> str:
    """Random, often broken, HTML built from the tags, classes and words the parser looks for."""
    parts: list[str] = []
    for _ in range(draw(st.integers(0, 4))):
        if depth < 4 and draw(st.booleans()):
            tag = draw(st.sampled_from(TAGS))
            classes = " ".join(draw(st.lists(st.sampled_from(CLASSES), max_size=2)))
            extra = draw(st.sampled_from(["", ' id="tbody"', ' src="data:x"', ' data-lazy-src="https://i/1.jpg"']))
            closing = draw(st.sampled_from([f"</{tag}>", "", "</div>"]))
            parts.append(f'<{tag} class="{classes}"{extra}>{draw(markup(depth + 1))}{closing}')
        else:
            parts.append(draw(st.sampled_from(WORDS)) + draw(st.text(max_size=8)))
    return "".join(parts)


def _consistent(result: ScrapedArticle, article_id: int) -> None:
    assert result.article_id == article_id
    if result.outcome is ScrapeOutcome.SAVED:
        post = result.post
        assert post is not None
        assert post.title.strip()
        assert post.author.strip()
        assert post.content.strip()
        assert post.published_at.tzinfo is not None
        assert not any(url.startswith("data:") for url in post.image_urls)
        assert len(set(post.image_urls)) == len(post.image_urls)
    else:
        assert result.post is None
        if result.outcome in (ScrapeOutcome.ERROR, ScrapeOutcome.LOGIN_REQUIRED):
            assert result.reason


@PROPERTY_SETTINGS
@given(markup())
def test_random_markup_never_gives_a_half_empty_post(document: str) -> None:
    _consistent(parse_article_html(document, article_id=7, url="https://cafe.naver.com/changple/7"), 7)


@PROPERTY_SETTINGS
@given(st.sampled_from(DOCUMENTS), st.floats(0, 1), st.binary(max_size=20))
def test_truncated_or_corrupted_pages_never_give_a_half_empty_post(document: str, cut: float, junk: bytes) -> None:
    broken = document[: int(len(document) * cut)] + junk.decode("latin-1")
    _consistent(parse_article_html(broken, article_id=9, url="https://cafe.naver.com/changple/9"), 9)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=12), children, max_size=3),
    max_leaves=12,
)
FIELDS = [("subject",), ("writer",), ("writer", "nick"), ("writeDate",), ("menu",), ("menu", "name"), ("contentHtml",)]


@PROPERTY_SETTINGS
@given(JSON, st.sampled_from([200, 401, 403, 404, 429, 500]))
def test_random_json_never_gives_a_half_empty_post(payload: Any, status: int) -> None:
    result = parse_article_api(payload, article_id=3, url="u", status_code=status)
    _consistent(result, 3)
    if status == 401:
        assert result.outcome is ScrapeOutcome.LOGIN_REQUIRED


@PROPERTY_SETTINGS
@given(st.sampled_from(ARTICLES), st.lists(st.tuples(st.sampled_from(FIELDS), JSON), min_size=1, max_size=3))
def test_mangled_article_answers_never_give_a_half_empty_post(found: Any, changes: list[Any]) -> None:
    payload = copy.deepcopy(pages.api_article(found))
    for path, value in changes:
        target = payload["result"]["article"]
        for key in path[:-1]:
            target = target.get(key) if isinstance(target, dict) else None
        if isinstance(target, dict):
            target[path[-1]] = value
    _consistent(parse_article_api(payload, article_id=found.article_id, url="u"), found.article_id)


def test_deep_nesting_does_not_overflow_the_stack() -> None:
    body = "<div>" * 5000 + "깊은 문단" + "</div>" * 5000
    document = pages.new_skin(ARTICLES[0]).replace(
        '<div class="se-main-container">', f'<div class="se-main-container">{body}'
    )
    result = parse_article_html(document, article_id=1, url="u")
    _consistent(result, 1)
    assert result.post is not None
    assert result.post.content.startswith("깊은 문단\n\n")
