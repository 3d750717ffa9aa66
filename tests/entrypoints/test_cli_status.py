"""`changple scrape status ID` and `changple pipeline status --run ID` as an operator runs them: a
real process over the demo's store, with --json for scripts and one sentence for an unknown id."""

from __future__ import annotations

import json
from pathlib import Path

from tests.entrypoints.test_cli import run_cli


def test_a_scan_and_a_run_are_shown_by_id(tmp_path: Path) -> None:
    data = str(tmp_path / "d")
    demo = run_cli("demo", "--json", "--data-dir", data)
    assert demo.returncode == 0, demo.stderr
    report = json.loads(demo.stdout)
    scan_id, run_id = report["scan"]["id"], report["pipeline"]["run"]["id"]

    scan = run_cli("scrape", "status", scan_id, "--json", "--data-dir", data)
    assert scan.returncode == 0, scan.stderr
    shown = json.loads(scan.stdout)
    assert shown["id"] == scan_id
    assert shown["state"] == "succeeded"
    assert shown["counts"]["new"] == report["scan"]["new"]
    assert shown["finished_at"] is not None

    run = run_cli("pipeline", "status", "--run", run_id, "--json", "--data-dir", data)
    assert run.returncode == 0, run.stderr
    shown_run = json.loads(run.stdout)
    assert shown_run["state"] == "succeeded"
    assert shown_run["counts"]["indexed"] == report["eligible"]

    table = run_cli("pipeline", "status", "--run", run_id, "--data-dir", data)
    assert table.returncode == 0, table.stderr
    assert run_id in table.stdout
    assert "succeeded" in table.stdout
    scan_table = run_cli("scrape", "status", scan_id, "--data-dir", data)
    assert scan_table.returncode == 0
    assert "last article id" in scan_table.stdout


def test_an_unknown_id_is_one_sentence_and_exit_3(tmp_path: Path) -> None:
    data = str(tmp_path / "d")
    for args in (("scrape", "status", "scan-nope"), ("pipeline", "status", "--run", "run-nope")):
        result = run_cli(*args, "--data-dir", data)
        assert result.returncode == 3, result.stderr
        assert "nope" in result.stderr
        assert "Traceback" not in result.stderr
