"""Search the index like the chat agent does, answering with posts rather than chunks. A hit
whose post is gone, changed since it was indexed, or no longer let in by the ingestion policy is
dropped (`read_posts`): the index may still hold its vectors until the next pipeline run, but no
caller sees a disabled author's or an excluded board's post in the meantime."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from changple_domain.errors import InvalidInput
from changple_domain.model.pages import Page
from changple_domain.model.posts import PostStatusKind
from changple_domain.policies.eligibility import IngestionPolicy
from changple_domain.ports import QueryEmbedder, UnitOfWork, VectorIndex
from changple_domain.use_cases.read_posts import visible_within

SEARCH_DEPTH = 100  # a search pages through at most this many posts, best first


class SearchHit(BaseModel):
    model_config = ConfigDict(frozen=True)

    article_id: int
    title: str
    url: str
    board: str
    score: float
    snippet: str
    keywords: tuple[str, ...] = ()
    summary_lead: str | None = None  # the summary's first sentence, for a citation


class SearchQuery(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str = Field(min_length=1, max_length=2000)
    k: int = Field(default=5, ge=1, le=SEARCH_DEPTH)
    offset: int = Field(default=0, ge=0, le=SEARCH_DEPTH - 1)

    @model_validator(mode="after")
    def _within_depth(self) -> SearchQuery:
        if self.k + self.offset > SEARCH_DEPTH:
            raise ValueError(f"a search pages through its best {SEARCH_DEPTH} posts: offset + k must be at most that")
        return self

    @field_validator("text")
    @classmethod
    def _not_blank(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("the search query is empty")
        return text

    @classmethod
    def of(cls, text: str, k: int = 5, offset: int = 0) -> SearchQuery:
        """A query from a person's input; anything unusable is InvalidInput saying why."""
        try:
            return cls(text=text, k=k, offset=offset)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = f"{first['loc'][0]}: " if first["loc"] else ""
            raise InvalidInput(f"search {where}{str(first['msg']).removeprefix('Value error, ')}") from exc


def search_posts(
    query: SearchQuery, *, uow: UnitOfWork, embedder: QueryEmbedder, index: VectorIndex, policy: IngestionPolicy
) -> list[SearchHit]:
    """The `k` best posts for the query that the public may read, each scored by its best chunk."""
    vector = embedder.embed_query(query.text)
    matches = index.query(vector, top_k=min(query.k * 4, 400))
    best: dict[int, tuple[float, str, str]] = {}
    for match in matches:
        post_id = match.metadata.get("post_id")
        if not isinstance(post_id, int) or post_id in best:
            continue
        best[post_id] = (match.score, str(match.metadata.get("content_hash", "")), str(match.metadata.get("text", "")))
    with uow:
        posts = visible_within(best, uow=uow, policy=policy)
        statuses = uow.statuses.get_many(best)
    hits: list[SearchHit] = []
    for post_id, (score, content_hash, text) in best.items():
        post = posts.get(post_id)
        status = statuses.get(post_id)
        if post is None or post.indexed_hash != content_hash or (status and status.kind is not PostStatusKind.SAVED):
            continue
        hits.append(
            SearchHit(
                article_id=post_id,
                title=post.title,
                url=post.url,
                board=post.board,
                score=score,
                snippet=text[:200],
                keywords=post.keywords,
                summary_lead=post.summary_lead,
            )
        )
        if len(hits) == query.k:
            break
    return hits


def search_page(
    query: SearchQuery, *, uow: UnitOfWork, embedder: QueryEmbedder, index: VectorIndex, policy: IngestionPolicy
) -> Page[SearchHit]:
    """One page of the best posts, `query.k` of them after `query.offset`. The search always ranks
    its whole depth, so `total` (how many readable posts it found, at most SEARCH_DEPTH) is the same
    on every page and a later page never repeats or skips a hit of an earlier one."""
    deep = query.model_copy(update={"k": SEARCH_DEPTH, "offset": 0})
    hits = search_posts(deep, uow=uow, embedder=embedder, index=index, policy=policy)
    return Page.window(hits, limit=query.k, offset=query.offset)
