"""Cafe posts, one by article id or up to 100 at once (the chat agent turns the ids an answer cites
into titles, links and summaries with one call). One rule decides who may read which
(`read_posts`): a post hidden from the caller looks exactly like a missing one."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import get
from litestar.di import Provide
from litestar.openapi import ResponseSpec
from litestar.params import QueryParameter
from pydantic import BaseModel, Field

from changple_domain.errors import InvalidInput
from changple_domain.model.ids import MAX_ID
from changple_domain.model.posts import CafePost
from changple_domain.use_cases.read_posts import MAX_POSTS_PER_READ, PostBatch
from changple_entrypoints.http.access import provide_caller
from changple_entrypoints.http.dependencies import CallerDep, UseCase
from changple_entrypoints.http.schemas import ErrorRead, IdPath, PostRead

IDS_HELP = (
    f"article ids, comma-separated or repeated (`?ids=1003,1010` or `?ids=1003&ids=1010`), at most {MAX_POSTS_PER_READ}"
)


class PostBatchRead(BaseModel):
    items: list[PostRead] = Field(description="the posts the caller may read, in the order asked")
    missing: list[int] = Field(description="ids asked for that the caller may not read: never stored, or hidden")


def _article_ids(values: list[str]) -> list[int]:
    ids: list[int] = []
    for value in values:
        for part in value.split(","):
            text = part.strip()
            if not text.isdecimal() or not 1 <= int(text) <= MAX_ID:
                raise InvalidInput(f"ids: {text!r} is not an article id (a positive whole number)")
            ids.append(int(text))
    return ids


POST_READS: dict[str, Any] = {
    "tags": ["posts"],
    "sync_to_thread": True,
    "dependencies": {"caller": Provide(provide_caller)},
}


@get(
    "/api/v1/posts/{article_id:int}/",
    **POST_READS,
    summary="One cafe post",
    description="Everyone reads the posts the ingestion policy lets into the index; admins and tokens with the "
    "`pipeline` (or `admin`) scope read every stored post. A post hidden from the caller is the same 404 as a "
    "missing one.",
    responses={404: ResponseSpec(ErrorRead, description="No post the caller may read has this article id.")},
)
def get_post(article_id: IdPath, read_post: UseCase[CafePost], caller: CallerDep) -> PostRead:
    return PostRead.of(read_post(article_id, viewer=caller))


@get(
    "/api/v1/posts/",
    **POST_READS,
    summary="Cafe posts by article id, up to 100 at once",
    description="For citations: every field of each post the caller may read. Everyone reads the posts the "
    "ingestion policy lets into the index; admins and `pipeline` tokens read every stored post. Ids the caller "
    "may not read are listed in `missing`, the same whether they were never stored or are hidden.",
)
def list_posts(
    caller: CallerDep,
    read_many_posts: UseCase[PostBatch],
    ids: Annotated[list[str], QueryParameter(description=IDS_HELP, max_items=MAX_POSTS_PER_READ)],
) -> PostBatchRead:
    batch = read_many_posts(_article_ids(ids), viewer=caller)
    return PostBatchRead(items=[PostRead.of(post) for post in batch.items], missing=batch.missing)


POST_ROUTES = [get_post, list_posts]
