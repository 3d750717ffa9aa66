"""One page of a list, the same shape for every list the API serves: the items, how many there are
in all (the same on every page), and the window asked for. A client pages with `offset += limit`
until `offset >= total`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    model_config = ConfigDict(frozen=True)

    items: list[T]
    total: int = Field(ge=0, description="how many there are in all, the same on every page")
    limit: int = Field(ge=0, description="the most items a page holds")
    offset: int = Field(ge=0, description="how many items come before this page")

    @classmethod
    def window(cls, everything: Sequence[T], *, limit: int, offset: int) -> Page[T]:
        """The page of an already complete (and short) list."""
        return cls(items=list(everything[offset : offset + limit]), total=len(everything), limit=limit, offset=offset)
