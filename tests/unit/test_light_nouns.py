"""The light noun finder (the offline summarizer's default) on real Korean sentences: particles
and copulas come off, verb forms and stopwords go, nouns that merely end like a particle stay
whole, Latin brand names stay, numbers and their units go, and the same text always gives the
same nouns. Pure Python: kiwipiepy is never imported."""

from __future__ import annotations

import subprocess
import sys

import pytest

from changple_adapters.local.extractive import STOPWORDS
from changple_adapters.local.light_nouns import LIGHT_STOPWORDS, light_nouns, light_nouns_many, noun_of_word


@pytest.mark.parametrize(
    ("sentence", "nouns"),
    [
        (
            "권리금은 바닥권리금과 시설권리금, 영업권리금으로 나뉘는데 중개사는 세 가지를 구분하지 않고 불렀습니다.",
            ("권리금", "바닥권리금", "시설권리금", "영업권리금", "중개사"),
        ),
        (
            "임대차 계약 기간이 1년 반밖에 남지 않아서 건물주가 재계약을 해 줄지도 걱정입니다.",
            ("임대차", "계약", "기간", "남지", "건물주", "재계약", "걱정"),
        ),
        (
            "BBQ 가맹점주분들이 POS 프로그램에서 매출을 확인하셔야 합니다.",
            ("BBQ", "가맹점주", "POS", "프로그램", "매출"),
        ),
        ("회의에서 제도와 원가를 논의했고, 문의는 카카오톡 https://open.kakao.com/o/abc 으로 주세요.",
         ("회의", "제도", "원가", "문의", "카카오톡")),
    ],
)  # fmt: skip
def test_the_nouns_of_real_sentences(sentence: str, nouns: tuple[str, ...]) -> None:
    assert light_nouns(sentence) == nouns


@pytest.mark.parametrize(
    ("word", "noun"),
    [
        ("권리금은", "권리금"), ("가게가", "가게"), ("매출을", "매출"), ("상권의", "상권"), ("본사에서는", "본사"),
        ("점주에게", "점주"), ("인테리어처럼", "인테리어"), ("월세보다", "월세"), ("오픈까지", "오픈"),
        ("계약부터", "계약"), ("상권으로", "상권"), ("서울로", "서울"), ("가맹비와", "가맹비"), ("보증금과", "보증금"),
        ("권리금도", "권리금"), ("매장만", "매장"), ("걱정입니다", "걱정"), ("가게예요", "가게"),
        ("사이였습니다", "사이"), ("문제인데", "문제"), ("사장님들", "사장"), ("원가율이", "원가"),
        ("가능성", "가능"), ("항목별로", "항목"), ("주휴수당은", "주휴수당"), ("이면도로", "이면도로"),
    ],
)  # fmt: skip
def test_particles_copulas_and_suffixes_come_off(word: str, noun: str) -> None:
    assert noun_of_word(word) == noun


@pytest.mark.parametrize("word", ["원가", "차이", "사이", "평가", "추가", "제도", "회의", "문의", "가게", "휴게"])
def test_nouns_that_end_like_a_particle_stay_whole(word: str) -> None:
    assert noun_of_word(word) == word


@pytest.mark.parametrize(
    "word",
    [
        "확인하세요", "확인했습니다", "필요한", "준비하는", "정리됩니다", "계약해야", "불렀습니다", "나뉘는데",
        "있는지", "없는", "남는", "할지", "크게", "받아", "보면", "첫째", "그렇게", "반드시",
    ],
)  # fmt: skip
def test_verb_forms_are_not_nouns(word: str) -> None:
    assert noun_of_word(word) is None


def test_a_noun_made_into_a_verb_is_dropped_but_one_taken_as_object_is_kept() -> None:
    assert noun_of_word("확인해야") is None  # 확인+하다: an action
    assert noun_of_word("보호받으려면") == "보호"  # 보호를 받다: as Kiwi reads it
    assert noun_of_word("부탁드립니다") == "부탁"


def test_stopwords_and_single_syllables_are_dropped() -> None:
    nouns = light_nouns(
        "안녕하세요 여러분, 오늘은 정말 그냥 돈 얘기를 좀 해 보겠습니다. 저는 그래서 가게를 열었습니다."
    )
    assert nouns == ("가게",)
    assert {"안녕하세요", "여러분", "오늘", "정말", "그냥", "얘기"} <= LIGHT_STOPWORDS
    assert STOPWORDS <= LIGHT_STOPWORDS


def test_numbers_and_their_units_are_dropped() -> None:
    assert light_nouns("권리금 8천만 원, 보증금 3,000만 원에 월세 250만 원, 20평 매장, 3개월 자료") == (
        "권리금",
        "보증금",
        "월세",
        "매장",
        "자료",
    )


def test_the_same_text_gives_the_same_nouns_every_time() -> None:
    texts = [
        "창업 비용에서 권리금가 제일 컸습니다.",  # a slip (가 after a consonant) on a long stem still comes off
        "상권 분석은 유동인구와 배후 세대부터 봅니다.",
        "",
    ]
    first = list(light_nouns_many(texts))
    assert first == [("창업", "비용", "권리금"), ("상권", "분석", "유동인구", "배후", "세대"), ()]
    noun_of_word.cache_clear()
    assert list(light_nouns_many(list(reversed(texts)))) == list(reversed(first))


def test_the_finder_imports_no_morphology_library() -> None:
    code = "import sys; import changple_adapters.local.light_nouns as m; m.light_nouns('권리금은 얼마인가요'); " + (
        "assert not {n.split('.')[0] for n in sys.modules} & {'kiwipiepy', 'numpy', 'sklearn'}, sorted(sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).returncode == 0
