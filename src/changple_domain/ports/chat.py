"""Chat history."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

from changple_domain.model.chat import ChatMessage, ChatSession, NewChatMessage


@runtime_checkable
class ChatRepository(Protocol):
    def get_session(self, nonce: str) -> ChatSession | None: ...
    def get_sessions(self, nonces: Iterable[str]) -> dict[str, ChatSession]:
        """Those of these sessions that exist, by nonce, in one round trip per chunk (a bulk import's path)."""
        ...

    def add_sessions(self, sessions: Sequence[ChatSession]) -> None:
        """`add_session` for many at once: AlreadyExists when a nonce is taken (or given twice),
        NotFound when an owner is gone, and then nothing is stored."""
        ...

    def save_sessions(self, sessions: Sequence[ChatSession]) -> None:
        """`save_session` for many at once, with its errors."""
        ...

    def add_session(self, session: ChatSession) -> None:
        """AlreadyExists when the nonce is taken."""
        ...

    def save_session(self, session: ChatSession) -> None:
        """Store the title, times and count. The owner is set by `add_session` for good: a save
        naming another owner is IllegalTransition and changes nothing."""
        ...

    def sessions_of(self, user_id: int, *, limit: int = 20, offset: int = 0) -> list[ChatSession]:
        """The user's sessions, most recently active first (then nonce, for a stable order)."""
        ...

    def count_sessions_of(self, user_id: int) -> int: ...
    def delete_session(self, nonce: str) -> bool:
        """Remove the session and its messages; True when there was one."""
        ...

    def add_message(self, message: NewChatMessage) -> ChatMessage:
        """Store the message in its (existing) session and return it with its id."""
        ...

    def add_messages(self, messages: Sequence[NewChatMessage]) -> list[ChatMessage]:
        """Store many messages (their sessions exist) in one round trip, returned with ids in order:
        a bulk import's path. NotFound, and nothing stored, when a session is missing."""
        ...

    def replace_messages(self, messages: Sequence[ChatMessage]) -> None:
        """Store these messages over the stored ones with their ids, in their sessions (an edit
        carried from changple2): NotFound, and nothing changed, when one is gone or would move to
        another session."""
        ...

    def messages(self, nonce: str, *, limit: int = 100, after_id: int = 0) -> list[ChatMessage]:
        """The session's messages with id > after_id, oldest first."""
        ...
