"""Use cases over the in-memory unit of work: recording scrapes, evaluating ingestion, catalog, runs."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from changple_adapters.memory import FixedClock, MemoryUnitOfWork, SequentialIds
from changple_domain.errors import AlreadyExists, InvalidInput, LoginRequired, NotFound
from changple_domain.model.authors import AllowedAuthor, AuthorGroup, GoodToKnowBrand
from changple_domain.model.posts import CafePost, PostNeed, PostStatus, PostStatusKind
from changple_domain.model.providers import ScrapedArticle, ScrapeOutcome
from changple_domain.model.runs import RunTrigger
from changple_domain.policies.change_detection import content_hash
from changple_domain.policies.eligibility import IngestionPolicy, Reason
from changple_domain.use_cases.catalog import (
    CatalogQuery,
    add_entry,
    create_entry,
    list_entries,
    sync_catalog,
    update_entry,
)
from changple_domain.use_cases.evaluate_ingestion import EvaluateIngestion, PostVerdict, evaluate_ingestion
from changple_domain.use_cases.pipeline_runs import StartRun, start_run
from changple_domain.use_cases.record_articles import RecordArticles, RecordedArticles, record_articles

T0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
AUTHOR = "김창플"
BODY = "프랜차이즈 창업을 준비하며 알게 된 가맹 계약의 주의사항을 정리했습니다. 꼭 읽어 보세요."
OTHER_BODY = "배달 전문점과 홀 매장의 수익 구조를 비교해 보았습니다. 임대료 비중이 핵심이었습니다."
POLICY = IngestionPolicy(min_content_length=20)


# --- helpers -------------------------------------------------------------------------------


@pytest.fixture
def uow() -> MemoryUnitOfWork:
    return MemoryUnitOfWork()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


def make_post(article_id: int, **overrides: Any) -> CafePost:
    values: dict[str, Any] = {
        "article_id": article_id,
        "title": f"창업 후기 {article_id}",
        "content": BODY,
        "author": AUTHOR,
        "board": "창업 이야기",
        "published_at": datetime(2026, 11, 1, 9, 0),
    }
    values.update(overrides)
    return CafePost(**values)


def saved(article_id: int, **overrides: Any) -> ScrapedArticle:
    return ScrapedArticle(article_id=article_id, outcome=ScrapeOutcome.SAVED, post=make_post(article_id, **overrides))


def deleted(article_id: int) -> ScrapedArticle:
    return ScrapedArticle(article_id=article_id, outcome=ScrapeOutcome.DELETED)


def members_only(article_id: int) -> ScrapedArticle:
    return ScrapedArticle(article_id=article_id, outcome=ScrapeOutcome.MEMBERS_ONLY, reason="등급 제한")


def failed(article_id: int, reason: str = "timeout") -> ScrapedArticle:
    return ScrapedArticle(article_id=article_id, outcome=ScrapeOutcome.ERROR, reason=reason)


def login_required(article_id: int) -> ScrapedArticle:
    return ScrapedArticle(article_id=article_id, outcome=ScrapeOutcome.LOGIN_REQUIRED, reason="세션 만료")


def record(uow: MemoryUnitOfWork, clock: FixedClock, *articles: ScrapedArticle) -> RecordedArticles:
    return record_articles(RecordArticles(articles=articles), uow=uow, clock=clock)


def stored_post(uow: MemoryUnitOfWork, article_id: int) -> CafePost | None:
    with uow:
        return uow.posts.get(article_id)


def stored_status(uow: MemoryUnitOfWork, article_id: int) -> PostStatus | None:
    with uow:
        return uow.statuses.get(article_id)


def store_posts(uow: MemoryUnitOfWork, *posts: CafePost) -> None:
    with uow:
        uow.posts.upsert_many(posts)
        uow.commit()


def counts(report: RecordedArticles) -> dict[str, int]:
    return report.model_dump()


def verdicts(uow: MemoryUnitOfWork, policy: IngestionPolicy = POLICY, page_size: int = 500) -> dict[int, PostVerdict]:
    evaluation = evaluate_ingestion(EvaluateIngestion(policy=policy, page_size=page_size), uow=uow)
    return {v.article_id: v for v in evaluation.verdicts}


def with_author(uow: MemoryUnitOfWork, name: str = AUTHOR, active: bool = True) -> None:
    add_entry(AllowedAuthor(name=name, active=active), uow=uow)


ZERO = {
    "new": 0,
    "changed": 0,
    "unchanged": 0,
    "deleted": 0,
    "members_only": 0,
    "skipped": 0,
    "errors": 0,
    "duplicates_in_input": 0,
}


# --- record_articles -----------------------------------------------------------------------


def test_new_posts_are_stored_with_saved_status(uow: MemoryUnitOfWork, clock: FixedClock) -> None:
    report = record(uow, clock, saved(1), saved(2), saved(3))
    assert counts(report) == {**ZERO, "new": 3}
    for article_id in (1, 2, 3):
        post = stored_post(uow, article_id)
        assert post is not None
        assert post.content_hash == content_hash(f"창업 후기 {article_id}", BODY)
        status = stored_status(uow, article_id)
        assert status is not None
        assert (status.kind, status.attempts, status.updated_at) == (PostStatusKind.SAVED, 0, T0)


def test_changed_and_unchanged_posts(uow: MemoryUnitOfWork, clock: FixedClock) -> None:
    record(uow, clock, saved(1), saved(2), saved(3))
    summarized = {}
    with uow:  # the pipeline summarized and indexed every post, after two failed tries
        for post in uow.posts.get_many([1, 2, 3]).values():
            done = (
                post.with_attempt("summary", error="quota")
                .with_attempt("summary")
                .with_summary(summary="요약", keywords=("창업",), possible_questions=(), made_from=post.content_hash)
                .with_index(indexed_hash=post.content_hash, chunks=2)
            )
            summarized[post.article_id] = done
        uow.posts.upsert_many(list(summarized.values()))
        uow.commit()
    clock.advance(timedelta(hours=1))

    report = record(
        uow,
        clock,
        saved(1),  # identical
        saved(2, content="  " + BODY.replace(" ", "  ") + " \r\n\r\n\r\n", board="새 게시판"),  # cosmetic only
        saved(3, content=OTHER_BODY),  # a real edit
    )
    assert counts(report) == {**ZERO, "changed": 1, "unchanged": 2}

    for article_id in (1, 2):
        post = stored_post(uow, article_id)
        assert post is not None
        before = summarized[article_id]
        assert (post.summary_hash, post.indexed_hash, post.summary_stage) == (
            before.summary_hash,
            before.indexed_hash,
            before.summary_stage,
        )
        assert post.needs(eligible=True, max_attempts=3) is PostNeed.NOTHING
    assert stored_post(uow, 2).board == "새 게시판"  # type: ignore[union-attr]

    edited = stored_post(uow, 3)
    assert edited is not None
    assert edited.content == OTHER_BODY
    assert edited.summary_stage.attempts == 0
    assert edited.summary == "요약"  # kept until replaced; the hash comparison says it is stale
    assert edited.needs(eligible=True, max_attempts=3) is PostNeed.SUMMARY
    assert stored_status(uow, 3).updated_at == T0 + timedelta(hours=1)  # type: ignore[union-attr]


def test_deleted_members_only_and_error_counts(uow: MemoryUnitOfWork, clock: FixedClock) -> None:
    report = record(uow, clock, saved(1), deleted(2), members_only(3), failed(4, "503"), failed(5), deleted(6))
    assert counts(report) == {**ZERO, "new": 1, "deleted": 2, "members_only": 1, "errors": 2}
    kinds = {i: stored_status(uow, i).kind for i in range(1, 7)}  # type: ignore[union-attr]
    assert kinds == {
        1: PostStatusKind.SAVED,
        2: PostStatusKind.DELETED,
        3: PostStatusKind.MEMBERS_ONLY,
        4: PostStatusKind.ERROR,
        5: PostStatusKind.ERROR,
        6: PostStatusKind.DELETED,
    }
    assert stored_status(uow, 4).reason == "503"  # type: ignore[union-attr]
    assert stored_status(uow, 3).reason == "등급 제한"  # type: ignore[union-attr]
    assert [stored_post(uow, i) is not None for i in range(1, 7)] == [True, False, False, False, False, False]


def test_same_id_twice_counts_once_and_the_later_wins(uow: MemoryUnitOfWork, clock: FixedClock) -> None:
    report = record(uow, clock, saved(1, content=BODY), saved(2), saved(1, content=OTHER_BODY))
    assert counts(report) == {**ZERO, "new": 2, "duplicates_in_input": 1}
    assert stored_post(uow, 1).content == OTHER_BODY  # type: ignore[union-attr]

    report = record(uow, clock, failed(3), saved(3), deleted(3))
    assert counts(report) == {**ZERO, "deleted": 1, "duplicates_in_input": 2}
    assert stored_post(uow, 3) is None
    assert stored_status(uow, 3).kind is PostStatusKind.DELETED  # type: ignore[union-attr]


def test_a_later_sighting_overrides_login_required(uow: MemoryUnitOfWork, clock: FixedClock) -> None:
    report = record(uow, clock, login_required(1), saved(1))
    assert counts(report) == {**ZERO, "new": 1, "duplicates_in_input": 1}


def test_error_attempts_increment_across_calls(uow: MemoryUnitOfWork, clock: FixedClock) -> None:
    attempts = []
    for _ in range(3):
        record(uow, clock, failed(7))
        attempts.append(stored_status(uow, 7).attempts)  # type: ignore[union-attr]
    assert attempts == [1, 2, 3]

    record(uow, clock, saved(7))
    assert stored_status(uow, 7).attempts == 0  # type: ignore[union-attr]
    record(uow, clock, failed(7))
    assert stored_status(uow, 7).attempts == 1  # type: ignore[union-attr]
    record(uow, clock, deleted(7))
    record(uow, clock, failed(7))
    assert stored_status(uow, 7).attempts == 1  # type: ignore[union-attr]


def test_login_required_raises_and_writes_nothing(uow: MemoryUnitOfWork, clock: FixedClock) -> None:
    record(uow, clock, saved(1))
    with pytest.raises(LoginRequired, match="세션 만료"):
        record(uow, clock, saved(1, content=OTHER_BODY), saved(2), failed(3), login_required(4))
    assert stored_post(uow, 1).content == BODY  # type: ignore[union-attr]
    assert stored_post(uow, 2) is None
    assert [stored_status(uow, i) for i in (2, 3, 4)] == [None, None, None]


def test_saved_outcome_without_a_post_is_rejected_by_the_model() -> None:
    with pytest.raises(ValueError, match="SAVED outcome"):
        ScrapedArticle(article_id=9, outcome=ScrapeOutcome.SAVED)
    with pytest.raises(ValueError, match="SAVED outcome"):
        ScrapedArticle(article_id=9, outcome=ScrapeOutcome.DELETED, post=make_post(9))


def test_deleted_post_keeps_its_row_and_needs_removal_if_indexed(uow: MemoryUnitOfWork, clock: FixedClock) -> None:
    with_author(uow)
    record(uow, clock, saved(10), saved(11))
    with uow:
        post = uow.posts.get(10)
        assert post is not None
        uow.posts.upsert_many([post.with_index(indexed_hash=post.content_hash, chunks=3)])
        uow.commit()

    report = record(uow, clock, deleted(10), deleted(11))
    assert report.deleted == 2
    kept = stored_post(uow, 10)
    assert kept is not None
    assert kept.indexed_hash == kept.content_hash
    assert stored_post(uow, 11) is not None

    by_id = verdicts(uow)
    assert by_id[10].decision.reason is Reason.DELETED
    assert by_id[10].need is PostNeed.REMOVAL
    assert by_id[11].decision.reason is Reason.DELETED
    assert by_id[11].need is PostNeed.NOTHING


def test_error_outcome_without_reason_is_recorded_or_rejected_up_front(
    uow: MemoryUnitOfWork, clock: FixedClock
) -> None:
    try:
        article = ScrapedArticle(article_id=5, outcome=ScrapeOutcome.ERROR)
    except ValueError:
        return  # requiring a reason on ScrapedArticle is an acceptable fix
    report = record(uow, clock, saved(1), article)
    assert report.errors == 1
    status = stored_status(uow, 5)
    assert status is not None
    assert status.kind is PostStatusKind.ERROR
    assert status.reason


def test_saved_article_and_its_post_must_agree_on_the_id(uow: MemoryUnitOfWork, clock: FixedClock) -> None:
    try:
        mismatched = ScrapedArticle(article_id=5, outcome=ScrapeOutcome.SAVED, post=make_post(6))
    except ValueError:
        return  # rejecting it in the model is an acceptable fix
    with pytest.raises((ValueError, InvalidInput)):
        record(uow, clock, mismatched)
    assert stored_post(uow, 6) is None


# --- a property over whole scrape histories --------------------------------------------------

OUTCOMES = ["saved_a", "saved_b", "saved_a_cosmetic", "deleted", "members_only", "error"]


def scraped(article_id: int, outcome: str) -> ScrapedArticle:
    if outcome == "saved_a":
        return saved(article_id, content=BODY)
    if outcome == "saved_a_cosmetic":
        return saved(article_id, content=unicodedata.normalize("NFD", BODY) + "\u200b ")
    if outcome == "saved_b":
        return saved(article_id, content=OTHER_BODY)
    if outcome == "deleted":
        return deleted(article_id)
    if outcome == "members_only":
        return members_only(article_id)
    return failed(article_id)


calls = st.lists(
    st.lists(st.tuples(st.integers(1, 4), st.sampled_from(OUTCOMES)), max_size=8),
    min_size=1,
    max_size=5,
)


@settings(max_examples=100, deadline=None)
@given(history=calls)
def test_recording_many_batches_matches_a_simple_model(history: list[list[tuple[int, str]]]) -> None:
    uow, clock = MemoryUnitOfWork(), FixedClock(T0)
    hashes: dict[int, str] = {}
    statuses: dict[int, tuple[PostStatusKind, int]] = {}
    for batch in history:
        latest = dict(batch)
        expected = dict(ZERO, duplicates_in_input=len(batch) - len(latest))
        for article_id, outcome in latest.items():
            if outcome.startswith("saved"):
                new_hash = content_hash(f"창업 후기 {article_id}", OTHER_BODY if outcome == "saved_b" else BODY)
                key = (
                    "new" if article_id not in hashes else "unchanged" if hashes[article_id] == new_hash else "changed"
                )
                expected[key] += 1
                hashes[article_id] = new_hash
                statuses[article_id] = (PostStatusKind.SAVED, 0)
            elif outcome == "error":
                expected["errors"] += 1
                kind, attempts = statuses.get(article_id, (PostStatusKind.SAVED, 0))
                statuses[article_id] = (PostStatusKind.ERROR, attempts + 1 if kind is PostStatusKind.ERROR else 1)
            else:
                expected[outcome] += 1
                statuses[article_id] = (PostStatusKind(outcome), 0)
        report = record(uow, clock, *(scraped(i, o) for i, o in batch))
        assert counts(report) == expected
        clock.advance(timedelta(minutes=5))
    with uow:
        assert {i: p.content_hash for i, p in uow.posts.get_many(range(1, 5)).items()} == hashes
        assert {i: (s.kind, s.attempts) for i, s in uow.statuses.get_many(range(1, 5)).items()} == statuses


# --- evaluate_ingestion --------------------------------------------------------------------


def test_evaluation_gives_every_post_a_verdict(uow: MemoryUnitOfWork, clock: FixedClock) -> None:
    with_author(uow)
    with_author(uow, "휴면작가", active=False)
    record(
        uow,
        clock,
        saved(1),
        saved(2, author="모르는사람"),
        saved(3, author="휴면작가"),
        saved(4, content="짧은 글"),
        members_only(5),
    )
    evaluation = evaluate_ingestion(EvaluateIngestion(policy=POLICY), uow=uow)
    assert [v.article_id for v in evaluation.verdicts] == [1, 2, 3, 4]
    assert [v.article_id for v in evaluation.eligible] == [1]
    assert evaluation.counts_by_reason() == {
        Reason.ELIGIBLE: 1,
        Reason.AUTHOR_NOT_ALLOWED: 1,
        Reason.AUTHOR_INACTIVE: 1,
        Reason.TOO_SHORT: 1,
    }
    assert evaluation.verdicts[0].need is PostNeed.SUMMARY
    assert all(v.need is PostNeed.NOTHING for v in evaluation.verdicts[1:])


@pytest.mark.parametrize("page_size", [1, 2, 500])
def test_duplicate_content_the_higher_id_is_the_duplicate(
    uow: MemoryUnitOfWork, clock: FixedClock, page_size: int
) -> None:
    with_author(uow)
    same = {"title": "같은 제목", "content": BODY}
    record(uow, clock, saved(21, **same), saved(30), saved(20, **same))
    record(uow, clock, saved(22, title="같은 제목", content=unicodedata.normalize("NFD", BODY) + "  "))
    by_id = verdicts(uow, page_size=page_size)
    assert by_id[20].decision.reason is Reason.ELIGIBLE
    assert by_id[21].decision.reason is Reason.DUPLICATE_CONTENT
    assert "20" in by_id[21].decision.message
    assert by_id[22].decision.reason is Reason.DUPLICATE_CONTENT
    assert by_id[30].decision.reason is Reason.ELIGIBLE


def test_repost_of_a_deleted_article_is_not_a_duplicate(uow: MemoryUnitOfWork, clock: FixedClock) -> None:
    with_author(uow)
    same = {"title": "다시 올립니다", "content": BODY}
    record(uow, clock, saved(40, **same))
    record(uow, clock, deleted(40), saved(41, **same))
    by_id = verdicts(uow)
    assert by_id[40].decision.reason is Reason.DELETED
    assert by_id[41].decision.reason is Reason.ELIGIBLE


def test_disabling_an_author_makes_their_posts_need_removal(uow: MemoryUnitOfWork, clock: FixedClock) -> None:
    with_author(uow)
    record(uow, clock, saved(1))
    with uow:
        post = uow.posts.get(1)
        assert post is not None
        ready = post.with_summary(summary="s", keywords=(), possible_questions=(), made_from=post.content_hash)
        uow.posts.upsert_many([ready.with_index(indexed_hash=post.content_hash, chunks=1)])
        uow.commit()
    assert verdicts(uow)[1].need is PostNeed.NOTHING

    update_entry(AllowedAuthor, f"  {AUTHOR} ", enabled=False, uow=uow)
    verdict = verdicts(uow)[1]
    assert verdict.decision.reason is Reason.AUTHOR_INACTIVE
    assert verdict.need is PostNeed.REMOVAL


def test_evaluation_of_an_empty_store(uow: MemoryUnitOfWork) -> None:
    evaluation = evaluate_ingestion(EvaluateIngestion(policy=POLICY), uow=uow)
    assert evaluation.verdicts == []
    assert evaluation.counts_by_reason() == {}


# --- catalog -------------------------------------------------------------------------------


def test_add_author_twice_raises_and_keeps_the_first(uow: MemoryUnitOfWork) -> None:
    first = add_entry(AllowedAuthor(name="박사장", group=AuthorGroup.TEAM_BUSINESS), uow=uow)
    with pytest.raises(AlreadyExists):
        add_entry(AllowedAuthor(name=" 박사장  ", group=AuthorGroup.OTHER, active=False), uow=uow)
    with uow:
        assert uow.authors.get("박사장") == first
        assert len(uow.authors.list()) == 1


def test_author_groups_are_the_choices_and_default_to_changple(uow: MemoryUnitOfWork) -> None:
    assert create_entry(AllowedAuthor, "새작가", uow=uow).group is AuthorGroup.CHANGPLE  # as in changple2
    with pytest.raises(InvalidInput, match="author group must be one of 창플, 팀비즈니스, 기타, not '운영진'"):
        create_entry(AllowedAuthor, "옛작가", detail="운영진", uow=uow)
    moved = update_entry(AllowedAuthor, "새작가", detail="기타", uow=uow)
    assert moved == AllowedAuthor(name="새작가", group=AuthorGroup.OTHER)
    with pytest.raises(InvalidInput, match="one of 창플, 팀비즈니스, 기타"):
        update_entry(AllowedAuthor, "새작가", detail="", uow=uow)
    with pytest.raises(InvalidInput, match="one of 창플, 팀비즈니스, 기타"):
        list_entries(AllowedAuthor, CatalogQuery.of(detail="1기"), uow=uow)
    assert list_entries(AllowedAuthor, CatalogQuery.of(detail="기타"), uow=uow).items == [moved]
    assert list_entries(AllowedAuthor, CatalogQuery.of(detail="창플"), uow=uow).total == 0
    # A brand's description is free text: the same filter matches it exactly.
    create_entry(GoodToKnowBrand, "창플치킨", detail="아무 설명", uow=uow)
    assert list_entries(GoodToKnowBrand, CatalogQuery.of(detail="아무 설명"), uow=uow).total == 1


def test_set_author_active_on_unknown_raises_not_found(uow: MemoryUnitOfWork) -> None:
    with_author(uow)
    with pytest.raises(NotFound, match="없는사람"):
        update_entry(AllowedAuthor, "없는사람", enabled=False, uow=uow)
    with uow:
        assert uow.authors.list(enabled_only=True) == [AllowedAuthor(name=AUTHOR)]


def test_set_author_active_round_trip(uow: MemoryUnitOfWork) -> None:
    with_author(uow)
    disabled = update_entry(AllowedAuthor, AUTHOR, enabled=False, uow=uow)
    assert disabled.active is False
    with uow:
        assert uow.authors.get(AUTHOR) == disabled
        assert uow.authors.list(enabled_only=True) == []
    assert update_entry(AllowedAuthor, AUTHOR, enabled=True, uow=uow).active is True


def test_add_brand_twice_raises_and_keeps_the_first(uow: MemoryUnitOfWork) -> None:
    first = add_entry(GoodToKnowBrand(name="창플치킨", description="원조"), uow=uow)
    with pytest.raises(AlreadyExists):
        add_entry(GoodToKnowBrand(name="창플치킨", description="짝퉁"), uow=uow)
    with uow:
        assert uow.brands.get("창플치킨") == first


def test_sync_catalog_inserts_and_updates_by_name(uow: MemoryUnitOfWork) -> None:
    with_author(uow)
    add_entry(GoodToKnowBrand(name="창플치킨"), uow=uow)
    result = sync_catalog(
        [AllowedAuthor(name=AUTHOR, active=False), AllowedAuthor(name="새작가")],
        (b for b in [GoodToKnowBrand(name="창플치킨", description="갱신"), GoodToKnowBrand(name="창플피자")]),
        uow=uow,
    )
    assert result == (2, 2)
    with uow:
        assert [(a.name, a.active) for a in uow.authors.list()] == sorted([(AUTHOR, False), ("새작가", True)])
        assert uow.brands.get("창플치킨").description == "갱신"  # type: ignore[union-attr]
        assert len(uow.brands.list()) == 2


# --- pipeline runs -------------------------------------------------------------------------

IDS = SequentialIds()


def test_start_run_twice_with_the_same_key_returns_the_same_run(uow: MemoryUnitOfWork, clock: FixedClock) -> None:
    first = start_run(StartRun(key="nightly:2026-11-22", trigger=RunTrigger.SCHEDULE), uow=uow, clock=clock, ids=IDS)
    clock.advance(timedelta(minutes=3))
    second = start_run(StartRun(key="nightly:2026-11-22", trigger=RunTrigger.MANUAL), uow=uow, clock=clock, ids=IDS)
    assert first.created is True
    assert second.created is False
    assert second.run == first.run
    assert first.run.started_at == T0
    assert first.run.trigger is RunTrigger.SCHEDULE

    other = start_run(StartRun(key="nightly:2026-11-23", trigger=RunTrigger.SCHEDULE), uow=uow, clock=clock, ids=IDS)
    assert other.created is True
    assert other.run.id != first.run.id
    with uow:
        assert len(uow.runs.recent()) == 2


def test_repost_by_a_disallowed_author_does_not_shadow_the_allowed_original(
    uow: MemoryUnitOfWork, clock: FixedClock
) -> None:
    with_author(uow)
    same = {"title": "퍼온 글", "content": BODY}
    record(uow, clock, saved(50, author="광고계정", **same), saved(51, **same), saved(52, **same))
    by_id = verdicts(uow)
    assert by_id[50].decision.reason is Reason.AUTHOR_NOT_ALLOWED
    assert by_id[51].decision.reason is Reason.ELIGIBLE
    assert by_id[52].decision.reason is Reason.DUPLICATE_CONTENT
    assert "51" in by_id[52].decision.message


def test_new_posts_by_refused_authors_are_skipped_with_the_reason(uow: MemoryUnitOfWork, clock: FixedClock) -> None:
    with_author(uow)
    with_author(uow, "휴면작가", active=False)
    gated = RecordArticles(
        articles=(saved(1), saved(2, author="모르는사람"), saved(3, author="휴면작가")), author_policy=POLICY
    )

    report = record_articles(gated, uow=uow, clock=clock)

    assert (report.new, report.skipped) == (1, 2)
    assert stored_post(uow, 2) is None
    assert stored_post(uow, 3) is None
    skipped = stored_status(uow, 2)
    assert skipped is not None
    assert skipped.kind is PostStatusKind.SKIPPED
    assert skipped.reason == "author '모르는사람' is not an allowed author"
    disabled = stored_status(uow, 3)
    assert disabled is not None
    assert disabled.reason == "author '휴면작가' is disabled"


def test_a_stored_post_is_updated_even_after_its_author_is_disabled(uow: MemoryUnitOfWork, clock: FixedClock) -> None:
    with_author(uow)
    record(uow, clock, saved(1))
    update_entry(AllowedAuthor, AUTHOR, enabled=False, uow=uow)

    edited = RecordArticles(articles=(saved(1, content="고친 본문입니다. " * 10),), author_policy=POLICY)
    report = record_articles(edited, uow=uow, clock=clock)

    assert (report.changed, report.skipped) == (1, 0)
    post = stored_post(uow, 1)
    assert post is not None
    assert post.content.startswith("고친 본문")


def test_without_an_author_policy_every_post_is_stored(uow: MemoryUnitOfWork, clock: FixedClock) -> None:
    report = record(uow, clock, saved(1, author="모르는사람"))
    assert (report.new, report.skipped) == (1, 0)
