"""SnapshotCafeSource over the fixture cafe written as a snapshot directory: the same outcomes and
posts as the live pages, saved API answers read the same way, and gaps reported as deleted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from changple_adapters.naver.snapshot import SnapshotCafeSource
from changple_domain.errors import InvalidSetting
from changple_domain.model.providers import ScrapeOutcome
from changple_domain.ports import CafeSource
from tests.fixtures.naver_cafe import pages
from tests.fixtures.naver_cafe.corpus import NOTICES, SCRAPED_AT, all_ids, article, board_name, expected_outcome
from tests.fixtures.naver_cafe.snapshot import write_snapshot

pytest_plugins = ["tests.fixtures.naver_cafe.pytest_plugin"]

CAFE_URL = "https://cafe.naver.com/changple"


@pytest.fixture
def source(naver_snapshot: Path) -> SnapshotCafeSource:
    return SnapshotCafeSource(naver_snapshot, cafe_url=CAFE_URL, scraped_at=SCRAPED_AT)


def test_it_is_a_cafe_source(source: SnapshotCafeSource) -> None:
    assert isinstance(source, CafeSource)


@pytest.mark.parametrize("article_id", [*all_ids(), 999, 2000])
def test_every_id_gets_the_outcome_the_corpus_expects(source: SnapshotCafeSource, article_id: int) -> None:
    result = source.fetch(article_id)
    assert result.outcome is expected_outcome(article_id, via="snapshot"), result.reason
    found = article(article_id)
    if found is not None:
        post = result.post
        assert post is not None
        assert (post.title, post.author, post.board, post.board_id) == (
            found.title,
            found.author,
            board_name(found),
            found.board_id,
        )
        assert (post.content, post.image_urls, post.published_at) == (
            found.content,
            found.image_urls,
            found.published_at,
        )
        assert post.url == f"{CAFE_URL}/{article_id}"
        assert post.scraped_at == SCRAPED_AT


def test_gaps_say_why_they_count_as_deleted(source: SnapshotCafeSource) -> None:
    gap = next(i for i, n in NOTICES.items() if n.kind == "gap")
    result = source.fetch(gap)
    assert result.outcome is ScrapeOutcome.DELETED
    assert result.reason == f"no {gap}.html or {gap}.json in the snapshot"


def test_saved_api_answers_give_the_same_posts_as_saved_pages(tmp_path: Path, source: SnapshotCafeSource) -> None:
    written = write_snapshot(tmp_path, api_json=True)
    assert any(p.suffix == ".json" for p in written)
    from_json = SnapshotCafeSource(tmp_path, cafe_url=CAFE_URL, scraped_at=SCRAPED_AT)
    for article_id in (1001, 1004, 1006, 1030):
        assert (tmp_path / f"{article_id}.json").is_file()
        assert from_json.fetch(article_id) == source.fetch(article_id)


def test_a_saved_status_travels_with_the_answer(tmp_path: Path) -> None:
    (tmp_path / "5.json").write_text(json.dumps({"status": 401, "body": {"result": {}}}), encoding="utf-8")
    (tmp_path / "6.json").write_text("{not json", encoding="utf-8")
    source = SnapshotCafeSource(tmp_path)
    assert source.fetch(5).outcome is ScrapeOutcome.LOGIN_REQUIRED
    broken = source.fetch(6)
    assert broken.outcome is ScrapeOutcome.ERROR
    assert "6.json is not JSON" in (broken.reason or "")


def test_json_wins_over_html_for_the_same_id(tmp_path: Path) -> None:
    found = article(1003)
    assert found is not None
    (tmp_path / "1003.html").write_text(pages.error_page("삭제된 게시글입니다"), encoding="utf-8")
    (tmp_path / "1003.json").write_text(json.dumps(pages.api_article(found)), encoding="utf-8")
    assert SnapshotCafeSource(tmp_path).fetch(1003).outcome is ScrapeOutcome.SAVED


def test_the_highest_id_is_the_last_saved_document(tmp_path: Path) -> None:
    written = write_snapshot(tmp_path / "cafe")
    source = SnapshotCafeSource(tmp_path / "cafe")
    assert source.article_ids() == sorted(int(p.stem) for p in written)
    assert source.highest_article_id() == max(all_ids()) == 1054
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("not an article", encoding="utf-8")
    (other / "0.html").write_text("zero is not an id", encoding="utf-8")
    assert SnapshotCafeSource(other).highest_article_id() is None


def test_a_missing_directory_is_a_setting_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidSetting, match="does not exist"):
        SnapshotCafeSource(tmp_path / "nowhere")
