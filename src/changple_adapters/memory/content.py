"""Notion content, content views and chat history in memory, with the SQL tables' foreign keys:
deleting a user deletes their views and chat sessions (with the messages) and clears uploaded_by on
their uploads; deleting a content deletes its views; deleting a session deletes its messages. A write
naming a parent that is not there is a NotFound, as the SQL adapter reports a refused foreign key."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime

from changple_adapters.memory.repositories import MemoryTables
from changple_domain.errors import AlreadyExists, ConcurrentUpdate, IllegalTransition, NotFound
from changple_domain.model.chat import ChatMessage, ChatSession, NewChatMessage
from changple_domain.model.content import ContentState, ContentView, NewContent, NotionContent
from changple_domain.ports import ChatRepository, ContentRepository, ContentViewRepository

NextId = Callable[[str], int]


def _drop_session(tables: MemoryTables, nonce: str) -> bool:
    if tables.chat_sessions.pop(nonce, None) is None:
        return False
    for message_id in [i for i, m in tables.chat_messages.items() if m.session_nonce == nonce]:
        del tables.chat_messages[message_id]
    return True


def _drop_views(tables: MemoryTables, gone: Callable[[ContentView], bool]) -> None:
    for view_id in [i for i, v in tables.content_views.items() if gone(v)]:
        del tables.content_views[view_id]


def delete_user_rows(tables: MemoryTables, user_id: int) -> None:
    """What the foreign keys on users.id do when the user is deleted."""
    _drop_views(tables, lambda v: v.user_id == user_id)
    for nonce in [n for n, s in tables.chat_sessions.items() if s.user_id == user_id]:
        _drop_session(tables, nonce)
    for content_id, content in tables.contents.items():
        if content.uploaded_by == user_id:
            tables.contents[content_id] = content.model_copy(update={"uploaded_by": None})


def settle_references(tables: MemoryTables, written: Mapping[str, set[object]]) -> None:
    """Run at commit on the merged tables, as the database's foreign keys would have.

    A row this transaction wrote whose parent another transaction deleted meanwhile refuses the
    commit (the database refuses the insert or update); a row someone else wrote whose parent this
    transaction deleted goes the way the key says (the database's cascade would have reached it)."""

    def not_ours(table: str, key: object) -> None:
        if key in written.get(table, ()):
            raise ConcurrentUpdate(f"{table} {key!r} refers to a row another transaction deleted; reload and retry")

    users, contents, sessions = tables.users, tables.contents, tables.chat_sessions
    for content_id, content in list(contents.items()):
        if content.uploaded_by is not None and content.uploaded_by not in users:
            not_ours("contents", content_id)
            contents[content_id] = content.model_copy(update={"uploaded_by": None})
    views = tables.content_views
    for view_id in [i for i, v in views.items() if v.user_id not in users or v.content_id not in contents]:
        not_ours("content_views", view_id)
        del views[view_id]
    for nonce in [n for n, s in sessions.items() if s.user_id is not None and s.user_id not in users]:
        not_ours("chat_sessions", nonce)
        _drop_session(tables, nonce)
    for message_id in [i for i, m in tables.chat_messages.items() if m.session_nonce not in sessions]:
        not_ours("chat_messages", message_id)
        del tables.chat_messages[message_id]


def _newest_first(content: NotionContent) -> tuple[datetime, int]:
    return content.created_at, content.id


class MemoryContentRepository(ContentRepository):
    def __init__(self, tables: MemoryTables, next_id: NextId) -> None:
        self._tables, self._rows, self._next_id = tables, tables.contents, next_id

    def _check_uploader(self, user_id: int | None) -> None:
        if user_id is not None and user_id not in self._tables.users:
            raise NotFound(f"no user with id {user_id} to upload content")

    def add(self, new: NewContent) -> NotionContent:
        self._check_uploader(new.uploaded_by)
        content = new.with_id(self._next_id("contents"))
        self._rows[content.id] = content
        return content

    def save(self, content: NotionContent) -> None:
        self._check_uploader(content.uploaded_by)
        if content.id not in self._rows:
            raise NotFound(f"no content with id {content.id}")
        self._rows[content.id] = content

    def get(self, content_id: int) -> NotionContent | None:
        return self._rows.get(content_id)

    def get_many(self, content_ids: Iterable[int]) -> dict[int, NotionContent]:
        return {i: self._rows[i] for i in content_ids if i in self._rows}

    def _matching(self, state: ContentState | None, preferred: bool | None) -> list[NotionContent]:
        return [
            c
            for c in self._rows.values()
            if (state is None or c.state is state) and (preferred is None or c.is_preferred == preferred)
        ]

    def page(
        self,
        *,
        state: ContentState | None = ContentState.PUBLISHED,
        preferred: bool | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[NotionContent]:
        found = sorted(self._matching(state, preferred), key=_newest_first, reverse=True)
        start = max(offset, 0)
        return found[start : start + max(limit, 0)]

    def count(self, *, state: ContentState | None = ContentState.PUBLISHED, preferred: bool | None = None) -> int:
        return len(self._matching(state, preferred))

    def stuck(self, *, updated_before: datetime, limit: int = 100) -> list[NotionContent]:
        lost = [c for c in self._matching(ContentState.PROCESSING, None) if c.updated_at < updated_before]
        return sorted(lost, key=lambda c: (c.updated_at, c.id))[: max(limit, 0)]

    def delete(self, content_id: int) -> bool:
        if self._rows.pop(content_id, None) is None:
            return False
        _drop_views(self._tables, lambda v: v.content_id == content_id)
        return True


class MemoryContentViewRepository(ContentViewRepository):
    def __init__(self, tables: MemoryTables, next_id: NextId) -> None:
        self._tables, self._rows, self._next_id = tables, tables.content_views, next_id

    def add(self, view: ContentView) -> None:
        self.add_many([view])

    def add_many(self, views: Sequence[ContentView]) -> None:
        for view in views:  # checked first: nothing is stored when one is refused
            if view.user_id not in self._tables.users or view.content_id not in self._tables.contents:
                raise NotFound(f"no user {view.user_id} or no content {view.content_id} to record a view of")
        for view in views:
            self._rows[self._next_id("content_views")] = view

    def _latest(self, user_id: int) -> dict[int, datetime]:
        latest: dict[int, datetime] = {}
        for view in self._rows.values():
            previous = latest.get(view.content_id)
            if view.user_id == user_id and (previous is None or view.viewed_at > previous):
                latest[view.content_id] = view.viewed_at
        return latest

    def last_viewed_at(self, user_id: int, content_id: int) -> datetime | None:
        return self._latest(user_id).get(content_id)

    def history(self, user_id: int, *, limit: int = 20, offset: int = 0) -> list[ContentView]:
        latest = sorted(self._latest(user_id).items(), key=lambda item: (item[1], item[0]), reverse=True)
        start = max(offset, 0)
        return [
            ContentView(user_id=user_id, content_id=content_id, viewed_at=viewed_at)
            for content_id, viewed_at in latest[start : start + max(limit, 0)]
        ]

    def count_history(self, user_id: int) -> int:
        return len({v.content_id for v in self._rows.values() if v.user_id == user_id})

    def counts(self, content_ids: Iterable[int]) -> dict[int, int]:
        wanted = set(content_ids)
        return dict(Counter(v.content_id for v in self._rows.values() if v.content_id in wanted))


class MemoryChatRepository(ChatRepository):
    def __init__(self, tables: MemoryTables, next_id: NextId) -> None:
        self._tables, self._sessions, self._messages = tables, tables.chat_sessions, tables.chat_messages
        self._next_id = next_id

    def _check_owner(self, session: ChatSession) -> None:
        if session.user_id is not None and session.user_id not in self._tables.users:
            raise NotFound(f"no user with id {session.user_id} to own a chat session")

    def get_session(self, nonce: str) -> ChatSession | None:
        return self._sessions.get(nonce)

    def get_sessions(self, nonces: Iterable[str]) -> dict[str, ChatSession]:
        return {nonce: self._sessions[nonce] for nonce in nonces if nonce in self._sessions}

    def add_sessions(self, sessions: Sequence[ChatSession]) -> None:
        nonces = [session.nonce for session in sessions]
        if len(set(nonces)) < len(nonces):
            raise AlreadyExists("the same chat session is given twice")
        for session in sessions:  # checked first: nothing is stored when one is refused
            if session.nonce in self._sessions:
                raise AlreadyExists(f"chat session '{session.nonce}' already exists")
            self._check_owner(session)
        for session in sessions:
            self.add_session(session)

    def save_sessions(self, sessions: Sequence[ChatSession]) -> None:
        for session in sessions:
            stored = self._sessions.get(session.nonce)
            if stored is None or stored.user_id != session.user_id:
                self.save_session(session)  # raises what a single save says
        for session in sessions:
            self.save_session(session)

    def add_session(self, session: ChatSession) -> None:
        if session.nonce in self._sessions:
            raise AlreadyExists(f"chat session '{session.nonce}' already exists")
        self._check_owner(session)
        self._sessions[session.nonce] = session
        self._tables.note_added("chat_sessions", session.nonce)

    def save_session(self, session: ChatSession) -> None:
        stored = self._sessions.get(session.nonce)
        if stored is None:
            raise NotFound(f"no chat session '{session.nonce}'")
        if stored.user_id != session.user_id:
            raise IllegalTransition(f"chat session '{session.nonce}' keeps its owner; it cannot be given to another")
        self._sessions[session.nonce] = session

    def sessions_of(self, user_id: int, *, limit: int = 20, offset: int = 0) -> list[ChatSession]:
        own = [s for s in self._sessions.values() if s.user_id == user_id]
        own.sort(key=lambda s: s.nonce)
        own.sort(key=lambda s: s.last_message_at, reverse=True)  # stable: nonce ascending within a time
        start = max(offset, 0)
        return own[start : start + max(limit, 0)]

    def count_sessions_of(self, user_id: int) -> int:
        return sum(1 for s in self._sessions.values() if s.user_id == user_id)

    def delete_session(self, nonce: str) -> bool:
        return _drop_session(self._tables, nonce)

    def add_message(self, message: NewChatMessage) -> ChatMessage:
        if message.session_nonce not in self._sessions:
            raise NotFound(f"no chat session '{message.session_nonce}'")
        stored = message.with_id(self._next_id("chat_messages"))
        self._messages[stored.id] = stored
        return stored

    def add_messages(self, messages: Sequence[NewChatMessage]) -> list[ChatMessage]:
        missing = [m.session_nonce for m in messages if m.session_nonce not in self._sessions]
        if missing:
            raise NotFound(f"no chat session '{missing[0]}'")
        return [self.add_message(message) for message in messages]

    def replace_messages(self, messages: Sequence[ChatMessage]) -> None:
        for message in messages:
            stored = self._messages.get(message.id)
            if stored is None or stored.session_nonce != message.session_nonce:
                raise NotFound(f"no chat message {message.id} in session '{message.session_nonce}'")
        for message in messages:
            self._messages[message.id] = message

    def messages(self, nonce: str, *, limit: int = 100, after_id: int = 0) -> list[ChatMessage]:
        ids = sorted(i for i, m in self._messages.items() if m.session_nonce == nonce and i > after_id)
        return [self._messages[i] for i in ids[: max(limit, 0)]]
