"""The domain's plain enumerations that commands offer as choices (scopes, roles, content states,
catalog kinds and author groups) and what each catalog kind's detail may be. Nothing here needs
pydantic, so `changple --help` builds every option without building a model; the model modules
(`access`, `users`, `content`, `authors`) re-export these names and define their models with them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Scope(StrEnum):
    """What a caller may do. Admin users hold every scope; a service token holds the ones it was
    given; social users hold none of these (they only reach their own things)."""

    ADMIN = "admin"  # the admin API: catalog, content upload, users
    PIPELINE = "pipeline"  # scraper run/ingest/status, batches, post ingestion trails
    CHAT = "chat"  # the chat agent's internal API
    METRICS = "metrics"  # GET /metrics (Prometheus)


class UserRole(StrEnum):
    SOCIAL = "social"
    ADMIN = "admin"


class ContentState(StrEnum):
    PROCESSING = "processing"  # stored, waiting for (or in) the worker
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"  # was published; an admin took it down, its files kept (publish brings it back)
    FAILED = "failed"  # refused by the worker; `failure` says why, and no file is left


class CatalogKind(StrEnum):
    """The lists of the catalog; the value names a list in URLs, commands and the unit of work."""

    AUTHORS = "authors"
    BRANDS = "brands"


@dataclass(frozen=True)
class DetailRule:
    """A catalog kind's detail: one of `choices` (free text when there are none), `default` when
    none is given."""

    choices: tuple[str, ...]
    default: str


class AuthorGroup(StrEnum):
    """The community's groups of authors, as changple2 (the monolith) names them."""

    CHANGPLE = "창플"
    TEAM_BUSINESS = "팀비즈니스"
    OTHER = "기타"


DETAIL_RULES: dict[CatalogKind, DetailRule] = {
    CatalogKind.AUTHORS: DetailRule(choices=tuple(AuthorGroup), default=AuthorGroup.CHANGPLE.value),
    CatalogKind.BRANDS: DetailRule(choices=(), default=""),
}
