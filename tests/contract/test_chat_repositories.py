"""Contract of the chat repository (sessions addressed by nonce, their messages) on every unit-of-work
implementation, with the foreign keys: deleting a session removes its messages, deleting a user
removes their sessions and the messages in them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from changple_adapters.memory import MemoryStore, MemoryUnitOfWork
from changple_domain.errors import AlreadyExists, ConcurrentUpdate, IllegalTransition, NotFound
from changple_domain.model.chat import ChatRole, ChatSession, NewChatMessage
from changple_domain.model.users import NewUser, SocialProfile
from changple_domain.ports import UnitOfWork
from tests.contract.conftest import UowFactory

T0 = datetime(2026, 11, 29, 3, 0, 0, 654321, tzinfo=UTC)


def add_user(uow: UnitOfWork, social_id: str = "nv-1") -> int:
    profile = SocialProfile(social_id=social_id, name="김창플", nickname=f"창업러-{social_id}")
    return uow.users.add(NewUser(profile=profile, created_at=T0)).id


def chat(nonce: str, user_id: int | None = None, minutes: int = 0, **overrides: object) -> ChatSession:
    fields: dict[str, object] = {
        "nonce": nonce,
        "user_id": user_id,
        "created_at": T0,
        "last_message_at": T0 + timedelta(minutes=minutes),
    }
    fields.update(overrides)
    return ChatSession.model_validate(fields)


def say(nonce: str, text: str, minutes: int = 0, role: ChatRole = ChatRole.USER, **extra: object) -> NewChatMessage:
    fields: dict[str, object] = {
        "session_nonce": nonce,
        "role": role,
        "content": text,
        "created_at": T0 + timedelta(minutes=minutes),
    }
    fields.update(extra)
    return NewChatMessage.model_validate(fields)


def test_a_session_round_trips_and_saves(uow: UnitOfWork) -> None:
    with uow:
        user = add_user(uow)
        uow.chats.add_session(chat("nonce-0001", user))
        visitor = chat("visitor-0001")
        uow.chats.add_session(visitor)
        uow.commit()
    with uow:
        assert uow.chats.get_session("nonce-0001") == chat("nonce-0001", user)
        assert uow.chats.get_session("visitor-0001") == visitor
        assert uow.chats.get_session("nonce-9999") is None
        later = chat("nonce-0001", user, minutes=5, title="치킨집 창업 비용이 궁금해요", message_count=2)
        uow.chats.save_session(later)
        with pytest.raises(NotFound):
            uow.chats.save_session(chat("nonce-9999", user))
        uow.commit()
    with uow:
        assert uow.chats.get_session("nonce-0001") == later


def test_saving_a_session_never_changes_its_owner(uow: UnitOfWork) -> None:
    """No path around the chat use case's ownership rule: a save naming another owner is refused
    and the stored owner stays (a visitor's session included)."""
    with uow:
        user, other = add_user(uow), add_user(uow, "nv-2")
        uow.chats.add_session(chat("owned-0001", user))
        uow.chats.add_session(chat("visitor-0002"))
        uow.commit()
    claims = (("owned-0001", user, other), ("owned-0001", user, None), ("visitor-0002", None, user))
    for nonce, owner, claimant in claims:
        with uow:
            with pytest.raises(IllegalTransition, match="owner"):
                uow.chats.save_session(chat(nonce, claimant, minutes=1, message_count=3))
            uow.commit()
        with uow:
            stored = uow.chats.get_session(nonce)
            assert stored is not None
            assert (stored.user_id, stored.message_count) == (owner, 0)


def test_a_taken_nonce_is_already_exists_and_the_transaction_goes_on(uow: UnitOfWork) -> None:
    with uow:
        user = add_user(uow)
        uow.chats.add_session(chat("nonce-0001", user))
        uow.commit()
    with uow:
        uow.chats.add_session(chat("nonce-0002", user))
        with pytest.raises(AlreadyExists):
            uow.chats.add_session(chat("nonce-0001", None, minutes=9))
        with pytest.raises(NotFound):  # no such owner
            uow.chats.add_session(chat("nonce-0003", user + 100))
        uow.chats.add_message(say("nonce-0002", "여전히 쓸 수 있나요?"))
        uow.commit()
    with uow:
        assert uow.chats.get_session("nonce-0001") == chat("nonce-0001", user)  # untouched
        assert uow.chats.get_session("nonce-0003") is None
        assert [m.content for m in uow.chats.messages("nonce-0002")] == ["여전히 쓸 수 있나요?"]


def test_a_nonce_taken_by_another_transaction(uow_factory: UowFactory) -> None:
    first, second = uow_factory(), uow_factory()
    with first:
        first.chats.add_session(chat("nonce-0001"))
        first.commit()
    with second:
        with pytest.raises(AlreadyExists):
            second.chats.add_session(chat("nonce-0001", minutes=3))
        second.chats.add_session(chat("nonce-0002"))
        second.commit()
    with first:
        assert first.chats.get_session("nonce-0001") == chat("nonce-0001")
        assert first.chats.get_session("nonce-0002") == chat("nonce-0002")


def test_sessions_of_a_user_most_recent_first_then_by_nonce(uow: UnitOfWork) -> None:
    with uow:
        user, other = add_user(uow, "nv-1"), add_user(uow, "nv-2")
        for nonce, minutes in [("nonce-aaaa", 1), ("nonce-cccc", 5), ("nonce-bbbb", 5), ("nonce-dddd", 3)]:
            uow.chats.add_session(chat(nonce, user, minutes))
        uow.chats.add_session(chat("nonce-other", other, 10))
        uow.chats.add_session(chat("nonce-visitor", None, 20))
        uow.commit()
    expected = ["nonce-bbbb", "nonce-cccc", "nonce-dddd", "nonce-aaaa"]
    with uow:
        assert [s.nonce for s in uow.chats.sessions_of(user)] == expected
        assert [s.nonce for s in uow.chats.sessions_of(user, limit=2)] == expected[:2]
        assert [s.nonce for s in uow.chats.sessions_of(user, limit=2, offset=2)] == expected[2:]
        assert uow.chats.sessions_of(user, offset=4) == []
        assert uow.chats.sessions_of(user, limit=0) == []
        assert [s.nonce for s in uow.chats.sessions_of(other)] == ["nonce-other"]
        assert uow.chats.count_sessions_of(user) == 4
        assert uow.chats.count_sessions_of(other) == 1
        assert uow.chats.count_sessions_of(user + other + 100) == 0


def test_messages_come_back_oldest_first_after_an_id(uow: UnitOfWork) -> None:
    with uow:
        uow.chats.add_session(chat("nonce-0001"))
        uow.chats.add_session(chat("nonce-0002"))
        stored = []
        for n in range(5):
            role = ChatRole.USER if n % 2 == 0 else ChatRole.ASSISTANT
            stored.append(uow.chats.add_message(say("nonce-0001", f"메시지 {n}", minutes=n, role=role)))
            uow.chats.add_message(say("nonce-0002", f"다른 대화 {n}", minutes=n))
        uow.commit()
    ids = [m.id for m in stored]
    assert ids == sorted(set(ids))
    with uow:
        assert uow.chats.messages("nonce-0001") == stored
        assert uow.chats.messages("nonce-0001", limit=2) == stored[:2]
        assert uow.chats.messages("nonce-0001", after_id=ids[1]) == stored[2:]
        assert uow.chats.messages("nonce-0001", after_id=ids[1], limit=2) == stored[2:4]
        assert uow.chats.messages("nonce-0001", after_id=ids[-1]) == []
        assert uow.chats.messages("nonce-9999") == []
        assert uow.chats.get_session("nonce-0001") == chat("nonce-0001")  # add_message leaves the session be


def test_a_message_keeps_its_references(uow: UnitOfWork) -> None:
    with uow:
        uow.chats.add_session(chat("nonce-0001"))
        message = uow.chats.add_message(
            say(
                "nonce-0001",
                "교촌치킨 가맹비는 1,200만 원입니다.\n\n참고한 글을 확인하세요 😀",
                role=ChatRole.ASSISTANT,
                attached_content_ids=(3, 1),
                helpful_post_ids=(123456789012, 42),
            )
        )
        with pytest.raises(NotFound):
            uow.chats.add_message(say("nonce-9999", "세션이 없어요"))
        uow.commit()
    with uow:
        [got] = uow.chats.messages("nonce-0001")
    assert got == message
    assert got.role is ChatRole.ASSISTANT
    assert (got.attached_content_ids, got.helpful_post_ids) == ((3, 1), (123456789012, 42))
    assert got.created_at == T0


def test_deleting_a_session_deletes_its_messages(uow: UnitOfWork) -> None:
    with uow:
        uow.chats.add_session(chat("nonce-0001"))
        uow.chats.add_session(chat("nonce-0002"))
        uow.chats.add_message(say("nonce-0001", "지워질 메시지"))
        kept = uow.chats.add_message(say("nonce-0002", "남을 메시지"))
        uow.commit()
    with uow:
        assert uow.chats.delete_session("nonce-0001") is True
        assert uow.chats.delete_session("nonce-0001") is False
        assert uow.chats.messages("nonce-0001") == []  # at once, inside the transaction
        uow.commit()
    with uow:
        assert uow.chats.get_session("nonce-0001") is None
        assert uow.chats.messages("nonce-0001") == []
        assert uow.chats.messages("nonce-0002") == [kept]
        uow.chats.add_session(chat("nonce-0001"))  # the nonce is free again, with no old messages
        assert uow.chats.messages("nonce-0001") == []


def test_deleting_a_user_deletes_their_sessions_and_messages(uow: UnitOfWork) -> None:
    with uow:
        leaving, staying = add_user(uow, "nv-1"), add_user(uow, "nv-2")
        uow.chats.add_session(chat("nonce-0001", leaving))
        uow.chats.add_session(chat("nonce-0002", leaving))
        uow.chats.add_session(chat("nonce-0003", staying))
        uow.chats.add_session(chat("visitor-0001"))
        for nonce in ("nonce-0001", "nonce-0002", "nonce-0003", "visitor-0001"):
            uow.chats.add_message(say(nonce, f"{nonce}의 메시지"))
        uow.commit()

    def assert_after_the_delete() -> None:
        assert uow.chats.count_sessions_of(leaving) == 0
        assert uow.chats.get_session("nonce-0001") is None
        assert uow.chats.messages("nonce-0001") == uow.chats.messages("nonce-0002") == []
        assert [s.nonce for s in uow.chats.sessions_of(staying)] == ["nonce-0003"]
        assert [m.content for m in uow.chats.messages("nonce-0003")] == ["nonce-0003의 메시지"]
        assert [m.content for m in uow.chats.messages("visitor-0001")] == ["visitor-0001의 메시지"]

    with uow:
        assert uow.users.delete(leaving)
        assert_after_the_delete()  # at once, inside the transaction
        uow.commit()
    with uow:
        assert_after_the_delete()


# --- memory only: the keys hold across transactions, as the database's do -----------------------


def test_two_transactions_taking_one_nonce_end_with_one_session() -> None:
    store = MemoryStore()
    first, second = MemoryUnitOfWork(store), MemoryUnitOfWork(store)
    with first, second:
        first.chats.add_session(chat("nonce-0001", minutes=1))
        second.chats.add_session(chat("nonce-0001", minutes=2))
        first.commit()
        with pytest.raises(AlreadyExists):
            second.commit()
    with first:
        assert first.chats.get_session("nonce-0001") == chat("nonce-0001", minutes=1)


def test_a_message_in_a_session_deleted_meanwhile_refuses_to_commit() -> None:
    store = MemoryStore()
    with MemoryUnitOfWork(store) as setup:
        user = add_user(setup)
        setup.chats.add_session(chat("nonce-0001", user))
        setup.commit()
    deleting, writing = MemoryUnitOfWork(store), MemoryUnitOfWork(store)
    with deleting, writing:
        writing.chats.add_message(say("nonce-0001", "늦게 도착한 메시지"))
        deleting.users.delete(user)
        deleting.commit()
        with pytest.raises(ConcurrentUpdate):
            writing.commit()
    assert store.tables.chat_sessions == {}
    assert store.tables.chat_messages == {}


def test_a_user_deletion_reaches_sessions_committed_after_it_began() -> None:
    store = MemoryStore()
    with MemoryUnitOfWork(store) as setup:
        user = add_user(setup)
        setup.commit()
    deleting, chatting = MemoryUnitOfWork(store), MemoryUnitOfWork(store)
    with deleting, chatting:
        deleting.users.delete(user)
        chatting.chats.add_session(chat("nonce-0001", user))
        chatting.chats.add_message(say("nonce-0001", "안녕하세요"))
        chatting.commit()
        deleting.commit()
    assert store.tables.chat_sessions == {}
    assert store.tables.chat_messages == {}


def test_many_messages_in_one_call_keep_their_order_and_references(uow: UnitOfWork) -> None:
    with uow:
        uow.chats.add_session(chat("nonce-bulk-1"))
        uow.chats.add_session(chat("nonce-bulk-2"))
        batch = [
            say("nonce-bulk-1" if n % 3 else "nonce-bulk-2", f"대량 {n}", minutes=n, helpful_post_ids=(n + 1,))
            for n in range(7)
        ]
        stored = uow.chats.add_messages(batch)
        assert uow.chats.add_messages([]) == []
        with pytest.raises(NotFound):
            uow.chats.add_messages([say("nonce-bulk-1", "있음"), say("nonce-none-9", "없음")])
        uow.commit()
    assert [m.content for m in stored] == [m.content for m in batch]
    assert [m.id for m in stored] == sorted({m.id for m in stored})
    with uow:
        assert uow.chats.messages("nonce-bulk-1") == [m for m in stored if m.session_nonce == "nonce-bulk-1"]
        assert uow.chats.messages("nonce-bulk-2")[0].helpful_post_ids == (1,)
        assert [m.content for m in uow.chats.messages("nonce-bulk-1")] == [f"대량 {n}" for n in range(7) if n % 3]
