"""Ids are never handed out twice, on every implementation: a session, a URL or a cursor that names a
deleted row must never come to name a new one. Each test deletes the newest row (the one SQLite's
plain rowids would hand out again) and adds another."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from changple_adapters.sql.tables import Base
from changple_adapters.sql.unit_of_work import SqlUnitOfWork
from changple_domain.model.authors import AllowedAuthor, GoodToKnowBrand
from changple_domain.model.chat import ChatRole, ChatSession, NewChatMessage
from changple_domain.model.content import ContentView, NewContent
from changple_domain.model.users import NewUser, OAuthTokens, PendingRevocation, SocialProfile
from changple_domain.ports import UnitOfWork

T0 = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def person(social_id: str) -> NewUser:
    return NewUser(profile=SocialProfile(social_id=social_id, nickname=f"창업러-{social_id}"), created_at=T0)


def column(n: int) -> NewContent:
    return NewContent(title=f"상권 분석 #{n}", upload_key=f"uploads/{n}.zip", created_at=T0 + timedelta(minutes=n))


def chat(nonce: str, user_id: int | None = None) -> ChatSession:
    return ChatSession(nonce=nonce, user_id=user_id, created_at=T0, last_message_at=T0)


def say(nonce: str, words: str) -> NewChatMessage:
    return NewChatMessage(session_nonce=nonce, role=ChatRole.USER, content=words, created_at=T0)


def test_a_withdrawn_newest_users_id_is_never_given_again(uow: UnitOfWork) -> None:
    with uow:
        older = uow.users.add(person("nv-1"))
        newest = uow.users.add(person("nv-2"))
        uow.commit()
    with uow:
        assert uow.users.delete(newest.id)
        uow.commit()
    with uow:
        newcomer = uow.users.add(person("nv-3"))
        uow.commit()
    assert newcomer.id > newest.id > older.id
    with uow:  # the table empty: still no id from before
        assert uow.users.delete(older.id)
        assert uow.users.delete(newcomer.id)
        uow.commit()
    with uow:
        again = uow.users.add(person("nv-2"))  # the withdrawn person, back: a new account
        uow.commit()
    assert again.id > newcomer.id


def test_every_account_gets_its_own_key_and_keeps_it(uow: UnitOfWork) -> None:
    with uow:
        first = uow.users.add(person("nv-1"))
        uow.commit()
    with uow:
        stored = uow.users.get(first.id)
        assert stored is not None
        uow.users.save(stored.model_copy(update={"nickname": "새 별명"}))
        uow.users.delete(first.id)
        uow.commit()
    with uow:
        again = uow.users.add(person("nv-1"))
        uow.commit()
    assert stored.account_key == first.account_key
    assert again.account_key != first.account_key
    assert len(first.account_key) >= 32


def test_a_removed_newest_revocations_id_is_never_given_again(uow: UnitOfWork) -> None:
    pending = PendingRevocation(tokens=OAuthTokens.received(**_tokens()), created_at=T0)
    with uow:
        newest = uow.revocations.add(pending)
        uow.commit()
    assert newest.id is not None
    with uow:
        uow.revocations.remove(newest.id)
        uow.commit()
    with uow:
        later = uow.revocations.add(pending)
        uow.commit()
    assert later.id is not None
    assert later.id > newest.id


def _tokens() -> dict[str, object]:
    return {"access_token": "a", "refresh_token": None, "token_type": "bearer", "expires_in": "60", "now": T0}


def test_a_deleted_newest_contents_id_is_never_given_again(uow: UnitOfWork) -> None:
    with uow:
        uow.contents.add(column(1))
        newest = uow.contents.add(column(2))
        uow.commit()
    with uow:
        assert uow.contents.delete(newest.id)
        uow.commit()
    with uow:
        later = uow.contents.add(column(3))
        uow.commit()
    assert later.id > newest.id


def test_messages_of_a_deleted_newest_session_leave_their_ids_unused(uow: UnitOfWork) -> None:
    with uow:
        uow.chats.add_session(chat("nonce-0001"))
        uow.chats.add_message(say("nonce-0001", "치킨집 창업 비용은?"))
        newest = uow.chats.add_message(say("nonce-0001", "가맹비는요?"))
        uow.commit()
    with uow:
        assert uow.chats.delete_session("nonce-0001")
        uow.commit()
    with uow:
        uow.chats.add_session(chat("nonce-0002"))
        later = uow.chats.add_message(say("nonce-0002", "인테리어 비용은?"))
        uow.commit()
    assert later.id > newest.id


# --- tables whose ids no port shows: read them in SQL -----------------------------------------------


def _ids(uow: SqlUnitOfWork, table: str) -> list[int]:
    with uow:
        return [int(i) for i in uow.session.execute(text(f"SELECT id FROM {table} ORDER BY id")).scalars()]


def test_a_deleted_newest_views_id_is_never_given_again(sql_uow: SqlUnitOfWork) -> None:
    with sql_uow:
        reader = sql_uow.users.add(person("nv-1")).id
        kept, doomed = sql_uow.contents.add(column(1)).id, sql_uow.contents.add(column(2)).id
        sql_uow.content_views.add(ContentView(user_id=reader, content_id=kept, viewed_at=T0))
        sql_uow.content_views.add(ContentView(user_id=reader, content_id=doomed, viewed_at=T0))
        sql_uow.commit()
    [_, newest] = _ids(sql_uow, "content_views")
    with sql_uow:
        sql_uow.contents.delete(doomed)  # its views go with it
        sql_uow.commit()
    with sql_uow:
        sql_uow.content_views.add(ContentView(user_id=reader, content_id=kept, viewed_at=T0 + timedelta(hours=1)))
        sql_uow.commit()
    assert max(_ids(sql_uow, "content_views")) > newest


@pytest.mark.parametrize(
    ("table", "add"),
    [
        ("allowed_authors", lambda uow, name: uow.authors.add(AllowedAuthor(name=name))),
        ("brands", lambda uow, name: uow.brands.add(GoodToKnowBrand(name=name))),
    ],
)
def test_a_deleted_newest_catalog_rows_id_is_never_given_again(sql_uow: SqlUnitOfWork, table: str, add: object) -> None:
    assert callable(add)
    with sql_uow:
        add(sql_uow, "창플지기")
        add(sql_uow, "교촌치킨")
        sql_uow.commit()
    newest = max(_ids(sql_uow, table))
    with sql_uow:  # no port deletes catalog rows; a person at the database might
        sql_uow.session.execute(text(f"DELETE FROM {table} WHERE id = :id"), {"id": newest})
        sql_uow.commit()
    with sql_uow:
        add(sql_uow, "BBQ")
        sql_uow.commit()
    assert max(_ids(sql_uow, table)) > newest


def test_every_integer_key_is_never_reused_on_sqlite() -> None:
    """The class guard: a table made later with an integer key it numbers itself must ask SQLite
    for AUTOINCREMENT too, or its deleted newest id comes back."""
    numbered = {
        table.name
        for table in Base.metadata.sorted_tables
        if [c.name for c in table.primary_key.columns] == ["id"]
        and table.primary_key.columns["id"].autoincrement in (True, "auto")
        and table.primary_key.columns["id"].type.python_type is int
    }
    assert numbered >= {"users", "contents", "chat_messages"}
    missing = sorted(name for name in numbered if not Base.metadata.tables[name].kwargs.get("sqlite_autoincrement"))
    assert missing == []
