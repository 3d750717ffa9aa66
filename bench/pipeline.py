"""The whole pipeline over N synthetic Korean posts against the local emulators of Gemini, OpenAI
and Pinecone, through the real SDKs, with no added latency. Prints one JSON object.

    python bench/pipeline.py --posts 10000 [--database-url URL] [--dimensions 1024]

A second run over the unchanged posts follows the first: it must make zero provider requests.
Without --database-url it uses a fresh SQLite file; with a Postgres server URL it creates a
scratch database there and drops it afterwards."""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
from storage import ALLOWED_AUTHORS, migrated_uow, saved_article, scratch_database  # noqa: E402

from changple_adapters.gemini.summarizer import GeminiBatchSummarizer  # noqa: E402
from changple_adapters.local.ids import RandomIds  # noqa: E402
from changple_adapters.memory import MemoryMutex  # noqa: E402
from changple_adapters.openai.embedder import OpenAIBatchEmbedder  # noqa: E402
from changple_adapters.pinecone.index import PineconeVectorIndex  # noqa: E402
from changple_adapters.sql.unit_of_work import SqlUnitOfWork  # noqa: E402
from changple_domain.model.providers import ScrapedArticle  # noqa: E402
from changple_domain.model.runs import RunTrigger  # noqa: E402
from changple_domain.policies.eligibility import IngestionPolicy  # noqa: E402
from changple_domain.policies.pipeline import PipelineConfig  # noqa: E402
from changple_domain.ports import PostSelection  # noqa: E402
from changple_domain.use_cases.pipeline_ports import PipelinePorts  # noqa: E402
from changple_domain.use_cases.pipeline_runs import StartRun, start_run  # noqa: E402
from changple_domain.use_cases.record_articles import RecordArticles, record_articles  # noqa: E402
from changple_domain.use_cases.run_pipeline import pipeline_tick  # noqa: E402
from changple_entrypoints.runtime import settle_after_boot  # noqa: E402

SENTENCES = [
    "가맹계약서의 영업지역 조항은 반드시 지도로 확인해야 합니다.",
    "보증금 3천만원에 월세 250만원이면 월 매출이 최소 2,500만원은 나와야 버팁니다.",
    "배달앱 수수료 9.8%와 배달대행비를 합치면 객단가의 30% 가까이 빠져나갑니다.",
    "인테리어 견적은 평당 단가보다 포함 항목을 먼저 비교해야 나중에 추가 비용이 없습니다.",
    "본사가 말하는 원가율 32%는 로스와 서비스를 뺀 이론값인 경우가 많습니다.",
    "권리금은 바닥 권리금과 시설 권리금을 나눠서 따져야 협상이 됩니다.",
    "최저임금이 오르면 주휴수당과 4대 보험까지 포함한 실제 인건비를 다시 계산하세요.",
    "폐업을 결정하기 전에 양도 가능성과 원상복구 비용을 먼저 알아봐야 합니다.",
]


RECORD_PAGE = 1000


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def synthetic(count: int) -> Iterator[ScrapedArticle]:
    """Made on demand, as a scan would find them: the bench must not hold the whole cafe itself."""
    start = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    for i in range(1, count + 1):
        paragraphs = 2 + i % 5
        content = "\n\n".join(
            " ".join(SENTENCES[(i + p + s) % len(SENTENCES)] for s in range(3)) + f" (글 {i}-{p})"
            for p in range(paragraphs)
        )
        yield saved_article(i, f"[창플 칼럼] 창업 이야기 {i}", content, start=start)


def record_all(count: int, uow: SqlUnitOfWork, clock: Clock) -> None:
    """Record the cafe the way a scan does: a page of articles at a time."""
    articles = synthetic(count)
    while page := tuple(itertools.islice(articles, RECORD_PAGE)):
        record_articles(RecordArticles(articles=page), uow=uow, clock=clock)


class EmulatorProcess:
    """An emulator in its own process, as a real provider would be: it takes no CPU from ours."""

    def __init__(self, module: str, *knobs: str) -> None:
        command = [sys.executable, "-m", f"tests.emulators.{module}"]
        for knob in knobs:
            command += ["--set", knob]
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()
        if not self.url.startswith("http"):
            raise RuntimeError(f"emulator {module} did not start")

    def cpu_seconds(self) -> float | None:
        """CPU the emulator has used (Linux /proc): work a real provider would do on its own servers."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def requests(self) -> int:
        return int(httpx.get(f"{self.url}/__emulator/requests", timeout=10).json()["count"])

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def provider_cpu(*emulators: EmulatorProcess) -> float:
    return sum(e.cpu_seconds() or 0.0 for e in emulators)


def process_cpu() -> float:
    times = os.times()
    return times.user + times.system


def provider_requests(*emulators: EmulatorProcess) -> int:
    return sum(e.requests() for e in emulators)


def run_pipeline(ports: PipelinePorts, key: str) -> int:
    run = start_run(StartRun(key=key, trigger=RunTrigger.MANUAL), uow=ports.uow, clock=ports.clock, ids=ports.ids).run
    for ticks in range(1, 200):
        if pipeline_tick(ports, run_id=run.id).done:
            return ticks
    raise RuntimeError("the pipeline did not finish in 200 ticks")


def main() -> None:
    parser = argparse.ArgumentParser(description="pipeline throughput against the emulators")
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--dimensions", type=int, default=1024)
    args = parser.parse_args()

    settle_after_boot()  # as the worker and `changple pipeline run` do once they are wired
    gemini = EmulatorProcess("gemini", "polls_until_running=0", "polls_until_done=1")
    openai = EmulatorProcess("openai", "polls_until_in_progress=0", "polls_until_done=1")
    pinecone = EmulatorProcess("pinecone")
    gemini_url, openai_url, pinecone_url = gemini.url, openai.url, pinecone.url
    vectors_url = f"{pinecone_url}/describe_index_stats"
    try:
        with scratch_database(args.database_url) as url:
            engine, uow = migrated_uow(url, ALLOWED_AUTHORS)
            ports = PipelinePorts(
                uow=uow,
                clock=Clock(),
                summarizer=GeminiBatchSummarizer(api_key="bench-key", base_url=gemini_url),
                embedder=OpenAIBatchEmbedder(
                    api_key="bench-key", base_url=f"{openai_url}/v1", dimensions=args.dimensions
                ),
                index=PineconeVectorIndex(api_key="bench-key", host=pinecone_url, dimensions=args.dimensions),
                config=PipelineConfig(),
                policy=IngestionPolicy(),
                sleep=time.sleep,
                mutex=MemoryMutex(),
                ids=RandomIds(),
            )

            providers_cpu_before = provider_cpu(gemini, openai, pinecone)
            our_cpu_before = process_cpu()
            began = time.perf_counter()
            record_all(args.posts, uow, ports.clock)
            ticks = run_pipeline(ports, "bench:first")
            seconds = time.perf_counter() - began
            our_cpu = process_cpu() - our_cpu_before
            providers_cpu = provider_cpu(gemini, openai, pinecone) - providers_cpu_before
            first_requests = provider_requests(gemini, openai, pinecone)
            with uow:
                indexed = uow.posts.count(selection=PostSelection.IN_INDEX)
                jobs = uow.batches.recent(limit=1000)

            began = time.perf_counter()
            record_all(args.posts, uow, ports.clock)
            rerecord_seconds = time.perf_counter() - began
            began = time.perf_counter()
            run_pipeline(ports, "bench:rerun")
            rerun_seconds = time.perf_counter() - began
            rerun_requests = provider_requests(gemini, openai, pinecone) - first_requests
            dialect = engine.dialect.name
            engine.dispose()
        stats = httpx.post(vectors_url, json={}, headers={"Api-Key": "bench-key"}, timeout=10).json()
        vectors = stats.get("totalVectorCount", stats.get("namespaces", {}).get("posts", {}).get("vectorCount"))
    finally:
        for emulator in (gemini, openai, pinecone):
            emulator.stop()

    batch = sum(float(j.estimated_cost_usd) for j in jobs)
    standard = sum(float(j.standard_cost_usd) for j in jobs)
    print(
        json.dumps(
            {
                "database": dialect,
                "posts": args.posts,
                "indexed": indexed,
                "vectors": vectors,
                "dimensions": args.dimensions,
                "ticks": ticks,
                "seconds": round(seconds, 2),
                "posts_per_second": round(args.posts / seconds, 1),
                "our_cpu_seconds": round(our_cpu, 2),
                "emulators_cpu_seconds": round(providers_cpu, 2),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "provider_requests": first_requests,
                "batch_jobs": len(jobs),
                "rerecord_unchanged_seconds": round(rerecord_seconds, 2),
                "rerun_seconds": round(rerun_seconds, 2),
                "rerun_provider_requests": rerun_requests,
                "cost_batch_usd": round(batch, 6),
                "cost_standard_usd": round(standard, 6),
                "cost_per_1000_posts_batch_usd": round(batch / args.posts * 1000, 6),
                "cost_per_1000_posts_standard_usd": round(standard / args.posts * 1000, 6),
                "batch_to_standard_ratio": round(batch / standard, 4) if standard else None,
            }
        )
    )


if __name__ == "__main__":
    main()
