"""Extractive Korean summaries from text statistics, for machines with no model keys: sentences
scored by the TF-IDF weight of their nouns (IDF over the batch, so words every post shares count
less), the best three kept in their original order, the heaviest nouns as keywords.

The noun finder comes in as a plain function over many texts at once (one call per batch: Kiwi
analyses a list several times faster than the same texts one by one), so this module stays
testable and free of kiwipiepy; `OfflineBatchSummarizer` passes the light finder (light_nouns.py)
or Kiwi's (kiwi_nouns.py)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

# The topic nouns of each text, in order, for many texts at once.
NounsMany = Callable[[Sequence[str]], Iterable[Sequence[str]]]

# Nouns that carry no topic in this community's posts: greetings, fillers, pronoun-like nouns.
STOPWORDS = frozenset(
    {
        "안녕", "안녕하세요", "감사", "여러분", "정도", "생각", "부분", "경우", "이번", "오늘", "저희", "우리",
        "때문", "얘기", "이야기", "진짜", "정말", "내용", "관련", "가지", "하나", "이것", "그것", "사람",
        "자체", "이후", "이전", "당시", "다음", "처음", "마지막", "요즘", "지금", "최근", "실제", "느낌",
        "vs", "ok",
    }
)  # fmt: skip
SUMMARY_SENTENCES = 3
MAX_SUMMARY_CHARS = 400
KEYWORD_COUNT = 6
TITLE_WEIGHT = 2  # a title noun counts as two mentions: titles name the topic

_SENTENCE_BREAK = re.compile(r"(?<=[.?!。…])\s+|\n+")


@dataclass(frozen=True)
class Extract:
    summary: str
    keywords: tuple[str, ...]
    questions: tuple[str, ...]


@dataclass(frozen=True)
class _Doc:
    title_nouns: tuple[str, ...]
    sentences: tuple[str, ...]
    sentence_nouns: tuple[tuple[str, ...], ...]

    def all_nouns(self) -> list[str]:
        return [*self.title_nouns, *(n for nouns in self.sentence_nouns for n in nouns)]


def split_sentences(text: str) -> list[str]:
    """Sentences end at . ? ! … followed by a space (다. 요. 니다. included) or at a line break."""
    return [piece.strip() for piece in _SENTENCE_BREAK.split(text) if len(piece.strip()) >= 2]


def summarize_batch(posts: Sequence[tuple[str, str]], find_nouns: NounsMany) -> list[Extract]:
    """One Extract per (title, content), in order; IDF is computed over this batch. Every title and
    sentence of the batch goes to the noun finder in one call."""
    split = [(title.strip() != "", tuple(split_sentences(content))) for title, content in posts]
    texts = [
        text
        for (has_title, sentences), (title, _) in zip(split, posts, strict=True)
        for text in ((title, *sentences) if has_title else sentences)
    ]
    found = [tuple(nouns) for nouns in find_nouns(texts)]
    if len(found) != len(texts):
        raise ValueError(f"the noun finder answered {len(found)} texts of {len(texts)}")
    nouns = iter(found)
    docs = [
        _Doc(
            title_nouns=next(nouns) if has_title else (),
            sentences=sentences,
            sentence_nouns=tuple(next(nouns) for _ in sentences),
        )
        for has_title, sentences in split
    ]
    document_frequency: Counter[str] = Counter()
    for doc in docs:
        document_frequency.update(set(doc.all_nouns()))
    return [_extract(doc, title, document_frequency, len(docs)) for doc, (title, _) in zip(docs, posts, strict=True)]


def _extract(doc: _Doc, title: str, document_frequency: Counter[str], batch_size: int) -> Extract:
    counts: Counter[str] = Counter()
    for nouns in doc.sentence_nouns:
        counts.update(nouns)
    for noun in doc.title_nouns:
        counts[noun] += TITLE_WEIGHT
    weight = {
        noun: (1 + math.log(count)) * (math.log((1 + batch_size) / (1 + document_frequency[noun])) + 1)
        for noun, count in counts.items()
    }
    first_seen = {noun: index for index, noun in reversed(list(enumerate(doc.all_nouns())))}
    ranked = sorted(weight, key=lambda noun: (-weight[noun], first_seen[noun]))
    keywords = tuple(ranked[:KEYWORD_COUNT])
    return Extract(_summary(doc, weight) or title.strip(), keywords, _questions(keywords))


def _summary(doc: _Doc, weight: dict[str, float]) -> str:
    scores = [
        sum(weight[n] for n in set(nouns)) / math.sqrt(len(set(nouns))) if nouns else 0.0
        for nouns in doc.sentence_nouns
    ]
    order = sorted(range(len(doc.sentences)), key=lambda i: (-scores[i], i))
    picked: list[int] = []
    length = 0
    for index in order:
        sentence = doc.sentences[index]
        if picked and (scores[index] == 0 or length + len(sentence) + 1 > MAX_SUMMARY_CHARS):
            continue
        picked.append(index)
        length += len(sentence) + 1
        if len(picked) == SUMMARY_SENTENCES:
            break
    text = " ".join(doc.sentences[i] for i in sorted(picked))
    return text if len(text) <= MAX_SUMMARY_CHARS else text[: MAX_SUMMARY_CHARS - 1].rstrip() + "…"


def _questions(keywords: tuple[str, ...]) -> tuple[str, ...]:
    """Two or three questions a future owner might ask, built from the keywords with the right particles."""
    questions: list[str] = []
    if len(keywords) >= 2:
        questions.append(f"{_josa(keywords[0], '과', '와')} {_josa(keywords[1], '은', '는')} 어떻게 준비해야 하나요?")
    if len(keywords) >= 3:
        questions.append(f"{_josa(keywords[2], '을', '를')} 따져 볼 때 무엇을 주의해야 하나요?")
    if len(keywords) == 1:
        questions.append(f"{_josa(keywords[0], '을', '를')} 준비할 때 무엇부터 해야 하나요?")
    if keywords:
        questions.append(f"{keywords[0]} 관련해서 창업 전에 꼭 알아야 할 점은 무엇인가요?")
    return tuple(questions)


def _josa(word: str, after_consonant: str, after_vowel: str) -> str:
    """Attach the particle form that fits the word's last syllable (받침 or not)."""
    last = word[-1]
    has_final = "가" <= last <= "힣" and (ord(last) - ord("가")) % 28 != 0
    return word + (after_consonant if has_final else after_vowel)
