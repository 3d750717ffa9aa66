"""The catalog operators keep: the people whose posts we ingest, and the brands worth pointing out.

Both are one shape, a `CatalogEntry`: a unique name, a detail and an on/off flag, each kind naming
the detail and the flag in its own words. A detail is free text (a brand's description) or one of a
kind's `detail_choices` (an author's group, an `AuthorGroup`). A third kind is one more subclass here, one
more `CatalogKind` and `DETAIL_RULES` entry (`choices.py`) and one more table."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from changple_domain.model.choices import DETAIL_RULES
from changple_domain.model.choices import AuthorGroup as AuthorGroup
from changple_domain.model.choices import CatalogKind as CatalogKind


def clean_name(value: str) -> str:
    """Names compare after folding runs of white space; an empty name is an error."""
    name = " ".join(value.split())
    if not name:
        raise ValueError("name must not be empty")
    return name


class CatalogEntry(BaseModel):
    """A named entry that is switched off rather than erased, because posts refer to it by name."""

    model_config = ConfigDict(frozen=True)

    kind: ClassVar[CatalogKind]
    noun: ClassVar[str]  # how input errors name one ("author")
    title: ClassVar[str]  # how lookups and conflicts name one ("allowed author")
    detail_field: ClassVar[str]  # the detail's field
    enabled_field: ClassVar[str]  # the on/off field
    detail_choices: ClassVar[tuple[str, ...]] = ()  # the detail's only values; () for free text

    name: str = Field(max_length=100)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return clean_name(value)

    @property
    def detail(self) -> str:
        return str(getattr(self, self.detail_field))

    @property
    def enabled(self) -> bool:
        return bool(getattr(self, self.enabled_field))

    @classmethod
    def detail_type(cls) -> Any:
        """The detail's type: `str`, or the enum of its choices."""
        return cls.model_fields[cls.detail_field].annotation

    @classmethod
    def default_detail(cls) -> str:
        """The detail an entry gets when none is given."""
        return str(cls.model_fields[cls.detail_field].default)


class AllowedAuthor(CatalogEntry):
    """A cafe nickname whose posts may enter the index while `active`, in one of the community's groups."""

    kind = CatalogKind.AUTHORS
    noun = "author"
    title = "allowed author"
    detail_field = "group"
    enabled_field = "active"
    detail_choices = DETAIL_RULES[CatalogKind.AUTHORS].choices

    group: AuthorGroup = AuthorGroup(DETAIL_RULES[CatalogKind.AUTHORS].default)
    active: bool = True


class GoodToKnowBrand(CatalogEntry):
    """A franchise brand the community talks about; posts naming it carry it as metadata."""

    kind = CatalogKind.BRANDS
    noun = "brand"
    title = "brand"
    detail_field = "description"
    enabled_field = "good_to_know"

    description: str = DETAIL_RULES[CatalogKind.BRANDS].default
    good_to_know: bool = True


ENTRY_TYPES: dict[CatalogKind, type[CatalogEntry]] = {entry.kind: entry for entry in (AllowedAuthor, GoodToKnowBrand)}
