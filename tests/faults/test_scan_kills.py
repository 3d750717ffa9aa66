"""A scan's process killed with SIGKILL mid-walk, then the next scan: the dead scan is marked
interrupted instead of staying `running`, the next one finishes the walk, nothing is lost, and no id
is fetched twice except those still in the dead scan's record buffer (fetched, not yet recorded)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
from pathlib import Path

from tests.entrypoints.test_cli import CHANGPLE, run_cli
from tests.fixtures.naver_cafe.corpus import ARTICLES, LOGIN_ID, all_ids
from tests.fixtures.naver_cafe.snapshot import write_snapshot

PACED = {"CHANGPLE_SCAN_DELAY_MIN_SECONDS": "0.1", "CHANGPLE_SCAN_DELAY_MAX_SECONDS": "0.1"}
KILL_AFTER_LINES = 25  # past the first record (every 20 ids), before the walk's end
DEADLINE_SECONDS = 120


def _env(data: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHANGPLE_")}
    return {**env, **PACED, "CHANGPLE_DATA_DIR": data}


def _scan_and_kill(snapshot: Path, data: str, first_id: int) -> set[int]:
    """Start a scan, SIGKILL it once it has announced KILL_AFTER_LINES ids; the ids it looked at."""
    args = [*CHANGPLE, "scrape", "--snapshot", str(snapshot), "--from-id", str(first_id), "--json", "--no-refresh"]
    child = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=_env(data))
    assert child.stdout is not None
    seen: set[int] = set()
    try:
        for line in child.stdout:
            seen.add(json.loads(line)["article_id"])
            if len(seen) >= KILL_AFTER_LINES:
                child.send_signal(signal.SIGKILL)
                break
    finally:
        child.wait(timeout=DEADLINE_SECONDS)
    assert child.returncode == -signal.SIGKILL, "the scan ended before it could be killed"
    return seen


def _db(data: str, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(Path(data) / "changple.db") as db:
        return db.execute(sql).fetchall()


def test_a_killed_scan_is_interrupted_and_the_next_one_finishes_the_walk(tmp_path: Path) -> None:
    snapshot = tmp_path / "cafe"
    write_snapshot(snapshot, ids=[i for i in all_ids() if i != LOGIN_ID])
    data = str(tmp_path / "data")
    for author in {a.author for a in ARTICLES}:
        assert run_cli("authors", "add", author, "--data-dir", data).returncode == 0

    before_kill = _scan_and_kill(snapshot, data, min(all_ids()))
    ((recorded_up_to,),) = _db(data, "select max(article_id) from post_statuses")
    assert isinstance(recorded_up_to, int)
    assert _db(data, "select state from scan_runs") == [("running",)]  # nobody finished it

    nxt = run_cli("scrape", "--snapshot", str(snapshot), "--json", "--no-refresh", env=_env(data))

    assert nxt.returncode == 0, nxt.stderr
    *events, summary = [json.loads(line) for line in nxt.stdout.splitlines()]
    assert summary["summary"]["state"] == "succeeded"
    again = {e["article_id"] for e in events if e["phase"] == "new"} & before_kill
    assert all(article_id > recorded_up_to for article_id in again), "a recorded id was fetched again"
    assert len(again) <= 20  # at most the record buffer
    states = dict(_db(data, "select key, state from scan_runs"))
    assert sorted(states.values()) == ["interrupted", "succeeded"]
    saved = {row[0] for row in _db(data, "select article_id from posts")}
    assert saved == {a.article_id for a in ARTICLES if a.article_id != LOGIN_ID}  # nothing lost
