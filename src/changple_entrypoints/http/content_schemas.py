"""What the content and chat APIs read and write, kept apart from the domain models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from litestar.datastructures import UploadFile
from pydantic import BaseModel, Field

from changple_domain.model.chat import MAX_REFERENCES, MESSAGE_MAX, ChatRole, ChatSession, CitedPost
from changple_domain.model.content import DESCRIPTION_MAX, TITLE_MAX, ContentState, NotionContent
from changple_domain.policies.chat_tickets import MAX_TICKET_CHARS
from changple_domain.use_cases.chat_history import Conversation, MessageView
from changple_domain.use_cases.content_library import MAX_ATTACHED, ContentPage
from changple_entrypoints.http.schemas import Id
from changple_entrypoints.settings import Settings


@dataclass
class ContentUploadForm:
    """The multipart form of an upload. `file` is the Notion "Export as HTML" zip."""

    title: str
    file: UploadFile
    description: str = ""
    is_preferred: bool = False
    thumbnail: UploadFile | None = None


class ContentRead(BaseModel):
    """One column as lists show it. `state` and `failure` matter to admins; readers only ever
    see published content."""

    id: int
    title: str
    description: str
    is_preferred: bool
    state: ContentState
    failure: str | None = Field(description="why processing refused the upload (state failed)")
    thumbnail_url: str | None
    page_url: str | None = Field(description="the sanitized page as a document of its own")
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None

    @classmethod
    def of(cls, content: NotionContent, api_base: str = "") -> ContentRead:
        base = f"{api_base}/api/v1/content/{content.id}"
        return cls(
            **content.model_dump(include=set(cls.model_fields) - {"thumbnail_url", "page_url"}),
            thumbnail_url=f"{base}/thumbnail" if content.thumbnail_key else None,
            page_url=f"{base}/page" if content.html_key else None,
        )


@dataclass(frozen=True)
class ContentLinks:
    """Reads of content as this API answers them: links under its public address (from the settings)."""

    api_base: str

    @classmethod
    def of(cls, settings: Settings) -> ContentLinks:
        return cls(settings.public_api_url.rstrip("/"))

    def read(self, content: NotionContent) -> ContentRead:
        return ContentRead.of(content, self.api_base)

    def page(self, page: ContentPage) -> ContentPageRead:
        return ContentPageRead(
            items=[self.read(c) for c in page.items], total=page.total, limit=page.limit, offset=page.offset
        )


class ContentDetailRead(ContentRead):
    html: str | None = Field(description="the sanitized page, ready to render; images point at this API")
    skipped: list[str] = Field(description="entries of the export left out, each with the reason")


class ContentPageRead(BaseModel):
    items: list[ContentRead]
    total: int = Field(description="how many match, on every page")
    limit: int
    offset: int


class ContentUpdate(BaseModel):
    title: str | None = Field(default=None, max_length=TITLE_MAX)
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX)
    is_preferred: bool | None = None


class ViewCreate(BaseModel):
    content_id: Id


class ViewRead(BaseModel):
    counted: bool = Field(description="false when the same reader viewed it within the view window")


class ViewedContentRead(BaseModel):
    content: ContentRead
    viewed_at: datetime = Field(description="the reader's latest view")


class HistoryPageRead(BaseModel):
    items: list[ViewedContentRead]
    total: int = Field(description="how many different columns the reader has viewed")
    limit: int
    offset: int


class AttachmentCreate(BaseModel):
    content_ids: list[Id] = Field(min_length=1, max_length=MAX_ATTACHED)


class AttachedTextRead(BaseModel):
    content_id: int
    title: str
    text: str
    truncated: bool = Field(description="the text was cut to keep the whole attachment within its size cap")


class AttachmentRead(BaseModel):
    items: list[AttachedTextRead]
    max_chars: int = Field(description="the cap on all texts together")


# --- chat ---------------------------------------------------------------------------------------


class ChatSessionRead(BaseModel):
    nonce: str
    title: str
    created_at: datetime
    last_message_at: datetime
    message_count: int

    @classmethod
    def of(cls, session: ChatSession) -> ChatSessionRead:
        return cls.model_validate(session.model_dump())


class ChatSessionPageRead(BaseModel):
    items: list[ChatSessionRead]
    total: int
    limit: int
    offset: int


class HelpfulDocumentRead(BaseModel):
    article_id: int
    state: CitedPost = Field(
        description="readable: title and url shown; hidden: the public may not read it now; "
        "unknown: core has no record of it (never had, or deleted since)"
    )
    title: str | None = Field(description="null unless the state is readable")
    url: str | None


class ChatMessageRead(BaseModel):
    id: int
    role: ChatRole
    content: str
    attached_content_ids: list[int]
    helpful_documents: list[HelpfulDocumentRead]
    created_at: datetime

    @classmethod
    def of(cls, message: MessageView) -> ChatMessageRead:
        return cls.model_validate(message.model_dump())


class ConversationRead(BaseModel):
    session: ChatSessionRead
    messages: list[ChatMessageRead]
    next_after_id: int | None = Field(description="pass as `after_id` for the next page; null on the last")

    @classmethod
    def of(cls, conversation: Conversation) -> ConversationRead:
        return cls(
            session=ChatSessionRead.of(conversation.session),
            messages=[ChatMessageRead.of(m) for m in conversation.messages],
            next_after_id=conversation.next_after_id,
        )


class ChatMessageCreate(BaseModel):
    """What the agent records: one message of a session, for the user its chat ticket names (or a
    visitor, with no ticket)."""

    ticket: str | None = Field(
        default=None,
        max_length=MAX_TICKET_CHARS,
        description="the user's chat ticket, forwarded from the frontend (POST /api/v1/chat/tickets/); "
        "omitted for a visitor",
    )
    user_id: Id | None = Field(default=None, description="optional; when given it must be the ticket's user")
    role: ChatRole
    content: str = Field(min_length=1, max_length=MESSAGE_MAX)
    attached_content_ids: list[Id] = Field(default_factory=list, max_length=MAX_REFERENCES)
    helpful_post_ids: list[Id] = Field(
        default_factory=list, max_length=MAX_REFERENCES, description="cafe article ids the answer drew on"
    )


class ChatTicketCreate(BaseModel):
    nonce: str = Field(description="the chat session the ticket is for (8 to 64 letters, digits, - or _)")


class ChatTicketRead(BaseModel):
    ticket: str = Field(description="hand it to the chat agent; it forwards it with each message")
    nonce: str
    expires_at: datetime


class ChatMessageRecordedRead(BaseModel):
    session: ChatSessionRead
    message: ChatMessageRead
    session_created: bool
