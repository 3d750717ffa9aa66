"""The Naver parsers over every page of the fixture cafe: fields read exactly, paragraphs and
entities right, lazy images in order, and the same CafePost from the new skin, the old skin and
the article API. Expectations come from the corpus's block structure, not from parser output."""

from __future__ import annotations

from datetime import datetime

import pytest

from changple_adapters.naver.parser import parse_article_api, parse_article_html
from changple_domain.model.posts import KST
from changple_domain.model.providers import ScrapedArticle, ScrapeOutcome
from tests.fixtures.naver_cafe import pages
from tests.fixtures.naver_cafe.corpus import ARTICLES, NOTICES, SCRAPED_AT, Article, article, board_name, post_url

ARTICLE_IDS = [a.article_id for a in ARTICLES]
URL = "https://cafe.naver.com/changple/{}"


def _corpus(article_id: int) -> Article:
    found = article(article_id)
    assert found is not None
    return found


def _parse(document: str, article_id: int) -> ScrapedArticle:
    return parse_article_html(document, article_id=article_id, url=post_url(article_id), scraped_at=SCRAPED_AT)


def _api(found: Article) -> ScrapedArticle:
    return parse_article_api(
        pages.api_article(found), article_id=found.article_id, url=post_url(found.article_id), scraped_at=SCRAPED_AT
    )


@pytest.mark.parametrize("article_id", ARTICLE_IDS)
@pytest.mark.parametrize("skin", ["new", "old"])
def test_every_article_is_read_field_by_field(article_id: int, skin: str) -> None:
    found = _corpus(article_id)
    document = pages.new_skin(found) if skin == "new" else pages.old_skin(found)
    result = _parse(document, article_id)
    assert result.outcome is ScrapeOutcome.SAVED, result.reason
    post = result.post
    assert post is not None
    assert (post.title, post.author, post.board, post.board_id) == (
        found.title,
        found.author,
        board_name(found),
        found.board_id,
    )
    assert post.published_at == found.published_at
    assert post.published_at.utcoffset() == KST.utcoffset(None)
    assert post.content == found.content
    assert post.image_urls == found.image_urls
    assert post.url == post_url(article_id)
    assert post.scraped_at == SCRAPED_AT
    assert post.brand_mentions == ()  # the domain computes them when recording


@pytest.mark.parametrize("article_id", ARTICLE_IDS)
def test_new_skin_old_skin_and_api_give_the_same_post(article_id: int) -> None:
    found = _corpus(article_id)
    new = _parse(pages.new_skin(found), article_id).post
    old = _parse(pages.old_skin(found), article_id).post
    api = _api(found).post
    assert new is not None
    assert new == old == api
    assert api is not None
    assert new.content_hash == api.content_hash


@pytest.mark.parametrize("article_id", sorted(NOTICES))
def test_every_non_article_page_is_classified(article_id: int) -> None:
    notice = NOTICES[article_id]
    document = pages.frame_document(article_id)
    if document is None:  # the page that never loads has no document to parse
        assert notice.kind == "hang"
        return
    result = _parse(document, article_id)
    assert result.outcome is notice.outcome, result.reason
    assert result.post is None
    assert result.reason
    if notice.message and notice.outcome is not ScrapeOutcome.ERROR:
        assert notice.message in result.reason


def test_paragraphs_are_kept_and_whitespace_inside_them_collapsed() -> None:
    post = _parse(pages.new_skin(_corpus(1002)), 1002).post
    assert post is not None
    paragraphs = post.content.split("\n\n")
    assert len(paragraphs) == 3
    assert paragraphs[0] == "홀 매출이 중요한 업종이라면 역세권 1층의 높은 임대료가 광고비 역할을 합니다."
    assert not any(mark in post.content for mark in ("  ", "\xa0", "\u200b", "\n\n\n"))


def test_entities_are_decoded_in_board_names_titles_text_and_links() -> None:
    qa = _parse(pages.new_skin(_corpus(1003)), 1003).post
    tip = _parse(pages.old_skin(_corpus(1004)), 1004).post
    interior = _parse(pages.new_skin(_corpus(1006)), 1006).post
    assert qa is not None
    assert tip is not None
    assert interior is not None
    assert "&amp;" in pages.new_skin(_corpus(1003))
    assert qa.board == "창업 Q&A"
    assert tip.board == "세무·노무 <Tip>"
    assert "매입 < 매출" in tip.content
    assert "https://www.sbiz.or.kr/guide/interior?year=2024&type=food" in interior.content


def test_lazy_images_resolve_to_their_real_urls_in_order_without_repeats() -> None:
    post = _parse(pages.new_skin(_corpus(1006)), 1006).post
    assert post is not None
    names = [url.rsplit("/", 1)[1].split(".")[0] for url in post.image_urls]
    assert names == ["chicken-kitchen-before", "chicken-kitchen-after"]  # data-src, data-lazy-src, repeat dropped
    assert not any(url.startswith("data:") for url in post.image_urls)
    assert "thumb.png" not in " ".join(post.image_urls)  # link-preview thumbnails are not article images


def test_smart_editor_quotes_links_and_captions_become_text() -> None:
    post = _parse(pages.new_skin(_corpus(1030)), 1030).post
    assert post is not None
    assert post.content.startswith("재료 손질이 거의 없어서 주방 경력이 없어도 2주면 익숙해집니다.\n\n")
    assert "\n\n— 탕탕마라 수원점 점주\n\n" in post.content
    assert post.content.endswith("인터뷰 현장")
    link = _parse(pages.new_skin(_corpus(1010)), 1010).post
    assert link is not None
    assert link.content.endswith(
        "가맹사업거래 정보공개서 열람\n공정거래위원회 가맹사업거래 홈페이지에서 브랜드별 정보공개서를 볼 수 있습니다.\n"
        "https://franchise.ftc.go.kr/mnu/00013/program/userRqst/list.do"
    )


def test_scripts_styles_and_comments_outside_the_viewer_are_not_content() -> None:
    post = _parse(pages.new_skin(_corpus(1001)), 1001).post
    assert post is not None
    for stray in ("__se_module_data", "v2", "font-family", "삭제된 댓글", "좋은 글 감사합니다", "조회"):
        assert stray not in post.content


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ('src="https://a/placeholder.gif" data-lazy-src="https://a/lazy.jpg" data-src="https://a/b.jpg"', "lazy"),
        ('src="https://a/src.jpg" data-original="https://a/original.jpg"', "original"),
        ('src="data:image/gif;base64,AAAA" data-src="https://a/src.jpg"', "src"),
        ('src="data:image/png;base64,AAAA"', None),
        ('data-lazy-src="  " src="https://a/src.jpg"', "src"),
    ],
)
def test_image_url_attribute_priority(attributes: str, expected: str | None) -> None:
    found = _corpus(1002)
    document = pages.new_skin(found).replace(
        '<div class="se-main-container">', f'<div class="se-main-container"><p><img {attributes}></p>'
    )
    post = _parse(document, 1002).post
    assert post is not None
    urls = [u for u in post.image_urls if u.startswith("https://a/")]
    assert urls == ([] if expected is None else [f"https://a/{expected}.jpg"])


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        ("2024.05.01. 13:20", datetime(2024, 5, 1, 13, 20, tzinfo=KST)),
        ("2024.5.1. 09:05:59", datetime(2024, 5, 1, 9, 5, tzinfo=KST)),
        ("작성일 2023.12.31. 23:59", datetime(2023, 12, 31, 23, 59, tzinfo=KST)),
    ],
)
def test_dates_are_read_as_kst_to_the_minute(shown: str, expected: datetime) -> None:
    found = _corpus(1001)
    document = pages.new_skin(found).replace(found.published_at.strftime("%Y.%m.%d. %H:%M"), shown)
    post = _parse(document, 1001).post
    assert post is not None
    assert post.published_at == expected


@pytest.mark.hostile
@pytest.mark.parametrize("shown", ["2024.13.40. 25:99", "어제", ""])
def test_an_unreadable_date_is_an_error_not_a_post(shown: str) -> None:
    found = _corpus(1001)
    document = pages.new_skin(found).replace(found.published_at.strftime("%Y.%m.%d. %H:%M"), shown)
    result = _parse(document, 1001)
    assert result.outcome is ScrapeOutcome.ERROR
    assert result.reason == "unknown article layout: no date found"


@pytest.mark.hostile
def test_missing_pieces_are_named_in_the_reason() -> None:
    found = _corpus(1001)
    no_author = pages.new_skin(found).replace('class="nickname"', 'class="nick"')
    assert _parse(no_author, 1001).reason == "unknown article layout: no author found"
    empty_body = pages.old_skin(_corpus(1009)).split('id="tbody">')[0] + 'id="tbody"> <p>&nbsp;</p></div>'
    assert _parse(empty_body, 1009).reason == "unknown article layout: no body text found"
    assert "no author, no date, no body found" in (_parse(pages.MALFORMED_PAGE, 1047).reason or "")


def test_a_login_address_or_form_means_the_session_must_be_renewed() -> None:
    by_url = parse_article_html(
        pages.new_skin(_corpus(1001)), article_id=1001, url="https://nid.naver.com/nidlogin.login?mode=form"
    )
    by_form = _parse(pages.LOGIN_PAGE, 1001)
    for result in (by_url, by_form):
        assert result.outcome is ScrapeOutcome.LOGIN_REQUIRED
        assert "storage_state" in (result.reason or "")


@pytest.mark.hostile
def test_keywords_decide_an_error_page_and_unknown_wording_stays_an_error() -> None:
    said = {
        "이 게시글은 삭제되었습니다": ScrapeOutcome.DELETED,
        "회원만 열람 가능한 글입니다": ScrapeOutcome.MEMBERS_ONLY,
        "로그인 후 이용해 주세요": ScrapeOutcome.LOGIN_REQUIRED,
        "잠시 후 다시 시도해 주세요": ScrapeOutcome.ERROR,
    }
    for message, outcome in said.items():
        result = _parse(pages.error_page(message), 1001)
        assert result.outcome is outcome
        assert message in (result.reason or "")
