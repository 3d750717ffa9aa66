"""Crash trials, like the fault suite's: `changple legacy import` is SIGKILLed at a random moment
of its progress (once a random number of rows is marked carried, whatever the machine's speed today),
then run again to the end, and the store must be what an undisturbed import makes (compared by
natural keys, since ids a killed transaction took are never handed out again). Twelve trials over
one Django-built changple2 database (on SQLite, and on Postgres where the import skips unchanged
blocks of ids), each into a fresh changple store."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.legacy.changple2 import Changple2, ChangpleStore, changple2_database, write_media
from tests.legacy.test_legacy_cli import rows

TRIALS = 12


def snapshot(store: ChangpleStore) -> dict[str, Any]:
    """Everything an import writes, by natural keys."""
    titles = dict(rows(store, "SELECT id, title FROM contents"))
    messages = [
        (
            nonce,
            role,
            content,
            json.loads(h) if isinstance(h, str) else h,
            sorted(titles[i] for i in (json.loads(a) if isinstance(a, str) else a)),
        )
        for nonce, role, content, h, a in rows(
            store,
            "SELECT session_nonce, role, content, helpful_post_ids, attached_content_ids FROM chat_messages"
            " ORDER BY session_nonce, id",
        )
    ]
    return {
        "posts": rows(store, "SELECT article_id, content_hash, summary_hash, summary, keywords FROM posts ORDER BY 1"),
        "statuses": rows(store, "SELECT article_id, kind FROM post_statuses ORDER BY 1"),
        "authors": rows(store, "SELECT name, group_name, active FROM allowed_authors ORDER BY 1"),
        "brands": rows(store, "SELECT name, good_to_know FROM brands ORDER BY 1"),
        "users": rows(store, "SELECT social_id, role, name, nickname FROM users ORDER BY 1"),
        "contents": sorted(rows(store, "SELECT title, state, is_preferred FROM contents")),
        "views": sorted(
            rows(
                store,
                "SELECT u.social_id, c.title FROM content_views v JOIN users u ON u.id = v.user_id"
                " JOIN contents c ON c.id = v.content_id",
            )
        ),
        "sessions": rows(store, "SELECT nonce, title, message_count FROM chat_sessions ORDER BY 1"),
        "messages": messages,
        "marks": rows(store, "SELECT entity, count(*) FROM legacy_marks GROUP BY entity ORDER BY 1"),
        "blocks": rows(store, "SELECT entity, block_size, block, digest FROM legacy_blocks ORDER BY 1, 2, 3"),
    }


def _wait_for_progress(store: ChangpleStore, process: subprocess.Popen[bytes], *, marks: int) -> None:
    """Until the import has committed at least `marks` carried rows (or has ended): the moment to
    kill it is a point in its work, not a time, so a fast or a slow machine kills it alike."""
    deadline = time.monotonic() + 300
    while process.poll() is None and time.monotonic() < deadline:
        try:
            if rows(store, "SELECT count(*) FROM legacy_marks")[0][0] >= marks:
                return
        except Exception:  # noqa: BLE001 - the writer holds the file for a moment: look again
            pass
        time.sleep(0.01)


def import_args(legacy: Changple2, store: ChangpleStore) -> list[str]:
    return ["legacy", "import", "--from", legacy.url, "--media", str(legacy.media), "--json"]


@pytest.mark.parametrize("monolith", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_killed_import_rerun_ends_like_an_undisturbed_one(
    tmp_path: Path, monolith: str, request: pytest.FixtureRequest
) -> None:
    """On Postgres the import walks blocks of ids and remembers each block it carried whole: a
    kill must not leave a block remembered without its rows, or rows without their marks."""
    url = request.getfixturevalue("postgres_server").create_database() if monolith == "postgres" else None
    legacy = changple2_database(tmp_path / "changple2", postgres_url=url)
    write_media(legacy.media)
    legacy.fill("base")
    reference_store = ChangpleStore(tmp_path / "reference")
    assert reference_store.run("db", "upgrade")[0] == 0
    code, _, err = reference_store.run(*import_args(legacy, reference_store))
    assert code == 0, err
    reference = snapshot(reference_store)
    assert reference["posts"]
    assert reference["messages"]

    total_marks = sum(count for _, count in reference["marks"])
    chance = random.Random(18)
    killed = 0
    for trial in range(TRIALS):
        store = ChangpleStore(tmp_path / f"trial-{trial}")
        assert store.run("db", "upgrade")[0] == 0
        process = subprocess.Popen(
            [sys.executable, "-m", "changple_entrypoints", *import_args(legacy, store), "--data-dir", str(store.data)],
            env=store.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for_progress(store, process, marks=chance.randint(0, total_marks - 1))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed += 1
        process.wait(timeout=60)
        code, _, err = store.run(*import_args(legacy, store))
        assert code == 0, err
        assert snapshot(store) == reference, f"trial {trial}"
    assert killed >= TRIALS // 2  # most trials really were killed mid-import
