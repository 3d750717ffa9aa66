"""The public columns list as the composition root binds it: the published page is encoded once
per content generation; other states (admins) and an unknown generation are read afresh."""

from __future__ import annotations

from collections.abc import Hashable

import pytest

from changple_adapters.generation_cache import GenerationCache
from changple_adapters.memory import MemoryUnitOfWork
from changple_adapters.memory.content_changes import MemoryContentChanges as LocalContentChanges
from changple_domain.errors import Unauthorized
from changple_domain.model.access import Caller
from changple_domain.model.content import ContentState
from changple_domain.ports import ContentChanges
from changple_domain.use_cases.content_library import ContentPage, cached_columns_page


class UnknownChanges(ContentChanges):
    """A generation signal that cannot be read (Redis down)."""

    def current(self) -> Hashable | None:
        return None

    def bump(self) -> None:
        return None


def _columns(
    changes: ContentChanges, cache: GenerationCache, encoded: list[ContentPage], state: ContentState, viewer: Caller
) -> bytes:
    def encode(page: ContentPage) -> bytes:
        encoded.append(page)
        return f"{page.total}/{page.limit}".encode()

    uow = MemoryUnitOfWork()
    return cached_columns_page(
        state=state, limit=2, offset=0, viewer=viewer, encode=encode, uow=uow, changes=changes, cache=cache
    )


def test_the_published_page_is_encoded_once_per_generation() -> None:
    changes, cache, encoded = LocalContentChanges(), GenerationCache(), list[ContentPage]()
    assert _columns(changes, cache, encoded, ContentState.PUBLISHED, Caller()) == b"0/2"
    assert _columns(changes, cache, encoded, ContentState.PUBLISHED, Caller()) == b"0/2"
    assert len(encoded) == 1
    assert len(cache) == 1
    changes.bump()
    _columns(changes, cache, encoded, ContentState.PUBLISHED, Caller())
    assert len(encoded) == 2


def test_other_states_and_an_unknown_generation_are_never_kept() -> None:
    cache, encoded = GenerationCache(), list[ContentPage]()
    _columns(UnknownChanges(), cache, encoded, ContentState.PUBLISHED, Caller())
    _columns(UnknownChanges(), cache, encoded, ContentState.PUBLISHED, Caller())
    assert len(encoded) == 2
    assert len(cache) == 0
    with pytest.raises(Unauthorized):  # another state is for admins, and never from the cache
        _columns(LocalContentChanges(), cache, encoded, ContentState.FAILED, Caller())
    assert len(cache) == 0
