"""Chat history: the agent records each message; readers list, read and delete their own sessions.

The agent names the user. A session belongs to whoever its first message named (nobody, for a
visitor) and never changes hands: a visitor who signs in mid-conversation starts a new session, and
a message naming someone other than the owner is a conflict (`ChatSession.check_writer`). Through
the reader API a session that is not yours is indistinguishable from one that does not exist.

A cited post shows its title and link only while the public may read it (`read_posts`); a post
hidden since, like one gone, is its article id alone."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from changple_domain.errors import AlreadyExists, ConcurrentUpdate, NotFound
from changple_domain.model.chat import (
    ChatMessage,
    ChatRole,
    ChatSession,
    HelpfulDocument,
    NewChatMessage,
    check_nonce,
    title_from,
)
from changple_domain.policies.eligibility import IngestionPolicy
from changple_domain.ports import UnitOfWork
from changple_domain.use_cases.read_posts import visible_within


class RecordMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    nonce: str
    user_id: int | None = None
    role: ChatRole
    content: str
    attached_content_ids: tuple[int, ...] = ()
    helpful_post_ids: tuple[int, ...] = ()


class MessageView(BaseModel):
    """A message as readers and the agent see it: helpful posts with their title and url."""

    model_config = ConfigDict(frozen=True)

    id: int
    role: ChatRole
    content: str
    attached_content_ids: tuple[int, ...]
    helpful_documents: tuple[HelpfulDocument, ...]
    created_at: datetime


class RecordedMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    session: ChatSession
    message: MessageView
    session_created: bool


def record_message(cmd: RecordMessage, *, uow: UnitOfWork, now: datetime, policy: IngestionPolicy) -> RecordedMessage:
    """Append a message, creating the session on first use (owned by the user it names). Unknown
    users and content ids are refused (NotFound); a message for someone else's session is a conflict."""
    nonce = check_nonce(cmd.nonce)
    new = NewChatMessage(
        session_nonce=nonce,
        role=cmd.role,
        content=cmd.content,
        attached_content_ids=tuple(dict.fromkeys(cmd.attached_content_ids)),
        helpful_post_ids=tuple(dict.fromkeys(cmd.helpful_post_ids)),
        created_at=now,
    )
    with uow:
        if cmd.user_id is not None and uow.users.get(cmd.user_id) is None:
            raise NotFound(f"no user with id {cmd.user_id}")
        known = uow.contents.get_many(new.attached_content_ids)
        missing = [i for i in new.attached_content_ids if i not in known]
        if missing:
            raise NotFound(f"no content with id {', '.join(map(str, missing))}")
        session = uow.chats.get_session(nonce)
        created = session is None
        if session is None:
            session = ChatSession(nonce=nonce, user_id=cmd.user_id, created_at=now, last_message_at=now)
            try:
                uow.chats.add_session(session)
            except AlreadyExists:  # another message of the same new session won the race: join it
                created, session = False, uow.chats.get_session(nonce)
                if session is None:
                    raise ConcurrentUpdate(f"chat session {nonce} changed meanwhile; send again") from None
        session.check_writer(cmd.user_id, cmd.role)
        message = uow.chats.add_message(new)
        session = session.model_copy(
            update={
                "title": session.title or (title_from(cmd.content) if cmd.role is ChatRole.USER else ""),
                "last_message_at": now,
                "message_count": session.message_count + 1,
            }
        )
        uow.chats.save_session(session)
        views = _views([message], uow, policy)
        uow.commit()
    return RecordedMessage(session=session, message=views[0], session_created=created)


def _views(messages: list[ChatMessage], uow: UnitOfWork, policy: IngestionPolicy) -> list[MessageView]:
    posts = visible_within({i for m in messages for i in m.helpful_post_ids}, uow=uow, policy=policy)
    return [
        MessageView(
            id=m.id,
            role=m.role,
            content=m.content,
            attached_content_ids=m.attached_content_ids,
            helpful_documents=tuple(
                HelpfulDocument(
                    article_id=i,
                    title=posts[i].title if i in posts else None,
                    url=(posts[i].url or None) if i in posts else None,
                )
                for i in m.helpful_post_ids
            ),
            created_at=m.created_at,
        )
        for m in messages
    ]


class SessionPage(BaseModel):
    model_config = ConfigDict(frozen=True)

    items: list[ChatSession]
    total: int
    limit: int
    offset: int


def list_sessions(user_id: int, *, uow: UnitOfWork, limit: int = 20, offset: int = 0) -> SessionPage:
    with uow:
        items = uow.chats.sessions_of(user_id, limit=limit, offset=offset)
        total = uow.chats.count_sessions_of(user_id)
    return SessionPage(items=items, total=total, limit=limit, offset=offset)


class Conversation(BaseModel):
    model_config = ConfigDict(frozen=True)

    session: ChatSession
    messages: list[MessageView]
    next_after_id: int | None  # pass as `after_id` for the next page; None when this was the last


def read_session(
    nonce: str,
    *,
    uow: UnitOfWork,
    owner_id: int | None,
    policy: IngestionPolicy,
    as_agent: bool = False,
    limit: int = 100,
    after_id: int = 0,
) -> Conversation:
    """The session's messages, oldest first. Readers (`owner_id`) see only their own sessions;
    the agent (`as_agent`) sees any."""
    check_nonce(nonce)
    with uow:
        session = uow.chats.get_session(nonce)
        if session is None or not (as_agent or (owner_id is not None and session.user_id == owner_id)):
            raise NotFound(f"no chat session {nonce}")
        messages = uow.chats.messages(nonce, limit=limit + 1, after_id=after_id)
        views = _views(messages[:limit], uow, policy)
    more = len(messages) > limit
    return Conversation(session=session, messages=views, next_after_id=views[-1].id if more and views else None)


def delete_session(nonce: str, *, uow: UnitOfWork, owner_id: int) -> None:
    check_nonce(nonce)
    with uow:
        session = uow.chats.get_session(nonce)
        if session is None or session.user_id != owner_id:
            raise NotFound(f"no chat session {nonce}")
        uow.chats.delete_session(nonce)
        uow.commit()
