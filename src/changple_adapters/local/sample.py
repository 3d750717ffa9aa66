"""The bundled sample cafe: realistic Korean posts written for this project, so the demo runs on
a fresh machine with no Naver session. `SampleCafeSource` serves it through the CafeSource port."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from changple_domain.errors import InvalidInput
from changple_domain.model.authors import AllowedAuthor, GoodToKnowBrand
from changple_domain.model.posts import CafePost
from changple_domain.model.providers import ScrapedArticle, ScrapeOutcome
from changple_domain.ports import CafeSource


@dataclass(frozen=True)
class CafeSample:
    club_id: int
    name: str
    url: str
    authors: tuple[AllowedAuthor, ...]
    brands: tuple[GoodToKnowBrand, ...]
    articles: tuple[ScrapedArticle, ...]


def _article(raw: dict[str, Any]) -> ScrapedArticle:
    outcome = ScrapeOutcome(raw["outcome"])
    post = None
    if outcome is ScrapeOutcome.SAVED:
        post = CafePost.model_validate({k: v for k, v in raw.items() if k not in ("outcome", "reason")})
    return ScrapedArticle(article_id=raw["article_id"], outcome=outcome, post=post, reason=raw.get("reason"))


def load_sample(path: Path | None = None) -> CafeSample:
    """Read a sample cafe file (the bundled one by default); a malformed file is InvalidInput."""
    try:
        if path is None:
            text = resources.files(__package__).joinpath("sample_cafe.json").read_text(encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        raw = json.loads(text)
        return CafeSample(
            club_id=int(raw["cafe"]["club_id"]),
            name=raw["cafe"]["name"],
            url=raw["cafe"]["url"],
            authors=tuple(AllowedAuthor.model_validate(a) for a in raw["authors"]),
            brands=tuple(GoodToKnowBrand.model_validate(b) for b in raw["brands"]),
            articles=tuple(_article(a) for a in raw["articles"]),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"cannot read the sample cafe {path or 'bundled'}: {exc}") from exc


class SampleCafeSource(CafeSource):
    """Answers from the sample; an id the sample lacks looks like a deleted article, as on Naver."""

    def __init__(self, sample: CafeSample) -> None:
        self._by_id: dict[int, ScrapedArticle] = {}
        for article in sample.articles:  # a later sighting of an id wins, like a re-scrape
            self._by_id[article.article_id] = article

    def fetch(self, article_id: int) -> ScrapedArticle:
        found = self._by_id.get(article_id)
        if found is not None:
            return found
        return ScrapedArticle(
            article_id=article_id, outcome=ScrapeOutcome.DELETED, reason="no article with this id in the sample"
        )
