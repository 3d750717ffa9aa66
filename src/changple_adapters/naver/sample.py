"""The bundled sample cafe: realistic Korean posts written for this project, saved the way a
browser sees Naver's article pages, so the demo scrapes a cafe on a fresh machine with no Naver
session and no browser.

The directory is a snapshot read by `SnapshotCafeSource`: `articles.json`, the posts as records
that are rendered into Naver's article pages on demand (`page_records`), plus `cafe.json`, which
names the cafe and holds its catalog: the allowed authors and the good-to-know brands. A sample
of one's own may instead (or also) hold saved pages, `<article_id>.html`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path

from changple_adapters.naver.snapshot import SnapshotCafeSource
from changple_domain.errors import InvalidInput
from changple_domain.model.authors import AllowedAuthor, GoodToKnowBrand
from changple_domain.model.providers import ScrapedArticle

CATALOG_FILE = "cafe.json"


def bundled_sample_dir() -> Path:
    """Where the package keeps the sample cafe (a real directory: wheels install unzipped)."""
    return Path(str(resources.files(__package__) / "sample_cafe"))


@dataclass(frozen=True)
class CafeSample:
    club_id: int
    name: str
    url: str
    directory: Path
    authors: tuple[AllowedAuthor, ...]
    brands: tuple[GoodToKnowBrand, ...]

    def source(self) -> SnapshotCafeSource:
        """The saved pages as a cafe to scan; post URLs use the sample cafe's URL."""
        return SnapshotCafeSource(self.directory, cafe_url=self.url)

    def article_ids(self) -> list[int]:
        return self.source().article_ids()

    @cached_property
    def articles(self) -> tuple[ScrapedArticle, ...]:
        """Every saved page parsed, in id order (seed data for tests; the demo scans instead)."""
        source = self.source()
        return tuple(source.fetch(article_id) for article_id in source.article_ids())


def load_sample(directory: Path | None = None) -> CafeSample:
    """Read a sample cafe directory (the bundled one by default). A missing directory, or a
    missing or malformed `cafe.json`, is InvalidInput naming what to fix."""
    where = directory or bundled_sample_dir()
    catalog = where / CATALOG_FILE
    try:
        if not where.is_dir():
            raise ValueError(
                "it is not a directory of saved pages (<article_id>.html) or article records (articles.json)"
                " with a cafe.json"
            )
        raw = json.loads(catalog.read_text(encoding="utf-8"))
        return CafeSample(
            club_id=int(raw["cafe"]["club_id"]),
            name=raw["cafe"]["name"],
            url=raw["cafe"]["url"],
            directory=where,
            authors=tuple(AllowedAuthor.model_validate(a) for a in raw["authors"]),
            brands=tuple(GoodToKnowBrand.model_validate(b) for b in raw["brands"]),
        )
    except FileNotFoundError as exc:
        raise InvalidInput(f"cannot read the sample cafe {where}: {catalog.name} is missing ({exc.strerror})") from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"cannot read the sample cafe {where}: {exc}") from exc
