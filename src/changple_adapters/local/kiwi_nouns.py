"""Korean nouns by Kiwi's morphological analysis (kiwipiepy), the offline summarizer's choice
`CHANGPLE_OFFLINE_SUMMARIZER=kiwi`: closer to a reader's nouns than the light finder, but its
model costs about 300 MB of memory at the embedded run's peak and 10-20 ms a post. kiwipiepy is
imported only when a Kiwi finder first analyses text, never at import or wiring."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from changple_adapters.local.extractive import STOPWORDS

if TYPE_CHECKING:
    from kiwipiepy import Kiwi

# (form, tag, start, length), offsets in characters of the analysed text (Kiwi's Token fields).
Token = tuple[str, str, int, int]

NOUN_TAGS = frozenset({"NNG", "NNP"})
FOREIGN_TAG = "SL"  # Latin-script words: brand names such as BBQ, POS, CU
_VERB_SUFFIXES = ("XSV", "XSA")


def nouns_in(text: str, tokens: Iterable[Token]) -> tuple[str, ...]:
    """The topic nouns of `text`, given its tokens, in order. Nouns written together are one word
    (가맹+비 → 가맹비), one-character nouns and stopwords are dropped, Latin-script words are kept."""
    found: list[str] = []
    run: tuple[int, int] | None = None  # start and end of the current run of adjacent nouns

    def flush() -> None:
        if run is not None:
            found.append(text[run[0] : run[1]])

    for _form, tag, start, length in tokens:
        if tag in NOUN_TAGS:
            if run is not None and run[1] == start:
                run = (run[0], start + length)
            else:
                flush()
                run = (start, start + length)
            continue
        if not (tag.startswith(_VERB_SUFFIXES) and run is not None and run[1] == start):
            flush()  # a noun made into a verb (확인+하다, 필요+하다) names an action, not a topic
        run = None
        if tag == FOREIGN_TAG:
            found.append(text[start : start + length])
    flush()
    return tuple(word for word in found if len(word) >= 2 and word.lower() not in STOPWORDS)


class KiwiNouns:
    """The nouns of many texts in one `Kiwi.tokenize(list)` call (several times faster than the same
    texts one by one). `kiwi` overrides the process's shared analyzer (`shared_analyzer`)."""

    def __init__(self, kiwi: Kiwi | None = None) -> None:
        self._kiwi = kiwi

    def __call__(self, texts: Sequence[str]) -> Iterator[tuple[str, ...]]:
        analyzer = self._kiwi or shared_analyzer()
        for text, tokens in zip(texts, analyzer.tokenize(texts), strict=True):
            yield nouns_in(text, [(t.form, t.tag, t.start, t.len) for t in tokens])


_shared_lock = threading.Lock()
_shared: list[Kiwi] = []


def shared_analyzer() -> Kiwi:
    """One analyzer per process, loaded on the first summary (never at import or wiring). Without
    the typo and multi-word dictionaries: they cost 170 MB and half the speed, and the nouns of
    the test posts and the bench corpus came out the same without them."""
    with _shared_lock:
        if not _shared:
            from kiwipiepy import Kiwi

            _shared.append(Kiwi(load_typo_dict=False, load_multi_dict=False))
        return _shared[0]
