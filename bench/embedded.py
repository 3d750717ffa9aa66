"""The embedded pipeline (offline summarizer, hashed embedder, LanceDB, SQLite: what a machine with no
keys runs) over N synthetic Korean posts made from the bundled sample cafe. Prints one JSON object.

    python bench/embedded.py --posts 2000                      # this side once
    python bench/embedded.py --posts 2000 --offline-summarizer kiwi   # with Kiwi's nouns instead of the light finder
    python bench/embedded.py --posts 2000 --side both --runs 3 --langchain-python /tmp/lc-bench/bin/python

Phases: `first` (record N new posts, then a pipeline run), `unchanged` (record the same posts again,
then a run that must do nothing), `edited` (1% of the posts edited, recorded, run). Each phase gives
its seconds, its peak RSS (sampled every 10 ms) and the seconds spent in the summarizer. `--side both`
runs this side and LangChain's `index()` (bench/embedded_langchain.py, in its own venv) alternately,
each in a fresh process, and reports the ratio of medians; the load average is noted before each run."""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))  # this tree's code, also when a copy of an older tree runs the bench
sys.path.insert(0, str(Path(__file__).resolve().parent))

BUNDLED = ROOT / "src" / "changple_adapters" / "naver" / "sample_cafe"
RECORD_PAGE = 1000


def sample_sentences() -> list[str]:
    """Every sentence of the bundled sample cafe's posts, in file order."""
    from changple_adapters.local.extractive import split_sentences
    from changple_adapters.naver.snapshot import SnapshotCafeSource

    source = SnapshotCafeSource(BUNDLED)
    sentences: list[str] = []
    for article_id in source.article_ids():
        post = source.fetch(article_id).post
        if post is not None:
            sentences += split_sentences(post.content)
    return sentences


def corpus(count: int, *, edited_every: int = 0) -> Iterator[tuple[int, str, str]]:
    """(id, title, content): 3-7 paragraphs of 3-5 sample sentences, varied by post; with
    `edited_every`, every that-many-th post gets one more sentence (a real edit)."""
    pool = sample_sentences()
    for i in range(1, count + 1):
        paragraphs = []
        for p in range(3 + i % 5):
            picked = [pool[(i * 7 + p * 13 + s * 31) % len(pool)] for s in range(3 + (i + p) % 3)]
            paragraphs.append(" ".join(picked) + f" ({i}-{p})")
        if edited_every and i % edited_every == 0:
            paragraphs.append("수정: 계약 조건이 바뀌어 내용을 고쳤습니다.")
        title = f"{pool[(i * 11) % len(pool)][:24]} #{i}"
        yield i, title, "\n\n".join(paragraphs)


def write_corpus(path: Path, count: int, edited_every: int) -> None:
    """The same posts for the other side, as JSON lines."""
    with path.open("w", encoding="utf-8") as out:
        for i, title, content in corpus(count, edited_every=edited_every):
            out.write(json.dumps({"id": i, "title": title, "content": content}, ensure_ascii=False) + "\n")


class PeakRss:
    """Peak resident memory of this process while inside, sampled from /proc every 10 ms."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self._stop = threading.Event()

    @staticmethod
    def now_mb() -> float:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20

    def _sample(self) -> None:
        while not self._stop.wait(0.01):
            self.peak_mb = max(self.peak_mb, self.now_mb())

    def __enter__(self) -> PeakRss:
        self.peak_mb = self.now_mb()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, self.now_mb())


def timed_summarizer(inner: Any, spent: list[float]) -> Any:
    """The summarizer with the seconds of each `submit` (where the offline one does its work) added to `spent`."""
    from changple_domain.ports import BatchSummarizer

    class Timed(BatchSummarizer):
        provider, model = inner.provider, inner.model

        def submit(self, job: Any, requests: Any) -> str:
            began = time.perf_counter()
            try:
                return str(inner.submit(job, requests))
            finally:
                spent.append(time.perf_counter() - began)

        def find(self, job: Any) -> Any:
            return inner.find(job)

        def status(self, provider_job_id: str) -> Any:
            return inner.status(provider_job_id)

        def results(self, provider_job_id: str) -> Any:
            return inner.results(provider_job_id)

        def cancel(self, provider_job_id: str) -> None:
            inner.cancel(provider_job_id)

    return Timed()


def run_ours(count: int, data_dir: Path, nouns: str = "light") -> dict[str, Any]:
    from storage import ALLOWED_AUTHORS, migrated_uow, saved_article

    from changple_adapters.local.ids import RandomIds
    from changple_adapters.memory import MemoryMutex
    from changple_domain.model.providers import ScrapedArticle
    from changple_domain.model.runs import RunTrigger
    from changple_domain.use_cases.pipeline_ports import PipelinePorts
    from changple_domain.use_cases.pipeline_runs import StartRun, start_run
    from changple_domain.use_cases.record_articles import RecordArticles, record_articles
    from changple_domain.use_cases.run_pipeline import pipeline_tick
    from changple_entrypoints.composition.adapters import (
        make_embedder,
        make_pipeline_config,
        make_summarizer,
        make_vector_index,
    )
    from changple_entrypoints.settings import Settings

    class Clock:
        def now(self) -> datetime:
            return datetime.now(UTC)

    phases: dict[str, Any] = {}
    began_setup = time.perf_counter()
    settings = Settings(
        data_dir=data_dir, summarizer="offline", embedder="offline", vector_index="lance", offline_summarizer=nouns
    )
    engine, uow = migrated_uow(settings.resolved_database_url, ALLOWED_AUTHORS)
    summarizer_seconds: list[float] = []
    ports = PipelinePorts(
        uow=uow,
        clock=Clock(),
        summarizer=timed_summarizer(make_summarizer(settings), summarizer_seconds),
        embedder=make_embedder(settings),
        index=make_vector_index(settings, settings.offline_embedding_dimensions),
        config=make_pipeline_config(settings),
        policy=settings.ingestion_policy(),
        sleep=time.sleep,
        mutex=MemoryMutex(),
        ids=RandomIds(),
    )
    setup_seconds = time.perf_counter() - began_setup
    start = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)

    def articles(edited_every: int) -> Iterator[ScrapedArticle]:
        for i, title, content in corpus(count, edited_every=edited_every):
            yield saved_article(i, title, content, start=start)

    def phase(name: str, edited_every: int) -> None:
        summarizer_seconds.clear()
        with PeakRss() as rss:
            began = time.perf_counter()
            stream = articles(edited_every)
            while page := tuple(itertools.islice(stream, RECORD_PAGE)):
                record_articles(RecordArticles(articles=page), uow=uow, clock=ports.clock)
            recorded = time.perf_counter() - began
            command = StartRun(key=f"bench:{name}", trigger=RunTrigger.MANUAL)
            run = start_run(command, uow=uow, clock=ports.clock, ids=ports.ids)
            ticks = 1
            while not pipeline_tick(ports, run_id=run.run.id).done and ticks < 200:
                ticks += 1
            seconds = time.perf_counter() - began
        summarized = sum(summarizer_seconds)
        phases[name] = {
            "seconds": round(seconds, 2),
            "record_seconds": round(recorded, 2),
            "summarizer_seconds": round(summarized, 2),
            "summarizer_share": round(summarized / seconds, 3),
            "seconds_without_summarizer": round(seconds - summarized, 2),
            "ms_per_post_summarizing": round(summarized / count * 1000, 2),
            "peak_rss_mb": round(rss.peak_mb, 1),
            "ticks": ticks,
        }

    phase("first", 0)
    phase("unchanged", 0)
    phase("edited", 100)
    engine.dispose()
    return {
        "side": "changple",
        "posts": count,
        "offline_summarizer": nouns,
        "setup_seconds": round(setup_seconds, 2),
        **phases,
    }


def run_side(side: str, count: int, langchain_python: str, nouns: str = "light") -> dict[str, Any]:
    """One side in a fresh process (its own peak memory, no warm caches from the other)."""
    with tempfile.TemporaryDirectory(prefix="embedded-bench-") as scratch:
        if side == "changple":
            command = [sys.executable, __file__, "--posts", str(count), "--side", "changple", "--data-dir", scratch]
            command += ["--offline-summarizer", nouns]
        else:
            for name, every in (("first", 0), ("edited", 100)):
                write_corpus(Path(scratch) / f"{name}.jsonl", count, every)
            command = [langchain_python, str(ROOT / "bench" / "embedded_langchain.py"), "--dir", scratch]
        load = os.getloadavg()[0]
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        result["load_average_before"] = round(load, 2)
        return result


def medians(runs: Sequence[dict[str, Any]], key: Callable[[dict[str, Any]], float]) -> float:
    return statistics.median(key(run) for run in runs)


def compare(count: int, runs: int, langchain_python: str, nouns: str) -> dict[str, Any]:
    ours: list[dict[str, Any]] = []
    theirs: list[dict[str, Any]] = []
    for _ in range(runs):  # interleaved, so a slower moment of the machine hits both sides
        ours.append(run_side("changple", count, langchain_python, nouns))
        theirs.append(run_side("langchain", count, langchain_python))
    ratios: dict[str, float] = {}
    for phase in ("first", "unchanged", "edited"):
        lc = medians(theirs, lambda r, p=phase: r[p]["seconds"])  # type: ignore[misc]
        ratios[f"{phase}_time"] = round(medians(ours, lambda r, p=phase: r[p]["seconds"]) / lc, 3)  # type: ignore[misc]
    lc_first = medians(theirs, lambda r: r["first"]["seconds"])
    ratios["first_without_summarizer_time"] = round(
        medians(ours, lambda r: r["first"]["seconds_without_summarizer"]) / lc_first, 3
    )
    ratios["peak_rss"] = round(
        medians(ours, lambda r: max(r[p]["peak_rss_mb"] for p in ("first", "unchanged", "edited")))
        / medians(theirs, lambda r: r["peak_rss_mb"]),
        3,
    )
    return {"posts": count, "runs": runs, "ratios_ours_to_langchain": ratios, "changple": ours, "langchain": theirs}


def main() -> None:
    parser = argparse.ArgumentParser(description="embedded pipeline: time and memory per phase")
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--side", choices=["changple", "langchain", "both"], default="changple")
    parser.add_argument("--runs", type=int, default=3, help="per side, with --side both")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--langchain-python", default="/tmp/lc-bench/bin/python")
    parser.add_argument("--offline-summarizer", choices=["light", "kiwi"], default="light", help="the noun finder")
    args = parser.parse_args()
    if args.side == "both":
        result = compare(args.posts, args.runs, args.langchain_python, args.offline_summarizer)
        print(json.dumps(result, ensure_ascii=False))
        return
    if args.side == "langchain":
        print(json.dumps(run_side("langchain", args.posts, args.langchain_python), ensure_ascii=False))
        return
    load = os.getloadavg()[0]
    if args.data_dir is None:
        with tempfile.TemporaryDirectory(prefix="embedded-bench-") as scratch:
            result = run_ours(args.posts, Path(scratch), args.offline_summarizer)
    else:
        result = run_ours(args.posts, args.data_dir, args.offline_summarizer)
    result["load_average_before"] = round(load, 2)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
