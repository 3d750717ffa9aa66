"""A citation shows the summary's first sentence: taken where the sentence ends, cut when long, and
carried in the vector's metadata and the search hit so nothing else need be fetched."""

from __future__ import annotations

from datetime import UTC, datetime

from changple_domain.model.posts import LEAD_MAX, CafePost, lead_sentence
from changple_domain.use_cases.apply_results import vector_metadata


def test_the_lead_is_the_first_sentence_on_one_line() -> None:
    assert (
        lead_sentence("가맹비는 돌려받기 어렵습니다. 다만 교육 전이라면 다릅니다.") == "가맹비는 돌려받기 어렵습니다."
    )
    assert lead_sentence("정말요?  네,\n그렇습니다!") == "정말요?"
    assert lead_sentence("마침표 없는 한 줄") == "마침표 없는 한 줄"
    assert lead_sentence("v1.2 버전은 3.5% 올랐다. 끝.") == "v1.2 버전은 3.5% 올랐다."  # a dot inside a word is no end


def test_a_long_first_sentence_is_cut_with_an_ellipsis() -> None:
    lead = lead_sentence("가" * 500 + ". 다음")
    assert len(lead) == LEAD_MAX
    assert lead.endswith("…")


def test_the_vector_metadata_carries_the_lead() -> None:
    post = CafePost(
        article_id=1003,
        title="가맹계약서 체크리스트",
        content="본문",
        author="창플지기",
        published_at=datetime(2026, 9, 2, tzinfo=UTC),
        url="https://cafe.naver.com/changple/1003",
        summary="계약 전 정보공개서를 받으세요. 영업지역을 확인하세요.",
    )
    assert post.summary_lead == "계약 전 정보공개서를 받으세요."
    assert vector_metadata(post, 0, "본문")["summary_lead"] == "계약 전 정보공개서를 받으세요."
    assert post.model_copy(update={"summary": None}).summary_lead is None
