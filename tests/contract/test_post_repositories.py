"""Contract of PostRepository and PostStatusRepository, on every unit-of-work implementation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from changple_domain.model import CafePost, PostStatus, PostStatusKind
from changple_domain.ports import PostSelection, UnitOfWork
from tests.contract.factories import T0, later, make_full_post, make_post


def _ids(posts: list[CafePost]) -> list[int]:
    return [post.article_id for post in posts]


def test_every_post_field_round_trips(uow: UnitOfWork) -> None:
    post = make_full_post(101)
    with uow:
        uow.posts.upsert_many([post])
        uow.commit()
    with uow:
        got = uow.posts.get(101)
    assert got == post
    assert got is not None
    assert got.model_dump() == post.model_dump()
    assert got.summary_stage.attempts == 2
    assert got.summary_stage.last_error == "429 Too Many Requests"
    assert got.embedding_stage.last_error == "타임아웃"
    assert got.image_urls == post.image_urls
    assert isinstance(got.image_urls, tuple)
    for stored, original in ((got.published_at, post.published_at), (got.scraped_at, post.scraped_at)):
        assert stored is not None
        assert original is not None
        assert stored.utcoffset() is not None
        assert stored == original
        assert stored.microsecond == original.microsecond


def test_missing_posts_are_none_or_absent(uow: UnitOfWork) -> None:
    with uow:
        uow.posts.upsert_many([make_post(1), make_post(3)])
        assert uow.posts.get(2) is None
        found = uow.posts.get_many([3, 2, 1, 3])
    assert sorted(found) == [1, 3]
    assert found[3] == make_post(3)


def test_upsert_inserts_then_replaces(uow: UnitOfWork) -> None:
    original = make_full_post(5)
    with uow:
        uow.posts.upsert_many([original, make_post(6)])
        uow.commit()
    revised = original.revised(make_post(5, content="내용을 고쳤습니다.", scraped_at=later(60)))
    with uow:
        assert uow.posts.get(5) == original  # read first: a cached row must not hide the update
        uow.posts.upsert_many([revised])
        assert uow.posts.get(5) == revised
        uow.commit()
    with uow:
        got = uow.posts.get(5)
        assert uow.posts.count() == 2
    assert got is not None
    assert got.content == "내용을 고쳤습니다."
    assert got.content_hash == revised.content_hash != original.content_hash
    assert got.summary == original.summary
    assert got.summary_hash == original.summary_hash
    assert got.indexed_hash == original.indexed_hash
    assert got.indexed_chunks == 3
    assert got.scraped_at == later(60)


def test_upsert_of_the_same_id_twice_in_one_call_keeps_the_last(uow: UnitOfWork) -> None:
    with uow:
        uow.posts.upsert_many([make_post(8, title="첫 번째"), make_post(9), make_post(8, title="두 번째")])
        got = uow.posts.get(8)
        assert uow.posts.count() == 2
    assert got is not None
    assert got.title == "두 번째"


def test_upsert_of_nothing_is_harmless(uow: UnitOfWork) -> None:
    with uow:
        uow.posts.upsert_many([])
        uow.statuses.upsert_many([])
        assert uow.posts.count() == 0


def test_page_is_keyset_ordered_and_limited(uow: UnitOfWork) -> None:
    with uow:
        uow.posts.upsert_many([make_post(i) for i in (9, 1, 7, 3, 5)])
        assert _ids(uow.posts.page(limit=2)) == [1, 3]
        assert _ids(uow.posts.page(after_id=3, limit=2)) == [5, 7]
        assert _ids(uow.posts.page(after_id=7, limit=2)) == [9]
        assert _ids(uow.posts.page(after_id=9)) == []
        assert _ids(uow.posts.page(after_id=4)) == [5, 7, 9]


def _selection_fixture() -> list[CafePost]:
    fresh = make_post(1)  # never summarized, never indexed
    done = make_post(2)
    done = done.with_summary(summary="요약", keywords=(), possible_questions=(), made_from=done.content_hash)
    done = done.with_index(indexed_hash=done.content_hash, chunks=2)
    changed = make_post(3).with_summary(summary="옛 요약", keywords=(), possible_questions=(), made_from="old")
    changed = changed.with_index(indexed_hash="old", chunks=1)
    summarized = make_post(4)
    summarized = summarized.with_summary(
        summary="요약", keywords=(), possible_questions=(), made_from=summarized.content_hash
    )
    return [fresh, done, changed, summarized]


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        (PostSelection.ALL, [1, 2, 3, 4]),
        (PostSelection.SUMMARY_STALE, [1, 3]),
        (PostSelection.INDEX_STALE, [1, 3, 4]),
        (PostSelection.IN_INDEX, [2, 3]),
    ],
)
def test_selections_page_and_count(uow: UnitOfWork, selection: PostSelection, expected: list[int]) -> None:
    with uow:
        uow.posts.upsert_many(_selection_fixture())
        assert _ids(uow.posts.page(selection=selection)) == expected
        assert _ids(uow.posts.page(selection=selection, limit=1)) == expected[:1]
        assert _ids(uow.posts.page(selection=selection, after_id=expected[0])) == expected[1:]
        assert uow.posts.count(selection) == len(expected)


def test_max_article_id(uow: UnitOfWork) -> None:
    with uow:
        assert uow.posts.max_article_id() is None
        uow.posts.upsert_many([make_post(12), make_post(3_000_000_000), make_post(40)])
        assert uow.posts.max_article_id() == 3_000_000_000


def test_ids_by_hash_lists_every_id_ascending(uow: UnitOfWork) -> None:
    duplicate = {"title": "같은 글", "content": "복사해서 다시 올린 글입니다."}
    posts = [make_post(30, **duplicate), make_post(10, **duplicate), make_post(20, **duplicate), make_post(40)]
    with uow:
        uow.posts.upsert_many(posts)
        found = uow.posts.ids_by_hash([posts[0].content_hash, posts[3].content_hash, "f" * 64])
        assert uow.posts.ids_by_hash([]) == {}
    assert found == {posts[0].content_hash: [10, 20, 30], posts[3].content_hash: [40]}


def test_shared_hashes_are_the_duplicate_groups(uow: UnitOfWork) -> None:
    twin = {"title": "같은 글", "content": "복사해서 다시 올린 글입니다."}
    pair = {"title": "두 번 올린 글", "content": "한 번 더 올렸습니다."}
    posts = [make_post(30, **twin), make_post(10, **twin), make_post(20, **pair), make_post(5, **pair), make_post(40)]
    with uow:
        assert uow.posts.shared_hashes() == {}
        uow.posts.upsert_many(posts)
        shared = uow.posts.shared_hashes()
    assert shared == {posts[0].content_hash: [10, 30], posts[2].content_hash: [5, 20]}


def test_page_with_zero_limit_is_empty(uow: UnitOfWork) -> None:
    with uow:
        uow.posts.upsert_many([make_post(1), make_post(2)])
        assert uow.posts.page(limit=0) == []


def test_two_thousand_posts_in_one_call_page_through_completely(uow: UnitOfWork) -> None:
    posts = [make_post(article_id) for article_id in range(1, 2001)]
    with uow:
        uow.posts.upsert_many(posts)
        uow.commit()
    seen: list[int] = []
    with uow:
        after = 0
        while page := uow.posts.page(after_id=after, limit=500):
            assert len(page) <= 500
            seen.extend(_ids(page))
            after = page[-1].article_id
        assert uow.posts.count() == 2000
        assert uow.posts.count(PostSelection.SUMMARY_STALE) == 2000
        sample = uow.posts.get_many(range(1, 2001))
    assert seen == list(range(1, 2001))
    assert len(sample) == 2000
    assert sample[1999] == posts[1998]
    summarized = [
        p.with_summary(summary="요약", keywords=("키",), possible_questions=(), made_from=p.content_hash) for p in posts
    ]
    with uow:
        uow.posts.upsert_many(summarized)
        assert uow.posts.count(PostSelection.SUMMARY_STALE) == 0
        assert uow.posts.get(1234) == summarized[1233]


def test_chunk_marks_only_ever_rise(uow: UnitOfWork) -> None:
    posts = [make_post(1).with_index(indexed_hash=None, chunks=0), make_full_post(2)]  # 2 has 3 chunks
    with uow:
        uow.posts.upsert_many(posts)
        uow.commit()
    with uow:
        uow.posts.raise_chunk_marks({1: 4, 2: 1, 99: 5})  # 2 stays at 3; 99 is not stored
        uow.commit()
    with uow:
        found = uow.posts.get_many([1, 2, 99])
    assert sorted(found) == [1, 2]
    assert found[1].indexed_chunks == 4
    assert found[2].indexed_chunks == 3
    assert found[1].model_copy(update={"indexed_chunks": 0}) == posts[0]  # nothing else moved


def test_index_states_are_written_only_where_the_content_is_unchanged(uow: UnitOfWork) -> None:
    summarized = [
        p.with_summary(summary="요약", keywords=("키",), possible_questions=(), made_from=p.content_hash)
        for p in (make_post(1), make_post(2), make_post(3))
    ]
    with uow:
        uow.posts.upsert_many(summarized)
        uow.commit()
    edited = summarized[1].revised(make_post(2, content="본문을 고쳤습니다. 새 내용이 충분히 길어야 합니다."))
    with uow:
        uow.posts.upsert_many([edited])  # an edit lands while post 2's vectors are being written
        uow.commit()
    tried = [p.with_attempt("embedding", error="타임아웃") for p in summarized]
    indexed = [p.with_index(indexed_hash=p.content_hash, chunks=2) for p in tried]
    with uow:
        written = uow.posts.record_index_states([*indexed, make_post(77).with_index(indexed_hash="x", chunks=1)])
        uow.commit()
    with uow:
        found = uow.posts.get_many([1, 2, 3, 77])
    assert written == 2
    with uow:  # one post alone is counted too (a single row goes out as execute, not executemany)
        assert uow.posts.record_index_states([indexed[0]]) == 1
        uow.rollback()
    assert sorted(found) == [1, 2, 3]
    for article_id in (1, 3):
        post = found[article_id]
        assert post.indexed_hash == post.content_hash
        assert post.indexed_chunks == 2
        assert post.embedding_stage.attempts == 1
        assert post.embedding_stage.last_error is None  # a success clears the last error
        assert post.summary == "요약"  # the summary columns are not touched
    assert found[2] == edited  # the edit is not undone


def _status(article_id: int, kind: PostStatusKind, **fields: object) -> PostStatus:
    reason = "규칙 위반" if kind in (PostStatusKind.SKIPPED, PostStatusKind.ERROR) else None
    return PostStatus.model_validate(
        {"article_id": article_id, "kind": kind, "reason": reason, "updated_at": T0, **fields}
    )


def test_status_round_trip_and_update(uow: UnitOfWork) -> None:
    kst_time = datetime(2026, 3, 1, 21, 0, 0, 999999, tzinfo=timezone(timedelta(hours=9)))
    error = _status(7, PostStatusKind.ERROR, reason="HTTP 503 네이버 응답 없음", attempts=3, updated_at=kst_time)
    with uow:
        uow.statuses.upsert_many([error, _status(8, PostStatusKind.SAVED)])
        uow.commit()
    with uow:
        got = uow.statuses.get(7)
        assert got == error
        assert got is not None
        assert got.updated_at.utcoffset() is not None
        assert got.updated_at.astimezone(UTC) == datetime(2026, 3, 1, 12, 0, 0, 999999, tzinfo=UTC)
        assert uow.statuses.get(9) is None
        saved = _status(7, PostStatusKind.SAVED, attempts=4, updated_at=later(5))
        uow.statuses.upsert_many([saved])
        uow.commit()
    with uow:
        assert uow.statuses.get(7) == saved
        assert uow.statuses.get_many([7, 8, 9]) == {7: saved, 8: _status(8, PostStatusKind.SAVED)}


def test_statuses_with_kind_page_and_counts(uow: UnitOfWork) -> None:
    kinds = {
        1: PostStatusKind.SAVED,
        2: PostStatusKind.DELETED,
        3: PostStatusKind.SAVED,
        4: PostStatusKind.MEMBERS_ONLY,
        5: PostStatusKind.SAVED,
        6: PostStatusKind.ERROR,
    }
    with uow:
        assert uow.statuses.counts() == {}
        uow.statuses.upsert_many([_status(i, kind) for i, kind in kinds.items()])
        saved = uow.statuses.with_kind(PostStatusKind.SAVED, limit=2)
        assert [s.article_id for s in saved] == [1, 3]
        assert [s.article_id for s in uow.statuses.with_kind(PostStatusKind.SAVED, after_id=3)] == [5]
        assert uow.statuses.with_kind(PostStatusKind.SKIPPED) == []
        assert uow.statuses.counts() == {
            PostStatusKind.SAVED: 3,
            PostStatusKind.DELETED: 1,
            PostStatusKind.MEMBERS_ONLY: 1,
            PostStatusKind.ERROR: 1,
        }


def test_status_kinds_between_two_ids(uow: UnitOfWork) -> None:
    kinds = {1: PostStatusKind.SAVED, 2: PostStatusKind.DELETED, 4: PostStatusKind.SKIPPED, 9: PostStatusKind.SAVED}
    with uow:
        uow.statuses.upsert_many([_status(i, kind) for i, kind in kinds.items()])
        assert uow.statuses.kinds_between(1, 4) == {2: PostStatusKind.DELETED, 4: PostStatusKind.SKIPPED}
        assert uow.statuses.kinds_between(0, 100) == kinds
        assert uow.statuses.kinds_between(9, 100) == {}


def test_highest_status_id_by_kind(uow: UnitOfWork) -> None:
    kinds = {3: PostStatusKind.SAVED, 9: PostStatusKind.DELETED, 5: PostStatusKind.SKIPPED, 7: PostStatusKind.ERROR}
    with uow:
        assert uow.statuses.highest_id([PostStatusKind.SAVED]) is None
        uow.statuses.upsert_many([_status(i, kind) for i, kind in kinds.items()])
        assert uow.statuses.highest_id([PostStatusKind.SAVED]) == 3
        assert uow.statuses.highest_id([PostStatusKind.SAVED, PostStatusKind.SKIPPED]) == 5
        assert uow.statuses.highest_id(list(PostStatusKind)) == 9
        assert uow.statuses.highest_id([]) is None


def test_ids_published_since_newest_first_with_a_limit(uow: UnitOfWork) -> None:
    base = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    with uow:
        uow.posts.upsert_many([make_post(i, published_at=base + timedelta(days=i)) for i in range(1, 8)])
        uow.commit()
    with uow:
        # Day 5 in another zone is the same instant: the boundary is inclusive whatever the offset.
        since = (base + timedelta(days=5)).astimezone(timezone(timedelta(hours=-5)))
        assert uow.posts.ids_published_since(since) == [7, 6, 5]
        assert uow.posts.ids_published_since(since, limit=2) == [7, 6]
        assert uow.posts.ids_published_since(base + timedelta(days=30)) == []
        assert uow.posts.ids_published_since(since, limit=0) == []
