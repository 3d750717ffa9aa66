"""Chat history: the chat agent's sessions and the messages in them.

A session is addressed by a nonce the agent chooses. It belongs to the user the agent names with its
first message (or to nobody, for a visitor who has not signed in), and that owner never changes: a
visitor's chat is never claimed by a user who signs in later, and an owned chat never moves. Only its
owner can read or delete it through the user API, and anyone else is told it does not exist."""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from changple_domain.errors import AlreadyExists, InvalidInput
from changple_domain.model._time import UtcDatetime

NONCE_SHAPE = re.compile(r"[A-Za-z0-9_-]{8,64}")
TITLE_MAX = 100
MESSAGE_MAX = 50_000
MAX_REFERENCES = 50  # attached content ids and helpful posts, each


class ChatRole(StrEnum):
    USER = "user"
    ASSISTANT = "assistant"


def check_nonce(nonce: str) -> str:
    if NONCE_SHAPE.fullmatch(nonce) is None:
        raise InvalidInput("a chat nonce is 8 to 64 letters, digits, '-' or '_'")
    return nonce


def title_from(first_user_message: str) -> str:
    """The session's title: the first user message on one line, cut at TITLE_MAX characters."""
    line = " ".join(first_user_message.split())
    return line if len(line) <= TITLE_MAX else line[: TITLE_MAX - 1] + "…"


class ChatSession(BaseModel):
    model_config = ConfigDict(frozen=True)

    nonce: str
    user_id: int | None = None  # None: a visitor's session, reachable only through the agent
    title: str = ""  # from the first user message; empty until there is one
    created_at: UtcDatetime
    last_message_at: UtcDatetime
    message_count: int = 0

    def check_writer(self, user_id: int | None, role: ChatRole) -> None:
        """A message may join only as its owner: naming another user is refused, and so is a user
        message naming nobody in a signed-in user's chat. The assistant may leave the user out."""
        if user_id == self.user_id or (user_id is None and role is ChatRole.ASSISTANT):
            return
        if self.user_id is None:
            raise AlreadyExists(
                f"chat session {self.nonce} was started by a visitor and stays theirs; start a new session for the user"
            )
        if user_id is None:
            raise AlreadyExists(
                f"chat session {self.nonce} belongs to a signed-in user; name that user, or start a new session"
            )
        raise AlreadyExists(f"chat session {self.nonce} belongs to another user; start a new session")


class NewChatMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    session_nonce: str
    role: ChatRole
    content: str = Field(min_length=1, max_length=MESSAGE_MAX)
    attached_content_ids: tuple[int, ...] = Field(default=(), max_length=MAX_REFERENCES)
    helpful_post_ids: tuple[int, ...] = Field(default=(), max_length=MAX_REFERENCES)  # cafe article ids
    created_at: UtcDatetime

    def with_id(self, message_id: int) -> ChatMessage:
        return ChatMessage(id=message_id, **self.model_dump())


class ChatMessage(NewChatMessage):
    id: int


class CitedPost(StrEnum):
    READABLE = "readable"  # the public may read it: title and url shown
    HIDDEN = "hidden"  # core has it, but the public may not read it now
    UNKNOWN = "unknown"  # core has no record of it (never had, or deleted since)


class HelpfulDocument(BaseModel):
    """A cafe post the assistant drew on, as the reader sees it: title and url only while the
    public may read it, else its id and why not."""

    model_config = ConfigDict(frozen=True)

    article_id: int
    state: CitedPost
    title: str | None = None
    url: str | None = None
