"""Chat history. Signed-in readers list, read and delete their own sessions; the chat agent
service records messages (and reads any session) with a service token holding the `chat` scope.

A reader asking for a session that is not theirs gets the same 404 as for one that never existed,
so nonces cannot be probed."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Response, Router, delete, get, post
from litestar.di import Provide
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from changple_domain.model.access import Scope
from changple_domain.model.ids import MAX_ID
from changple_domain.use_cases.chat_history import (
    Conversation,
    IssuedTicket,
    RecordedMessage,
    RecordMessage,
    SessionPage,
)
from changple_entrypoints.http.access import AUTH_RESPONSES, SIGNED_IN_ONLY, provide_caller, requires
from changple_entrypoints.http.bodies import required_body
from changple_entrypoints.http.content_schemas import (
    ChatMessageCreate,
    ChatMessageRead,
    ChatMessageRecordedRead,
    ChatSessionPageRead,
    ChatSessionRead,
    ChatTicketCreate,
    ChatTicketRead,
    ConversationRead,
)
from changple_entrypoints.http.dependencies import CallerDep, UseCase
from changple_entrypoints.http.schemas import ErrorRead

TOKEN_ONLY: list[dict[str, list[str]]] = [{"serviceToken": []}]
NO_SESSION = {404: ResponseSpec(ErrorRead, description="No session of yours has this nonce.")}

Limit = Annotated[int, QueryParameter(ge=1, le=100, description="page size")]
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_ID, description="how many to skip")]
MessageLimit = Annotated[int, QueryParameter(ge=1, le=500, description="messages per page")]
AfterId = Annotated[int, QueryParameter(ge=0, le=MAX_ID, description="only messages with a larger id (the next page)")]


@get(
    "/history/",
    sync_to_thread=True,
    summary="The signed-in user's chat sessions, most recently active first",
    **SIGNED_IN_ONLY,
    responses=AUTH_RESPONSES,
)
def chat_sessions(
    caller: CallerDep, list_chat_sessions: UseCase[SessionPage], limit: Limit = 20, offset: Offset = 0
) -> ChatSessionPageRead:
    user = caller.require_user()
    page = list_chat_sessions(user.id, limit=limit, offset=offset)
    return ChatSessionPageRead(
        items=[ChatSessionRead.of(s) for s in page.items], total=page.total, limit=page.limit, offset=page.offset
    )


@get(
    "/{nonce:str}/messages/",
    sync_to_thread=True,
    summary="The messages of one of the signed-in user's sessions, oldest first",
    **SIGNED_IN_ONLY,
    responses={**AUTH_RESPONSES, **NO_SESSION},
)
def chat_messages(
    nonce: FromPath[str],
    caller: CallerDep,
    read_chat_session: UseCase[Conversation],
    limit: MessageLimit = 100,
    after_id: AfterId = 0,
) -> ConversationRead:
    user = caller.require_user()
    found = read_chat_session(nonce, owner_id=user.id, limit=limit, after_id=after_id)
    return ConversationRead.of(found)


@delete(
    "/{nonce:str}/",
    sync_to_thread=True,
    summary="Delete one of the signed-in user's sessions with its messages",
    **SIGNED_IN_ONLY,
    responses={**AUTH_RESPONSES, **NO_SESSION},
)
def delete_chat(nonce: FromPath[str], caller: CallerDep, delete_chat_session: UseCase[None]) -> None:
    delete_chat_session(nonce, owner_id=caller.require_user().id)


@post(
    "/tickets/",
    sync_to_thread=True,
    summary="A chat ticket for the signed-in user, for the chat agent to forward",
    description="The frontend asks for one before the user sends a message in session `nonce` and hands it "
    "to the chat agent, which forwards it with the message: core then records the message as this user's. "
    "A ticket lasts a few minutes (CHANGPLE_CHAT_TICKET_SECONDS) and is good for that session only.",
    status_code=201,
    **SIGNED_IN_ONLY,
    responses=AUTH_RESPONSES,
)
def chat_ticket(
    caller: CallerDep, issue_chat_ticket: UseCase[IssuedTicket], data: JSONBody[ChatTicketCreate | None] = None
) -> ChatTicketRead:
    user = caller.require_user()
    body = required_body(data, 'send a JSON object like {"nonce": "chat-session-id"}')
    issued = issue_chat_ticket(user.id, body.nonce)
    return ChatTicketRead(ticket=issued.ticket, nonce=issued.nonce, expires_at=issued.expires_at)


# --- the chat agent -----------------------------------------------------------------------------

AGENT: dict[str, Any] = {"guards": [requires(Scope.CHAT)], "security": TOKEN_ONLY}


@post(
    "/{nonce:str}/messages/",
    **AGENT,
    sync_to_thread=True,
    summary="Record a message of a chat session (the session is made on first use)",
    description="For the chat agent service (a service token with the `chat` scope). The first message "
    "decides the session's owner for good: the user it names, or nobody (a visitor). A later message naming "
    "another user, a user message naming nobody in a user's session, or any user on a visitor's session "
    "answers 409 (start a new session); assistant messages may leave the ticket out. The user is named by "
    "the chat ticket the frontend got for them (`ticket`): `user_id` without a ticket is a 400, a ticket that "
    "is expired, altered or for another session a 403. A cited post core does not know is kept and "
    "shown with the state `unknown`. "
    "Answers 201 when the message started the session, else 200.",
    status_code=200,
    responses={
        **AUTH_RESPONSES,
        201: ResponseSpec(ChatMessageRecordedRead, description="The message started a new session."),
        404: ResponseSpec(ErrorRead, description="The user or an attached content id does not exist."),
        409: ResponseSpec(ErrorRead, description="The session belongs to someone else (another user, or a visitor)."),
    },
)
def record_chat_message(
    nonce: FromPath[str], append_chat_message: UseCase[RecordedMessage], data: JSONBody[ChatMessageCreate | None] = None
) -> Response[ChatMessageRecordedRead]:
    data = required_body(data, 'send a JSON object like {"role": "user", "content": "...", "user_id": 1}')
    recorded = append_chat_message(
        RecordMessage(
            nonce=nonce,
            user_id=data.user_id,
            role=data.role,
            content=data.content,
            attached_content_ids=tuple(data.attached_content_ids),
            helpful_post_ids=tuple(data.helpful_post_ids),
            ticket=data.ticket,
        )
    )
    body = ChatMessageRecordedRead(
        session=ChatSessionRead.of(recorded.session),
        message=ChatMessageRead.of(recorded.message),
        session_created=recorded.session_created,
    )
    return Response(body, status_code=201 if recorded.session_created else 200)


@get(
    "/{nonce:str}/messages/",
    **AGENT,
    sync_to_thread=True,
    summary="Any session's messages, oldest first, for the chat agent",
    responses={**AUTH_RESPONSES, 404: ResponseSpec(ErrorRead, description="No session has this nonce.")},
)
def agent_chat_messages(
    nonce: FromPath[str], read_chat_session: UseCase[Conversation], limit: MessageLimit = 100, after_id: AfterId = 0
) -> ConversationRead:
    found = read_chat_session(nonce, owner_id=None, as_agent=True, limit=limit, after_id=after_id)
    return ConversationRead.of(found)


CHAT_ROUTES = [
    Router(
        "/api/v1/chat",
        tags=["chat"],
        dependencies={"caller": Provide(provide_caller)},
        route_handlers=[chat_sessions, chat_messages, delete_chat, chat_ticket],
    ),
    Router("/api/v1/internal/chat", tags=["chat agent"], route_handlers=[record_chat_message, agent_chat_messages]),
]
