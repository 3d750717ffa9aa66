"""Allowed authors and good-to-know brands: the lists operators keep.

Entries are never erased, because posts refer to them by name: an author is disabled (their posts
leave the index on the next run) and a brand stops being good to know (it is no longer tagged)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from changple_domain.errors import InvalidInput, NotFound
from changple_domain.model.authors import AllowedAuthor, GoodToKnowBrand, clean_name
from changple_domain.ports import UnitOfWork

T = TypeVar("T")

# Control characters other than tab, newline and carriage return: invisible, and PostgreSQL text
# cannot hold NUL at all. Names fold all white space anyway; descriptions keep their line breaks.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _problems(exc: ValidationError, what: str = "") -> str:
    parts = []
    for err in exc.errors():
        where = " ".join([what, *(str(part) for part in err["loc"])]).strip() or "value"
        parts.append(f"{where}: {str(err['msg']).removeprefix('Value error, ')}")
    return "; ".join(parts)


def _checked_name(name: str, what: str) -> str:
    try:
        cleaned = clean_name(name)
    except ValueError as exc:
        raise InvalidInput(f"{what} name must not be empty") from exc
    if _CONTROL.search(cleaned):
        raise InvalidInput(f"{what} name must not contain control characters")
    return cleaned


def _check_text(value: str, label: str) -> str:
    if _CONTROL.search(value):
        raise InvalidInput(f"{label} must not contain control characters")
    return value


def _shown(name: str) -> str:
    """A name as an error message quotes it: white space folded, cut short past 100 characters."""
    folded = " ".join(name.split())
    return folded if len(folded) <= 100 else folded[:100] + "..."


def _lookup_key(name: str) -> str | None:
    """The stored form of a name to look up, or None when nothing can be stored under it."""
    folded = " ".join(name.split())
    return folded if folded and not _CONTROL.search(folded) else None


# --- commands and pages ---------------------------------------------------------------------


class CatalogQuery(BaseModel):
    """Which catalog entries to list, a page at a time. `enabled` filters on the entry's flag
    (an author's `active`, a brand's `good_to_know`); None lists both. `limit=None` means all."""

    model_config = ConfigDict(frozen=True)

    search: str | None = Field(default=None, max_length=100)
    enabled: bool | None = None
    limit: int | None = Field(default=None, ge=1)
    offset: int = Field(default=0, ge=0)

    @field_validator("search")
    @classmethod
    def _search(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if _CONTROL.search(value):
            raise ValueError("must not contain control characters")
        return _shown(value) or None

    @classmethod
    def of(
        cls, *, search: str | None = None, enabled: bool | None = None, limit: int | None = None, offset: int = 0
    ) -> CatalogQuery:
        """A query from a person's input; anything unusable is InvalidInput saying why."""
        try:
            return cls(search=search, enabled=enabled, limit=limit, offset=offset)
        except ValidationError as exc:
            raise InvalidInput(_problems(exc)) from exc


class AuthorPage(BaseModel):
    """One page of allowed authors, by name, and how many match in all."""

    model_config = ConfigDict(frozen=True)

    items: list[AllowedAuthor]
    total: int
    limit: int | None
    offset: int


class BrandPage(BaseModel):
    """One page of brands, by name, and how many match in all."""

    model_config = ConfigDict(frozen=True)

    items: list[GoodToKnowBrand]
    total: int
    limit: int | None
    offset: int


def _window(items: list[T], query: CatalogQuery) -> list[T]:
    end = None if query.limit is None else query.offset + query.limit
    return items[query.offset : end]


# --- authors --------------------------------------------------------------------------------


def new_author(name: str, *, group: str = "", active: bool = True) -> AllowedAuthor:
    """An author from a person's input, the name cleaned first (so the 100-character limit counts
    the cleaned name); anything unusable is InvalidInput saying what to fix."""
    cleaned = _checked_name(name, "author")
    _check_text(group, "author group")
    try:
        return AllowedAuthor(name=cleaned, group=group, active=active)
    except ValidationError as exc:
        raise InvalidInput(_problems(exc, "author")) from exc


def add_author(author: AllowedAuthor, *, uow: UnitOfWork) -> AllowedAuthor:
    """Add an allowed author; a taken name raises AlreadyExists and changes nothing."""
    with uow:
        uow.authors.add(author)
        uow.commit()
    return author


def _author(uow: UnitOfWork, name: str) -> AllowedAuthor:
    key = _lookup_key(name)
    found = None if key is None else uow.authors.get(key)
    if found is None:
        raise NotFound(f"no allowed author named '{_shown(name)}'")
    return found


def get_author(name: str, *, uow: UnitOfWork) -> AllowedAuthor:
    """The author under `name` (white space folded); NotFound when there is none."""
    with uow:
        return _author(uow, name)


def list_authors(query: CatalogQuery, *, uow: UnitOfWork) -> AuthorPage:
    """Authors whose name contains `search` (ignoring case), filtered on `active`, by name."""
    with uow:
        found = uow.authors.list(active_only=query.enabled is True, search=query.search)
    if query.enabled is False:
        found = [a for a in found if not a.active]
    return AuthorPage(items=_window(found, query), total=len(found), limit=query.limit, offset=query.offset)


def update_author(name: str, *, uow: UnitOfWork, active: bool | None = None, group: str | None = None) -> AllowedAuthor:
    """Change an author's `active` flag and/or group; None leaves a field as it is. NotFound when
    there is no such author. Disabling keeps the author: their posts leave eligibility on the next run."""
    with uow:
        current = _author(uow, name)
        updated = new_author(
            current.name,
            group=current.group if group is None else group,
            active=current.active if active is None else active,
        )
        if updated != current:
            uow.authors.save(updated)
            uow.commit()
    return updated


def set_author_active(name: str, active: bool, *, uow: UnitOfWork) -> AllowedAuthor:
    """Enable or disable an author; their posts leave or re-enter eligibility on the next run."""
    return update_author(name, active=active, uow=uow)


# --- brands ---------------------------------------------------------------------------------


def new_brand(name: str, *, description: str = "", good_to_know: bool = True) -> GoodToKnowBrand:
    """A brand from a person's input, the name cleaned first; anything unusable is InvalidInput."""
    cleaned = _checked_name(name, "brand")
    _check_text(description, "brand description")
    try:
        return GoodToKnowBrand(name=cleaned, description=description, good_to_know=good_to_know)
    except ValidationError as exc:
        raise InvalidInput(_problems(exc, "brand")) from exc


def add_brand(brand: GoodToKnowBrand, *, uow: UnitOfWork) -> GoodToKnowBrand:
    """Add a good-to-know brand; a taken name raises AlreadyExists and changes nothing."""
    with uow:
        uow.brands.add(brand)
        uow.commit()
    return brand


def _brand(uow: UnitOfWork, name: str) -> GoodToKnowBrand:
    key = _lookup_key(name)
    found = None if key is None else uow.brands.get(key)
    if found is None:
        raise NotFound(f"no brand named '{_shown(name)}'")
    return found


def get_brand(name: str, *, uow: UnitOfWork) -> GoodToKnowBrand:
    """The brand under `name` (white space folded); NotFound when there is none."""
    with uow:
        return _brand(uow, name)


def list_brands(query: CatalogQuery, *, uow: UnitOfWork) -> BrandPage:
    """Brands whose name contains `search` (ignoring case), filtered on `good_to_know`, by name."""
    with uow:
        found = uow.brands.list(good_to_know_only=query.enabled is True, search=query.search)
    if query.enabled is False:
        found = [b for b in found if not b.good_to_know]
    return BrandPage(items=_window(found, query), total=len(found), limit=query.limit, offset=query.offset)


def update_brand(
    name: str, *, uow: UnitOfWork, good_to_know: bool | None = None, description: str | None = None
) -> GoodToKnowBrand:
    """Change a brand's `good_to_know` flag and/or description; None leaves a field as it is.
    NotFound when there is no such brand. A brand that is not good to know is no longer tagged."""
    with uow:
        current = _brand(uow, name)
        updated = new_brand(
            current.name,
            description=current.description if description is None else description,
            good_to_know=current.good_to_know if good_to_know is None else good_to_know,
        )
        if updated != current:
            uow.brands.save(updated)
            uow.commit()
    return updated


def sync_catalog(
    authors: Iterable[AllowedAuthor], brands: Iterable[GoodToKnowBrand], *, uow: UnitOfWork
) -> tuple[int, int]:
    """Insert or update authors and brands by name (for seeding); returns how many of each."""
    author_list, brand_list = list(authors), list(brands)
    with uow:
        for author in author_list:
            uow.authors.save(author)
        for brand in brand_list:
            uow.brands.save(brand)
        uow.commit()
    return len(author_list), len(brand_list)
