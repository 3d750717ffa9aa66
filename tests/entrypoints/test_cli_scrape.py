"""`changple scrape` as an operator runs it: a real process over a snapshot of the fixture cafe."""

from __future__ import annotations

import json
from pathlib import Path

from tests.entrypoints.test_cli import run_cli
from tests.fixtures.naver_cafe.corpus import ARTICLES, LOGIN_ID, all_ids
from tests.fixtures.naver_cafe.snapshot import write_snapshot

QUICK = {"CHANGPLE_SCAN_DELAY_MIN_SECONDS": "0", "CHANGPLE_SCAN_DELAY_MAX_SECONDS": "0"}
FIELDS = {
    "article_id",
    "outcome",
    "phase",
    "title",
    "author",
    "board",
    "published_at",
    "content_length",
    "image_count",
    "reason",
}


def test_scrape_a_snapshot_as_json_lines_then_resume(tmp_path: Path) -> None:
    snapshot = tmp_path / "cafe"
    write_snapshot(snapshot, ids=[i for i in all_ids() if i != LOGIN_ID])
    data = str(tmp_path / "data")
    author = ARTICLES[0].author
    assert run_cli("authors", "add", author, "--data-dir", data).returncode == 0
    first_id = min(a.article_id for a in ARTICLES)

    done = run_cli(
        "scrape", "--snapshot", str(snapshot), "--from-id", str(first_id), "--json", "--data-dir", data, env=QUICK
    )

    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    *events, summary = lines
    assert all(set(e) == FIELDS for e in events)
    by_id = {e["article_id"]: e for e in events}
    mine = [a for a in ARTICLES if a.author == author]
    assert mine
    for article in mine:
        event = by_id[article.article_id]
        assert (event["outcome"], event["title"]) == ("saved", article.title)
        assert event["published_at"].endswith("+09:00")
    others = [a for a in ARTICLES if a.author != author]
    assert {by_id[a.article_id]["outcome"] for a in others} == {"skipped"}
    assert summary["summary"]["new"] == len(mine)
    assert summary["summary"]["skipped"] == len(others)
    assert summary["summary"]["warnings"] == []

    again = run_cli("scrape", "--snapshot", str(snapshot), "--json", "--no-refresh", "--data-dir", data, env=QUICK)
    assert again.returncode == 0, again.stderr
    refetched = {json.loads(line).get("article_id") for line in again.stdout.splitlines()[:-1]}
    assert not refetched & {a.article_id for a in mine}  # saved posts are not fetched again


def test_scrape_with_an_empty_catalog_warns_that_every_post_is_skipped(tmp_path: Path) -> None:
    snapshot = tmp_path / "cafe"
    write_snapshot(snapshot, ids=[a.article_id for a in ARTICLES[:3]])
    first_id = min(a.article_id for a in ARTICLES[:3])

    result = run_cli(
        "scrape", "--snapshot", str(snapshot), "--from-id", str(first_id), "--data-dir", str(tmp_path / "d"), env=QUICK
    )

    assert result.returncode == 0, result.stderr
    said = " ".join(result.stderr.split())
    assert "warning: no allowed author is active, so every new post is skipped" in said
    assert "--rescan-skipped" in said


def test_scrape_refuses_a_missing_snapshot_directory(tmp_path: Path) -> None:
    result = run_cli("scrape", "--snapshot", str(tmp_path / "nope"), "--data-dir", str(tmp_path / "data"))
    assert result.returncode == 2
    assert "is not a directory of saved pages" in " ".join(result.stderr.split())


def test_a_login_page_stops_the_scrape_with_exit_5_and_keeps_what_came_before(tmp_path: Path) -> None:
    snapshot = tmp_path / "cafe"
    write_snapshot(snapshot)
    data = str(tmp_path / "data")
    first_id = min(a.article_id for a in ARTICLES)

    result = run_cli("scrape", "--snapshot", str(snapshot), "--from-id", str(first_id), "--data-dir", data, env=QUICK)

    assert result.returncode == 5
    assert "answered article 1050 with a login page" in " ".join(result.stderr.split())
    status = run_cli("pipeline", "status", "--json", env={"CHANGPLE_DATA_DIR": data})
    scans = json.loads(status.stdout)["recent_scans"]
    assert scans[0]["state"] == "failed"
    assert scans[0]["counts"]["fetched"] >= LOGIN_ID - first_id


def _summary(stdout: str) -> dict[str, object]:
    summary: dict[str, object] = json.loads(stdout.strip().splitlines()[-1])["summary"]
    return {k: v for k, v in summary.items() if k not in ("scan_id", "dry_run")}


def test_a_dry_run_reports_what_the_real_scrape_then_does(tmp_path: Path) -> None:
    import shutil

    from changple_adapters.naver.sample import bundled_sample_dir

    first = tmp_path / "first"
    assert run_cli("demo", "--json", "--data-dir", str(first)).returncode == 0
    second = tmp_path / "second"
    shutil.copytree(first, second)
    scrape = ("scrape", "--snapshot", str(bundled_sample_dir()), "--from-id", "1001", "--max", "3", "--json")
    dry = run_cli(*scrape, "--dry-run", "--data-dir", str(first))
    real = run_cli(*scrape, "--data-dir", str(second))
    assert dry.returncode == real.returncode == 0, dry.stderr + real.stderr
    assert _summary(dry.stdout) == _summary(real.stdout)
    assert _summary(real.stdout)["new"] == 0
    assert "new ids" not in str(_summary(real.stdout)["stopped_because"])  # none of the 3 was new
