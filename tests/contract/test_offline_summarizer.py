"""The offline summarizer's Korean behaviour, with each noun finder (light, the default, and Kiwi):
keywords are nouns of the post (by Kiwi's own reading), summaries are the post's own sentences,
IDF works over the batch, and records survive a restart when kept on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from changple_adapters.local.extractive import MAX_SUMMARY_CHARS, split_sentences
from changple_adapters.local.summarizer import NounFinder, OfflineBatchSummarizer
from changple_domain.model.providers import SummaryRequest, SummaryResult
from tests.contract.summary_support import make_job, sample_requests, shared_kiwi

KEY_MONEY_POST = SummaryRequest(
    article_id=7001,
    content_hash="a" * 64,
    title="권리금 8천만 원 매물, 계약 전에 확인할 것들",
    board="창업 질문",
    content=(
        "안녕하세요. 이번에 권리금 8천만 원짜리 치킨집 매물을 보고 왔습니다.\n\n"
        "권리금은 바닥권리금과 시설권리금, 영업권리금으로 나뉘는데 중개사는 세 가지를 구분하지 않고 한 번에 "
        "불렀습니다. 매출 장부와 카드 매출 내역을 요구했더니 최근 3개월 자료만 보여 주더군요.\n\n"
        "임대차 계약 기간이 1년 반밖에 남지 않아서 건물주가 재계약을 해 줄지도 걱정입니다. 권리금 회수 기회를 "
        "보호받으려면 계약갱신요구권이 남아 있는지 먼저 확인해야 한다고 들었습니다.\n\n"
        "혹시 권리금 협상을 해 보신 분들 조언 부탁드립니다!"
    ),
)
NOUN_TAGS = {"NNG", "NNP", "SL"}
# Kiwi reads a few derived nouns as noun + suffix (가능+성, 원가+율); the light finder strips those.
NOUN_SUFFIX_TAGS = {"XSN"}


@pytest.fixture(params=["light", "kiwi"])
def finder(request: pytest.FixtureRequest) -> NounFinder:
    name: NounFinder = request.param
    return name


def offline(finder: NounFinder, **options: Path) -> OfflineBatchSummarizer:
    if finder == "kiwi":
        return OfflineBatchSummarizer(kiwi=shared_kiwi(), **options)
    return OfflineBatchSummarizer(nouns=finder, **options)


def _summarize(*requests: SummaryRequest, finder: NounFinder) -> list[SummaryResult]:
    summarizer = offline(finder)
    provider_job_id = summarizer.submit(make_job(), requests)
    by_id = {r.article_id: r for r in summarizer.results(provider_job_id)}
    return [by_id[r.article_id] for r in requests]


def test_keywords_are_nouns_written_in_the_post(finder: NounFinder) -> None:
    (result,) = _summarize(KEY_MONEY_POST, finder=finder)
    text = f"{KEY_MONEY_POST.title}\n{KEY_MONEY_POST.content}"
    assert 5 <= len(result.keywords) <= 8
    assert result.keywords[0] == "권리금"  # four mentions and the title
    for keyword in result.keywords:
        assert keyword in text
        tags = {token.tag for token in shared_kiwi().tokenize(keyword)}
        assert tags <= NOUN_TAGS, (keyword, tags)


def test_the_summary_is_made_of_the_posts_own_sentences(finder: NounFinder) -> None:
    (result,) = _summarize(KEY_MONEY_POST, finder=finder)
    assert result.summary is not None
    sentences = split_sentences(result.summary)
    assert 1 <= len(sentences) <= 3
    assert all(sentence in KEY_MONEY_POST.content for sentence in sentences)
    assert "안녕하세요" not in result.summary  # a greeting names no topic
    order = [KEY_MONEY_POST.content.index(s) for s in sentences]
    assert order == sorted(order), "picked sentences keep the post's order"


def test_summaries_stay_short_on_long_posts(finder: NounFinder) -> None:
    for result in _summarize(*sample_requests(), finder=finder):
        assert result.summary is not None
        assert len(result.summary) <= MAX_SUMMARY_CHARS


def test_questions_are_korean_and_built_on_the_keywords(finder: NounFinder) -> None:
    (result,) = _summarize(KEY_MONEY_POST, finder=finder)
    assert 2 <= len(result.possible_questions) <= 3
    assert result.possible_questions[0].startswith("권리금과 ")  # 권리금 ends in ㅁ: 과, not 와
    assert all(q.endswith("?") for q in result.possible_questions)
    assert all(any(k in q for k in result.keywords) for q in result.possible_questions)


def test_words_every_post_shares_weigh_less_in_a_batch(finder: NounFinder) -> None:
    def post(article_id: int, topic: str, verb: str) -> SummaryRequest:
        content = (
            f"창업 비용에서 {topic}가 제일 컸습니다. 창업 전에 {topic} {verb} 꼭 하세요. "
            f"창업 준비는 {topic} 확인부터입니다."
        )
        return SummaryRequest(
            article_id=article_id, content_hash="b" * 64, title="창업 비용 정리", board="-", content=content
        )

    key_money, interior = post(1, "권리금", "협상을"), post(2, "인테리어", "견적 비교를")
    assert _summarize(key_money, finder=finder)[0].keywords[0] == "창업"  # alone, the most frequent noun leads
    in_batch = _summarize(key_money, interior, finder=finder)
    assert [r.keywords[0] for r in in_batch] == ["권리금", "인테리어"]


def test_an_empty_post_is_an_error_result(finder: NounFinder) -> None:
    empty = SummaryRequest(article_id=9, content_hash="c" * 64, title="", board="-", content="  \n ")
    (result,) = _summarize(empty, KEY_MONEY_POST, finder=finder)[:1]
    assert result.error
    assert result.summary is None


def test_records_on_disk_are_found_by_a_new_instance(tmp_path: Path, finder: NounFinder) -> None:
    job = make_job()
    first = offline(finder, state_dir=tmp_path)
    provider_job_id = first.submit(job, [KEY_MONEY_POST])
    again = offline(finder, state_dir=tmp_path)
    assert again.find(job) == provider_job_id
    assert list(again.results(provider_job_id)) == list(first.results(provider_job_id))
    assert again.status(provider_job_id).completed_requests == 1
