"""The pipeline's promise, as a property: any interleaving of submit, poll, apply, edits and
deletions, with provider failures injected, ends (once failures stop) with every post indexed
from its current content or failed with a reason; no vector id twice, no chunk left behind,
no batch sent twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from changple_adapters.memory import (
    FixedClock,
    MemoryBatchEmbedder,
    MemoryBatchSummarizer,
    MemoryMutex,
    MemoryUnitOfWork,
    MemoryVectorIndex,
    SequentialIds,
)
from changple_domain.errors import ProviderRejected, ProviderUnavailable
from changple_domain.model import AllowedAuthor, BatchState, CafePost, PostNeed
from changple_domain.model.providers import ScrapedArticle, ScrapeOutcome, request_key
from changple_domain.policies.chunking import ChunkingPolicy
from changple_domain.policies.eligibility import IngestionPolicy
from changple_domain.policies.pipeline import PipelineConfig
from changple_domain.policies.retry import RetryPolicy
from changple_domain.use_cases.apply_results import apply_finished
from changple_domain.use_cases.evaluate_ingestion import EvaluateIngestion, iter_verdicts
from changple_domain.use_cases.pipeline_ports import PipelinePorts
from changple_domain.use_cases.plan import plan_work
from changple_domain.use_cases.poll_batches import poll_batches
from changple_domain.use_cases.record_articles import RecordArticles, record_articles
from changple_domain.use_cases.run_pipeline import pipeline_tick
from changple_domain.use_cases.submit_batches import Submitter, submit_embeddings, submit_summaries

AUTHOR = "창플지기"
SENTENCES = [
    "가맹계약서의 영업지역 조항은 반드시 지도로 확인해야 합니다.",
    "보증금 3천만원에 월세 250만원이면 월 매출이 최소 2,500만원은 나와야 합니다.",
    "배달앱 수수료 9.8%와 배달대행비를 합치면 객단가의 30%가 넘게 빠져나갑니다.",
    "인테리어 견적은 평당 단가보다 포함 항목을 먼저 비교하세요.",
    "원가율 32%라는 본사 숫자는 로스와 서비스를 뺀 이론값인 경우가 많습니다.",
    "권리금은 바닥 권리금과 시설 권리금을 나눠서 따져야 협상이 됩니다.",
]
POST_IDS = list(range(1, 7))
CONFIG = PipelineConfig(
    max_attempts=3,
    chunking=ChunkingPolicy(max_tokens=60, overlap_tokens=10),
    recover_after_seconds=0,
    submit_retry=RetryPolicy(base_delay=0.01, max_delay=0.01, max_attempts=2),
)
POLICY = IngestionPolicy(min_content_length=10, max_attempts=3)


def body(seed: int, length: int) -> str:
    return " ".join(SENTENCES[(seed + i) % len(SENTENCES)] for i in range(length))


class PipelineMachine(RuleBasedStateMachine):
    @initialize(lengths=st.lists(st.integers(1, 8), min_size=len(POST_IDS), max_size=len(POST_IDS)))
    def start(self, lengths: list[int]) -> None:
        self.uow = MemoryUnitOfWork()
        self.clock = FixedClock(datetime(2026, 11, 22, 3, 0, tzinfo=UTC))
        self.summarizer = MemoryBatchSummarizer(polls_until_running=0, polls_until_done=1)
        self.embedder = MemoryBatchEmbedder(dimensions=16)
        self.embedder.polls_until_done = 1
        self.index = MemoryVectorIndex()
        self.ports = PipelinePorts(
            uow=self.uow,
            clock=self.clock,
            summarizer=self.summarizer,
            embedder=self.embedder,
            index=self.index,
            config=CONFIG,
            policy=POLICY,
            sleep=lambda _: None,
            mutex=MemoryMutex(),
            ids=SequentialIds(),
        )
        with self.uow:
            self.uow.authors.save(AllowedAuthor(name=AUTHOR))
            self.uow.commit()
        self.version = dict.fromkeys(POST_IDS, 0)
        self.lengths = dict(zip(POST_IDS, lengths, strict=True))
        self._record([self._article(i) for i in POST_IDS])

    # --- the world changes ---------------------------------------------------------------------

    def _article(self, article_id: int) -> ScrapedArticle:
        post = CafePost(
            article_id=article_id,
            title=f"창업 노트 {article_id}",
            board="창플 칼럼",
            author=AUTHOR,
            content=body(article_id + self.version[article_id], self.lengths[article_id]),
            published_at=datetime(2026, 11, 1, 9, 0),
        )
        return ScrapedArticle(article_id=article_id, outcome=ScrapeOutcome.SAVED, post=post)

    def _record(self, articles: list[ScrapedArticle]) -> None:
        self.clock.advance(timedelta(seconds=1))
        record_articles(RecordArticles(articles=tuple(articles)), uow=self.uow, clock=self.clock)

    @rule(article_id=st.sampled_from(POST_IDS), length=st.integers(1, 8))
    def edit(self, article_id: int, length: int) -> None:
        self.version[article_id] += 1
        self.lengths[article_id] = length
        self._record([self._article(article_id)])

    @rule(article_id=st.sampled_from(POST_IDS))
    def delete(self, article_id: int) -> None:
        self._record([ScrapedArticle(article_id=article_id, outcome=ScrapeOutcome.DELETED, reason="삭제됨")])

    @rule(article_id=st.sampled_from(POST_IDS))
    def restore(self, article_id: int) -> None:
        self._record([self._article(article_id)])

    # --- the providers misbehave ------------------------------------------------------------------

    @rule(kind=st.sampled_from(["unavailable", "rejected"]), provider=st.sampled_from(["summarizer", "embedder"]))
    def submit_fails(self, kind: str, provider: str) -> None:
        error = ProviderUnavailable("503 from provider") if kind == "unavailable" else ProviderRejected("400")
        getattr(self, provider).submit_failures.append(error)

    @rule(article_id=st.sampled_from(POST_IDS), malformed=st.booleans())
    def summary_request_fails(self, article_id: int, malformed: bool) -> None:
        with self.uow:
            post = self.uow.posts.get(article_id)
        if post is not None:
            key = request_key(article_id, post.content_hash)
            (self.summarizer.malformed_keys if malformed else self.summarizer.request_errors).add(key)

    @rule(article_id=st.sampled_from(POST_IDS))
    def embedding_request_fails(self, article_id: int) -> None:
        with self.uow:
            post = self.uow.posts.get(article_id)
        if post is not None:
            self.embedder.failing_keys.add(request_key(article_id, post.content_hash))

    @rule(state=st.sampled_from([BatchState.FAILED, BatchState.EXPIRED, BatchState.CANCELLED]), partial=st.booleans())
    def next_summary_batch_ends_badly(self, state: BatchState, partial: bool) -> None:
        self.summarizer.final_state, self.summarizer.expired_partial = state, partial

    @rule(state=st.sampled_from(["failed", "expired", "cancelled"]), partial=st.booleans())
    def next_embedding_batch_ends_badly(self, state: str, partial: bool) -> None:
        self.embedder.final_status, self.embedder.expired_partial = state, partial

    # --- the pipeline, one step at a time, in any order ---------------------------------------------

    def _ctx(self) -> Submitter:
        return Submitter(uow=self.uow, clock=self.clock, config=CONFIG, sleep=lambda _: None, ids=self.ports.ids)

    @rule()
    def submit(self) -> None:
        plan = plan_work(uow=self.uow, policy=POLICY)
        submit_summaries(plan.summary, ctx=self._ctx(), summarizer=self.summarizer)
        submit_embeddings(plan.embedding, ctx=self._ctx(), embedder=self.embedder)

    @rule()
    def poll(self) -> None:
        self.clock.advance(timedelta(minutes=1))
        poll_batches(uow=self.uow, clock=self.clock, summarizer=self.summarizer, embedder=self.embedder)

    @rule()
    def apply(self) -> None:
        apply_finished(self.ports)

    @rule(times=st.integers(1, 6))
    def tick(self, times: int) -> None:
        for _ in range(times):
            self.clock.advance(timedelta(minutes=1))
            pipeline_tick(self.ports)

    # --- what must always hold --------------------------------------------------------------------

    @invariant()
    def no_batch_sent_twice(self) -> None:
        assert len(self.summarizer.submitted) == len(set(self.summarizer.submitted))

    @invariant()
    def every_vector_is_accounted_for(self) -> None:
        with self.uow:
            posts = self.uow.posts.get_many(POST_IDS)
        for vector_id in self.index.records:
            article_id, chunk = vector_id.removeprefix("post-").split("#")
            post = posts.get(int(article_id))
            assert post is not None, f"vector {vector_id} of a post that does not exist"
            assert int(chunk) < post.indexed_chunks, f"orphan vector {vector_id}"

    def teardown(self) -> None:
        if not hasattr(self, "uow"):
            return
        for provider in (self.summarizer, self.embedder):
            provider.submit_failures.clear()
        self.summarizer.request_errors.clear()
        self.summarizer.malformed_keys.clear()
        self.summarizer.final_state = None
        self.embedder.failing_keys.clear()
        self.embedder.final_status = None
        for _ in range(40):
            self.clock.advance(timedelta(minutes=20))
            if pipeline_tick(self.ports).done:
                break
        else:
            raise AssertionError("the pipeline did not settle")
        verdicts = {v.article_id: v for v in iter_verdicts(EvaluateIngestion(policy=POLICY), uow=self.uow)}
        with self.uow:
            posts = self.uow.posts.get_many(POST_IDS)
        for article_id, post in posts.items():
            verdict = verdicts[article_id]
            prefix = f"post-{article_id}#"
            ids = sorted(i for i in self.index.records if i.startswith(prefix))
            if not verdict.decision.eligible:
                assert post.indexed_hash is None, f"post {article_id} is still recorded as indexed"
                assert ids == [], f"post {article_id} left vectors behind"
            elif verdict.need is PostNeed.FAILED:
                assert verdict.failure is not None
                assert "attempts" in verdict.failure
            else:
                assert verdict.need is PostNeed.NOTHING, (article_id, verdict.need)
                assert post.indexed_hash == post.content_hash
                assert ids == sorted(f"{prefix}{i}" for i in range(post.indexed_chunks))
                for vector_id in ids:
                    assert self.index.records[vector_id].metadata["content_hash"] == post.content_hash


PipelineMachine.TestCase.settings = settings(
    max_examples=80, stateful_step_count=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestPipelineInterleavings = PipelineMachine.TestCase
