"""Allowed authors and good-to-know brands: the lists operators keep, one set of use cases for
every kind of catalog entry (the entry's class is the kind).

Entries are never erased, because posts refer to them by name: an author is disabled (their posts
leave the index on the next run) and a brand stops being good to know (it is no longer tagged)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Generic, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from changple_domain.errors import InvalidInput, NotFound
from changple_domain.model.authors import CatalogEntry, CatalogKind, clean_name
from changple_domain.ports import CatalogRepository, UnitOfWork

E = TypeVar("E", bound=CatalogEntry)

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
    (an author's `active`, a brand's `good_to_know`); None lists both. `detail` keeps the entries
    whose detail is exactly this (an author's group); None lists every one. `limit=None` means all."""

    model_config = ConfigDict(frozen=True)

    search: str | None = Field(default=None, max_length=100)
    enabled: bool | None = None
    detail: str | None = None
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
        cls,
        *,
        search: str | None = None,
        enabled: bool | None = None,
        detail: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> CatalogQuery:
        """A query from a person's input; anything unusable is InvalidInput saying why."""
        try:
            return cls(search=search, enabled=enabled, detail=detail, limit=limit, offset=offset)
        except ValidationError as exc:
            raise InvalidInput(_problems(exc)) from exc


class CatalogPage(BaseModel, Generic[E]):
    """One page of entries, by name, and how many match in all."""

    model_config = ConfigDict(frozen=True)

    items: list[E]
    total: int
    limit: int | None
    offset: int


def _window(items: list[E], query: CatalogQuery) -> list[E]:
    end = None if query.limit is None else query.offset + query.limit
    return items[query.offset : end]


def _entries(uow: UnitOfWork, entry_type: type[E]) -> CatalogRepository[E]:
    """The repository holding `entry_type`'s kind; the unit of work names each after its kind."""
    repositories: dict[CatalogKind, object] = {CatalogKind.AUTHORS: uow.authors, CatalogKind.BRANDS: uow.brands}
    return cast(CatalogRepository[E], repositories[entry_type.kind])


def check_detail(entry_type: type[CatalogEntry], detail: str) -> str:
    """`detail` when the kind takes it: free text without control characters, or one of the kind's
    `detail_choices` (InvalidInput listing them otherwise)."""
    label = f"{entry_type.noun} {entry_type.detail_field}"
    choices = entry_type.detail_choices
    if choices and detail not in choices:
        raise InvalidInput(f"{label} must be one of {', '.join(choices)}, not '{_shown(detail)}'")
    return _check_text(detail, label)


# --- use cases ------------------------------------------------------------------------------


def new_entry(entry_type: type[E], name: str, *, detail: str | None = None, enabled: bool = True) -> E:
    """An entry from a person's input, the name cleaned first (so the 100-character limit counts
    the cleaned name); `detail=None` is the kind's default. Anything unusable is InvalidInput
    saying what to fix."""
    noun = entry_type.noun
    cleaned = _checked_name(name, noun)
    given = entry_type.default_detail() if detail is None else check_detail(entry_type, detail)
    fields = {"name": cleaned, entry_type.detail_field: given, entry_type.enabled_field: enabled}
    try:
        return entry_type.model_validate(fields)
    except ValidationError as exc:
        raise InvalidInput(_problems(exc, noun)) from exc


def add_entry(entry: E, *, uow: UnitOfWork) -> E:
    """Add an entry; a taken name raises AlreadyExists and changes nothing."""
    with uow:
        _entries(uow, type(entry)).add(entry)
        uow.commit()
    return entry


def create_entry(
    entry_type: type[E], name: str, *, uow: UnitOfWork, detail: str | None = None, enabled: bool = True
) -> E:
    """Add an entry from a person's input: `new_entry`, then `add_entry`."""
    return add_entry(new_entry(entry_type, name, detail=detail, enabled=enabled), uow=uow)


def _found(uow: UnitOfWork, entry_type: type[E], name: str) -> E:
    key = _lookup_key(name)
    found = None if key is None else _entries(uow, entry_type).get(key)
    if found is None:
        raise NotFound(f"no {entry_type.title} named '{_shown(name)}'")
    return found


def get_entry(entry_type: type[E], name: str, *, uow: UnitOfWork) -> E:
    """The entry under `name` (white space folded); NotFound when there is none."""
    with uow:
        return _found(uow, entry_type, name)


def list_entries(entry_type: type[E], query: CatalogQuery, *, uow: UnitOfWork) -> CatalogPage[E]:
    """Entries whose name contains `search` (ignoring case), filtered on their flag and their detail,
    by name. A detail the kind cannot hold is InvalidInput listing the ones it can."""
    detail = None if query.detail is None else check_detail(entry_type, query.detail)
    with uow:
        found = _entries(uow, entry_type).list(enabled_only=query.enabled is True, search=query.search, detail=detail)
    if query.enabled is False:
        found = [entry for entry in found if not entry.enabled]
    return CatalogPage[E](items=_window(found, query), total=len(found), limit=query.limit, offset=query.offset)


def update_entry(
    entry_type: type[E], name: str, *, uow: UnitOfWork, enabled: bool | None = None, detail: str | None = None
) -> E:
    """Switch an entry on or off and/or change its detail; None leaves a field as it is, and giving
    neither is InvalidInput. NotFound when there is no such entry. Switching off keeps the entry:
    a disabled author's posts leave the index on the next run, a brand that is not good to know is
    no longer tagged."""
    if enabled is None and detail is None:
        raise InvalidInput(f"nothing to change: give `{entry_type.enabled_field}` and/or `{entry_type.detail_field}`")
    with uow:
        current = _found(uow, entry_type, name)
        updated = new_entry(
            entry_type,
            current.name,
            detail=current.detail if detail is None else detail,
            enabled=current.enabled if enabled is None else enabled,
        )
        if updated != current:
            _entries(uow, entry_type).save(updated)
            uow.commit()
    return updated


def sync_catalog(*kinds: Iterable[CatalogEntry], uow: UnitOfWork) -> tuple[int, ...]:
    """Insert or update entries by name (for seeding), one iterable per kind (authors, then brands);
    returns how many of each."""
    groups = [list(entries) for entries in kinds]
    with uow:
        for entry in (entry for group in groups for entry in group):
            _entries(uow, type(entry)).save(entry)
        uow.commit()
    return tuple(len(group) for group in groups)
