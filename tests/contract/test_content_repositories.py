"""Contract of the content repositories (Notion columns and what readers viewed) on every unit-of-work
implementation, with the foreign keys: deleting a user removes their views and keeps their uploads
with no uploader; deleting a content removes its views."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from changple_adapters.memory import MemoryStore, MemoryUnitOfWork
from changple_domain.errors import ConcurrentUpdate, NotFound
from changple_domain.model.content import ContentState, ContentView, NewContent, NotionContent
from changple_domain.model.users import NewUser, SocialProfile
from changple_domain.ports import UnitOfWork

T0 = datetime(2026, 11, 29, 3, 0, 0, 123456, tzinfo=UTC)


def add_user(uow: UnitOfWork, social_id: str = "nv-1") -> int:
    profile = SocialProfile(social_id=social_id, name="김창플", nickname=f"창업러-{social_id}")
    return uow.users.add(NewUser(profile=profile, created_at=T0)).id


def new_content(n: int, *, uploaded_by: int | None = None, **overrides: object) -> NewContent:
    fields: dict[str, object] = {
        "title": f"치킨집 상권 분석 #{n}",
        "description": "가맹비와 인테리어 비용을 정리한 칼럼",
        "upload_key": f"uploads/{n}.zip",
        "uploaded_by": uploaded_by,
        "created_at": T0 + timedelta(minutes=n),
    }
    fields.update(overrides)
    return NewContent.model_validate(fields)


def published(content: NotionContent, at: datetime | None = None) -> NotionContent:
    at = at or content.created_at + timedelta(seconds=30)
    return content.model_copy(
        update={
            "state": ContentState.PUBLISHED,
            "plain_text": "첫 문단입니다.\n\n두 번째 문단 😀",
            "html_key": f"content/{content.id}/page.html",
            "thumbnail_key": f"content/{content.id}/thumbnail.jpg",
            "file_keys": (f"content/{content.id}/files/001.jpg", f"content/{content.id}/files/002.png"),
            "upload_key": None,
            "skipped": ("Untitled/evil.exe: not an image or a page",),
            "updated_at": at,
            "published_at": at,
        }
    )


def add_published(uow: UnitOfWork, n: int, **overrides: object) -> NotionContent:
    content = published(uow.contents.add(new_content(n, **overrides)))
    uow.contents.save(content)
    return content


# --- contents ------------------------------------------------------------------------------------


def test_content_round_trips_through_add_save_and_get(uow: UnitOfWork) -> None:
    with uow:
        uploader = add_user(uow)
        added = uow.contents.add(new_content(1, uploaded_by=uploader, uploaded_thumbnail_key="uploads/1-thumb.png"))
        uow.commit()
    assert added.state is ContentState.PROCESSING
    assert (added.upload_key, added.uploaded_by, added.updated_at) == ("uploads/1.zip", uploader, added.created_at)
    with uow:
        assert uow.contents.get(added.id) == added
        done = published(added).model_copy(update={"is_preferred": True})
        uow.contents.save(done)
        uow.commit()
    with uow:
        got = uow.contents.get(added.id)
    assert got == done
    assert got is not None
    assert got.file_keys == (f"content/{added.id}/files/001.jpg", f"content/{added.id}/files/002.png")
    assert got.skipped == ("Untitled/evil.exe: not an image or a page",)
    assert got.plain_text == "첫 문단입니다.\n\n두 번째 문단 😀"
    assert got.published_at == done.published_at


def test_ids_are_distinct_and_missing_content_is_none_or_not_found(uow: UnitOfWork) -> None:
    with uow:
        first, second = uow.contents.add(new_content(1)), uow.contents.add(new_content(2))
        assert first.id != second.id
        assert uow.contents.get(second.id + 1000) is None
        with pytest.raises(NotFound):
            uow.contents.save(first.model_copy(update={"id": second.id + 1000}))
        assert uow.contents.delete(first.id) is True
        assert uow.contents.delete(first.id) is False
        with pytest.raises(NotFound):
            uow.contents.save(first)  # the row is gone
        uow.commit()
    with uow:
        assert uow.contents.get(first.id) is None
        assert uow.contents.get(second.id) == second


def test_an_uploader_that_does_not_exist_is_not_found(uow: UnitOfWork) -> None:
    with uow:
        with pytest.raises(NotFound):
            uow.contents.add(new_content(1, uploaded_by=4242))
        kept = uow.contents.add(new_content(2))  # the transaction goes on
        uow.commit()
    with uow:
        assert uow.contents.count(state=None) == 1
        assert uow.contents.get(kept.id) == kept


def test_pages_are_newest_first_with_the_id_breaking_ties(uow: UnitOfWork) -> None:
    same_time = T0 + timedelta(hours=1)
    with uow:
        ids = [add_published(uow, n).id for n in range(1, 6)]  # created one minute apart
        tie_a = add_published(uow, 6, created_at=same_time).id
        tie_b = add_published(uow, 7, created_at=same_time).id
        uow.commit()
    expected = [max(tie_a, tie_b), min(tie_a, tie_b), *reversed(ids)]
    with uow:
        assert [c.id for c in uow.contents.page(limit=100)] == expected
        assert [c.id for c in uow.contents.page(limit=3)] == expected[:3]
        assert [c.id for c in uow.contents.page(limit=3, offset=3)] == expected[3:6]
        assert [c.id for c in uow.contents.page(limit=3, offset=6)] == expected[6:]
        assert uow.contents.page(limit=3, offset=7) == []
        assert uow.contents.page(limit=0) == []
        assert uow.contents.count() == 7


def test_pages_and_counts_filter_by_state_and_preference(uow: UnitOfWork) -> None:
    with uow:
        plain = add_published(uow, 1)
        preferred = add_published(uow, 2, is_preferred=True)
        waiting = uow.contents.add(new_content(3, is_preferred=True))
        failed = uow.contents.add(new_content(4))
        failed = failed.model_copy(update={"state": ContentState.FAILED, "failure": "not a zip", "upload_key": None})
        uow.contents.save(failed)
        uow.commit()

    def ids(**filters: object) -> list[int]:
        return [c.id for c in uow.contents.page(limit=100, **filters)]  # type: ignore[arg-type]

    with uow:
        assert ids() == [preferred.id, plain.id]  # published is the default
        assert ids(preferred=True) == [preferred.id]
        assert ids(preferred=False) == [plain.id]
        assert ids(state=None) == [failed.id, waiting.id, preferred.id, plain.id]
        assert ids(state=None, preferred=True) == [waiting.id, preferred.id]
        assert ids(state=ContentState.PROCESSING) == [waiting.id]
        assert ids(state=ContentState.FAILED) == [failed.id]
        assert uow.contents.count() == 2
        assert uow.contents.count(preferred=True) == 1
        assert uow.contents.count(state=None) == 4
        assert uow.contents.count(state=None, preferred=False) == 2
        assert uow.contents.count(state=ContentState.FAILED, preferred=True) == 0


def test_stuck_finds_processing_content_untouched_since_the_cutoff_oldest_first(uow: UnitOfWork) -> None:
    with uow:
        oldest = uow.contents.add(new_content(1))
        old = uow.contents.add(new_content(2))
        fresh = uow.contents.add(new_content(30))
        add_published(uow, 3)  # published long ago: never stuck
        touched = uow.contents.add(new_content(4))
        uow.contents.save(touched.model_copy(update={"updated_at": T0 + timedelta(hours=2)}))
        uow.commit()
    cutoff = T0 + timedelta(minutes=10)
    with uow:
        assert [c.id for c in uow.contents.stuck(updated_before=cutoff)] == [oldest.id, old.id]
        assert [c.id for c in uow.contents.stuck(updated_before=cutoff, limit=1)] == [oldest.id]
        assert uow.contents.stuck(updated_before=old.updated_at) == [oldest]  # strictly before
        later = [c.id for c in uow.contents.stuck(updated_before=T0 + timedelta(days=1))]
        assert later == [oldest.id, old.id, fresh.id, touched.id]


def test_get_many_returns_the_ones_found(uow: UnitOfWork) -> None:
    with uow:
        first, second = add_published(uow, 1), uow.contents.add(new_content(2))
        uow.commit()
    with uow:
        assert uow.contents.get_many([second.id, first.id, 999_999, first.id]) == {first.id: first, second.id: second}
        assert uow.contents.get_many(iter([999_999])) == {}
        assert uow.contents.get_many([]) == {}


# --- views ---------------------------------------------------------------------------------------


def view(user_id: int, content_id: int, minutes: int) -> ContentView:
    return ContentView(user_id=user_id, content_id=content_id, viewed_at=T0 + timedelta(minutes=minutes))


def test_history_keeps_the_latest_view_per_content_most_recent_first(uow: UnitOfWork) -> None:
    with uow:
        reader, other = add_user(uow, "nv-1"), add_user(uow, "nv-2")
        a, b, c, d = (add_published(uow, n).id for n in range(1, 5))
        for user_id, content_id, minutes in [
            (reader, a, 10),
            (reader, b, 20),
            (reader, a, 30),  # a again: its latest view is now the newest
            (reader, c, 5),
            (reader, d, 20),  # same time as b: the higher content id comes first
            (other, c, 99),  # someone else's view changes nothing for the reader
        ]:
            uow.content_views.add(view(user_id, content_id, minutes))
        uow.commit()
    with uow:
        history = uow.content_views.history(reader)
        assert history == [view(reader, a, 30), view(reader, d, 20), view(reader, b, 20), view(reader, c, 5)]
        assert uow.content_views.history(reader, limit=2) == history[:2]
        assert uow.content_views.history(reader, limit=2, offset=2) == history[2:]
        assert uow.content_views.history(reader, offset=4) == []
        assert uow.content_views.history(other) == [view(other, c, 99)]
        assert uow.content_views.count_history(reader) == 4
        assert uow.content_views.count_history(other) == 1
        assert uow.content_views.last_viewed_at(reader, a) == T0 + timedelta(minutes=30)
        assert uow.content_views.last_viewed_at(other, a) is None
        assert uow.content_views.history(other + reader + 100) == []
        assert uow.content_views.count_history(other + reader + 100) == 0
        # Every view counts for a content's tally, whoever made it; unviewed ones are left out.
        unviewed = add_published(uow, 5).id
        assert uow.content_views.counts([a, b, c, d, unviewed]) == {a: 2, b: 1, c: 2, d: 1}
        assert uow.content_views.counts([c]) == {c: 2}
        assert uow.content_views.counts([]) == {}


def test_a_view_of_something_missing_is_not_found(uow: UnitOfWork) -> None:
    with uow:
        reader, content_id = add_user(uow), add_published(uow, 1).id
        with pytest.raises(NotFound):
            uow.content_views.add(view(reader, content_id + 100, 1))
        with pytest.raises(NotFound):
            uow.content_views.add(view(reader + 100, content_id, 1))
        uow.content_views.add(view(reader, content_id, 2))  # the transaction goes on
        uow.commit()
    with uow:
        assert uow.content_views.history(reader) == [view(reader, content_id, 2)]


def test_deleting_a_content_deletes_its_views(uow: UnitOfWork) -> None:
    with uow:
        reader = add_user(uow)
        gone, kept = add_published(uow, 1).id, add_published(uow, 2).id
        uow.content_views.add(view(reader, gone, 1))
        uow.content_views.add(view(reader, gone, 3))
        uow.content_views.add(view(reader, kept, 2))
        uow.commit()
    with uow:
        assert uow.contents.delete(gone)
        assert uow.content_views.count_history(reader) == 1  # at once, inside the transaction
        uow.commit()
    with uow:
        assert uow.content_views.history(reader) == [view(reader, kept, 2)]
        assert uow.content_views.count_history(reader) == 1
        assert uow.content_views.last_viewed_at(reader, gone) is None


def test_deleting_a_user_deletes_their_views_and_keeps_their_uploads(uow: UnitOfWork) -> None:
    with uow:
        admin, reader = add_user(uow, "nv-admin"), add_user(uow, "nv-reader")
        theirs = add_published(uow, 1, uploaded_by=admin)
        other = add_published(uow, 2, uploaded_by=reader)
        uow.content_views.add(view(admin, theirs.id, 1))
        uow.content_views.add(view(reader, theirs.id, 2))
        uow.commit()

    def assert_after_the_delete() -> None:
        assert uow.contents.get(theirs.id) == theirs.model_copy(update={"uploaded_by": None})
        assert uow.contents.get(other.id) == other
        assert uow.content_views.count_history(admin) == 0
        assert uow.content_views.last_viewed_at(admin, theirs.id) is None
        assert uow.content_views.history(reader) == [view(reader, theirs.id, 2)]

    with uow:
        assert uow.users.delete(admin)
        assert_after_the_delete()  # at once, inside the transaction
        uow.commit()
    with uow:
        assert_after_the_delete()


# --- memory only: the keys hold across transactions, as the database's do -----------------------


def test_a_cascade_reaches_views_committed_after_the_delete_began() -> None:
    store = MemoryStore()
    with MemoryUnitOfWork(store) as setup:
        reader, content_id = add_user(setup), add_published(setup, 1).id
        setup.commit()
    deleting, viewing = MemoryUnitOfWork(store), MemoryUnitOfWork(store)
    with deleting, viewing:
        deleting.users.delete(reader)
        viewing.content_views.add(view(reader, content_id, 1))
        viewing.commit()
        deleting.commit()
    with MemoryUnitOfWork(store) as check:
        assert check.content_views.count_history(reader) == 0
        assert store.tables.content_views == {}


def test_a_view_of_a_content_deleted_meanwhile_refuses_to_commit() -> None:
    store = MemoryStore()
    with MemoryUnitOfWork(store) as setup:
        reader, content_id = add_user(setup), add_published(setup, 1).id
        setup.commit()
    deleting, viewing = MemoryUnitOfWork(store), MemoryUnitOfWork(store)
    with deleting, viewing:
        deleting.contents.delete(content_id)
        viewing.content_views.add(view(reader, content_id, 1))
        deleting.commit()
        with pytest.raises(ConcurrentUpdate):
            viewing.commit()
    assert store.tables.content_views == {}
    assert reader in store.tables.users
