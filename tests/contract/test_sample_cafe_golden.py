"""The bundled sample cafe, parsed by the real parser, gives exactly what it gave when its pages were
hand-written files: every article id, outcome, reason and post field is pinned in a golden file
(tests/fixtures/sample_cafe/parsed.json, written from those pages; a refactoring must not touch it,
only a deliberate change to the sample's posts, saying why). Both ways the sample is read are checked:
`load_sample()` and a scan of the bundled directory as a snapshot (`changple scrape --snapshot`, the demo's
default cafe)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from changple_adapters.naver.sample import bundled_sample_dir, load_sample
from changple_adapters.naver.snapshot import SnapshotCafeSource
from changple_domain.model.providers import ScrapedArticle

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "sample_cafe" / "parsed.json"
SCRAPED_AT = datetime(2026, 10, 1, 0, 0, tzinfo=UTC)


def _parsed(articles: list[ScrapedArticle]) -> list[dict[str, Any]]:
    return [article.model_dump(mode="json") for article in articles]


def _golden() -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return loaded


def test_the_bundled_directory_scanned_as_a_snapshot_parses_to_the_golden_file() -> None:
    sample = load_sample()
    source = SnapshotCafeSource(bundled_sample_dir(), cafe_url=sample.url, scraped_at=SCRAPED_AT)
    parsed = _parsed([source.fetch(article_id) for article_id in source.article_ids()])
    golden = _golden()
    assert [a["article_id"] for a in parsed] == [a["article_id"] for a in golden]
    for got, want in zip(parsed, golden, strict=True):
        assert got == want, f"article {want['article_id']} parses differently"


def test_load_sample_gives_the_same_articles_as_the_golden_file() -> None:
    articles = load_sample().articles
    golden = _golden()
    assert len(articles) == len(golden)
    for article, want in zip(articles, golden, strict=True):
        got = article.model_dump(mode="json")
        if article.post is not None:
            assert article.post.scraped_at is not None  # read "now": the only field the golden pins differently
            got["post"]["scraped_at"] = want["post"]["scraped_at"]
        assert got == want, f"article {want['article_id']} parses differently"


def test_the_golden_file_covers_every_kind_of_sample_page() -> None:
    golden = _golden()
    outcomes = {a["outcome"] for a in golden}
    assert outcomes == {"saved", "deleted", "members_only"}
    assert sum(1 for a in golden if a["outcome"] == "saved") >= 40
    image_counts = {len(a["post"]["image_urls"]) for a in golden if a["outcome"] == "saved"}
    assert {0, 1, 2, 3} <= image_counts  # posts with no image, one, and several
