"""Notion content, content views and chat history in SQL. The foreign keys do the cascading:
deleting a user deletes their views and chat sessions (and so the messages) and sets their uploads'
uploaded_by to NULL; deleting a content deletes its views. A write that names a parent which is not
there is a NotFound, in a savepoint so the rest of the transaction goes on."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from changple_adapters.sql._support import (
    ROWS_PER_STATEMENT,
    chunked,
    first_row,
    refused_as,
    rows_keyed_in,
    translate_errors,
)
from changple_adapters.sql.tables import ChatMessageRow, ChatSessionRow, ContentRow, ContentViewRow
from changple_domain.errors import AlreadyExists, IllegalTransition, NotFound
from changple_domain.model.chat import ChatMessage, ChatSession, NewChatMessage
from changple_domain.model.content import ContentState, ContentView, NewContent, NotionContent
from changple_domain.ports import ChatRepository, ContentRepository, ContentViewRepository

CONTENTS: Table = ContentRow.__table__  # type: ignore[assignment]
VIEWS: Table = ContentViewRow.__table__  # type: ignore[assignment]
SESSIONS: Table = ChatSessionRow.__table__  # type: ignore[assignment]
MESSAGES: Table = ChatMessageRow.__table__  # type: ignore[assignment]

_IDS_PER_QUERY = 1000
# Session.info key: this transaction wrote content, so the unit of work tells its listener on commit.
CONTENTS_WRITTEN = "changple_contents_written"


def _chat_session(row: RowMapping) -> ChatSession:
    return ChatSession.model_validate(dict(row))


def _message_values(message: NewChatMessage) -> dict[str, Any]:
    return message.model_dump() | {
        "role": message.role.value,
        "attached_content_ids": list(message.attached_content_ids),
        "helpful_post_ids": list(message.helpful_post_ids),
    }


def _content_values(content: NotionContent) -> dict[str, Any]:
    values = content.model_dump(exclude={"id"})
    values |= {"state": content.state.value, "file_keys": list(content.file_keys), "skipped": list(content.skipped)}
    return values


def _content(row: RowMapping) -> NotionContent:
    return NotionContent.model_validate(dict(row))


def _filters(state: ContentState | None, preferred: bool | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if state is not None:
        conditions.append(CONTENTS.c.state == state.value)
    if preferred is not None:
        conditions.append(CONTENTS.c.is_preferred == preferred)
    return conditions


class SqlContentRepository(ContentRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    @translate_errors
    def add(self, new: NewContent) -> NotionContent:
        values = _content_values(new.with_id(0))  # the database chooses the id
        self._session.info[CONTENTS_WRITTEN] = True
        with refused_as(self._session, NotFound(f"no user with id {new.uploaded_by} to upload content")):
            content_id = self._session.execute(insert(CONTENTS).values(**values).returning(CONTENTS.c.id)).scalar_one()
        return new.with_id(content_id)

    @translate_errors
    def save(self, content: NotionContent) -> None:
        statement = update(CONTENTS).where(CONTENTS.c.id == content.id).values(**_content_values(content))
        self._session.info[CONTENTS_WRITTEN] = True
        with refused_as(self._session, NotFound(f"no user with id {content.uploaded_by} to upload content")):
            result = self._session.execute(statement)
        if result.rowcount == 0:  # type: ignore[attr-defined]
            raise NotFound(f"no content with id {content.id}")

    @translate_errors
    def get(self, content_id: int) -> NotionContent | None:
        return first_row(self._session, select(CONTENTS).where(CONTENTS.c.id == content_id), _content)

    @translate_errors
    def get_many(self, content_ids: Iterable[int]) -> dict[int, NotionContent]:
        rows = rows_keyed_in(self._session, CONTENTS.c.id, content_ids, size=_IDS_PER_QUERY)
        return {row["id"]: _content(row) for row in rows}

    @translate_errors
    def page(
        self,
        *,
        state: ContentState | None = ContentState.PUBLISHED,
        preferred: bool | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[NotionContent]:
        if limit <= 0:
            return []
        query = (
            select(CONTENTS)
            .where(*_filters(state, preferred))
            .order_by(CONTENTS.c.created_at.desc(), CONTENTS.c.id.desc())
            .limit(limit)
            .offset(max(offset, 0))
        )
        return [_content(row) for row in self._session.execute(query).mappings()]

    @translate_errors
    def count(self, *, state: ContentState | None = ContentState.PUBLISHED, preferred: bool | None = None) -> int:
        query = select(func.count()).select_from(CONTENTS).where(*_filters(state, preferred))
        return int(self._session.execute(query).scalar_one())

    @translate_errors
    def stuck(self, *, updated_before: datetime, limit: int = 100) -> list[NotionContent]:
        if limit <= 0:
            return []
        query = (
            select(CONTENTS)
            .where(CONTENTS.c.state == ContentState.PROCESSING.value, CONTENTS.c.updated_at < updated_before)
            .order_by(CONTENTS.c.updated_at, CONTENTS.c.id)
            .limit(limit)
        )
        return [_content(row) for row in self._session.execute(query).mappings()]

    @translate_errors
    def delete(self, content_id: int) -> bool:
        self._session.info[CONTENTS_WRITTEN] = True
        result = self._session.execute(delete(CONTENTS).where(CONTENTS.c.id == content_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]


class SqlContentViewRepository(ContentViewRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    @translate_errors
    def add(self, view: ContentView) -> None:
        missing = f"no user {view.user_id} or no content {view.content_id} to record a view of"
        with refused_as(self._session, NotFound(missing)):
            self._session.execute(insert(VIEWS).values(**view.model_dump()))

    @translate_errors
    def add_many(self, views: Sequence[ContentView]) -> None:
        if not views:
            return
        with refused_as(self._session, NotFound("a reader or a column of these views is gone")):
            for chunk in chunked([view.model_dump() for view in views], ROWS_PER_STATEMENT):
                self._session.execute(insert(VIEWS), chunk)

    @translate_errors
    def last_viewed_at(self, user_id: int, content_id: int) -> datetime | None:
        query = select(func.max(VIEWS.c.viewed_at)).where(VIEWS.c.user_id == user_id, VIEWS.c.content_id == content_id)
        latest: datetime | None = self._session.execute(query).scalar_one()
        return latest

    @translate_errors
    def history(self, user_id: int, *, limit: int = 20, offset: int = 0) -> list[ContentView]:
        if limit <= 0:
            return []
        latest = func.max(VIEWS.c.viewed_at).label("latest")
        query = (
            select(VIEWS.c.content_id, latest)
            .where(VIEWS.c.user_id == user_id)
            .group_by(VIEWS.c.content_id)
            .order_by(latest.desc(), VIEWS.c.content_id.desc())
            .limit(limit)
            .offset(max(offset, 0))
        )
        return [
            ContentView(user_id=user_id, content_id=row.content_id, viewed_at=row.latest)
            for row in self._session.execute(query)
        ]

    @translate_errors
    def count_history(self, user_id: int) -> int:
        query = select(func.count(VIEWS.c.content_id.distinct())).where(VIEWS.c.user_id == user_id)
        return int(self._session.execute(query).scalar_one())

    @translate_errors
    def counts(self, content_ids: Iterable[int]) -> dict[int, int]:
        found: dict[int, int] = {}
        for chunk in chunked(sorted(set(content_ids)), _IDS_PER_QUERY):
            query = select(VIEWS.c.content_id, func.count()).where(VIEWS.c.content_id.in_(chunk))
            for content_id, views in self._session.execute(query.group_by(VIEWS.c.content_id)):
                found[content_id] = int(views)
        return found


def _session_values(session: ChatSession) -> dict[str, Any]:
    return session.model_dump(exclude={"nonce"})


_SAVED_SESSION_FIELDS = tuple(name for name in ChatSession.model_fields if name not in {"nonce", "user_id"})


class SqlChatRepository(ChatRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    @translate_errors
    def get_session(self, nonce: str) -> ChatSession | None:
        return first_row(self._session, select(SESSIONS).where(SESSIONS.c.nonce == nonce), _chat_session)

    @translate_errors
    def get_sessions(self, nonces: Iterable[str]) -> dict[str, ChatSession]:
        return {
            row["nonce"]: ChatSession.model_validate(dict(row))
            for row in rows_keyed_in(self._session, SESSIONS.c.nonce, nonces)
        }

    @translate_errors
    def add_sessions(self, sessions: Sequence[ChatSession]) -> None:
        if not sessions:
            return
        nonces = [session.nonce for session in sessions]
        if len(set(nonces)) < len(nonces):
            raise AlreadyExists("the same chat session is given twice")
        rows = [{"nonce": session.nonce, **_session_values(session)} for session in sessions]
        try:
            with self._session.begin_nested():
                for chunk in chunked(rows, ROWS_PER_STATEMENT):
                    self._session.execute(insert(SESSIONS), chunk)
        except IntegrityError as exc:  # a nonce is taken, or an owner is gone
            taken = self.get_sessions(nonces)
            if taken:
                raise AlreadyExists(f"chat session '{min(taken)}' already exists") from exc
            raise NotFound("an owner of these chat sessions is gone") from exc

    @translate_errors
    def save_sessions(self, sessions: Sequence[ChatSession]) -> None:
        if not sessions:
            return
        statement = (
            update(SESSIONS)
            .where(
                SESSIONS.c.nonce == bindparam("b_nonce"),
                SESSIONS.c.user_id.is_not_distinct_from(bindparam("b_user_id")),
            )
            .values({name: bindparam(name) for name in _SAVED_SESSION_FIELDS})
        )
        rows = [
            {"b_nonce": s.nonce, "b_user_id": s.user_id, **s.model_dump(include=set(_SAVED_SESSION_FIELDS))}
            for s in sessions
        ]
        with self._session.begin_nested():
            changed = sum(
                self._session.execute(statement, chunk).rowcount  # type: ignore[attr-defined]
                for chunk in chunked(rows, ROWS_PER_STATEMENT)
            )
            if changed != len(sessions):  # one is gone or names another owner: say which, store nothing
                for session in sessions:
                    self.save_session(session)

    @translate_errors
    def add_session(self, session: ChatSession) -> None:
        try:
            with self._session.begin_nested():
                self._session.execute(insert(SESSIONS).values(nonce=session.nonce, **_session_values(session)))
        except IntegrityError as exc:  # the nonce is taken, or the user is gone
            if self.get_session(session.nonce) is not None:
                raise AlreadyExists(f"chat session '{session.nonce}' already exists") from exc
            raise NotFound(f"no user with id {session.user_id} to own a chat session") from exc

    @translate_errors
    def save_session(self, session: ChatSession) -> None:
        # The owner is never written here, and the row must still have this owner: no rebinding.
        statement = (
            update(SESSIONS)
            .where(SESSIONS.c.nonce == session.nonce, SESSIONS.c.user_id.is_not_distinct_from(session.user_id))
            .values(**session.model_dump(exclude={"nonce", "user_id"}))
        )
        if self._session.execute(statement).rowcount == 0:  # type: ignore[attr-defined]
            if self.get_session(session.nonce) is None:
                raise NotFound(f"no chat session '{session.nonce}'")
            raise IllegalTransition(f"chat session '{session.nonce}' keeps its owner; it cannot be given to another")

    @translate_errors
    def sessions_of(self, user_id: int, *, limit: int = 20, offset: int = 0) -> list[ChatSession]:
        if limit <= 0:
            return []
        query = (
            select(SESSIONS)
            .where(SESSIONS.c.user_id == user_id)
            .order_by(SESSIONS.c.last_message_at.desc(), SESSIONS.c.nonce)
            .limit(limit)
            .offset(max(offset, 0))
        )
        return [_chat_session(row) for row in self._session.execute(query).mappings()]

    @translate_errors
    def count_sessions_of(self, user_id: int) -> int:
        query = select(func.count()).select_from(SESSIONS).where(SESSIONS.c.user_id == user_id)
        return int(self._session.execute(query).scalar_one())

    @translate_errors
    def delete_session(self, nonce: str) -> bool:
        result = self._session.execute(delete(SESSIONS).where(SESSIONS.c.nonce == nonce))  # messages cascade
        return bool(result.rowcount)  # type: ignore[attr-defined]

    @translate_errors
    def add_message(self, message: NewChatMessage) -> ChatMessage:
        values = _message_values(message)
        with refused_as(self._session, NotFound(f"no chat session '{message.session_nonce}'")):
            message_id = self._session.execute(insert(MESSAGES).values(**values).returning(MESSAGES.c.id)).scalar_one()
        return message.with_id(message_id)

    @translate_errors
    def add_messages(self, messages: Sequence[NewChatMessage]) -> list[ChatMessage]:
        if not messages:
            return []
        rows = [_message_values(message) for message in messages]
        statement = insert(MESSAGES).returning(MESSAGES.c.id, sort_by_parameter_order=True)
        with refused_as(self._session, NotFound("a chat session of these messages does not exist")):
            ids = self._session.execute(statement, rows).scalars().all()
        return [message.with_id(message_id) for message, message_id in zip(messages, ids, strict=True)]

    @translate_errors
    def replace_messages(self, messages: Sequence[ChatMessage]) -> None:
        if not messages:
            return
        fields = [name for name in NewChatMessage.model_fields if name != "session_nonce"]
        statement = (
            update(MESSAGES)
            .where(MESSAGES.c.id == bindparam("b_id"), MESSAGES.c.session_nonce == bindparam("b_nonce"))
            .values({name: bindparam(name) for name in fields})
        )
        rows = [
            {"b_id": m.id, "b_nonce": m.session_nonce, **{k: v for k, v in _message_values(m).items() if k in fields}}
            for m in messages
        ]
        with self._session.begin_nested():
            changed = sum(
                self._session.execute(statement, chunk).rowcount  # type: ignore[attr-defined]
                for chunk in chunked(rows, ROWS_PER_STATEMENT)
            )
            if changed != len(messages):
                raise NotFound("a chat message to replace is gone, or is in another session")

    @translate_errors
    def messages(self, nonce: str, *, limit: int = 100, after_id: int = 0) -> list[ChatMessage]:
        if limit <= 0:
            return []
        query = (
            select(MESSAGES)
            .where(MESSAGES.c.session_nonce == nonce, MESSAGES.c.id > after_id)
            .order_by(MESSAGES.c.id)
            .limit(limit)
        )
        return [ChatMessage.model_validate(dict(row)) for row in self._session.execute(query).mappings()]
