"""The post lifecycle: what a post still needs always follows from its recorded hashes and attempts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from pydantic import ValidationError

from changple_domain.model.posts import KST, CafePost, PostNeed, PostStatus, PostStatusKind, StageRecord
from changple_domain.policies.change_detection import content_hash

BODIES = [
    "가맹점 오픈 준비 체크리스트를 공유합니다.",
    "상권 분석은 유동 인구보다 배후 세대가 중요합니다.",
    "인테리어 견적 세 곳을 비교했습니다.",
]
TITLES = ["오픈 후기", "상권 질문"]
STAGES = ("summary", "embedding")


def make_post(**overrides: Any) -> CafePost:
    values: dict[str, Any] = {
        "article_id": 501,
        "title": TITLES[0],
        "content": BODIES[0],
        "author": "김창플",
        "board": "창업 이야기",
        "published_at": datetime(2024, 6, 1, 10, 30),
    }
    values.update(overrides)
    return CafePost(**values)


def reference_need(
    *,
    eligible: bool,
    content: str,
    summary: str | None,
    indexed: str | None,
    summary_attempts: int,
    embedding_attempts: int,
    max_attempts: int,
) -> PostNeed:
    """The rules, restated: not eligible -> removal if indexed; then summary; then embedding."""
    if not eligible:
        return PostNeed.REMOVAL if indexed is not None else PostNeed.NOTHING
    if summary != content:
        return PostNeed.FAILED if summary_attempts >= max_attempts else PostNeed.SUMMARY
    if indexed != content:
        return PostNeed.FAILED if embedding_attempts >= max_attempts else PostNeed.EMBEDDING
    return PostNeed.NOTHING


# Invisible differences: the same hash after normalization.
cosmetic = st.sampled_from(["", " ", "\n", "\u200b", "\r\n\r\n\r\n", "\xa0"])


class PostLifecycle(RuleBasedStateMachine):
    """One post edited, summarized, indexed and failed at random, with a model kept alongside."""

    @initialize(max_attempts=st.integers(1, 4), eligible=st.booleans())
    def start(self, max_attempts: int, eligible: bool) -> None:
        self.post = make_post()
        self.max_attempts = max_attempts
        self.eligible = eligible
        self.expected_hash = content_hash(TITLES[0], BODIES[0])
        self.expected_summary_hash: str | None = None
        self.expected_indexed_hash: str | None = None
        self.attempts = {"summary": 0, "embedding": 0}
        self.errors: dict[str, str | None] = {"summary": None, "embedding": None}
        self.seen_hashes = {self.expected_hash}

    def _stage(self, stage: str) -> StageRecord:
        return self.post.summary_stage if stage == "summary" else self.post.embedding_stage

    @rule(title=st.sampled_from(TITLES), body=st.sampled_from(BODIES), noise=cosmetic)
    def edit_content(self, title: str, body: str, noise: str) -> None:
        before = self.post
        scraped = make_post(title=title, content=noise + body + noise, board="새 게시판")
        self.post = before.revised(scraped)
        new_hash = content_hash(title, body)
        assert self.post.content_hash == new_hash
        assert self.post.content == noise + body + noise
        assert self.post.board == "새 게시판"
        assert self.post.summary_hash == before.summary_hash  # facts kept; needs() compares them
        assert self.post.indexed_hash == before.indexed_hash
        assert self.post.summary == before.summary
        if new_hash != self.expected_hash:
            assert self.post.summary_stage == StageRecord()
            assert self.post.embedding_stage == StageRecord()
            self.attempts = {"summary": 0, "embedding": 0}
            self.errors = {"summary": None, "embedding": None}
        else:
            assert self.post.summary_stage == before.summary_stage
            assert self.post.embedding_stage == before.embedding_stage
        self.expected_hash = new_hash
        self.seen_hashes.add(new_hash)

    @rule(noise=cosmetic, board=st.sampled_from(["창업 이야기", "질문", ""]), url=st.sampled_from(["", "https://x/1"]))
    def edit_metadata_only(self, noise: str, board: str, url: str) -> None:
        before = self.post
        scraped = make_post(
            title=before.title, content=before.content + noise, board=board, url=url, brand_mentions=("창플",)
        )
        self.post = before.revised(scraped)
        assert self.post.content_hash == before.content_hash
        assert self.post.summary_stage == before.summary_stage
        assert self.post.embedding_stage == before.embedding_stage
        assert (self.post.board, self.post.url, self.post.brand_mentions) == (board, url, ("창플",))

    @rule(summary=st.sampled_from(["요약 1", "요약 2"]))
    def summarize_current(self, summary: str) -> None:
        self.post = self.post.with_summary(
            summary=summary, keywords=("창업",), possible_questions=("어떻게?",), made_from=self.post.content_hash
        )
        assert self.post.summary == summary
        self.expected_summary_hash = self.expected_hash
        self.errors["summary"] = None  # a success clears the error and keeps the count

    @precondition(lambda self: len(self.seen_hashes) > 1)
    @rule(data=st.data())
    def summarize_from_old_hash(self, data: st.DataObject) -> None:
        old = data.draw(st.sampled_from(sorted(self.seen_hashes - {self.expected_hash})))
        self.post = self.post.with_summary(summary="낡은 요약", keywords=(), possible_questions=(), made_from=old)
        self.expected_summary_hash = old
        self.errors["summary"] = None

    @rule(chunks=st.integers(1, 20))
    def index_current(self, chunks: int) -> None:
        self.post = self.post.with_index(indexed_hash=self.post.content_hash, chunks=chunks)
        assert self.post.indexed_chunks == chunks
        self.expected_indexed_hash = self.expected_hash
        self.errors["embedding"] = None

    @rule(chunks=st.integers(0, 20))
    def remove_from_index(self, chunks: int) -> None:
        self.post = self.post.with_index(indexed_hash=None, chunks=chunks)
        assert self.post.indexed_chunks == 0
        self.expected_indexed_hash = None
        self.errors["embedding"] = None

    @rule(stage=st.sampled_from(STAGES), error=st.sampled_from([None, "timeout", "429 quota"]))
    def fail_stage(self, stage: str, error: str | None) -> None:
        self.post = self.post.with_attempt(stage, error=error)  # type: ignore[arg-type]
        self.attempts[stage] += 1
        if error:
            self.errors[stage] = error

    @rule(stage=st.sampled_from(STAGES))
    def operator_resets_stage(self, stage: str) -> None:
        self.post = self.post.with_stage_reset(stage)  # type: ignore[arg-type]
        self.attempts[stage] = 0
        self.errors[stage] = None

    @rule()
    def toggle_eligibility(self) -> None:
        self.eligible = not self.eligible

    @invariant()
    def hash_follows_content(self) -> None:
        assert self.post.content_hash == content_hash(self.post.title, self.post.content)
        assert self.post.content_hash == self.expected_hash

    @invariant()
    def recorded_facts_match_the_model(self) -> None:
        assert self.post.summary_hash == self.expected_summary_hash
        assert self.post.indexed_hash == self.expected_indexed_hash
        for stage in STAGES:
            assert self._stage(stage).attempts == self.attempts[stage]
            assert self._stage(stage).last_error == self.errors[stage]
        if self.post.indexed_hash is None:
            assert self.post.indexed_chunks == 0

    @invariant()
    def needs_follows_the_rules(self) -> None:
        expected = reference_need(
            eligible=self.eligible,
            content=self.expected_hash,
            summary=self.expected_summary_hash,
            indexed=self.expected_indexed_hash,
            summary_attempts=self.attempts["summary"],
            embedding_attempts=self.attempts["embedding"],
            max_attempts=self.max_attempts,
        )
        assert self.post.needs(eligible=self.eligible, max_attempts=self.max_attempts) is expected


PostLifecycle.TestCase.settings = settings(max_examples=100, stateful_step_count=30, deadline=None)
TestPostLifecycle = PostLifecycle.TestCase


# --- examples ------------------------------------------------------------------------------


def test_fresh_eligible_post_needs_a_summary_then_embedding_then_nothing() -> None:
    post = make_post()
    assert post.needs(eligible=True, max_attempts=3) is PostNeed.SUMMARY
    post = post.with_summary(summary="s", keywords=(), possible_questions=(), made_from=post.content_hash)
    assert post.needs(eligible=True, max_attempts=3) is PostNeed.EMBEDDING
    post = post.with_index(indexed_hash=post.content_hash, chunks=2)
    assert post.needs(eligible=True, max_attempts=3) is PostNeed.NOTHING
    assert post.needs(eligible=False, max_attempts=3) is PostNeed.REMOVAL


def test_stage_fails_for_good_at_max_attempts() -> None:
    post = make_post().with_attempt("summary", error="e1").with_attempt("summary")
    assert post.summary_stage == StageRecord(attempts=2, last_error="e1")
    assert post.needs(eligible=True, max_attempts=3) is PostNeed.SUMMARY
    post = post.with_attempt("summary", error="e3")
    assert post.needs(eligible=True, max_attempts=3) is PostNeed.FAILED
    assert post.with_stage_reset("summary").needs(eligible=True, max_attempts=3) is PostNeed.SUMMARY


def test_explicit_content_hash_is_ignored() -> None:
    post = make_post(content_hash="forged")
    assert post.content_hash == content_hash(post.title, post.content)


def test_naive_published_at_is_read_as_kst() -> None:
    post = make_post(published_at=datetime(2024, 6, 1, 10, 30))
    assert post.published_at.utcoffset() == timedelta(hours=9)
    assert post.published_at.tzinfo is KST
    assert post.published_at.astimezone(UTC) == datetime(2024, 6, 1, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize("tz", [UTC, timezone(timedelta(hours=-5)), KST])
def test_aware_published_at_is_kept(tz: timezone) -> None:
    moment = datetime(2024, 6, 1, 10, 30, tzinfo=tz)
    post = make_post(published_at=moment)
    assert post.published_at == moment
    assert post.published_at.utcoffset() == moment.utcoffset()


def test_naive_scraped_at_is_read_as_utc() -> None:
    post = make_post(scraped_at=datetime(2024, 6, 1, 10, 30))
    assert post.scraped_at == datetime(2024, 6, 1, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize("kind", [PostStatusKind.SKIPPED, PostStatusKind.ERROR])
@pytest.mark.parametrize("reason", [None, ""])
def test_skipped_or_error_status_needs_a_reason(kind: PostStatusKind, reason: str | None) -> None:
    with pytest.raises(ValidationError, match="needs a reason"):
        PostStatus(article_id=1, kind=kind, reason=reason, updated_at=datetime(2024, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize("kind", list(PostStatusKind))
def test_any_status_with_a_reason_is_valid(kind: PostStatusKind) -> None:
    status = PostStatus(article_id=1, kind=kind, reason="why", updated_at=datetime(2024, 1, 1))
    assert status.updated_at.tzinfo is UTC


@pytest.mark.parametrize("kind", [PostStatusKind.SAVED, PostStatusKind.DELETED, PostStatusKind.MEMBERS_ONLY])
def test_other_statuses_need_no_reason(kind: PostStatusKind) -> None:
    assert PostStatus(article_id=1, kind=kind, updated_at=datetime(2024, 1, 1, tzinfo=UTC)).reason is None


@pytest.mark.parametrize("article_id", [0, -3])
def test_article_id_must_be_positive(article_id: int) -> None:
    with pytest.raises(ValidationError):
        make_post(article_id=article_id)


def test_negative_attempts_are_invalid() -> None:
    with pytest.raises(ValidationError):
        StageRecord(attempts=-1)
