"""Snapshot pages written as records (`articles.json`): rendered on demand into pages the real
parser reads like saved ones, a saved page wins over a record of the same id, and a malformed
records file is refused naming the file and the field."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from changple_adapters.naver.page_records import RECORDS_FILE
from changple_adapters.naver.snapshot import SnapshotCafeSource
from changple_domain.errors import InvalidSetting
from changple_domain.model.posts import KST
from changple_domain.model.providers import ScrapeOutcome

RECORDS: dict[str, Any] = {
    "club_id": 7,
    "boards": {"4": "세무·노무 <Tip>"},
    "articles": [
        {
            "id": 12,
            "board_id": 4,
            "title": '부가세 "예정" 신고 & 확정 신고',
            "author": "세무사정원",
            "published": "2026-07-25T18:05",
            "blocks": [
                {"text": ["첫 문단입니다.", "둘째 문단 · 가운뎃점과 'quote'."]},
                {"image": "https://cafeptthumb-phinf.pstatic.net/a.jpg?type=w800&x=1"},
                {"text": ["마지막 문단."]},
            ],
        },
        {"id": 15, "notice": "카페 멤버만 볼 수 있습니다"},
    ],
}


def _snapshot(tmp_path: Path, records: object = RECORDS) -> Path:
    (tmp_path / RECORDS_FILE).write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return tmp_path


def test_a_record_is_rendered_into_a_page_the_parser_reads(tmp_path: Path) -> None:
    source = SnapshotCafeSource(_snapshot(tmp_path), cafe_url="https://cafe.naver.com/x")
    assert source.article_ids() == [12, 15]
    post = source.fetch(12).post
    assert post is not None
    assert (post.title, post.author, post.board, post.board_id) == (
        '부가세 "예정" 신고 & 확정 신고',
        "세무사정원",
        "세무·노무 <Tip>",
        4,
    )
    assert post.published_at == datetime(2026, 7, 25, 18, 5, tzinfo=KST)
    assert post.content == "첫 문단입니다.\n\n둘째 문단 · 가운뎃점과 'quote'.\n\n마지막 문단."
    assert post.image_urls == ("https://cafeptthumb-phinf.pstatic.net/a.jpg?type=w800&x=1",)
    assert post.url == "https://cafe.naver.com/x/12"
    notice = source.fetch(15)
    assert notice.outcome is ScrapeOutcome.MEMBERS_ONLY
    assert notice.reason == "Naver says: 카페 멤버만 볼 수 있습니다"
    assert source.fetch(13).outcome is ScrapeOutcome.DELETED


def test_a_saved_page_wins_over_a_record_of_the_same_id(tmp_path: Path) -> None:
    directory = _snapshot(tmp_path)
    assert SnapshotCafeSource(directory).fetch(12).outcome is ScrapeOutcome.SAVED
    deleted = '<html><body><div class="error_content"><h2 class="tit">게시글이 삭제되었습니다</h2></div>'
    (directory / "12.html").write_text(deleted, encoding="utf-8")
    (directory / "20.html").write_text(deleted, encoding="utf-8")
    source = SnapshotCafeSource(directory)
    assert source.article_ids() == [12, 15, 20]
    result = source.fetch(12)
    assert result.outcome is ScrapeOutcome.DELETED  # the saved page was read, not the record
    assert result.reason == "Naver says: 게시글이 삭제되었습니다"


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"club_id": "x"}, "club_id"),
        (
            {
                "articles": [
                    {
                        "id": 1,
                        "board_id": 9,
                        "title": "t",
                        "author": "a",
                        "published": "2026-01-01T00:00",
                        "blocks": [{"text": ["p"]}],
                    }
                ]
            },
            "board ids [9]",
        ),
        ({"articles": [{"id": 1, "notice": "n"}, {"id": 1, "notice": "n"}]}, "article ids [1]"),
        (
            {
                "articles": [
                    {"id": 1, "board_id": 4, "title": "t", "author": "a", "published": "2026-01-01T00:00", "blocks": []}
                ]
            },
            "blocks",
        ),
    ],
)
def test_a_malformed_records_file_is_refused_naming_what_to_fix(
    tmp_path: Path, change: dict[str, Any], named: str
) -> None:
    directory = _snapshot(tmp_path, {**RECORDS, **change})
    with pytest.raises(InvalidSetting) as raised:
        SnapshotCafeSource(directory)
    assert str(directory / RECORDS_FILE) in str(raised.value)
    assert named in str(raised.value)


def test_a_records_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    (tmp_path / RECORDS_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(InvalidSetting, match="not valid article records"):
        SnapshotCafeSource(tmp_path)
