"""Chat history (sketch; the chat issue fills it in): sessions and the messages in them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class ChatRole(StrEnum):
    USER = "user"
    ASSISTANT = "assistant"


class ChatSession(BaseModel):
    model_config = ConfigDict(frozen=True)

    nonce: str
    user_id: int | None = None
    title: str = ""
    created_at: datetime


class ChatMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    session_nonce: str
    role: ChatRole
    content: str
    attached_content_ids: tuple[int, ...] = ()
    helpful_post_ids: tuple[int, ...] = ()
    created_at: datetime
