"""Domain models: pydantic v2, frozen where they are values or recorded facts."""

from changple_domain.model.authors import AllowedAuthor, GoodToKnowBrand
from changple_domain.model.batches import BatchItem, BatchJob, BatchKind, BatchState
from changple_domain.model.chat import ChatMessage, ChatRole, ChatSession
from changple_domain.model.content import NotionContent
from changple_domain.model.posts import KST, CafePost, PostNeed, PostStatus, PostStatusKind, StageRecord
from changple_domain.model.runs import PipelineRun, RunState, RunTrigger, StageProgress
from changple_domain.model.users import User, UserRole

__all__ = [
    "KST",
    "AllowedAuthor",
    "BatchItem",
    "BatchJob",
    "BatchKind",
    "BatchState",
    "CafePost",
    "ChatMessage",
    "ChatRole",
    "ChatSession",
    "GoodToKnowBrand",
    "NotionContent",
    "PipelineRun",
    "PostNeed",
    "PostStatus",
    "PostStatusKind",
    "RunState",
    "RunTrigger",
    "StageProgress",
    "StageRecord",
    "User",
    "UserRole",
]
