"""The people whose posts we ingest, and the brands worth pointing out."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


def clean_name(value: str) -> str:
    """Names compare after folding runs of white space; an empty name is an error."""
    name = " ".join(value.split())
    if not name:
        raise ValueError("name must not be empty")
    return name


class AllowedAuthor(BaseModel):
    """A cafe nickname whose posts may enter the index while `active`."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(max_length=100)
    group: str = Field(default="", max_length=100)
    active: bool = True

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return clean_name(value)


class GoodToKnowBrand(BaseModel):
    """A franchise brand the community talks about; posts naming it carry it as metadata."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(max_length=100)
    description: str = ""
    good_to_know: bool = True

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return clean_name(value)
