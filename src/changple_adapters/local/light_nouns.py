"""A light Korean noun finder for the offline summarizer, in pure Python: no morphological model,
no dictionary, a few microseconds a word (words seen before come from a bounded cache). Each
eojeol (a run of Hangul between spaces and punctuation) loses its particle (josa: 은/는/이/가/을/를/
의/에/에서/으로 ...), a copula ending (입니다/이다/이에요 ...) and plural, honorific and derivational
suffixes (들, 님, 분; 율, 성, 별 ...); a word still ending like a verb or adjective (했습니다, 는데,
려면 ...) is not a topic and is dropped, and so is a noun made into a verb (확인+하다), as Kiwi's
reading in `kiwi_nouns.nouns_in` does. What stays: Hangul stems of two or more syllables and
Latin-script words (BBQ, POS), minus the shared stopwords and a list of frequent adverbs, pronouns
and verb forms. Numbers, and the units written after them (8천만, 3개월), carry no topic.

Particles that change with the last syllable (이/가, 은/는, 을/를, 과/와, 으로/로) are stripped only
when they agree with it (or when three syllables or more are left: a slip such as 권리금가), so 원가
and 평가 stay whole. A two-syllable word loses a one-syllable particle only after a common
one-syllable noun (돈이, 것도, 일만) or when the particle is 은/는/을/를/에, so 차이, 추가, 제도, 회의
and 문의 stay whole too. The rules were checked against Kiwi's nouns on the bundled sample cafe
(`bench/summarizer.py` prints the overlap of keywords and of nouns)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence

from changple_adapters.local.extractive import STOPWORDS

_WORD = re.compile(r"[0-9]*[가-힣]+|[A-Za-z]+")
_URL = re.compile(r"(?:https?://|www\.)\S+|\S+\.(?:com|net|kr|io|org|me)\b\S*", re.IGNORECASE)
_HANGUL_FIRST, _HANGUL_LAST = ord("가"), ord("힣")
_FINAL_SS = frozenset({20, 18})  # ㅆ (했, 있, 었) and ㅄ (없): past tense and 있다/없다 are verbs
_FINAL_N = 4  # ㄴ
_FINAL_L = 8  # ㄹ: 로 follows it as it follows a vowel (서울로)

# Particles, with the last syllable they follow: "c" a consonant, "v" a vowel, "" either.
_PARTICLE_AFTER = {
    "이": "c", "은": "c", "을": "c", "과": "c", "으로": "c", "이나": "c", "이랑": "c", "이든": "c",
    "으로는": "c", "으로도": "c", "으로만": "c", "으로의": "c", "과는": "c", "과도": "c", "과의": "c",
    "이라도": "c", "가": "v", "는": "v", "를": "v", "와": "v", "로": "v", "랑": "v", "라도": "v", "든": "v",
    "로는": "v", "로도": "v", "로만": "v", "로의": "v", "와는": "v", "와도": "v", "와의": "v",
    "에서는": "", "에서도": "", "에서만": "", "에서의": "", "에게는": "", "에게도": "", "까지는": "",
    "까지도": "", "부터는": "", "보다는": "", "처럼": "", "에서": "", "에게": "", "한테": "", "께서": "",
    "보다": "", "까지": "", "부터": "", "마다": "", "밖에": "", "조차": "", "마저": "", "대로": "", "에는": "",
    "에도": "", "에만": "", "에의": "", "만큼": "", "은요": "c", "는요": "v", "이요": "c", "께": "",
    "씩": "", "끼리": "", "나": "v", "에": "", "요": "", "도": "", "의": "", "만": "",
}  # fmt: skip
_PARTICLES_LONGEST = tuple(sorted(_PARTICLE_AFTER.items(), key=lambda item: -len(item[0])))
# A two-syllable word ending in a one-syllable particle is often a noun of its own (추가, 제도,
# 회의, 차이): the particle is stripped only after these one-syllable words (돈이, 것도, 일만);
# 은/는/을/를/에 end hardly any noun and are always stripped (the one syllable left is dropped).
_SHORT_STEMS = frozenset(
    "저나내너그이것거게원돈일집점곳때수분명개년달날번등데줄뒤앞옆안밖위팁맛값빚땅법말글차비물밥방빵술옷잠힘"
    "몸눈손발산강책꿈뜻형왜뭐누얘월주층평세건판쪽편측팀폰업떡국닭꽃살해빛예답둘셋넷"
)
_ALWAYS_STRIPPED = frozenset({"은", "는", "을", "를", "에"})
# Nouns the rules would cut: kept whole.
_WHOLE_NOUNS = frozenset({"마을", "가을", "세미나", "화면", "지면", "이면", "대면", "외면", "서면", "라면"})
# Endings after which the word before is the noun: the copula (걱정입니다, 가게예요, 사이였습니다)
# and verbs that take a noun as object (부탁드립니다, 보호받으려면), as Kiwi reads them.
_KEEPS_STEM = (
    "입니다", "입니까", "이었습니다", "였습니다", "이었다", "였다", "이었고", "였고", "였던", "였는데", "이에요",
    "이예요", "인데요", "인가요", "인지요", "이라서", "이라면", "이라며", "이라고", "이라는", "인지에", "인데도",
    "이다", "예요", "인데", "인지", "인가", "이죠", "이지", "일까", "일지", "이니", "이므로", "이고", "이며",
    "이면", "이라", "이란", "이어서", "이어야", "라고", "라는", "라며", "라서", "라면", "이라",
    "드리겠습니다", "드립니다", "드려요", "드리고", "드릴", "드리면", "드리는", "드려",
    "받으려면", "받는", "받고", "받을", "받은", "받아", "받으", "받기",
)  # fmt: skip
# A noun made into a verb or adjective with 하다/되다/시키다: an action, not a topic.
_DOING = (
    "합니다", "합니까", "하세요", "하시는", "하시면", "하셔야", "하시고", "하는데", "하려면", "하면서",
    "하지만", "하거나", "하도록", "하기에", "하기", "하는", "하고", "하면", "하게", "하지", "하여", "하려",
    "하다", "해서", "해야", "해요", "해도", "해주", "한다", "하며", "하니", "하던", "해보", "하신", "한지",
    "됩니다", "되는", "되고", "되면", "되어", "되지", "되기", "되다", "된다", "돼요", "돼서", "돼야",
    "시킵니다", "시키는", "시키고", "하시기", "하시길", "하시죠", "한가요", "한", "할", "함", "해", "된", "될", "돼",
)  # fmt: skip
_DOING_SHORT = frozenset({"한", "할", "함", "해", "된", "될", "돼"})  # 제한, 기한, 권한 are nouns
# Endings that only a verb or adjective takes.
_PREDICATE = (
    "습니다", "습니까", "세요", "어요", "아요", "여요", "네요", "군요", "나요", "까요", "고요", "데요",
    "지요", "죠", "는데", "은데", "던데", "니까", "더니", "려면", "으면", "면서", "어서", "아서", "여서",
    "어야", "아야", "여야", "봐야", "와야", "져야", "워야", "지만", "는지", "은지", "을지", "는다", "다고",
    "냐고", "자고", "도록", "거나", "으며", "려고", "으려", "겠다", "니다", "던", "시는", "시면", "셔야",
    "시고", "다는", "다면", "으니", "는게", "는건", "는걸", "오신", "보신", "주신", "가신", "되신", "쓰신",
    "드신", "째", "히", "려는", "으라는", "가서", "와서", "나서", "내서", "워서", "려서", "져서", "쳐서",
    "봐서", "줘서", "줘야", "빼야", "다가",
)  # fmt: skip
# Two-syllable verb forms ending in a connective vowel (받아, 적어, 올려, 나눠) and the nouns that look alike.
_CONNECTIVE = frozenset("아어려혀겨워눠봐줘져쳐러")
_CONNECTIVE_NOUNS = frozenset({"영어", "단어", "언어", "연어", "배려", "우려", "격려", "고려", "치아"})
_NOUNS_ENDING_GE = ("가게", "무게", "집게", "꽃게", "휴게", "에게")
# Noun suffixes Kiwi reads apart (원가+율, 가능+성, 구체+적, 항목+별): the stem is the noun.
_NOUN_SUFFIXES = ("적인", "적", "율", "률", "성", "별", "용", "상", "당")
_NOT_SUFFIXED = ("수당", "식당", "정당", "부분")  # 주휴수당 is not 주휴수+당
# Frequent words the rules keep but that name no topic: adverbs, pronouns, determiners,
# conjunctions and verb forms without a telling ending.
LIGHT_STOPWORDS = frozenset(
    {
        "그리고", "그래서", "그러나", "하지만", "그런데", "그러면", "그래도", "또는", "또한", "따라서", "게다가",
        "너무", "많이", "먼저", "혹시", "아직", "아직도", "바로", "다시", "모두", "항상", "가장", "제일", "조금",
        "그냥", "계속", "특히", "보통", "거의", "이미", "벌써", "직접", "함께", "같이", "따로", "약간", "훨씬",
        "이렇게", "그렇게", "어떻게", "저렇게", "이런", "그런", "저런", "어떤", "모든", "여러", "다른", "어느",
        "무엇", "무슨", "누구", "언제", "어디", "이제", "주로", "오직", "새로", "보다", "한번", "정도",
        "오래", "빨리", "천천히", "미리", "꼭", "절대", "전혀", "대충", "제대로", "충분히", "완전히", "결국",
        "아마", "역시", "다만", "오히려", "점점", "자주", "가끔", "별로",
        "보여", "있어", "같아", "좋아", "많아", "나와", "들어", "알아", "찾아", "넘어", "떨어", "남아", "달라",
        "아니라", "아니고", "아닌", "아니면", "아닙니다", "않고", "않는", "않은", "않아", "않게", "않으면",
        "같은", "같다", "좋은", "많은", "적은", "작은", "높은", "낮은", "새로운", "어려운", "쉬운",
        "이것", "그것", "저것", "여기", "거기", "저기", "이거", "그거", "제가", "저는", "저도", "저희",
        "우리", "당신", "때문", "위해", "대해", "통해", "따라", "관해",
        "얼마나", "만약", "반드시", "가까이", "그대로", "어디서", "두세", "번째", "분들", "평당", "원짜리",
        "가지고", "나오", "버틸", "주신", "들어간", "흔한", "만원", "천원", "것들", "그중", "사실상", "전부",
        "군데", "마리", "수백", "수천", "수십", "수만", "다섯", "여섯", "일곱", "여덟", "아홉", "보고", "주지",
        "이걸", "그걸", "저걸", "이게", "그게", "나쁜", "지난", "두고", "여기서", "거기서", "달라고", "매달",
        "일한", "가서", "적힌", "나온", "나올", "넘길", "들어갈", "생기", "뭔가", "어쩌면", "아무래도",
        "놓고", "많고", "좋고", "적고", "내고", "쓰고", "빼고", "그럼", "매우", "만나", "서서", "지켜",
        "대해서", "위해서", "통해서", "드리기", "건가", "서른", "마흔", "스물", "위한", "대한", "관한", "통한",
        "따른", "두지", "바뀐", "팔든", "얼마든지", "그동안", "만일", "정말로", "진짜로", "드디어", "요즘",
    }
) | STOPWORDS  # fmt: skip


def _final(syllable: str) -> int | None:
    """The final consonant index (0 for none) of a Hangul syllable, None for anything else."""
    code = ord(syllable)
    return (code - _HANGUL_FIRST) % 28 if _HANGUL_FIRST <= code <= _HANGUL_LAST else None


def _agrees(stem: str, after: str, particle: str) -> bool:
    if not after:
        return True
    final = _final(stem[-1])
    if after == "c":
        return bool(final)
    return not final or (final == _FINAL_L and particle.startswith("로"))


def _strip_particle(word: str) -> str:
    for particle, after in _PARTICLES_LONGEST:
        if word.endswith(particle) and len(word) > len(particle):
            stem = word[: -len(particle)]
            if len(word) == 2 and particle not in _ALWAYS_STRIPPED and stem not in _SHORT_STEMS:
                continue
            if particle == "대로" and len(stem) < 2:
                continue  # 반대로 is 반대+로, not 반+대로
            if len(stem) >= 3 or _agrees(stem, after, particle):  # a long stem: a slip (권리금가) still counts
                return stem
    return word


def _strip_suffixes(word: str) -> str:
    """Plural and honorific suffixes (점주분들 → 점주, 사장님 → 사장) and the noun suffixes Kiwi reads
    apart (원가율 → 원가), never below two syllables."""
    if word.endswith(_NOT_SUFFIXED):
        return word
    for suffix in ("들", "님", "분"):
        if word.endswith(suffix) and len(word) >= 3:
            word = word[:-1]
    for suffix in _NOUN_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            return word[: -len(suffix)]
    return word


def _is_predicate(word: str) -> bool:
    """A verb or adjective by its ending (the listed ones, and a few the last syllables show)."""
    if word.endswith(_PREDICATE):
        return True
    last, before = word[-1], _final(word[-2]) if len(word) >= 2 else None
    if last == "는" and before:
        return True  # 남는, 받는: the topic particle 는 follows a vowel only
    if last in "지까" and before == _FINAL_L:
        return True  # 할지, 볼까
    if last == "게" and not word.endswith(_NOUNS_ENDING_GE):
        return True  # 크게, 넘게, 싸게
    if last == "데" and before == _FINAL_N:
        return True  # 비싼데, 많은데 (ㄴ데)
    if last == "면" and before == 0:
        return True  # 보면, 생기면, 합치면 (a noun takes 이면, stripped before)
    return len(word) == 2 and last in _CONNECTIVE and word not in _CONNECTIVE_NOUNS


@functools.lru_cache(maxsize=1 << 16)
def noun_of_word(word: str) -> str | None:
    """The topic noun a Hangul eojeol holds, or None (a verb form, a stopword, a single syllable)."""
    if word in _WHOLE_NOUNS:
        return word
    if word in LIGHT_STOPWORDS or word in _PARTICLE_AFTER or word in _KEEPS_STEM:
        return None
    stem = next((word[: -len(e)] for e in _KEEPS_STEM if word.endswith(e) and len(word) > len(e)), None)
    if stem is None:
        if any(_final(s) in _FINAL_SS for s in word) or _is_predicate(word):
            return None
        for ending in _DOING:
            if word.endswith(ending) and len(word) - len(ending) >= (2 if ending in _DOING_SHORT else 0):
                return None
        stem = word if word == "도로" or (len(word) >= 4 and word.endswith("도로")) else _strip_particle(word)
        if stem != word and stem not in _WHOLE_NOUNS and _is_predicate(stem):
            return None  # 줄지도: 줄지 is a verb form too
    if stem in LIGHT_STOPWORDS or stem in _PARTICLE_AFTER or stem in _KEEPS_STEM:
        return None
    stem = _strip_suffixes(stem)
    if len(stem) < 2 or stem in LIGHT_STOPWORDS:
        return None
    return stem


def light_nouns(text: str) -> tuple[str, ...]:
    """The topic nouns of `text`, in order (repeats kept: they are counted)."""
    found: list[str] = []
    if "." in text or ":" in text:
        text = _URL.sub(" ", text)
    for match in _WORD.finditer(text):
        word = match.group()
        if word[0].isascii():
            if word[0].isdigit():
                continue  # a number and the unit written after it
            if len(word) >= 2 and word.lower() not in STOPWORDS:
                found.append(word)
            continue
        noun = noun_of_word(word)
        if noun is not None:
            found.append(noun)
    return tuple(found)


def light_nouns_many(texts: Sequence[str]) -> Iterator[tuple[str, ...]]:
    """`light_nouns` of each text, in order (the shape `summarize_batch` takes)."""
    return (light_nouns(text) for text in texts)
