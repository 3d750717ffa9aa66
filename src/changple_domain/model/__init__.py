"""Domain models: pydantic v2, frozen where they are values or recorded facts.

The names below load lazily (PEP 562): `from changple_domain.model import CafePost` imports
`model.posts` on first use, and importing one submodule (`changple_domain.model.access`) no longer
builds every model of the package, so a command's `--help` pays only for what it names."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from changple_domain.model.authors import AllowedAuthor, GoodToKnowBrand
    from changple_domain.model.batches import BatchItem, BatchJob, BatchKind, BatchState
    from changple_domain.model.chat import ChatMessage, ChatRole, ChatSession
    from changple_domain.model.content import NotionContent
    from changple_domain.model.posts import KST, CafePost, PostNeed, PostStatus, PostStatusKind, StageRecord
    from changple_domain.model.runs import PipelineRun, RunState, RunTrigger, StageProgress
    from changple_domain.model.users import User, UserRole

# Each exported name and the submodule that defines it.
_SUBMODULE_OF = {
    "AllowedAuthor": "authors",
    "GoodToKnowBrand": "authors",
    "BatchItem": "batches",
    "BatchJob": "batches",
    "BatchKind": "batches",
    "BatchState": "batches",
    "ChatMessage": "chat",
    "ChatRole": "chat",
    "ChatSession": "chat",
    "NotionContent": "content",
    "KST": "posts",
    "CafePost": "posts",
    "PostNeed": "posts",
    "PostStatus": "posts",
    "PostStatusKind": "posts",
    "StageRecord": "posts",
    "PipelineRun": "runs",
    "RunState": "runs",
    "RunTrigger": "runs",
    "StageProgress": "runs",
    "User": "users",
    "UserRole": "users",
}

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


def __getattr__(name: str) -> Any:
    submodule = _SUBMODULE_OF.get(name)
    if submodule is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{submodule}"), name)
    globals()[name] = value  # the next look-up is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
