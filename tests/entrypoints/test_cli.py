"""The `changple` command as a user runs it: a real process, a fresh data directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CHANGPLE = [sys.executable, "-m", "changple_entrypoints"]


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CHANGPLE_")}
    full_env.update(env or {})
    return subprocess.run(
        [*CHANGPLE, *args], capture_output=True, text=True, env=full_env, cwd=cwd, timeout=120, check=False
    )


def test_demo_on_a_fresh_directory_then_again(tmp_path: Path) -> None:
    first = run_cli("demo", "--json", "--data-dir", str(tmp_path / "d"))
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert (tmp_path / "d" / "changple.db").exists()
    scan = report["scan"]
    assert scan["state"] == "succeeded"
    assert scan["new"] == report["posts"] >= 20
    assert scan["skipped"] >= 10  # posts by authors who are not allowed, or disabled, are never stored
    assert scan["members_only"] == 1
    assert scan["deleted"] == scan["gaps"] >= 2
    assert 0 < report["eligible"] < report["posts"]
    for reason in ("too_short", "duplicate_content"):
        assert report["reasons"].get(reason, 0) >= 1, reason
    not_stored = {entry["status"] for entry in report["not_stored"]}
    assert not_stored == {"deleted", "members_only", "skipped"}
    assert all(entry["reason"] for entry in report["not_stored"])
    reasons = " ".join(entry["reason"] for entry in report["not_stored"])
    assert "is not an allowed author" in reasons
    assert "is disabled" in reasons
    assert "삭제되었습니다" in reasons  # a deleted page keeps what Naver said
    assert all(v["message"] for v in report["verdicts"])

    second = run_cli("demo", "--json", "--data-dir", str(tmp_path / "d"))
    assert second.returncode == 0, second.stderr
    again = json.loads(second.stdout)
    assert again["scan"]["new"] == 0
    assert again["scan"]["changed"] == 0
    assert again["scan"]["unchanged"] == report["posts"]
    assert again["reasons"] == report["reasons"]
    assert again["pipeline"]["run"]["counts"]["jobs"] == 0  # nothing sent to a provider


def test_demo_prints_a_table_for_people(tmp_path: Path) -> None:
    result = run_cli("demo", "--data-dir", str(tmp_path / "d"), env={"COLUMNS": "160"})
    assert result.returncode == 0, result.stderr
    assert "what would be ingested" in result.stdout
    assert "stored posts would be ingested" in result.stdout


def test_bad_policy_setting_is_exit_2_naming_the_variable(tmp_path: Path) -> None:
    result = run_cli("demo", "--data-dir", str(tmp_path / "d"), env={"CHANGPLE_INGESTION_MIN_CONTENT_LENGTH": "-4"})
    assert result.returncode == 2
    assert "CHANGPLE_INGESTION_MIN_CONTENT_LENGTH" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "d").exists()


def test_broken_sample_cafe_is_exit_2_and_keeps_the_database(tmp_path: Path) -> None:
    data = tmp_path / "d"
    assert run_cli("demo", "--json", "--data-dir", str(data)).returncode == 0
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "cafe.json").write_text('{"cafe": {"club_id": 1}', encoding="utf-8")
    result = run_cli("demo", "--json", "--data-dir", str(data), "--sample", str(broken))
    assert result.returncode == 2
    assert "cannot read the sample cafe" in result.stderr
    missing = run_cli("demo", "--json", "--data-dir", str(data), "--sample", str(tmp_path / "nowhere"))
    assert missing.returncode == 2
    assert "not a directory of saved pages" in " ".join(missing.stderr.split())
    again = run_cli("demo", "--json", "--data-dir", str(data))
    assert json.loads(again.stdout)["scan"]["unchanged"] >= 20


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    result = run_cli("db", "upgrade", "--data-dir", str(tmp_path / "x"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "x" / "changple.db").exists()


def test_worker_without_redis_explains_embedded_mode(tmp_path: Path) -> None:
    result = run_cli("worker", "--data-dir", str(tmp_path / "x"))
    assert result.returncode == 2
    assert "CHANGPLE_REDIS_URL" in result.stderr


def test_demo_runs_the_pipeline_and_ends_with_a_search(tmp_path: Path) -> None:
    result = run_cli("demo", "--json", "--data-dir", str(tmp_path / "d"))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["providers"] == {"summarizer": "offline", "embedder": "offline"}
    run = report["pipeline"]["run"]
    assert run["state"] == "succeeded"
    assert run["counts"]["indexed"] == report["eligible"]
    assert report["pipeline"]["failed"] == []
    searches = report["search"]
    contract_hits = searches["가맹계약서에서 꼭 확인해야 할 것"]
    assert contract_hits, "the search found nothing"
    assert "가맹계약서" in contract_hits[0]["title"]
    eligible_ids = {v["article_id"] for v in report["verdicts"] if v["eligible"]}
    for hits in searches.values():
        assert {h["article_id"] for h in hits} <= eligible_ids

    again = run_cli("pipeline", "run", "--json", env={"CHANGPLE_DATA_DIR": str(tmp_path / "d")})
    assert again.returncode == 0, again.stderr
    rerun = json.loads(again.stdout)
    assert rerun["run"]["counts"]["jobs"] == 0, "an unchanged store must cost nothing"


def test_demo_with_a_missing_or_empty_sample_leaves_nothing_behind(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "cafe.json").write_text('{"cafe": {"club_id": 1, "name": "x"}}', encoding="utf-8")
    for sample in (tmp_path / "nowhere", empty):
        data = tmp_path / f"data-for-{sample.name}"
        result = run_cli("demo", "--data-dir", str(data), "--sample", str(sample))
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        assert not data.exists(), sorted(p.name for p in data.rglob("*"))


def test_pipeline_run_prints_a_sentence_not_a_dict(tmp_path: Path) -> None:
    data = tmp_path / "d"
    assert run_cli("demo", "--json", "--data-dir", str(data)).returncode == 0
    result = run_cli("pipeline", "run", "--data-dir", str(data), env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    assert "{" not in result.stdout
    assert "needs_summary" not in result.stdout
    assert "indexed" in result.stdout


def test_demo_rerun_says_nothing_was_sent(tmp_path: Path) -> None:
    data = tmp_path / "d"
    first = run_cli("demo", "--data-dir", str(data), env={"COLUMNS": "200"})
    assert first.returncode == 0, first.stderr
    assert "already indexed" not in first.stdout
    again = run_cli("demo", "--data-dir", str(data), env={"COLUMNS": "200"})
    assert again.returncode == 0, again.stderr
    assert "posts already indexed, nothing sent, $0" in " ".join(again.stdout.split())


def test_counts_read_in_the_singular_and_the_plural() -> None:
    from changple_entrypoints.cli_support import plural

    assert plural(1, "service token") == "1 service token"
    assert [plural(n, "post") for n in (0, 2)] == ["0 posts", "2 posts"]


def test_the_demo_reads_in_order_at_80_columns_in_a_pipe(tmp_path: Path) -> None:
    """Piped into a file at 80 columns: the verdicts come before the run's progress line, and each
    reason is one line under the table, not a word a line folded into a thin column."""
    shown = run_cli("demo", "--data-dir", str(tmp_path / "d"), env={"COLUMNS": "80"})
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    table = next(i for i, line in enumerate(lines) if "what would be ingested" in line)
    progress = next(i for i, line in enumerate(lines) if line.startswith("run "))
    assert table < progress
    assert "  1040: content has 22 characters, fewer than the minimum 30" in lines
    assert "why the others stay out:" in lines[table:progress]


def test_help_shows_flags_without_a_value(tmp_path: Path) -> None:
    """A flag takes no value (`--json`, not `--json true`), so help shows none after it."""
    shown = run_cli("authors", "list", "--help", env={"COLUMNS": "120"})
    assert shown.returncode == 0, shown.stderr
    assert "<bool>" not in shown.stdout
    assert any("--search" in line and "<str>" in line for line in shown.stdout.splitlines())
