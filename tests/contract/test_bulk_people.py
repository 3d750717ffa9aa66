"""The bulk paths a changple2 import takes for people, on every backend: many accounts, chat
sessions and views written and read at once, equal to doing it one by one, and all or nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from changple_domain.errors import AlreadyExists, IllegalTransition, NotFound
from changple_domain.model.content import ContentView, NewContent
from changple_domain.model.users import NewUser
from changple_domain.ports import UnitOfWork
from tests.contract.test_account_repositories import profile, tokens
from tests.contract.test_chat_repositories import T0, add_user, chat, say


def _people(*social_ids: str) -> list[NewUser]:
    return [
        NewUser(profile=profile(social_id=i, nickname=f"회원-{i}"), tokens=tokens(), created_at=T0) for i in social_ids
    ]


def test_many_accounts_are_added_and_found_at_once(uow: UnitOfWork) -> None:
    with uow:
        added = uow.users.add_many(_people("nv-1", "nv-2", "nv-3"))
        uow.commit()
    assert [u.social_id for u in added] == ["nv-1", "nv-2", "nv-3"]
    assert len({u.id for u in added}) == 3
    with uow:
        found = uow.users.get_many_by_social_id("naver", ["nv-3", "nv-1", "nv-9"])
        assert found == {"nv-1": added[0], "nv-3": added[2]}
        assert uow.users.get(added[1].id) == added[1]  # tokens sealed and opened like a single add
        assert added[1].tokens == tokens()
        assert uow.users.add_many([]) == []


@pytest.mark.parametrize("batch", [("nv-2", "nv-1"), ("nv-5", "nv-5")])
def test_a_taken_or_repeated_social_id_adds_nobody(uow: UnitOfWork, batch: tuple[str, ...]) -> None:
    with uow:
        uow.users.add_many(_people("nv-1"))
        uow.commit()
    with uow:
        with pytest.raises(AlreadyExists):
            uow.users.add_many(_people(*batch))
        assert set(uow.users.get_many_by_social_id("naver", ["nv-1", "nv-2", "nv-5"])) == {"nv-1"}


def test_many_sessions_are_added_found_and_saved_at_once(uow: UnitOfWork) -> None:
    with uow:
        owner = add_user(uow)
        sessions = [chat("a" * 32, owner), chat("b" * 32), chat("c" * 32, owner, minutes=5)]
        uow.chats.add_sessions(sessions)
        uow.commit()
    with uow:
        assert uow.chats.get_sessions(["c" * 32, "a" * 32, "z" * 32]) == {"a" * 32: sessions[0], "c" * 32: sessions[2]}
        later = [s.model_copy(update={"title": f"제목 {n}", "message_count": n + 1}) for n, s in enumerate(sessions)]
        later[1] = later[1].model_copy(update={"last_message_at": T0 + timedelta(hours=1)})
        uow.chats.save_sessions(later)
        uow.commit()
    with uow:
        assert uow.chats.get_sessions(s.nonce for s in sessions) == {s.nonce: s for s in later}


def test_a_bad_session_in_a_batch_stores_none_of_it(uow: UnitOfWork) -> None:
    with uow:
        owner = add_user(uow)
        uow.chats.add_sessions([chat("a" * 32, owner)])
        uow.commit()
    with uow:
        with pytest.raises(AlreadyExists):
            uow.chats.add_sessions([chat("d" * 32), chat("a" * 32)])
        with pytest.raises(AlreadyExists):
            uow.chats.add_sessions([chat("e" * 32), chat("e" * 32)])
        with pytest.raises(NotFound):
            uow.chats.add_sessions([chat("f" * 32), chat("g" * 32, owner + 99)])
        assert uow.chats.get_sessions(["d" * 32, "e" * 32, "f" * 32, "g" * 32]) == {}

        renamed = chat("a" * 32, owner, title="바뀐 제목")
        with pytest.raises(IllegalTransition):
            uow.chats.save_sessions([renamed, chat("a" * 32, None)])  # the second names another owner
        with pytest.raises(NotFound):
            uow.chats.save_sessions([renamed, chat("h" * 32)])
        assert uow.chats.get_session("a" * 32) == chat("a" * 32, owner)


def test_many_views_are_recorded_at_once_or_not_at_all(uow: UnitOfWork) -> None:
    with uow:
        reader = add_user(uow)
        column = uow.contents.add(NewContent(title="칼럼", upload_key="k", created_at=T0)).id
        views = [ContentView(user_id=reader, content_id=column, viewed_at=T0 + timedelta(days=n)) for n in range(3)]
        uow.content_views.add_many(views)
        uow.commit()
    with uow:
        assert uow.content_views.last_viewed_at(reader, column) == T0 + timedelta(days=2)
        late = ContentView(user_id=reader, content_id=column, viewed_at=T0 + timedelta(days=9))
        with pytest.raises(NotFound):
            uow.content_views.add_many([late, ContentView(user_id=reader, content_id=column + 7, viewed_at=T0)])
        assert uow.content_views.last_viewed_at(reader, column) == T0 + timedelta(days=2)


def test_an_edited_message_is_written_over_its_copy_in_its_own_session(uow: UnitOfWork) -> None:
    with uow:
        uow.chats.add_sessions([chat("a" * 32), chat("b" * 32)])
        first, second = uow.chats.add_messages([say("a" * 32, "처음 질문"), say("a" * 32, "두 번째")])
        uow.commit()
    with uow:
        edited = first.model_copy(update={"content": "고쳐 쓴 질문", "helpful_post_ids": (1003,)})
        uow.chats.replace_messages([edited])
        uow.commit()
    with uow:
        assert uow.chats.messages("a" * 32) == [edited, second]
        moved = second.model_copy(update={"session_nonce": "b" * 32, "content": "옮겨짐"})
        with pytest.raises(NotFound):
            uow.chats.replace_messages([edited.model_copy(update={"content": "또"}), moved])
        gone = second.model_copy(update={"id": second.id + 99})
        with pytest.raises(NotFound):
            uow.chats.replace_messages([gone])
        assert uow.chats.messages("a" * 32) == [edited, second]
