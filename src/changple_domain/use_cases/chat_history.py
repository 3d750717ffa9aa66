"""Chat history: the agent records each message; readers list, read and delete their own sessions.

The agent proves who is chatting with a chat ticket the frontend got for the signed-in user
(`policies/chat_tickets.py`); a message without one is a visitor's. A session belongs to whoever
its first message named (nobody, for a visitor) and never changes hands: a visitor who signs in
mid-conversation starts a new session, and a message naming someone other than the owner is a
conflict (`ChatSession.check_writer`). Through the reader API a session that is not yours is
indistinguishable from one that does not exist.

A cited post shows its title and link only while the public may read it (`read_posts`); one the
public may not read (now) is `hidden`, and one core has no record of (never had, or deleted since)
is `unknown`: both are their article id alone, and the message is kept either way."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from changple_domain.errors import AlreadyExists, ConcurrentUpdate, Forbidden, InvalidInput, NotFound
from changple_domain.model.chat import (
    ChatMessage,
    ChatRole,
    ChatSession,
    CitedPost,
    HelpfulDocument,
    NewChatMessage,
    check_nonce,
    title_from,
)
from changple_domain.model.pages import Page
from changple_domain.model.posts import CafePost
from changple_domain.policies.chat_tickets import issue_ticket, open_ticket
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
    ticket: str | None = None  # from POST /chat/tickets/; names the user


class IssuedTicket(BaseModel):
    model_config = ConfigDict(frozen=True)

    ticket: str
    nonce: str
    expires_at: datetime


def issue_chat_ticket(user_id: int, nonce: str, *, now: datetime, ttl: timedelta, key: bytes) -> IssuedTicket:
    """A ticket for the signed-in `user_id` to chat in session `nonce`, for the agent to forward."""
    token, ticket = issue_ticket(user_id, nonce, now=now, ttl=ttl, key=key)
    return IssuedTicket(ticket=token, nonce=ticket.nonce, expires_at=ticket.expires_at)


NAMED_WITHOUT_TICKET = (
    "a message names its user through the user's chat ticket (the frontend gets one from "
    "POST /api/v1/chat/tickets/), not user_id alone; send `ticket`, or nothing for a visitor"
)


def _writer(cmd: RecordMessage, nonce: str, *, now: datetime, ticket_key: bytes) -> int | None:
    """Who writes: the ticket's user, or nobody (a visitor). A `user_id` must agree with the ticket."""
    if cmd.ticket is None:
        if cmd.user_id is not None:
            raise InvalidInput(NAMED_WITHOUT_TICKET)
        return None
    ticket = open_ticket(cmd.ticket, nonce=nonce, now=now, key=ticket_key)
    if cmd.user_id is not None and cmd.user_id != ticket.user_id:
        raise Forbidden(f"user_id {cmd.user_id} is not the user of the chat ticket")
    return ticket.user_id


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


def record_message(
    cmd: RecordMessage, *, uow: UnitOfWork, now: datetime, policy: IngestionPolicy, ticket_key: bytes
) -> RecordedMessage:
    """Append a message, creating the session on first use (owned by the ticket's user, or by
    nobody). Unknown users and content ids are refused (NotFound); a message for someone else's
    session is a conflict. A cited post core does not know is kept, and shown as `unknown`."""
    nonce = check_nonce(cmd.nonce)
    user_id = _writer(cmd, nonce, now=now, ticket_key=ticket_key)
    new = NewChatMessage(
        session_nonce=nonce,
        role=cmd.role,
        content=cmd.content,
        attached_content_ids=tuple(dict.fromkeys(cmd.attached_content_ids)),
        helpful_post_ids=tuple(dict.fromkeys(cmd.helpful_post_ids)),
        created_at=now,
    )
    with uow:
        if user_id is not None and uow.users.get(user_id) is None:
            raise NotFound(f"no user with id {user_id}")
        known = uow.contents.get_many(new.attached_content_ids)
        missing = [i for i in new.attached_content_ids if i not in known]
        if missing:
            raise NotFound(f"no content with id {', '.join(map(str, missing))}")
        session = uow.chats.get_session(nonce)
        created = session is None
        if session is None:
            session = ChatSession(nonce=nonce, user_id=user_id, created_at=now, last_message_at=now)
            try:
                uow.chats.add_session(session)
            except AlreadyExists:  # another message of the same new session won the race: join it
                created, session = False, uow.chats.get_session(nonce)
                if session is None:
                    raise ConcurrentUpdate(f"chat session {nonce} changed meanwhile; send again") from None
        session.check_writer(user_id, cmd.role)
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


def _document(article_id: int, readable: dict[int, CafePost], known: set[int]) -> HelpfulDocument:
    post = readable.get(article_id)
    if post is not None:
        return HelpfulDocument(article_id=article_id, state=CitedPost.READABLE, title=post.title, url=post.url or None)
    return HelpfulDocument(article_id=article_id, state=CitedPost.HIDDEN if article_id in known else CitedPost.UNKNOWN)


def _views(messages: list[ChatMessage], uow: UnitOfWork, policy: IngestionPolicy) -> list[MessageView]:
    cited = {i for m in messages for i in m.helpful_post_ids}
    posts = visible_within(cited, uow=uow, policy=policy)
    known = set(posts) | set(uow.posts.get_many(cited - set(posts)))
    return [
        MessageView(
            id=m.id,
            role=m.role,
            content=m.content,
            attached_content_ids=m.attached_content_ids,
            helpful_documents=tuple(_document(i, posts, known) for i in m.helpful_post_ids),
            created_at=m.created_at,
        )
        for m in messages
    ]


SessionPage = Page[ChatSession]


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
