"""parse_article_api: the article API's answers and errors, by status and by in-body errorCode."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from changple_adapters.naver.parser import parse_article_api
from changple_domain.model.posts import KST
from changple_domain.model.providers import ScrapedArticle, ScrapeOutcome
from tests.fixtures.naver_cafe import pages
from tests.fixtures.naver_cafe.corpus import SCRAPED_AT, article, post_url


def _payload(article_id: int = 1003) -> dict[str, Any]:
    found = article(article_id)
    assert found is not None
    return pages.api_article(found)


def _parse(payload: object, status: int = 200, article_id: int = 1003) -> ScrapedArticle:
    return parse_article_api(
        payload, article_id=article_id, url=post_url(article_id), status_code=status, scraped_at=SCRAPED_AT
    )


def test_an_article_answer_becomes_a_post_with_decoded_board_and_minute_precision() -> None:
    payload = _payload(1003)
    assert payload["result"]["article"]["menu"]["name"] == "창업 Q&amp;A"
    assert payload["result"]["article"]["writeDate"] % 60_000 == 37_000
    post = _parse(payload).post
    assert post is not None
    assert (post.board, post.board_id, post.author) == ("창업 Q&A", 3, "외식경영박사")
    assert post.published_at.second == 0
    assert post.published_at.utcoffset() == KST.utcoffset(None)
    assert "— 외식경영 강의 노트" in post.content


@pytest.mark.parametrize(
    ("status", "payload"),
    [
        (401, None),
        (401, {"result": {"errorCode": "UNAUTHORIZED"}}),
        (200, {"result": {"errorCode": "UNAUTHORIZED", "reason": "로그인이 필요합니다."}}),
        (200, {"result": {"errorCode": "NOT_LOGGED_IN"}}),
        (200, {"errorCode": "not-logged-in"}),
        (200, {"message": {"status": "401", "error": {"code": "NEED_LOGIN", "msg": "login"}}}),
    ],
)
def test_login_answers_say_the_session_must_be_renewed(status: int, payload: object) -> None:
    result = _parse(payload, status)
    assert result.outcome is ScrapeOutcome.LOGIN_REQUIRED
    assert "storage_state" in (result.reason or "")


@pytest.mark.parametrize(
    ("status", "payload", "outcome"),
    [
        (404, {"result": {"errorCode": "ARTICLE_NOT_FOUND"}}, ScrapeOutcome.DELETED),
        (200, {"result": {"errorCode": "DELETED_ARTICLE", "reason": "삭제된 게시글"}}, ScrapeOutcome.DELETED),
        (200, {"errorCode": "NOT_EXIST_ARTICLE"}, ScrapeOutcome.DELETED),
        (403, {"result": {"errorCode": "MEMBER_ONLY"}}, ScrapeOutcome.MEMBERS_ONLY),
        (403, {"result": {"errorCode": "NOT_CAFE_MEMBER"}}, ScrapeOutcome.MEMBERS_ONLY),
        (403, {"result": {"errorCode": "4003", "reason": "카페 멤버만 볼 수 있습니다."}}, ScrapeOutcome.MEMBERS_ONLY),
        (200, {"result": {"errorCode": "0004", "reason": "존재하지 않는 게시글입니다."}}, ScrapeOutcome.DELETED),
    ],
)
def test_error_codes_and_their_messages_are_classified(status: int, payload: object, outcome: ScrapeOutcome) -> None:
    result = _parse(payload, status)
    assert result.outcome is outcome
    assert result.post is None


@pytest.mark.hostile
@pytest.mark.parametrize(
    ("status", "payload", "said"),
    [
        (404, None, "HTTP 404 with no errorCode"),
        (200, {"result": {"errorCode": "SERVICE_MAINTENANCE", "reason": "점검 중"}}, "errorCode SERVICE_MAINTENANCE"),
        (200, {"unexpected": True}, "HTTP 200 with no errorCode"),
        (500, "<html>error</html>", "HTTP 500"),
        (200, [1, 2, 3], "HTTP 200"),
    ],
)
def test_anything_else_is_an_error_with_what_came_back(status: int, payload: object, said: str) -> None:
    result = _parse(payload, status)
    assert result.outcome is ScrapeOutcome.ERROR
    assert said in (result.reason or "")


@pytest.mark.hostile
@pytest.mark.parametrize(
    ("path", "value", "missing"),
    [
        (("subject",), None, "title"),
        (("subject",), "   ", "title"),
        (("writer",), None, "author"),
        (("writer", "nick"), 42, "author"),
        (("writeDate",), None, "date"),
        (("writeDate",), True, "date"),
        (("writeDate",), -5, "date"),
        (("writeDate",), 10**30, "date"),
        (("contentHtml",), None, "body"),
        (("contentHtml",), "<div class='se-main-container'><p>\u200b</p></div>", "body text"),
    ],
)
def test_a_partial_article_is_an_error_naming_the_missing_field(
    path: tuple[str, ...], value: object, missing: str
) -> None:
    payload = copy.deepcopy(_payload(1001))
    target = payload["result"]["article"]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    result = _parse(payload, article_id=1001)
    assert result.outcome is ScrapeOutcome.ERROR
    assert result.reason == f"unknown article layout: no {missing} found"


def test_a_missing_menu_leaves_the_board_empty_but_saves() -> None:
    payload = copy.deepcopy(_payload(1001))
    del payload["result"]["article"]["menu"]
    post = _parse(payload, article_id=1001).post
    assert post is not None
    assert (post.board, post.board_id) == ("", None)


def test_string_numbers_are_accepted_for_dates_and_menu_ids() -> None:
    payload = copy.deepcopy(_payload(1001))
    article_json = payload["result"]["article"]
    article_json["writeDate"] = str(article_json["writeDate"])
    article_json["menu"]["id"] = "1"
    post = _parse(payload, article_id=1001).post
    assert post is not None
    assert post.board_id == 1
    assert post.published_at == _parse(_payload(1001), article_id=1001).post.published_at  # type: ignore[union-attr]
