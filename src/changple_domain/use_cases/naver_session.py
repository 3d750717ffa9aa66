"""Checking the scraper's saved Naver session: which article to ask the cafe for."""

from __future__ import annotations

from changple_domain.errors import InvalidSetting
from changple_domain.model.posts import PostStatusKind
from changple_domain.ports import UnitOfWork


def article_to_check(article_id: int | None, *, uow: UnitOfWork, first_article_id: int | None) -> int:
    """The article given, else the newest one the store holds (saved or skipped: the cafe had it),
    else where scans start; InvalidSetting when none of them is known."""
    if article_id is not None:
        return article_id
    with uow:
        newest = uow.statuses.highest_id([PostStatusKind.SAVED, PostStatusKind.SKIPPED])
    if newest is not None:
        return newest
    if first_article_id is not None:
        return first_article_id
    raise InvalidSetting("no article is known yet: pass --article with the id of a post the cafe holds")
