"""The offline summarizer's two noun finders, light (pure Python, the default) and Kiwi, on the same
posts. Prints one JSON object.

    python bench/summarizer.py --posts 2000            # ms a post for each, and the keyword overlap
    python bench/summarizer.py --posts 0 --diff 30     # only the overlap, with the words they disagree on

Speed: N synthetic posts (bench/embedded.py's corpus, built from the bundled sample cafe), summarized
in batches of `--batch` like the pipeline does, after each finder has loaded (Kiwi's load is timed on
its own). Overlap: the bundled sample cafe's posts summarized as one batch by each; the mean, over
posts, of the Jaccard index of the two keyword sets, and the same over the nouns of every title and
sentence. `--diff N` adds the N words each finder finds most often that the other does not."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from changple_adapters.local.extractive import split_sentences, summarize_batch  # noqa: E402
from changple_adapters.local.kiwi_nouns import KiwiNouns, shared_analyzer  # noqa: E402
from changple_adapters.local.light_nouns import light_nouns_many  # noqa: E402
from changple_adapters.naver.sample import load_sample  # noqa: E402
from changple_domain.policies.summary_prompt import MAX_CONTENT_CHARS  # noqa: E402


def jaccard(a: Sequence[str], b: Sequence[str]) -> float:
    left, right = set(a), set(b)
    return len(left & right) / len(left | right) if left | right else 1.0


def sample_posts() -> list[tuple[str, str]]:
    return [(a.post.title, a.post.content) for a in load_sample().articles if a.post is not None]


def overlap(diff: int) -> dict[str, Any]:
    posts = sample_posts()
    kiwi = summarize_batch(posts, KiwiNouns())
    light = summarize_batch(posts, light_nouns_many)
    texts = [text for title, content in posts for text in (title, *split_sentences(content))]
    kiwi_nouns, light_nouns = list(KiwiNouns()(texts)), list(light_nouns_many(texts))
    keyword_overlap = [jaccard(a.keywords, b.keywords) for a, b in zip(kiwi, light, strict=True)]
    noun_overlap = [jaccard(a, b) for a, b in zip(kiwi_nouns, light_nouns, strict=True)]
    result: dict[str, Any] = {
        "sample_posts": len(posts),
        "keyword_jaccard": round(sum(keyword_overlap) / len(posts), 3),
        "noun_jaccard": round(sum(noun_overlap) / len(texts), 3),
    }
    if diff:
        only_kiwi: Counter[str] = Counter()
        only_light: Counter[str] = Counter()
        for by_kiwi, by_light in zip(kiwi_nouns, light_nouns, strict=True):
            only_kiwi.update(set(by_kiwi) - set(by_light))
            only_light.update(set(by_light) - set(by_kiwi))
        result["only_kiwi"] = only_kiwi.most_common(diff)
        result["only_light"] = only_light.most_common(diff)
    return result


def speed(count: int, batch: int) -> dict[str, Any]:
    from embedded import corpus

    posts = [(title, content[:MAX_CONTENT_CHARS]) for _, title, content in corpus(count)]
    result: dict[str, Any] = {"posts": count, "batch": batch}
    for name, finder in (("light", light_nouns_many), ("kiwi", KiwiNouns())):
        began = time.perf_counter()
        for start in range(0, count, batch):
            summarize_batch(posts[start : start + batch], finder)
        result[f"{name}_ms_per_post"] = round((time.perf_counter() - began) / count * 1000, 3)
    result["kiwi_to_light"] = round(result["kiwi_ms_per_post"] / result["light_ms_per_post"], 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description="offline summarizer: light against Kiwi")
    parser.add_argument("--posts", type=int, default=2000, help="synthetic posts for the speed part (0: skip it)")
    parser.add_argument("--batch", type=int, default=1000, help="posts a summarize call")
    parser.add_argument("--diff", type=int, default=0, help="list the N commonest words only one finder finds")
    args = parser.parse_args()
    result: dict[str, Any] = {"load_average_before": round(os.getloadavg()[0], 2)}
    began = time.perf_counter()
    shared_analyzer()
    result["kiwi_load_seconds"] = round(time.perf_counter() - began, 2)
    result.update(overlap(args.diff))
    if args.posts:
        result.update(speed(args.posts, args.batch))
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
