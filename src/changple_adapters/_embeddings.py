"""The guard every `BatchEmbedder` adapter runs before sending anything: the domain's OpenAI limits (the
strictest embedding batch API we use), so the fakes refuse what the real provider would. Standard library
and domain only: the in-memory fake must import with nothing but pydantic."""

from __future__ import annotations

from collections.abc import Sequence

from changple_domain.errors import InvalidInput
from changple_domain.model.providers import EmbeddingRequest, request_key
from changple_domain.policies.packing import (
    OPENAI_EMBEDDING_BATCH,
    OPENAI_MAX_INPUTS_PER_REQUEST,
    OPENAI_MAX_TOKENS_PER_REQUEST,
)

MAX_REQUESTS = OPENAI_EMBEDDING_BATCH.max_requests
MAX_INPUTS = OPENAI_EMBEDDING_BATCH.max_inputs or 50_000
MAX_INPUTS_PER_REQUEST = OPENAI_MAX_INPUTS_PER_REQUEST
MAX_TOKENS_PER_REQUEST = OPENAI_MAX_TOKENS_PER_REQUEST
MAX_FILE_BYTES = 200 * 1024 * 1024  # the provider's own ceiling; the domain packs to less, with head-room


def check_embedding_batch(requests: Sequence[EmbeddingRequest]) -> None:
    """Refuse what the provider would fail at validation. Packing is the domain's job; this is a guard,
    run before anything is uploaded."""
    if not requests:
        raise InvalidInput("an embedding batch needs at least one request")
    if len(requests) > MAX_REQUESTS:
        raise InvalidInput(f"{len(requests)} requests exceed {MAX_REQUESTS} per embedding batch")
    if len({request_key(r.article_id, r.content_hash) for r in requests}) != len(requests):
        raise InvalidInput("an embedding batch carries the same article and content hash twice")
    for request in requests:
        if len(request.chunks) > MAX_INPUTS_PER_REQUEST:
            raise InvalidInput(
                f"article {request.article_id} has {len(request.chunks)} chunks; "
                f"one request takes at most {MAX_INPUTS_PER_REQUEST}"
            )
        if request.estimated_tokens > MAX_TOKENS_PER_REQUEST:
            raise InvalidInput(
                f"article {request.article_id} has about {request.estimated_tokens} tokens; "
                f"one request takes at most {MAX_TOKENS_PER_REQUEST}"
            )
    total = sum(len(r.chunks) for r in requests)
    if total > MAX_INPUTS:
        raise InvalidInput(f"{total} chunks exceed {MAX_INPUTS} embedding inputs per batch")
